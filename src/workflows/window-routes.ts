/**
 * Which worker a backfill window's work goes to (patch {@link WORKER_AFFINITY_PATCH}). Every
 * planning activity reports the queue of the worker that ran it (`BackfillPlan.worker`); the
 * workers seen in the last {@link RECENT_PLANS} plans are the live ones. A window is given to
 * one of them, in turn by window number, the first time one of its runs starts, and keeps it
 * while that worker is live: the ingest, features and evaluation of its days all run there, and
 * that worker holds what they read in its partition cache. A worker that stops planning (it is
 * gone) drops out of the turn after a few plans, or at once when one of its activities waited
 * in vain (the child says so, `affinity.ts`), and its windows move to a live one (or, with none
 * known, to the shared queue).
 *
 * Deterministic: built only from recorded activity results and window numbers. Not carried
 * across continue-as-new: the next run gives the windows in flight out again (at worst a
 * window's reads then miss the cache once).
 */
import type { WorkerAffinity } from '../activities/deps';

/** Patch ID: backfills route each window's activities to one worker's own task queue. */
export const WORKER_AFFINITY_PATCH = 'backfill-worker-affinity';

/** How many recent plans' workers count as live. */
export const RECENT_PLANS = 8;

/** The workers of recent plans, and the worker each window was given. */
export class WindowRoutes {
  private readonly recent: WorkerAffinity[] = [];
  private readonly byWindow = new Map<number, WorkerAffinity>();

  private readonly gone = new Set<string>();

  /** Records the worker that ran a plan (none from a worker without a queue of its own). */
  planned(worker: WorkerAffinity | undefined): void {
    if (!worker || this.gone.has(worker.taskQueue)) return;
    this.recent.push(worker);
    if (this.recent.length > RECENT_PLANS) this.recent.shift();
  }

  /** Records a queue where an activity waited in vain (its worker is gone): no window goes there again. */
  missed(taskQueue: string): void {
    this.gone.add(taskQueue);
    this.recent.splice(0, this.recent.length, ...this.recent.filter((r) => r.taskQueue !== taskQueue));
  }

  /**
   * The worker of window `w`: the one it was given while that worker is still live, else the next
   * live worker in turn (a window whose worker is gone moves, so its later runs stop waiting on a
   * dead queue); none when no worker has a queue of its own.
   */
  routeOf(w: number): WorkerAffinity | undefined {
    const live = [...new Map(this.recent.map((r) => [r.taskQueue, r])).values()].sort((a, b) => a.taskQueue.localeCompare(b.taskQueue));
    const given = this.byWindow.get(w);
    if (given && live.some((r) => r.taskQueue === given.taskQueue)) return given;
    if (!live.length) {
      // No live worker known (e.g. the only one was restarted and has not planned yet): the shared queue.
      this.byWindow.delete(w);
      return undefined;
    }
    const route = live[w % live.length];
    this.byWindow.set(w, route);
    return route;
  }
}
