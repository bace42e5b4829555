/**
 * TEST ONLY: the pipeline with the lineage step added WITHOUT `patched()`, i.e. the mistake the
 * replay tests exist to catch. Otherwise a copy of src/workflows/pipeline.ts (imports point back
 * at the real modules). Never registered by a real worker; see test/replay/replay.test.ts.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { executeChild, upsertMemo, workflowInfo } from '@temporalio/workflow';
import { PipelineInput, type FeatureRef, type LegacyPipelineResult } from '../../../src/contracts';
import { lastCompleteDay } from '../../../src/core/dates';
import { getAlgorithm } from '../../../src/features';
import { parseInput } from '../../../src/core/failures';
import { allOrCancel, childOptions } from '../../../src/workflows/common';
import { evaluate } from '../../../src/workflows/evaluate';
import { features } from '../../../src/workflows/features';
import { ingest } from '../../../src/workflows/ingest';
import { checkLineage } from '../../../src/workflows/lineage';

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
export async function pipeline(rawInput: PipelineInput): Promise<LegacyPipelineResult> {
  const input = parseInput(PipelineInput, rawInput, 'pipeline');
  const date = input.date ?? defaultPartition();
  const range = { symbol: input.symbol, from: date, to: date };
  const started = Date.now();

  const candles = await executeChild(ingest, {
    args: [{ ...range, source: input.source }],
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
  // The change, unguarded: old histories have no ModifyWorkflowProperties event here.
  upsertMemo({ lineage: checkLineage(candles, [featuresB, featuresC]) });
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
