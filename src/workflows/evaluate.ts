/** Flow D: evaluate feature sets against forward returns over a range of daily partitions. */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { EvaluateInput, type EvaluationRef } from '../contracts';
import { parseInput } from '../core/failures';
import { ACTIVITY_OPTIONS, activityOptionsFor, cancelledIfWorkerLost, runSummary } from './common';

const { evaluateFeatures } = proxyActivities<Activities>(ACTIVITY_OPTIONS);

/** Scores each feature set (information coefficients) and stores the per-day rows. */
export async function evaluate(rawInput: EvaluateInput): Promise<EvaluationRef> {
  const input = parseInput(EvaluateInput, rawInput, 'evaluate');
  return cancelledIfWorkerLost(
    evaluateFeatures.executeWithOptions({ ...activityOptionsFor(input), summary: `score ${runSummary({ flow: 'evaluate', ...input })}` }, [input]),
  );
}
