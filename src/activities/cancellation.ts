/**
 * Cooperative cancellation for long activities. Activities work partition by partition; between
 * partitions they heartbeat and stop here if the workflow asked them to, so a cancelled child
 * ends promptly with every finished partition committed and none half-written.
 */
import { setImmediate } from 'node:timers/promises';
import type { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';

/** The last checkpoint of each running activity, which keep-alive heartbeats repeat. */
const progress = new WeakMap<Context, Record<string, unknown>>();

/** How often {@link keepAlive} heartbeats; the SDK sends at most one heartbeat per 2 s (src/worker.ts). */
export const KEEP_ALIVE_MS = 1000;

/**
 * Heartbeats every `intervalMs` until the returned function is called, repeating the last
 * checkpoint's details. A heartbeat says "this worker is alive", which is all the heartbeat
 * timeout is for; without this, any wait longer than the timeout with no partition boundary in
 * it (a busy SQLite lock, a storage retry riding out an outage, a slow read) would look like a
 * dead worker and start a second attempt next to the first. A worker that dies stops the timer.
 */
export function keepAlive(ctx: Context, intervalMs = KEEP_ALIVE_MS): () => void {
  const timer = setInterval(() => ctx.heartbeat({ ...progress.get(ctx), alive: true }), intervalMs);
  return () => clearInterval(timer);
}

/**
 * Lets the event loop run, heartbeats `details` and throws a CancelledFailure if cancellation
 * has been requested. Yielding matters: a partition's work can be all in memory (cached reads,
 * queued writes), and an activity that never yields to the event loop starves the worker's
 * polls, heartbeats (cancellation arrives in their responses) and every other activity.
 */
export async function checkpoint(ctx: Context, details: Record<string, unknown>): Promise<void> {
  await setImmediate();
  progress.set(ctx, details);
  ctx.heartbeat(details);
  if (ctx.cancellationSignal.aborted) {
    throw new CancelledFailure(`activity ${ctx.info.activityType} cancelled before ${JSON.stringify(details)}; finished partitions are kept`);
  }
}

/**
 * Runs `work` while heartbeating every `intervalMs`: a slow source call then still receives
 * cancellation (delivered only in heartbeat responses), gives up waiting when it does, and does
 * not look like a dead worker.
 */
export async function withHeartbeats<T>(ctx: Context, details: Record<string, unknown>, work: () => Promise<T>, intervalMs = 1000): Promise<T> {
  const timer = setInterval(() => ctx.heartbeat({ ...details, waiting: true }), intervalMs);
  try {
    // Stop waiting as soon as cancellation arrives, even if the call ignores its AbortSignal:
    // the flow is waiting for this activity to acknowledge, and nothing was written yet.
    return await Promise.race([work(), ctx.cancelled]);
  } finally {
    clearInterval(timer);
  }
}
