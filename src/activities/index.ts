/**
 * All activities, built from their dependencies. Workflows import only the *type* of this
 * module (for `proxyActivities`), never the implementation.
 */
import type { ActivityDeps } from './deps';
import { makePlanBackfill } from './backfill';
import { makeEvaluateFeatures } from './evaluate';
import { makeComputeFeatures } from './features';
import { makeResolveFlowGraph } from './flows';
import { makeIngestCandles } from './ingest';
import { makeScheduleActivities } from './schedule';

export type { ActivityDeps } from './deps';

/** Creates the activity implementations a worker registers. */
export function createActivities(deps: ActivityDeps) {
  return {
    ingestCandles: makeIngestCandles(deps),
    computeFeatures: makeComputeFeatures(deps),
    evaluateFeatures: makeEvaluateFeatures(deps),
    planBackfill: makePlanBackfill(deps),
    resolveFlowGraph: makeResolveFlowGraph(deps),
    ...makeScheduleActivities(deps),
  };
}

/** The activity interface, for `proxyActivities<Activities>()` in workflows. */
export type Activities = ReturnType<typeof createActivities>;
