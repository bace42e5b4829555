/**
 * Metrics: the Temporal SDK runtime's own Prometheus endpoint (worker task slots, poll and
 * schedule-to-start latencies, workflow and activity outcomes, all prefixed `temporal_`).
 * Off by default: several workers on one machine would fight over one port; set
 * FEATUREFLOW_METRICS_ADDRESS=127.0.0.1:9464 (one address per process) to turn it on.
 */
import type { TelemetryOptions } from '@temporalio/worker';

/** The Runtime's telemetry options for an endpoint address (undefined = metrics off). */
export function metricsTelemetry(address: string | undefined): Pick<TelemetryOptions, 'metrics'> {
  if (!address) return {};
  return { metrics: { prometheus: { bindAddress: address } } };
}

/** The URL Prometheus scrapes for an endpoint address. */
export function metricsUrl(address: string): string {
  const [host, port] = address.split(':');
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/metrics`;
}
