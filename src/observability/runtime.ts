/**
 * Installs Temporal's process-wide Runtime with featureflow's logger (stdout + log store) and,
 * when configured, the Prometheus endpoint. The Runtime can be installed once per process, so
 * worker main, `npm start` and tests call {@link installObservability} before anything touches
 * Temporal, and attach a log store per database with {@link attachLogStore}.
 */
import { Runtime } from '@temporalio/worker';
import type { Config } from '../config';
import type { Db } from '../db/schema';
import { LogStore, startLogRetention, type LogStoreStats } from './log-store';
import { FeatureflowLogger } from './logger';
import { metricsTelemetry } from './metrics';

/** What {@link installObservability} needs (a subset of {@link Config}). */
export interface ObservabilityOptions {
  readonly logLevel: Config['observability']['logLevel'];
  /** `none` keeps stdout quiet (tests); the log store still receives every line. */
  readonly logFormat: Config['observability']['logFormat'] | 'none';
  readonly metricsAddress?: string;
}

let installed: FeatureflowLogger | undefined;

/**
 * Installs the Runtime once; later calls return the same logger. Throws when something else
 * installed a Runtime first (the logger would silently not be ours).
 */
export function installObservability(options: ObservabilityOptions): FeatureflowLogger {
  if (installed) return installed;
  const logger = new FeatureflowLogger({ level: options.logLevel, format: options.logFormat });
  Runtime.install({
    logger,
    telemetryOptions: {
      // Core's own (Rust) lines go through the same logger, so they reach stdout in the same format.
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...metricsTelemetry(options.metricsAddress),
    },
  });
  installed = logger;
  return logger;
}

/** The installed logger, if {@link installObservability} ran in this process. */
export function installedLogger(): FeatureflowLogger | undefined {
  return installed;
}

/** A log store attached to the process logger, with its retention timer. */
export interface AttachedLogStore {
  readonly store: LogStore;
  readonly stats: LogStoreStats;
  /** Detaches, flushes what is buffered and stops retention; call before closing the database. */
  close(): Promise<void>;
}

/** Attaches a log store writing into `db` (lines of `taskQueue` only, when given) and starts retention. */
export function attachLogStore(
  logger: FeatureflowLogger,
  db: Db,
  options: { retentionDays: number; taskQueue?: string },
): AttachedLogStore {
  const store = new LogStore({ db, accept: options.taskQueue ? (r) => r.taskQueue === options.taskQueue : undefined });
  const detach = logger.attach(store);
  const stopRetention = startLogRetention(db, options.retentionDays, (err) => logger.warn(`log retention failed: ${err.message}`));
  return {
    store,
    stats: store.stats,
    async close() {
      detach();
      stopRetention();
      await store.close();
    },
  };
}
