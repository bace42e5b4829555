/** Reading fetched workflow histories in tests. */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

/** The payload text of every patch marker in a history: which patches the run went through. */
export function patchMarkers(events: temporal.api.history.v1.IHistoryEvent[]): string[] {
  return events
    .map((e) => e.markerRecordedEventAttributes)
    .filter((m) => m?.markerName === 'core_patch')
    .flatMap((m) => Object.values(m?.details ?? {}).flatMap((p) => (p.payloads ?? []).map((x) => Buffer.from(x.data ?? []).toString('utf8'))));
}

/** Polls until the run's history shows a child start refused because the ID was taken. */
export async function conflictSeen(client: Client, workflowId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    if (history.events?.some((e) => e.startChildWorkflowExecutionFailedEventAttributes)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${workflowId} did not run into the child ID conflict within 30 s`);
}

/** The decoded (JSON) first argument of every scheduled activity of a type, in history order. */
export function activityInputs(events: temporal.api.history.v1.IHistoryEvent[], activityType: string): unknown[] {
  return events
    .map((e) => e.activityTaskScheduledEventAttributes)
    .filter((a) => a?.activityType?.name === activityType)
    .map((a) => JSON.parse(Buffer.from(a?.input?.payloads?.[0]?.data ?? []).toString('utf8')) as unknown);
}
