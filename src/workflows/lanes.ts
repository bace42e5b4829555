/**
 * The pipeline scheduler of a windowed backfill (see `windows.ts`): one lane per phase (ingest,
 * features, evaluate), each taking the windows in order. A lane starts a window once the lane
 * before it has finished that window (which covers the look-back days of the window before),
 * and at most {@link LANE_LEAD} windows ahead of the lane after it, so the partition cache holds
 * everything still to be read. No step barrier: ingest of the next window starts while features
 * and evaluation of earlier ones are still running, and the database writer stays busy.
 *
 * Children of all lanes share one sliding window of `concurrency` slots; a free slot goes to the
 * latest lane first (the oldest window), so data is read soon after it was written. Deterministic
 * workflow code: no I/O, only conditions, activities (planning) and children (through `start`).
 *
 * Planning is off the critical path (patch {@link PLAN_AHEAD_PATCH}): while a lane runs window w
 * it drafts window w + 1, as soon as the lane before it has drafted that window, counting that
 * lane's runs still in flight as materialized. When it may start w + 1, it keeps the draft only
 * if every run it assumed succeeded, and otherwise plans the window again from the ledger alone.
 */
import { condition } from '@temporalio/workflow';
import type { BackfillPlan } from '../activities/backfill';
import { runKey, type PlannedRun, type RunRef } from '../backfill/plan';
import type { BackfillLane } from '../contracts';
import type { Window, WindowPart } from './windows';

/** How many windows a lane may run ahead of the lane after it. */
export const LANE_LEAD = 1;

/** What a lane needs from the backfill it schedules for. */
export interface LaneHost {
  readonly windows: readonly Window[];
  /** Indexes into PHASES of the phases the backfill runs, in order: one lane each. */
  readonly usedPhases: readonly number[];
  readonly concurrency: number;
  /** Where each lane is: carried across continue-as-new. */
  readonly lanes: BackfillLane[];
  /**
   * Plans a lane's next window while its current one runs (patch {@link PLAN_AHEAD_PATCH}); off,
   * a lane plans a window only once it may start it.
   */
  readonly planAhead: boolean;
  /**
   * Asks for the plan of one window of one phase, counting `assumed` upstream runs (still in
   * flight) as materialized; records nothing.
   */
  draft(part: WindowPart, assumed: readonly RunRef[]): Promise<BackfillPlan>;
  /** Takes a plan into the backfill: records its skips and upstream failures against `lane`; returns its runs in start order. */
  adopt(plan: BackfillPlan, lane: BackfillLane): PlannedRun[];
  /**
   * Starts the child of a run, counting its outcome against `lane`; resolves when it has ended,
   * true if its partitions are materialized (failures are recorded, not thrown).
   */
  start(run: PlannedRun, lane: BackfillLane): Promise<boolean>;
  /** Children running now. */
  running(): number;
  stopped(): boolean;
  paused(): boolean;
  /** Checked before each start: true makes the scheduler stop starting children and return. */
  continueAsNewDue(): boolean;
}

/** A drafted plan of one window and the upstream runs (keys) it assumed would succeed. */
interface Drafted {
  readonly plan: BackfillPlan;
  readonly assumed: readonly string[];
}

/** How the scheduler ended: every lane finished, the backfill was stopped, or it should continue as new. */
export type LanesOutcome = 'done' | 'stopped' | 'continue-as-new';

/** A planned run waiting for a slot, and how to tell its lane once it has ended. */
interface Queued {
  readonly lane: number;
  readonly run: PlannedRun;
  readonly onStarted: (ended: Promise<boolean>) => void;
}

/** Patch ID: lanes plan their next window ahead, assuming upstream runs in flight succeed. */
export const PLAN_AHEAD_PATCH = 'backfill-plan-ahead';

/**
 * Runs every lane to the end, or until the backfill is stopped or due to continue as new. Returns
 * without waiting for the children it started (the host tracks and awaits those).
 */
