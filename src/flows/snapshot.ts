/**
 * The graph a run uses, as plain data recorded in its history. A pipeline or backfill fixes its
 * graph when it starts (resolved once by the `resolveFlowGraph` activity from the worker's
 * registry, then carried in its input across continue-as-new), so adding, retiring or replacing
 * a flow never changes the commands a run in flight replays. Runs started before graphs were
 * recorded replay with {@link LEGACY_GRAPH}, the graph they ran with.
 */
import type { FlowGraphSnapshot, FlowNode } from '../contracts';
import { MINUTES_PER_DAY } from '../core/dates';
import type { FlowGraph } from './graph';

/** The graph of every run started before runs recorded their graph: A -> {B, C} -> D. */
export const LEGACY_GRAPH: FlowGraphSnapshot = {
  flows: [
    { id: 'ingest', kind: 'ingest', upstream: [], version: 'source' },
    { id: 'features-b', kind: 'features', upstream: ['ingest'], version: 'b-1.0.0' },
    { id: 'features-c', kind: 'features', upstream: ['ingest'], version: 'c-1.0.0' },
    { id: 'evaluate', kind: 'evaluate', upstream: ['features-b', 'features-c'], version: 'eval-1.0.0' },
  ],
};

/** The active part of a graph as a run records it: ids, kinds, upstreams and versions, in topological order. */
export function snapshotOf(graph: FlowGraph): FlowGraphSnapshot {
  return {
    flows: graph.active.map((f) => ({
      id: f.id,
      kind: f.kind,
      upstream: [...f.upstream],
      version: f.version,
      lookbackDays: Math.ceil(f.lookbackMinutes / MINUTES_PER_DAY),
    })) as FlowNode[],
  };
}

/** The algorithm id of a feature flow's node: `features-c` -> `c`. */
export function algorithmOf(node: Pick<FlowNode, 'id'>): string {
  return node.id.replace(/^features-/, '');
}

/** The feature flows an evaluate node scores (its upstreams that are feature flows). */
export function evaluatedFlows(graph: FlowGraphSnapshot, evaluate: FlowNode): FlowNode[] {
  return graph.flows.filter((f) => f.kind === 'features' && evaluate.upstream.includes(f.id));
}
