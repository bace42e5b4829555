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
 */
import { condition } from '@temporalio/workflow';
import type { PlannedRun } from '../backfill/plan';
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
  /** Plans one window of one phase and records its skips and upstream failures against `lane`. */
  plan(part: WindowPart, lane: BackfillLane): Promise<PlannedRun[]>;
  /** Starts the child of a run, counting its outcome against `lane`; resolves when it has ended (failures are recorded, not thrown). */
  start(run: PlannedRun, lane: BackfillLane): Promise<void>;
  /** Children running now. */
  running(): number;
  stopped(): boolean;
  paused(): boolean;
  /** Checked before each start: true makes the scheduler stop starting children and return. */
  continueAsNewDue(): boolean;
}

/** How the scheduler ended: every lane finished, the backfill was stopped, or it should continue as new. */
export type LanesOutcome = 'done' | 'stopped' | 'continue-as-new';

/** A planned run waiting for a slot, and how to tell its lane once it has ended. */
interface Queued {
  readonly lane: number;
  readonly run: PlannedRun;
  readonly onStarted: (ended: Promise<void>) => void;
}

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

  const lane = async (j: number): Promise<void> => {
    const state = host.lanes[j];
    for (; state.window < host.windows.length; state.window++, state.done = 0, state.skipped = 0) {
      const w = state.window;
      await condition(
        () =>
          leaving ||
          host.stopped() ||
          ((j === 0 || host.lanes[j - 1].window > w) && (j === last || w - host.lanes[j + 1].window <= LANE_LEAD)),
      );
      if (leaving || host.stopped()) return;
      const runs = await host.plan({ phase: host.usedPhases[j], ...host.windows[w] }, state);
      // The window is finished once every run's child has ended (it is started by the dispatcher below).
      await Promise.all(runs.map((run) => new Promise<void>((resolve, reject) => queue.push({ lane: j, run, onStarted: (ended) => ended.then(resolve, reject) }))));
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
