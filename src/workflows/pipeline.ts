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

/** Runs the daily pipeline for one symbol and day; returns every child's reference and the timings. */
export async function pipeline(rawInput: PipelineInput): Promise<PipelineResult> {
  const input = parseInput(PipelineInput, rawInput, 'pipeline');
  const date = input.date ?? defaultPartition();
  const range = { symbol: input.symbol, from: date, to: date };
  const started = Date.now();

  const ingestQueue = input.ingestTaskQueue ? { activityTaskQueue: input.ingestTaskQueue } : {};
  const candles = await executeChild(ingest, {
    args: [{ ...range, source: input.source, ...ingestQueue }],
    ...childOptions({ flow: 'ingest', ...range, source: input.source }),
  });
  const ingested = Date.now();

  const durations: Record<'b' | 'c', number> = { b: 0, c: 0 };
  const featureRun = (algorithm: 'b' | 'c') => async (): Promise<FeatureRef> => {
    const t0 = Date.now();
    const ref = await executeChild(features, {
      args: [{ ...range, algorithm, candles }],
      ...childOptions({ flow: `features-${algorithm}`, ...range, codeVersion: getAlgorithm(algorithm).version }),
    });
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

  const evaluation = await executeChild(evaluate, {
    args: [{ ...range, algorithms: ['b', 'c'], features: [featuresB, featuresC] }],
    ...childOptions({ flow: 'evaluate', ...range }),
  });
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
