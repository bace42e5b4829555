/** Flows B and C: compute one feature algorithm over a range of daily partitions. */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { FeaturesInput, type FeatureRef } from '../contracts';
import { getAlgorithm } from '../features';
import { parseInput } from '../failures';
import { featureFlow } from '../ids';
import { ACTIVITY_OPTIONS, activityOptionsFor, runSummary } from './common';

const { computeFeatures } = proxyActivities<Activities>(ACTIVITY_OPTIONS);

/** Computes and stores the algorithm's features for the range (its candles must be ingested). */
export async function features(rawInput: FeaturesInput): Promise<FeatureRef> {
  const input = parseInput(FeaturesInput, rawInput, 'features');
  const codeVersion = getAlgorithm(input.algorithm).version;
  return computeFeatures.executeWithOptions(
    { ...activityOptionsFor(input), summary: `compute ${runSummary({ flow: featureFlow(input.algorithm), ...input, codeVersion })}` },
    [input],
  );
}
