/** Reading fetched workflow histories in tests. */
import type { temporal } from '@temporalio/proto';

/** The payload text of every patch marker in a history: which patches the run went through. */
export function patchMarkers(events: temporal.api.history.v1.IHistoryEvent[]): string[] {
  return events
    .map((e) => e.markerRecordedEventAttributes)
    .filter((m) => m?.markerName === 'core_patch')
    .flatMap((m) => Object.values(m?.details ?? {}).flatMap((p) => (p.payloads ?? []).map((x) => Buffer.from(x.data ?? []).toString('utf8'))));
}
