/**
 * What every flow workflow shares: activity retry policy and timeouts, cancellation of an
 * activity whose worker died, child-workflow options (business IDs, search attributes, Web UI
 * summaries) and the fail-fast sibling helper.
 * Deterministic: no I/O, no clocks or randomness outside Temporal's APIs.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  CancellationScope,
  CancelledFailure,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  patched,
  TimeoutFailure,
  type ActivityOptions,
  type ChildWorkflowOptions,
} from '@temporalio/workflow';
import { DEFAULT_HEARTBEAT_TIMEOUT_SECONDS } from '../contracts';
import { NON_RETRYABLE_TYPES } from '../core/failures';
import { flowWorkflowId } from '../core/ids';
import { flowSearchAttributes, runSummary, type ChildRun } from '../core/run-metadata';

export { runSummary } from '../core/run-metadata';

/**
 * Activity options of every flow: retries are for transient faults (a locked database, a
 * flaky network) with exponential backoff; the error types in NON_RETRYABLE_TYPES fail at once.
 * The heartbeat timeout is how long a dead worker's activity waits before Temporal retries it
 * elsewhere: activities heartbeat while they run (`keepAlive` in src/activities/cancellation.ts;
 * the SDK sends one every 2 s at most), so 10 s is five missed heartbeats (docs/reliability.md).
 */
export const ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: DEFAULT_HEARTBEAT_TIMEOUT_SECONDS * 1000,
  retry: {
    initialInterval: '500 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 6,
    nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES],
  },
};

/**
 * ACTIVITY_OPTIONS with the heartbeat timeout a flow input asks for, if any. Replay-safe: the
 * value comes from the (recorded) input, never from the worker's environment.
 */
export function activityOptionsFor(input: { readonly heartbeatTimeoutSeconds?: number }): ActivityOptions {
  // A cancelled flow waits for its activity to stop at a partition boundary, so nothing keeps
  // writing after the workflow reports it was cancelled. Patched: runs that started before
  // this change cancelled their activities without waiting and must replay that way.
  const cancellationType = patched(WAIT_FOR_ACTIVITY_CANCELLATION)
    ? ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
    : ActivityCancellationType.TRY_CANCEL;
  const heartbeat = input.heartbeatTimeoutSeconds ? { heartbeatTimeout: input.heartbeatTimeoutSeconds * 1000 } : {};
  return { ...ACTIVITY_OPTIONS, ...heartbeat, cancellationType };
}

/** Patch id of the change that made flows wait for their activities to acknowledge cancellation. */
export const WAIT_FOR_ACTIVITY_CANCELLATION = 'activity-wait-cancellation';

/** Patch id of the change that closes a cancelled flow as CANCELED when its activity's worker died. */
export const CANCELLED_WHEN_WORKER_LOST = 'cancelled-when-activity-worker-lost';

/**
 * Awaits a flow's activity; when the flow was cancelled and the activity then timed out instead
 * of acknowledging (its worker died: nobody was left to stop it, and Temporal does not retry an
 * activity whose cancellation was requested), the flow ends CANCELED, as asked, not FAILED.
 * Patched: runs that started before this change failed there and must replay that way.
 */
export async function cancelledIfWorkerLost<T>(activity: Promise<T>): Promise<T> {
  try {
    return await activity;
  } catch (err) {
    const lost = err instanceof ActivityFailure && err.cause instanceof TimeoutFailure;
    if (lost && CancellationScope.current().consideredCancelled && patched(CANCELLED_WHEN_WORKER_LOST)) {
      throw new CancelledFailure(`cancelled; the activity did not acknowledge before its ${err.cause.message.toLowerCase()} (its worker is gone), so nothing is writing`);
    }
    throw err;
  }
}

/**
 * Options for starting a flow as a child: a business ID, search attributes, a summary, and
 * cancellation that waits for the child to finish cancelling (so nothing is left running).
 */
export function childOptions(run: ChildRun): Omit<ChildWorkflowOptions, 'typeInfo'> {
  return {
    workflowId: flowWorkflowId(run.flow, run.symbol, run.from, run.to),
    typedSearchAttributes: flowSearchAttributes(run),
    staticSummary: runSummary(run),
    cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
    parentClosePolicy: ParentClosePolicy.TERMINATE,
  };
}

/**
 * Runs tasks concurrently and fails fast: when one fails, the others are cancelled (and
 * awaited, so their cancellation is recorded) before the first error is rethrown.
 */
export async function allOrCancel<T>(tasks: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  const scope = new CancellationScope();
  const running = tasks.map((task) => scope.run(task));
  try {
    return await Promise.all(running);
  } catch (err) {
    scope.cancel();
    await Promise.allSettled(running);
    throw err;
  }
}
