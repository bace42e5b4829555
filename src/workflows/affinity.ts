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
 *
 * A worker cut off from Temporal is worse than a dead one: its long polls stay open on the
 * server, which hands them tasks that then time out (heartbeat), one attempt each. On its own
 * queue nobody else competes, so Temporal's retries all went to it and the activity failed after
 * its last attempt (seen with a simulated host cut off mid-backfill, test/production/zombie.test.ts).
 * So an activity on a worker's queue gets ONE attempt; if it fails in a way the flow's retry
 * policy would retry, it runs on the shared queue with that policy (patch `affinity-one-attempt`).
 */
import { ActivityFailure, ApplicationFailure, CancellationScope, log, patched, TimeoutFailure, type ActivityOptions } from '@temporalio/workflow';
import type { ActivityAffinity } from '../contracts';
import { NON_RETRYABLE_TYPES } from '../core/failures';

/** Patch id of the change that gives an activity one attempt on a worker's queue, then the shared queue. */
export const AFFINITY_ONE_ATTEMPT_PATCH = 'affinity-one-attempt';

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

/** Did the activity time out on its worker (no heartbeat, or no result in time: that worker is gone or cut off)? */
function workerLost(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure;
}

/** Would the flow's retry policy try this failure again? Then it is tried on the shared queue. */
function retryable(err: unknown): boolean {
  if (!(err instanceof ActivityFailure)) return false;
  const cause = err.cause;
  if (cause instanceof TimeoutFailure) return true;
  return cause instanceof ApplicationFailure && !cause.nonRetryable && !(NON_RETRYABLE_TYPES as readonly string[]).includes(cause.type ?? '');
}

/**
 * Runs `execute` with the options of `affinity` (the worker's queue, a schedule-to-start
 * timeout, one attempt); if no worker took it in time, or its one attempt failed in a way the
 * flow retries, runs it again with no routing (the caller's own queue and retry policy). A
 * timeout (the worker is gone or unreachable) is said in the result (`affinityMissed`) so the
 * backfill stops routing there. Without an affinity, runs it once as given.
 */
export async function onAffinityWorker<T extends object>(
  affinity: ActivityAffinity | undefined,
  execute: (route: Partial<ActivityOptions>) => Promise<T>,
): Promise<T & { affinityMissed?: string }> {
  if (!affinity) return execute({});
  const oneAttempt = patched(AFFINITY_ONE_ATTEMPT_PATCH);
  try {
    return await execute({ taskQueue: affinity.taskQueue, scheduleToStartTimeout: affinity.waitSeconds * 1000, ...(oneAttempt ? { retry: { maximumAttempts: 1 } } : {}) });
  } catch (err) {
    const fallBack = notTakenInTime(err) || (oneAttempt && retryable(err));
    if (!fallBack || CancellationScope.current().consideredCancelled) throw err;
    if (notTakenInTime(err)) log.warn(`no worker took the activity from ${affinity.taskQueue} within ${affinity.waitSeconds} s (that worker is gone?); running it on the flow's own task queue`);
    else log.warn(`the activity failed on ${affinity.taskQueue} (${(err as ActivityFailure).cause?.message}); running it on the flow's own task queue`);
    const result = await execute({});
    // A lost worker is said in the result, so the backfill that routed here stops sending work to that queue.
    return notTakenInTime(err) || workerLost(err) ? { ...result, affinityMissed: affinity.taskQueue } : result;
  }
}
