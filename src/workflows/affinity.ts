/**
 * Running a flow's activity on the worker that holds its inputs. A backfill routes each window
 * to one worker's own task queue (`src/temporal/worker-affinity.ts` names it, the planning
 * activity reports it), so the features of a window read the candles that same worker has just
 * written from its partition cache, and the evaluation reads those features the same way. A
 * second worker then takes other windows instead of re-reading this one's from the database.
 *
 * A worker's own queue has one poller: if that worker is gone, nobody takes the task. The
 * schedule-to-start timeout bounds the wait (Temporal does not retry that timeout: retrying
 * would put the task back on the same queue), and the activity then runs on the flow's own
 * queue, where any worker takes it. Deterministic: the queue and the wait come from the input.
 */
import { ActivityFailure, CancellationScope, log, TimeoutFailure, type ActivityOptions } from '@temporalio/workflow';
import type { ActivityAffinity } from '../contracts';

/**
 * How long an activity waits on a worker's own queue before it runs on the shared one. A live
 * worker takes its tasks at once (its own queue has activity slots of its own); one that is
 * busier than its slots only loses the cache for that activity by the fallback.
 */
export const AFFINITY_WAIT_SECONDS = 5;

/** Did the activity time out waiting in a task queue (no worker took it)? */
function notTakenInTime(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === 'SCHEDULE_TO_START';
}

/**
 * Runs `execute` with the options of `affinity` (the worker's queue and a schedule-to-start
 * timeout); if no worker took it in time, runs it again with no routing (the caller's own
 * queue) and says so in the result (`affinityMissed`). Without an affinity, runs it once as given.
 */
export async function onAffinityWorker<T extends object>(
  affinity: ActivityAffinity | undefined,
  execute: (route: Partial<ActivityOptions>) => Promise<T>,
): Promise<T & { affinityMissed?: string }> {
  if (!affinity) return execute({});
  try {
    return await execute({ taskQueue: affinity.taskQueue, scheduleToStartTimeout: affinity.waitSeconds * 1000 });
  } catch (err) {
    if (!notTakenInTime(err) || CancellationScope.current().consideredCancelled) throw err;
    log.warn(`no worker took the activity from ${affinity.taskQueue} within ${affinity.waitSeconds} s (that worker is gone?); running it on the flow's own task queue`);
    // Said in the result, so the backfill that routed here stops sending work to that queue.
    return { ...(await execute({})), affinityMissed: affinity.taskQueue };
  }
}
