/**
 * Waiting out a child workflow ID held by another run. Children have business IDs
 * (`ingest/BTC-USD/2024-01-15`), so a backfill and the daily pipeline working on the same day
 * want the same child ID; whoever starts second gets WorkflowExecutionAlreadyStartedError.
 * That is not a failure of the partition, only a collision in time: the other run is doing
 * the same work. So the caller waits (durable timers, growing backoff, bounded total wait),
 * asks whether the work is still needed, and starts the child again. Deterministic: time is
 * workflow time, every wait is a timer in the history.
 */
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { patched, sleep } from '@temporalio/workflow';

/**
 * Patch id of this behaviour. Runs that hit a conflict before it existed failed the partition at
 * once and must replay that way; the marker is only written when a conflict actually happens.
 */
export const WAIT_FOR_CHILD_ID_CONFLICT = 'backfill-wait-for-child-id-conflict';

/**
 * Patch id of the same behaviour in the daily pipeline. A separate id: pipeline runs that hit a
 * conflict before it existed failed at once, and must replay that way whatever the backfill did.
 */
export const PIPELINE_WAIT_FOR_CHILD_ID_CONFLICT = 'pipeline-wait-for-child-id-conflict';

/** How long a backfill (or the pipeline) waits for another run to release a child ID, unless its input says otherwise. */
export const DEFAULT_CONFLICT_WAIT_SECONDS = 600;

/** First wait after a conflict; each further wait doubles, up to {@link MAX_CONFLICT_BACKOFF_MS}. */
const FIRST_CONFLICT_BACKOFF_MS = 1_000;
/** A single wait never exceeds this, so a released ID is noticed within a minute. */
const MAX_CONFLICT_BACKOFF_MS = 60_000;

/** Error type of a partition given up on because its child ID stayed taken. */
export const CHILD_ID_CONFLICT_TYPE = 'ChildWorkflowIdConflict';

/** What became of a child whose start may have collided with another run: its result if it ran here. */
export type ChildOutcome<T> = { readonly status: 'ran'; readonly result: T } | { readonly status: 'done-elsewhere' };

/** What a backfill tells a person to do once it gave up, unless the caller says otherwise. */
const BACKFILL_ADVICE = 'Run the backfill again once that run has closed: it does only what is missing.';

/** Options of {@link runChildWaitingOutConflicts}. */
export interface ConflictWaitOptions {
  /** Total time to keep waiting for the ID, from the first conflict; 0 = give up at once. */
  readonly maxWaitSeconds: number;
  /**
   * Asked after each wait: is the child's work still to do? The other run may just have
   * materialized it, and then starting the child again would only redo it.
   */
  readonly stillNeeded: () => Promise<boolean>;
  /** Patch id guarding the wait; {@link WAIT_FOR_CHILD_ID_CONFLICT} (the backfill's) when absent. */
  readonly patchId?: string;
  /** The last sentence of the give-up failure: what to do next; the backfill's advice when absent. */
  readonly advice?: string;
}

/** `3 s`, `2.5 minutes`: how long the ID was held, for the failure message. */
function duration(ms: number): string {
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 6_000) / 10} minutes`;
}

/** The failure recorded for the partition once the bound is exhausted; names the holder and the time. */
function gaveUp(err: WorkflowExecutionAlreadyStartedError, heldMs: number, waits: number, advice: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: CHILD_ID_CONFLICT_TYPE,
    nonRetryable: true,
    message:
      `another run ${err.workflowId} (workflow type ${err.workflowType}, started by e.g. the daily pipeline or another backfill) ` +
      `held that workflow ID for ${duration(heldMs)}; gave up after ${waits} wait${waits === 1 ? '' : 's'}. ${advice}`,
  });
}

/**
 * Starts a child through `start` and waits for it; when the start fails because a run with the
 * child's ID is already running, waits with backoff and tries again until `maxWaitSeconds` are
 * spent, then fails with {@link CHILD_ID_CONFLICT_TYPE}. Any other error propagates unchanged.
 * Returns what `start` returned, or that the work was done elsewhere meanwhile.
 */
export async function runChildWaitingOutConflicts<T>(start: () => Promise<T>, options: ConflictWaitOptions): Promise<ChildOutcome<T>> {
  let firstConflictAt: number | undefined;
  let waits = 0;
  for (;;) {
    try {
      return { status: 'ran', result: await start() };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      // Checked only on a conflict, so runs that never collide carry no marker at all.
      if (!patched(options.patchId ?? WAIT_FOR_CHILD_ID_CONFLICT)) throw err;
      firstConflictAt ??= Date.now();
      const heldMs = Date.now() - firstConflictAt;
      const leftMs = options.maxWaitSeconds * 1000 - heldMs;
      if (leftMs <= 0) throw gaveUp(err, heldMs, waits, options.advice ?? BACKFILL_ADVICE);
      await sleep(Math.min(leftMs, FIRST_CONFLICT_BACKOFF_MS * 2 ** Math.min(waits, 16), MAX_CONFLICT_BACKOFF_MS));
      waits++;
      if (!(await options.stillNeeded())) return { status: 'done-elsewhere' };
    }
  }
}
