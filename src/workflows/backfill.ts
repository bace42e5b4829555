/**
 * The backfill flow: materializes chosen flows over a date range, skipping what the ledger
 * already has at the current code version. Phase by phase (ingest, features, evaluate), it
 * asks an activity for a plan (runs of up to K contiguous days) and starts one child workflow
 * per run through a sliding window of at most `concurrency` children. It continues as new
 * every `continueAsNewAfter` children, carrying only counters and failed partitions; the next
 * run re-plans from the ledger, so what finished is skipped. Cancel, pause/resume and a
 * progress query make it controllable while it runs.
 */
import {
  CancellationScope,
  condition,
  executeChild,
  makeContinueAsNewFunc,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BackfillPlan } from '../activities/backfill';
import type { PlannedRun, RunRef } from '../backfill/plan';
import { failedPartitionCount, runRef } from '../backfill/plan';
import {
  BackfillInput,
  rangeDays,
  type BackfillCarry,
  type BackfillLane,
  type BackfillCounters,
  type BackfillProgress,
  type BackfillResult,
  type FailedPartitions,
  type FlowGraphSnapshot,
  type FlowNode,
} from '../contracts';
import { closureOf, levelNames, levelsOf } from '../flows/graph';
import { algorithmOf, evaluatedFlows, LEGACY_GRAPH } from '../flows/snapshot';
import { parseInput } from '../core/failures';
import type { FeaturesInput } from '../contracts';
import { backfillProgressQuery, backfillSearchAttributes, pauseBackfillSignal, resumeBackfillSignal } from './backfill-api';
import { DEFAULT_CONFLICT_WAIT_SECONDS, runChildWaitingOutConflicts } from './child-conflict';
import { withDefaultChunkDays } from './chunk-days';
import { PLAN_AHEAD_PATCH, runLanes } from './lanes';
import { runsInWindows, windowDays, windowsOf } from './windows';
import { WindowRoutes, WORKER_AFFINITY_PATCH } from './window-routes';
import { AFFINITY_WAIT_SECONDS } from './affinity';
import type { WorkerAffinity } from '../activities/deps';
import { ACTIVITY_OPTIONS, childOptions } from './common';
import { evaluate } from './evaluate';
import { features } from './features';
import { ingest } from './ingest';

export { backfillProgressQuery, pauseBackfillSignal, resumeBackfillSignal } from './backfill-api';

const { planBackfill } = proxyActivities<Activities>({ ...ACTIVITY_OPTIONS, startToCloseTimeout: '5 minutes' });
// A regular activity: a local activity's marker followed by the windowed-phases patch marker in
// one workflow task did not replay when a query arrived on a worker without the run cached.
const { resolveFlowGraph } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: { maximumInterval: '10 seconds' } });

/** Patch ID: a backfill resolves its graph when it starts (and carries it), instead of the fixed A -> {B, C} -> D. */
export const BACKFILL_FLOW_GRAPH_PATCH = 'backfill-flow-graph';

/**
 * The graph this backfill chain uses: carried in its input, resolved once on the first run of a
 * new chain, or (chains started before graphs were recorded) the legacy graph.
 */
async function graphOfChain(input: BackfillInput): Promise<FlowGraphSnapshot> {
  if (input.graph) return input.graph;
  if (input.carry) return LEGACY_GRAPH;
  return patched(BACKFILL_FLOW_GRAPH_PATCH) ? resolveFlowGraph() : LEGACY_GRAPH;
}

/** Day-major order of planned runs: by first day, then symbol, then flow. */
const dayMajor = (a: PlannedRun, b: PlannedRun): number =>
  a.from < b.from ? -1 : a.from > b.from ? 1 : a.symbol.localeCompare(b.symbol) || a.flow.localeCompare(b.flow);

/** The deepest cause of a failure as `Type: message`: what a person needs to fix a partition. */
function rootCauseText(err: unknown): string {
  let cur: unknown = err;
  while (cur && typeof cur === 'object' && 'cause' in cur && (cur as { cause?: unknown }).cause) cur = (cur as { cause: unknown }).cause;
  const e = cur as { type?: string; message?: string } | undefined;
  const message = e?.message ?? String(cur);
  return e?.type && !message.startsWith(`${e.type}:`) ? `${e.type}: ${message}` : message;
}

