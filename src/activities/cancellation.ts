/**
 * Cooperative cancellation for long activities. Activities work partition by partition; between
 * partitions they heartbeat and stop here if the workflow asked them to, so a cancelled child
 * ends promptly with every finished partition committed and none half-written.
 */
import type { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';

/** Heartbeats `details` and throws a CancelledFailure if cancellation has been requested. */
export function checkpoint(ctx: Context, details: Record<string, unknown>): void {
  ctx.heartbeat(details);
  if (ctx.cancellationSignal.aborted) {
    throw new CancelledFailure(`activity ${ctx.info.activityType} cancelled before ${JSON.stringify(details)}; finished partitions are kept`);
  }
}

/**
 * Runs `work` while heartbeating every `intervalMs`: a slow source call then still receives
 * cancellation (delivered only in heartbeat responses) and does not look like a dead worker.
 */
export async function withHeartbeats<T>(ctx: Context, details: Record<string, unknown>, work: () => Promise<T>, intervalMs = 1000): Promise<T> {
  const timer = setInterval(() => ctx.heartbeat({ ...details, waiting: true }), intervalMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
