/**
 * Which worker a backfill window's work goes to (patch {@link WORKER_AFFINITY_PATCH}). Every
 * planning activity reports the queue of the worker that ran it (`BackfillPlan.worker`); the
 * workers seen in the last {@link RECENT_PLANS} plans are the live ones. A window is given to
 * one of them, in turn by window number, the first time one of its runs starts, and keeps it:
 * the ingest, features and evaluation of its days all run on that worker, which holds what they
 * read in its partition cache. A worker that stops planning (it is gone) drops out of the turn
 * after a few plans; its windows already given fall back to the shared queue (`affinity.ts`).
 *
 * Deterministic: built only from recorded activity results and window numbers. Not carried
 * across continue-as-new: the next run gives the windows in flight out again (at worst a
 * window's reads then miss the cache once).
 */
import type { WorkerAffinity } from '../activities/deps';

/** Patch ID: backfills route each window's activities to one worker's own task queue. */
export const WORKER_AFFINITY_PATCH = 'backfill-worker-affinity';

/** How many recent plans' workers count as live. */
export const RECENT_PLANS = 12;

/** The workers of recent plans, and the worker each window was given. */
export class WindowRoutes {
  private readonly recent: WorkerAffinity[] = [];
  private readonly byWindow = new Map<number, WorkerAffinity>();

  /** Records the worker that ran a plan (none from a worker without a queue of its own). */
  planned(worker: WorkerAffinity | undefined): void {
    if (!worker) return;
    this.recent.push(worker);
    if (this.recent.length > RECENT_PLANS) this.recent.shift();
  }

  /** The worker of window `w`: the one it was given, else the next live worker in turn; none when no worker has a queue. */
  routeOf(w: number): WorkerAffinity | undefined {
    const given = this.byWindow.get(w);
    if (given) return given;
    const live = [...new Map(this.recent.map((r) => [r.taskQueue, r])).values()].sort((a, b) => a.taskQueue.localeCompare(b.taskQueue));
    if (!live.length) return undefined;
    const route = live[w % live.length];
    this.byWindow.set(w, route);
    return route;
  }
}