export async function runLanes(host: LaneHost): Promise<LanesOutcome> {
  const queue: Queued[] = [];
  const last = host.usedPhases.length - 1;
  let lanesRunning = host.usedPhases.length;
  let laneError: unknown;
  let leaving = false;

  // Plan-ahead bookkeeping, within this workflow run: the runs each lane has planned and not yet
  // finished (what a downstream draft may assume), the runs that materialized their partitions,
  // and how many windows each lane has drafted.
  const inFlightRuns = host.usedPhases.map(() => new Map<string, PlannedRun>());
  const succeeded = new Set<string>();
  const drafted = host.lanes.map((l) => l.window);

  /** Lane j's phase over window w: what it plans. */
  const partOf = (j: number, w: number): WindowPart => ({ phase: host.usedPhases[j], ...host.windows[w] });

  /** May lane j start window w? Its upstream lane has finished w, and its downstream lane is at most LANE_LEAD behind. */
  const ready = (j: number, w: number): boolean =>
    (j === 0 || host.lanes[j - 1].window > w) && (j === last || w - host.lanes[j + 1].window <= LANE_LEAD);

  /**
   * Drafts lane j's plan of window w once the upstream lane has drafted it, assuming (when
   * `assume`) that the upstream runs of the window in flight will succeed. Undefined when the
   * backfill stops or leaves first.
   */
  const drafting = async (j: number, w: number, assume = true): Promise<Drafted | undefined> => {
    await condition(() => leaving || host.stopped() || j === 0 || drafted[j - 1] > w);
    if (leaving || host.stopped()) return undefined;
    const window = host.windows[w];
    const assumed = assume && j > 0 ? [...inFlightRuns[j - 1].values()].filter((r) => r.from <= window.to && r.to >= window.from) : [];
    const plan = await host.draft(partOf(j, w), assumed);
    // A re-plan replaces the draft's runs: downstream drafts that assumed them will re-plan too.
    for (const [key, run] of inFlightRuns[j]) if (run.from <= window.to && run.to >= window.from) inFlightRuns[j].delete(key);
    for (const run of plan.runs) inFlightRuns[j].set(runKey(run), run);
    drafted[j] = Math.max(drafted[j], w + 1);
    return { plan, assumed: assumed.map(runKey) };
  };

  /** Queues a run for the dispatcher; resolves once its child has ended. */
  const enqueue = (j: number, run: PlannedRun): Promise<void> =>
    new Promise<void>((resolve, reject) =>
      queue.push({
        lane: j,
        run,
        onStarted: (ended) =>
          ended.then((ok) => {
            inFlightRuns[j].delete(runKey(run));
            if (ok) succeeded.add(runKey(run));
            resolve();
          }, reject),
      }),
    );

  const lane = async (j: number): Promise<void> => {
    const state = host.lanes[j];
    let next: Promise<Drafted | undefined> | undefined;
    for (; state.window < host.windows.length; state.window++, state.done = 0, state.skipped = 0) {
      const w = state.window;
      // Planning ahead: the plan drafted while the previous window ran (or now, for the first).
      let draft = host.planAhead ? await (next ?? drafting(j, w)) : undefined;
      if (host.planAhead && !draft) return;
      await condition(() => leaving || host.stopped() || ready(j, w));
      if (leaving || host.stopped()) return;
      if (!draft) draft = { plan: await host.draft(partOf(j, w), []), assumed: [] };
      // An upstream run the draft assumed did not succeed (or was planned again): plan from the ledger.
      else if (!draft.assumed.every((key) => succeeded.has(key))) draft = await drafting(j, w, false);
      if (!draft) return;
      const runs = host.adopt(draft.plan, state);
      if (host.planAhead && w + 1 < host.windows.length) {
        next = drafting(j, w + 1);
        // Awaited at the next window; until then a failure must not count as unhandled.
        next.catch(() => undefined);
      }
      // The window is finished once every run's child has ended (it is started by the dispatcher below).
      await Promise.all(runs.map((run) => enqueue(j, run)));
    }
  };
  for (let j = 0; j <= last; j++) {
    void lane(j).then(
      () => void lanesRunning--,
      (err: unknown) => {
        laneError ??= err;
        lanesRunning--;
      },
    );
  }

  let outcome: LanesOutcome = 'done';
  for (;;) {
    await condition(
      () => laneError !== undefined || host.stopped() || lanesRunning === 0 || (!host.paused() && queue.length > 0 && host.running() < host.concurrency),
    );
    if (laneError !== undefined) throw laneError;
    if (host.stopped()) {
      outcome = 'stopped';
      break;
    }
    if (lanesRunning === 0) break;
    if (host.continueAsNewDue()) {
      outcome = 'continue-as-new';
      break;
    }
    // The latest lane first (evaluate, then features, then ingest); within a lane, plan order.
    let pick = 0;
    for (let k = 1; k < queue.length; k++) if (queue[k].lane > queue[pick].lane) pick = k;
    const [next] = queue.splice(pick, 1);
    next.onStarted(host.start(next.run, host.lanes[next.lane]));
  }
  // Lanes still waiting for a window give up; children already started run to their end.
  leaving = true;
  return outcome;
}
