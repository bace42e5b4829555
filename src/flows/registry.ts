/**
 * The flow graph, declared once. Each line is a flow; a feature algorithm is one file under
 * `src/features/` plus one line here. Everything else — pipeline fan-out, backfill phases,
 * staleness, D's evaluated set, tables, CLI values, report, search attributes — derives from
 * this list (see docs/adding-a-flow.md). Retire a flow with `{ retired: true }`; never delete a
 * line whose data exists (its tables and scores stay readable through it).
 */
import { featuresB } from '../features/b';
import { featuresC } from '../features/c';
import { featuresE } from '../features/e';
import { EVALUATION_VERSION } from '../features/evaluation';
import { buildFlowGraph } from './graph';
import { evaluateFlow, featureFlow, ingestFlow } from './define';

/** Every flow, in declaration order. */
export const FLOW_DEFINITIONS = [
  ingestFlow(),
  featureFlow(featuresB),
  featureFlow(featuresC),
  featureFlow(featuresE),
  evaluateFlow(EVALUATION_VERSION),
] as const;

/** The name of a declared flow: `'ingest' | 'features-b' | 'features-c' | 'evaluate'` (and any added above). */
export type FlowId = (typeof FLOW_DEFINITIONS)[number]['id'];

/** The product's validated graph (validated when this module loads: a bad line fails every entry point at once). */
export const FLOW_GRAPH = buildFlowGraph<FlowId>(FLOW_DEFINITIONS);

/** Every declared flow name, in topological order, as a non-empty tuple (for `z.enum`). */
export const FLOW_IDS = FLOW_GRAPH.flows.map((f) => f.id) as [FlowId, ...FlowId[]];
