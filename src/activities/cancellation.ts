/**
 * Cooperative cancellation for long activities. Activities work partition by partition; between
 * partitions they heartbeat and stop here if the workflow asked them to, so a cancelled child
 * ends promptly with every finished partition committed and none half-written.
 */
import { setImmediate } from 'node:timers/promises';
import type { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';

/**
 * Lets the event loop run, heartbeats `details` and throws a CancelledFailure if cancellation
 * has been requested. Yielding matters: a partition's work can be all in memory (cached reads,
 * queued writes), and an activity that never yields to the event loop starves the worker's
 * polls, heartbeats (cancellation arrives in their responses) and every other activity.
 */
export async function checkpoint(ctx: Context, details: Record<string, unknown>): Promise<void> {
  await setImmediate();
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
