/** Flow D: evaluate feature sets against forward returns over a range of daily partitions. */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { EvaluateInput, type EvaluationRef } from '../contracts';
import { parseInput } from '../core/failures';
import { onAffinityWorker } from './affinity';
import { ACTIVITY_OPTIONS, activityOptionsFor, cancelledIfWorkerLost, runSummary } from './common';

const { evaluateFeatures } = proxyActivities<Activities>(ACTIVITY_OPTIONS);

/** Scores each feature set (information coefficients) and stores the per-day rows. */
export async function evaluate(rawInput: EvaluateInput): Promise<EvaluationRef> {
  const input = parseInput(EvaluateInput, rawInput, 'evaluate');
  const summary = `score ${runSummary({ flow: 'evaluate', ...input })}`;
  return cancelledIfWorkerLost(
    onAffinityWorker(input.affinity, (route) => evaluateFeatures.executeWithOptions({ ...activityOptionsFor(input), ...route, summary }, [input])),
  );
}