/** Starts the child workflow of one planned run and waits for it. */
async function runChild(
  run: PlannedRun,
  node: FlowNode,
  graph: FlowGraphSnapshot,
  source: BackfillInput['source'],
  heartbeatTimeoutSeconds?: number,
  ingestTaskQueue?: string,
  worker?: WorkerAffinity,
): Promise<string | undefined> {
  const range = { symbol: run.symbol, from: run.from, to: run.to };
  const hb = heartbeatTimeoutSeconds ? { heartbeatTimeoutSeconds } : {};
  // The window's worker (window-routes.ts), for the activities it hosts; left out when none, as before it existed.
  const affinity = worker ? { affinity: { taskQueue: worker.taskQueue, waitSeconds: AFFINITY_WAIT_SECONDS } } : {};
  switch (node.kind) {
    case 'ingest': {
      const src = source ?? 'synthetic';
      // A run's ingest queue (rate-limited ingest workers) wins over the window's worker.
      const queue = ingestTaskQueue ? { activityTaskQueue: ingestTaskQueue } : worker?.hostsIngest ? affinity : {};
      const ref = await executeChild(ingest, { args: [{ ...range, ...hb, ...queue, source: src }], ...childOptions({ flow: run.flow, ...range, source: src }) });
      return ref.affinityMissed;
    }
    case 'evaluate': {
      const algorithms = (run.targets ?? evaluatedFlows(graph, node).map(algorithmOf)) as Array<FeaturesInput['algorithm']>;
      const ref = await executeChild(evaluate, { args: [{ ...range, ...hb, ...affinity, algorithms }], ...childOptions({ flow: run.flow, ...range, codeVersion: run.codeVersion }) });
      return ref.affinityMissed;
    }
    case 'features': {
      const algorithm = algorithmOf(node) as FeaturesInput['algorithm'];
      const ref = await executeChild(features, { args: [{ ...range, ...hb, ...affinity, algorithm }], ...childOptions({ flow: run.flow, ...range, codeVersion: run.codeVersion }) });
      return ref.affinityMissed;
    }
  }
}

