/**
 * The flow graph as this worker implements it: what a pipeline or backfill records when it
 * starts (an activity, so the answer lands in the run's history and replays unchanged),
 * and the lookups every activity makes before a table name reaches SQL.
 */
import type { FlowGraphSnapshot } from '../contracts';
import { invalidInput } from '../core/failures';
import type { FlowDefinition, FlowGraph } from '../flows';
import { FLOW_GRAPH, snapshotOf } from '../flows';
import type { FeatureAlgorithm } from '../features/types';
import type { ActivityDeps } from './deps';

export { evaluationAsset } from '../db/ledger';

/** The graph of a worker's activities. */
export function graphOf(deps: Pick<ActivityDeps, 'flows'>): FlowGraph {
  return deps.flows ?? FLOW_GRAPH;
}

/** A flow this worker knows, or a non-retryable InvalidInput naming the known ones. */
export function flowOf(deps: Pick<ActivityDeps, 'flows'>, id: string): FlowDefinition {
  const graph = graphOf(deps);
  const flow = graph.get(id);
  if (!flow) throw invalidInput(`unknown flow '${id}'; this worker knows ${graph.flows.map((f) => f.id).join(', ')} (is it running older code?)`);
  return flow;
}

/** The feature flow of an algorithm id, with its algorithm. */
export function featureFlowOf(deps: Pick<ActivityDeps, 'flows'>, algorithmId: string): FlowDefinition & { readonly algorithm: FeatureAlgorithm } {
  const flow = flowOf(deps, `features-${algorithmId}`);
  if (flow.kind !== 'features' || !flow.algorithm) throw invalidInput(`flow '${flow.id}' is not a feature flow`);
  return flow as FlowDefinition & { readonly algorithm: FeatureAlgorithm };
}

/** Creates the activity that resolves the graph a new run will use. */
export function makeResolveFlowGraph(deps: ActivityDeps) {
  /** The active flows of this worker's registry, as the run records them. */
  return async function resolveFlowGraph(): Promise<FlowGraphSnapshot> {
    return snapshotOf(graphOf(deps));
  };
}
