/**
 * The parent flow: A, then B and C in parallel, then D, each a child workflow.
 * Results pass between flows as typed references; a failed child fails the pipeline with its
 * cause chain, cancels its running sibling, and nothing downstream starts.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { executeChild, patched, upsertMemo, workflowInfo } from '@temporalio/workflow';
import { PipelineInput, type FeatureRef, type PipelineResult } from '../contracts';
import { lastCompleteDay } from '../dates';
import { getAlgorithm } from '../features';
import { parseInput } from '../failures';
import { DEFAULT_CONFLICT_WAIT_SECONDS, PIPELINE_WAIT_FOR_CHILD_ID_CONFLICT, runChildWaitingOutConflicts } from './child-conflict';
import { allOrCancel, childOptions } from './common';
import { evaluate } from './evaluate';
import { features } from './features';
import { ingest } from './ingest';
import { checkLineage, LINEAGE_PATCH } from './lineage';

/** Set by Temporal on runs a schedule starts: the time the run was scheduled for. */
const ScheduledStartTimeKey = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/**
 * The partition a run processes when none is given: the last complete UTC day before its
 * scheduled time (for scheduled runs, so a retried or late run keeps its day) or its start.
 */
function defaultPartition(): string {
  const info = workflowInfo();
  const scheduled = info.typedSearchAttributes.get(ScheduledStartTimeKey);
  return lastCompleteDay((scheduled ?? info.startTime).getTime());
}

/**
 * Starts a child through `start`, waiting out another run (typically a backfill on the same day)
 * that holds its business ID, and returns the child's result. The work is always still needed:
 * the pipeline needs its own child's typed reference, and re-running a flow is idempotent.
 * Past `maxWaitSeconds` it fails with ChildWorkflowIdConflict naming the other run.
 */
async function childWaitingOutConflicts<T>(start: () => Promise<T>, maxWaitSeconds: number): Promise<T> {
  const outcome = await runChildWaitingOutConflicts(start, {
    maxWaitSeconds,
    stillNeeded: async () => true,
    patchId: PIPELINE_WAIT_FOR_CHILD_ID_CONFLICT,
    advice: 'Run the pipeline for that day again once that run has closed: re-running a flow is idempotent.',
  });
  // Unreachable (stillNeeded is always true), but keeps the result typed without a cast.
  if (outcome.status !== 'ran') throw new Error('child reported done elsewhere although the pipeline still needs it');
  return outcome.result;
}

/** Runs the daily pipeline for one symbol and day; returns every child's reference and the timings. */
export async function pipeline(rawInput: PipelineInput): Promise<PipelineResult> {
  const input = parseInput(PipelineInput, rawInput, 'pipeline');
  const date = input.date ?? defaultPartition();
  const range = { symbol: input.symbol, from: date, to: date };
  const started = Date.now();
  const waitSeconds = input.conflictWaitSeconds ?? DEFAULT_CONFLICT_WAIT_SECONDS;

  const ingestQueue = input.ingestTaskQueue ? { activityTaskQueue: input.ingestTaskQueue } : {};
  const candles = await childWaitingOutConflicts(
    () =>
      executeChild(ingest, {
        args: [{ ...range, source: input.source, ...ingestQueue }],
        ...childOptions({ flow: 'ingest', ...range, source: input.source }),
      }),
    waitSeconds,
  );
  const ingested = Date.now();

  const durations: Record<'b' | 'c', number> = { b: 0, c: 0 };
  const featureRun = (algorithm: 'b' | 'c') => async (): Promise<FeatureRef> => {
    const t0 = Date.now();
    const ref = await childWaitingOutConflicts(
      () =>
        executeChild(features, {
          args: [{ ...range, algorithm, candles }],
          ...childOptions({ flow: `features-${algorithm}`, ...range, codeVersion: getAlgorithm(algorithm).version }),
        }),
      waitSeconds,
    );
    durations[algorithm] = Date.now() - t0;
    return ref;
  };
  const [featuresB, featuresC] = await allOrCancel([featureRun('b'), featureRun('c')]);
  // Added after release: runs started before it have no lineage step in their histories, and
  // patched() keeps them replaying as they ran. Retire per docs/changing-workflows.md.
  if (patched(LINEAGE_PATCH)) {
    upsertMemo({ lineage: checkLineage(candles, [featuresB, featuresC]) });
  }
  const featured = Date.now();

  const evaluation = await childWaitingOutConflicts(
    () =>
      executeChild(evaluate, {
        args: [{ ...range, algorithms: ['b', 'c'], features: [featuresB, featuresC] }],
        ...childOptions({ flow: 'evaluate', ...range }),
      }),
    waitSeconds,
  );
  const finished = Date.now();

  return {
    symbol: input.symbol,
    date,
    ingest: candles,
    featuresB,
    featuresC,
    evaluation,
    timings: {
      ingestMs: ingested - started,
      featuresBMs: durations.b,
      featuresCMs: durations.c,
      evaluateMs: finished - featured,
      totalMs: finished - started,
    },
  };
}
