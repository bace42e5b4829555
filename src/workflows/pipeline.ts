/**
 * The parent flow: every active flow of the graph, each a child workflow, in dependency order
 * (A, then the feature flows in parallel, then D; a feature flow that reads another starts once
 * that one has finished). Results pass between flows as typed references; a failed child fails
 * the pipeline with its cause chain (root cause in the first line), cancels its running
 * siblings, and nothing downstream starts.
 *
 * The graph is fixed when the run starts and recorded in its history (the `resolveFlowGraph`
 * activity), so adding, retiring or replacing a flow never changes what a run in flight
 * replays; runs started before graphs were recorded replay with the graph they had (A -> {B, C} -> D).
 */
import { ApplicationFailure, defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { executeChild, isCancellation, patched, proxyActivities, upsertMemo, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  PipelineInput,
  type FeatureRef,
  type FlowGraphSnapshot,
  type FlowNode,
  type FlowRef,
  type PartitionRef,
  type PipelineResult,
} from '../contracts';
import { addDays, lastCompleteDay } from '../core/dates';
import { parseInput } from '../core/failures';
import { algorithmOf, evaluatedFlows, LEGACY_GRAPH } from '../flows/snapshot';
import { rootCauseLine } from './root-cause';
import { DEFAULT_CONFLICT_WAIT_SECONDS, PIPELINE_WAIT_FOR_CHILD_ID_CONFLICT, runChildWaitingOutConflicts } from './child-conflict';
import { childOptions } from './common';
import { evaluate } from './evaluate';
import { features } from './features';
import { runGraph } from './graph-run';
import { ingest } from './ingest';
import { checkLineage, LINEAGE_PATCH } from './lineage';

/** Set by Temporal on runs a schedule starts: the time the run was scheduled for. */
const ScheduledStartTimeKey = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** Patch ID: the pipeline runs the graph it resolved when it started, instead of the fixed A -> {B, C} -> D. */
export const FLOW_GRAPH_PATCH = 'pipeline-flow-graph';

// A regular activity, not a local one: its result is an ordinary event, so the patch markers
// after it replay in order whatever a query or signal does to the workflow task boundaries.
const { resolveFlowGraph } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: { maximumInterval: '10 seconds' } });

/**
 * The partition a run processes when none is given: the last complete UTC day before its
 * scheduled time (for scheduled runs, so a retried or late run keeps its day) or its start.
 */
function defaultPartition(): string {
  const info = workflowInfo();
  const scheduled = info.typedSearchAttributes.get(ScheduledStartTimeKey);
  return lastCompleteDay((scheduled ?? info.startTime).getTime());
}

/** The graph this run uses: given in its input, resolved once from the worker's registry, or (old runs) the legacy graph. */
async function graphOfRun(input: PipelineInput): Promise<FlowGraphSnapshot> {
  if (input.graph) return input.graph;
  return patched(FLOW_GRAPH_PATCH) ? resolveFlowGraph() : LEGACY_GRAPH;
}

/**
 * Starts a child through `start`, waiting out another run (typically a backfill on the same day)
 * that holds its business ID, and returns the child's result. The work is always still needed:
 * the pipeline needs its own child's typed reference, and re-running a flow is idempotent.
 * Past `maxWaitSeconds` it fails with ChildWorkflowIdConflict naming the other run.
 */
async function childWaitingOutConflicts<T>(start: () => Promise<T>, maxWaitSeconds: number): Promise<T> {
  const outcome = await runChildWaitingOutConflicts(start, {
    maxWaitSeconds,
    stillNeeded: async () => true,
    patchId: PIPELINE_WAIT_FOR_CHILD_ID_CONFLICT,
    advice: 'Run the pipeline for that day again once that run has closed: re-running a flow is idempotent.',
  });
  // Unreachable (stillNeeded is always true), but keeps the result typed without a cast.
  if (outcome.status !== 'ran') throw new Error('child reported done elsewhere although the pipeline still needs it');
  return outcome.result;
}

/** Runs the daily pipeline for one symbol and day; returns every flow's reference and duration. */
export async function pipeline(rawInput: PipelineInput): Promise<PipelineResult> {
  const input = parseInput(PipelineInput, rawInput, 'pipeline');
  const date = input.date ?? defaultPartition();
  const range = { symbol: input.symbol, from: date, to: date };
  const started = Date.now();
  const waitSeconds = input.conflictWaitSeconds ?? DEFAULT_CONFLICT_WAIT_SECONDS;
  const graph = await graphOfRun(input);
  const durations: Partial<Record<string, number>> = {};

  /** One flow's child, given the references of the flows finished so far. */
  const runFlow = async (node: FlowNode, done: ReadonlyMap<string, FlowRef>): Promise<FlowRef> => {
    const t0 = Date.now();
    const candles = done.get('ingest') as PartitionRef | undefined;
    let ref: FlowRef;
    if (node.kind === 'ingest') {
      const ingestQueue = input.ingestTaskQueue ? { activityTaskQueue: input.ingestTaskQueue } : {};
      // The day's features read the days before it: ingest those first where they are missing.
      const lookback = Math.max(0, ...graph.flows.map((f) => f.lookbackDays ?? 0));
      const lookbackFrom = lookback ? { lookbackFrom: addDays(date, -lookback) } : {};
      ref = await childWaitingOutConflicts(
        () =>
          executeChild(ingest, {
            args: [{ ...range, source: input.source, ...ingestQueue, ...lookbackFrom }],
            ...childOptions({ flow: node.id, ...range, source: input.source }),
          }),
        waitSeconds,
      );
    } else if (node.kind === 'features') {
      const algorithm = algorithmOf(node) as FeatureRef['algorithm'];
      ref = await childWaitingOutConflicts(
        () =>
          executeChild(features, {
            args: [{ ...range, algorithm, ...(candles ? { candles } : {}) }],
            ...childOptions({ flow: node.id, ...range, codeVersion: node.version }),
          }),
        waitSeconds,
      );
    } else {
      const scored = evaluatedFlows(graph, node);
      const featureRefs = scored.map((f) => done.get(f.id) as FeatureRef);
      // Added after release: runs started before it have no lineage step in their histories, and
      // patched() keeps them replaying as they ran. Retire per docs/changing-workflows.md.
      if (candles && patched(LINEAGE_PATCH)) upsertMemo({ lineage: checkLineage(candles, featureRefs) });
      ref = await childWaitingOutConflicts(
        () =>
          executeChild(evaluate, {
            args: [{ ...range, algorithms: scored.map((f) => algorithmOf(f) as FeatureRef['algorithm']), features: featureRefs }],
            ...childOptions({ flow: node.id, ...range }),
          }),
        waitSeconds,
      );
    }
    durations[node.id] = Date.now() - t0;
    return ref;
  };

  let refs: Map<string, FlowRef>;
  try {
    refs = await runGraph(graph.flows, runFlow);
  } catch (err) {
    // A cancelled pipeline stays cancelled.
    if (isCancellation(err)) throw err;
    // The Web UI and `temporal workflow list` show a failure's first line: make it the root cause.
    throw ApplicationFailure.create({ message: rootCauseLine(err), type: 'PipelineFailed', nonRetryable: true, cause: err as Error });
  }
  return {
    symbol: input.symbol,
    date,
    graph,
    refs: Object.fromEntries(graph.flows.map((f) => [f.id, refs.get(f.id)])) as PipelineResult['refs'],
    timings: { flows: durations as PipelineResult['timings']['flows'], totalMs: Date.now() - started },
  };
}
