/**
 * What every flow workflow shares: activity retry policy, child-workflow options (business
 * IDs, search attributes, Web UI summaries) and the fail-fast sibling helper.
 * Deterministic: no I/O, no clocks or randomness outside Temporal's APIs.
 */
import {
  ActivityCancellationType,
  CancellationScope,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  patched,
  type ActivityOptions,
  type ChildWorkflowOptions,
} from '@temporalio/workflow';
import { NON_RETRYABLE_TYPES } from '../failures';
import { flowWorkflowId } from '../ids';
import { flowSearchAttributes, runSummary, type ChildRun } from '../run-metadata';

export { runSummary } from '../run-metadata';

/**
 * Activity options of every flow: retries are for transient faults (a locked database, a
 * flaky network) with exponential backoff; the error types in NON_RETRYABLE_TYPES fail at once.
 * Heartbeats let a dead worker's activity be retried elsewhere within a minute.
 */
export const ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
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
