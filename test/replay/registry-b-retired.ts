/**
 * TEST ONLY: the flow registry of a later release, where B is retired and E is active. The
 * replay test bundles the workflows with this file in place of `src/flows/registry.ts`, and every
 * recorded history must still replay: a run uses the graph it recorded when it started, never
 * the registry of the code that replays it.
 */
import { featuresB } from '../../src/features/b';
import { featuresC } from '../../src/features/c';
import { featuresE } from '../../src/features/e';
import { EVALUATION_VERSION } from '../../src/features/evaluation';
import { buildFlowGraph } from '../../src/flows/graph';
import { evaluateFlow, featureFlow, ingestFlow } from '../../src/flows/define';

/** Every flow, B retired. */
export const FLOW_DEFINITIONS = [ingestFlow(), featureFlow(featuresB, { retired: true }), featureFlow(featuresC), featureFlow(featuresE), evaluateFlow(EVALUATION_VERSION)] as const;

/** The flow names of this registry. */
export type FlowId = (typeof FLOW_DEFINITIONS)[number]['id'];

/** The validated graph. */
export const FLOW_GRAPH = buildFlowGraph<FlowId>(FLOW_DEFINITIONS);

/** Every declared flow name, in topological order. */
export const FLOW_IDS = FLOW_GRAPH.flows.map((f) => f.id) as [FlowId, ...FlowId[]];
