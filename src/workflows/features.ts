/** A feature flow (B, C, ...): compute one algorithm's features over a range of daily partitions. */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { FeaturesInput, type FeatureRef } from '../contracts';
import { parseInput } from '../core/failures';
import { onAffinityWorker } from './affinity';
import { ACTIVITY_OPTIONS, activityOptionsFor, cancelledIfWorkerLost, runSummary } from './common';

const { computeFeatures } = proxyActivities<Activities>(ACTIVITY_OPTIONS);

/** Computes and stores the algorithm's features for the range (its upstream partitions must be materialized). */
export async function features(rawInput: FeaturesInput): Promise<FeatureRef> {
  const input = parseInput(FeaturesInput, rawInput, 'features');
  const summary = `compute ${runSummary({ flow: `features-${input.algorithm}`, ...input })}`;
  return cancelledIfWorkerLost(
    onAffinityWorker(input.affinity, (route) => computeFeatures.executeWithOptions({ ...activityOptionsFor(input), ...route, summary }, [input])),
  );
}