/** Runs a backfill (or the next run of its continue-as-new chain); returns counts and failed partitions. */
export async function backfill(rawInput: BackfillInput): Promise<BackfillResult> {
  const input = parseInput(BackfillInput, withDefaultChunkDays(rawInput), 'backfill');
  const carry = input.carry;
  // The total is known once the graph is (below); handlers are registered before that, so a
  // progress query never finds the backfill without them.
  const counters: BackfillCounters = carry?.counters ?? {
    total: 0,
    done: 0,
    skipped: 0,
    failed: 0,
    children: 0,
    failures: 0,
  };
  const failed: FailedPartitions[] = carry?.failed ?? [];
  const startedAt = carry?.startedAt ?? Date.now();
  const runNumber = carry?.runs ?? 1;
  let paused = carry?.paused ?? false;
  let phaseIndex = carry?.phase ?? 0;
  let phaseName = 'planning';
  // A pipelined backfill describes where each lane is instead (set once its windows are known).
  let describePhase = (): string => phaseName;
  let stopped = false;
  let runningPartitions = 0;
  const inFlight = new Set<Promise<boolean>>();
  let startedThisRun = 0;

  setHandler(pauseBackfillSignal, () => void (paused = true));
  setHandler(resumeBackfillSignal, () => void (paused = false));
  setHandler(backfillProgressQuery, (): BackfillProgress => {
    const elapsedS = Math.max(0.001, (Date.now() - startedAt) / 1000);
    const rate = counters.done / elapsedS;
    const remaining = counters.total - counters.done - counters.skipped - counters.failed;
    return {
      total: counters.total,
      done: counters.done,
      skipped: counters.skipped,
      failed: counters.failed,
      running: runningPartitions,
      runningChildren: inFlight.size,
      paused,
      phase: describePhase(),
      partitionsPerSecond: rate,
      etaSeconds: remaining === 0 ? 0 : rate > 0 ? remaining / rate : null,
      startedAt,
      runs: runNumber,
    };
  });

  const graph = await graphOfChain(input);
  const flows = closureOf(graph.flows, input.flows, input.withUpstream);
  // The graph's levels are the phases (A; feature flows; flows reading those; D): one lane each.
  const PHASES = levelsOf(graph.flows).map((level, i, all) => ({ name: levelNames(all)[i], flows: level.map((n) => n.id) }));
  const nodeById = new Map(graph.flows.map((n) => [n.id as string, n]));
  if (!carry) counters.total = rangeDays(input.from, input.to) * flows.length * new Set(input.symbols).size;

  const recordFailure = (f: FailedPartitions): void => {
    failed.push(f);
    counters.failed += failedPartitionCount([f]);
    counters.failures++;
    if (counters.failures > input.maxFailures) stopped = true;
  };

  /**
   * After waiting out another run that held this run's child ID (typically the daily pipeline
   * on the same day): does the ledger still lack any of its partitions? Re-planned over just
   * this run, with the backfill's own `force` cut-off, so what the other run just wrote counts.
   */
  const stillNeeded = async (run: PlannedRun): Promise<boolean> => {
    const again = await planBackfill({
      graph,
      symbols: [run.symbol],
      flows: [run.flow],
      selected: input.flows,
      from: run.from,
      to: run.to,
      chunkDays: input.chunkDays,
      force: input.force,
      forceBefore: startedAt,
      exclude: [],
    });
    return again.runs.length > 0 || again.upstreamMissing.length > 0;
  };

  /** Done and skipped partitions of the current phase (or of one lane's window), for re-plans after continue-as-new. */
  type Tally = { done: number; skipped: number };
  const phaseTally: Tally = { done: carry?.phaseDone ?? 0, skipped: carry?.phaseSkipped ?? 0 };

  /** Where each window's work goes (windowed backfills with worker affinity; set below). */
  let routes: WindowRoutes | undefined;

  /** Starts a run's child; resolves once it has ended, true if its partitions are materialized (done here or by the run that held its ID). */
  const startRun = (run: PlannedRun, tally: Tally = phaseTally, worker?: WorkerAffinity): Promise<boolean> => {
    counters.children++;
    startedThisRun++;
    runningPartitions += run.days;
    const child = async () => {
      const missed = await runChild(run, nodeById.get(run.flow) as FlowNode, graph, input.source, input.heartbeatTimeoutSeconds, input.ingestTaskQueue, worker);
      // Its activity waited in vain on that worker's queue: the worker is gone, route around it.
      if (missed) routes?.missed(missed);
    };
    const p: Promise<boolean> = runChildWaitingOutConflicts(child, {
      maxWaitSeconds: input.conflictWaitSeconds ?? DEFAULT_CONFLICT_WAIT_SECONDS,
      stillNeeded: () => stillNeeded(run),
    })
      .then(
        (outcome) => {
          // Done by the run that held the child ID while we waited: nothing left to do, so skipped.
          if (outcome.status === 'done-elsewhere') {
            counters.skipped += run.days;
            tally.skipped += run.days;
            return true;
          }
          counters.done += run.days;
          tally.done += run.days;
          return true;
        },
        (err: unknown) => {
          // Our own cancellation propagates; anything else (even a child cancelled by someone else) is this run's failure.
          if (CancellationScope.current().consideredCancelled) throw err;
          recordFailure({ flow: run.flow, symbol: run.symbol, from: run.from, to: run.to, error: rootCauseText(err) });
          return false;
        },
      )
      .finally(() => {
        runningPartitions -= run.days;
        inFlight.delete(p);
      });
    inFlight.add(p);
    return p;
  };

  /**
   * Asks the planning activity for one phase over `from..to`, counting `assumed` upstream runs
   * still in flight as materialized (the field is left out when there are none, as before it existed).
   */
  const draftPart = (phase: number, from: string, to: string, assumed: readonly RunRef[] = []): Promise<BackfillPlan> =>
    planBackfill({
      graph,
      symbols: [...new Set(input.symbols)],
      flows: PHASES[phase].flows.filter((f) => flows.includes(f)),
      selected: input.flows,
      from,
      to,
      chunkDays: input.chunkDays,
      force: input.force,
      forceBefore: startedAt,
      exclude: failed,
      ...(assumed.length ? { assumed: assumed.map(runRef) } : {}),
    });

  /** Takes a plan into the backfill: counts what it newly skips against `tally`, records upstream failures, returns its runs in start order. */
  const adoptPlan = (plan: BackfillPlan, tally: Tally): PlannedRun[] => {
    // After continue-as-new, what was already done or skipped here shows up as skipped again.
    const newlySkipped = Math.max(0, plan.skipped - tally.done - tally.skipped);
    counters.skipped += newlySkipped;
    tally.skipped += newlySkipped;
    for (const f of plan.upstreamMissing) recordFailure(f);
    // Day-major order: every symbol and flow of the phase advances together.
    return [...plan.runs].sort(dayMajor);
  };

  const continueAsNewDue = (): boolean => startedThisRun >= input.continueAsNewAfter || workflowInfo().continueAsNewSuggested;

  // Several phases: a pipeline of windows (lanes.ts), unless this chain started before it.
  // Asked only when it matters, so single-phase runs record no marker.
  const usedPhases = PHASES.flatMap((p, i) => (p.flows.some((f) => flows.includes(f)) ? [i] : []));
  const windowed = usedPhases.length > 1 && runsInWindows(carry);
  const lanes: BackfillLane[] = carry?.lanes ?? usedPhases.map(() => ({ window: 0, done: 0, skipped: 0 }));
  let continueAsNew = false;
  try {
    if (windowed) {
      const windows = windowsOf(input.from, input.to, input.windowDays ?? windowDays(input.chunkDays));
      // e.g. "ingest window 5 of 30, features window 4 of 30, evaluate window 3 of 30" (windows each lane is on).
      // "window 1 of 3", not "1/3": a bare fraction read as progress (1/1 at 0 % looked finished).
      describePhase = () =>
        phaseName !== 'pipeline'
          ? phaseName
          : usedPhases.map((p, j) => `${PHASES[p].name} window ${Math.min(lanes[j].window + 1, windows.length)} of ${windows.length}`).join(', ');
      phaseName = 'pipeline';
      // Each window's work on one worker, which holds what it reads (window-routes.ts).
      routes = patched(WORKER_AFFINITY_PATCH) ? new WindowRoutes() : undefined;
      const outcome = await runLanes({
        windows,
        usedPhases,
        concurrency: input.concurrency,
        lanes,
        planAhead: patched(PLAN_AHEAD_PATCH),
        draft: async (part, assumed) => {
          const plan = await draftPart(part.phase, part.from, part.to, assumed);
          routes?.planned(plan.worker);
          return plan;
        },
        adopt: (plan, lane) => adoptPlan(plan, lane),
        // A lane runs one window at a time: its runs are that window's, and go to its worker.
        start: (run, lane) => startRun(run, lane, routes?.routeOf(lane.window)),
        running: () => inFlight.size,
        stopped: () => stopped,
        paused: () => paused,
        continueAsNewDue,
      });
      continueAsNew = outcome === 'continue-as-new';
      await Promise.all(inFlight);
    }
    for (; !windowed && phaseIndex < PHASES.length && !stopped && !continueAsNew; phaseIndex++, phaseTally.done = 0, phaseTally.skipped = 0) {
      if (!usedPhases.includes(phaseIndex)) continue;
      phaseName = PHASES[phaseIndex].name;
      const runs = adoptPlan(await draftPart(phaseIndex, input.from, input.to), phaseTally);
      for (const run of runs) {
        await condition(() => stopped || (!paused && inFlight.size < input.concurrency));
        if (stopped) break;
        if (continueAsNewDue()) {
          continueAsNew = true;
          break;
        }
        startRun(run);
      }
      await Promise.all(inFlight);
      if (continueAsNew) break;
    }
  } catch (err) {
    // Cancelled: every in-flight child was asked to cancel; wait until each has, so nothing is left running.
    await Promise.allSettled([...inFlight]);
    throw err;
  }

  if (continueAsNew && !stopped) {
    const next: BackfillCarry = {
      counters,
      failed,
      phase: windowed ? 0 : phaseIndex,
      phaseDone: phaseTally.done,
      phaseSkipped: phaseTally.skipped,
      ...(windowed ? { lanes } : {}),
      startedAt,
      paused,
      runs: runNumber + 1,
    };
    const goOn = makeContinueAsNewFunc<typeof backfill>({ typedSearchAttributes: backfillSearchAttributes(input) });
    return goOn({ ...input, graph, carry: next });
  }
  phaseName = stopped ? 'stopped' : 'done';
  const notAttempted = counters.total - counters.done - counters.skipped - counters.failed;
  return {
    status: stopped ? 'stopped' : failed.length ? 'completed-with-failures' : 'completed',
    total: counters.total,
    done: counters.done,
    skipped: counters.skipped,
    failed: counters.failed,
    notAttempted,
    children: counters.children,
    runs: runNumber,
    elapsedMs: Date.now() - startedAt,
    failures: failed,
  };
}
