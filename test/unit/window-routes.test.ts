/** How a backfill gives its windows to workers (src/workflows/window-routes.ts): pure, deterministic bookkeeping. */
import { RECENT_PLANS, WindowRoutes } from '../../src/workflows/window-routes';

const a = { taskQueue: 'q/worker/a/1', hostsIngest: true };
const b = { taskQueue: 'q/worker/b/2', hostsIngest: true };

describe('WindowRoutes', () => {
  it('routes nowhere until a plan came from a worker with a queue of its own', () => {
    const routes = new WindowRoutes();
    routes.planned(undefined);
    expect(routes.routeOf(0)).toBeUndefined();
  });

  it('gives windows to the live workers in turn, and a window keeps its worker', () => {
    const routes = new WindowRoutes();
    routes.planned(b);
    routes.planned(a);
    expect([0, 1, 2, 3].map((w) => routes.routeOf(w)?.taskQueue)).toEqual([a.taskQueue, b.taskQueue, a.taskQueue, b.taskQueue]);
    // More plans from a alone (b still among the recent ones): window 1 stays with b.
    routes.planned(a);
    expect(routes.routeOf(1)).toEqual(b);
  });

  it('moves a window off a worker that stopped planning (gone), once it left the recent plans', () => {
    const routes = new WindowRoutes();
    routes.planned(a);
    routes.planned(b);
    expect(routes.routeOf(1)).toEqual(b);
    for (let i = 0; i < RECENT_PLANS - 1; i++) routes.planned(a);
    expect(routes.routeOf(1)).toEqual(b);
    routes.planned(a);
    expect(routes.routeOf(1)).toEqual(a);
    expect(routes.routeOf(5)).toEqual(a);
  });

  it('stops routing to a queue where an activity waited in vain, at once; with no live worker left, routes nowhere', () => {
    const routes = new WindowRoutes();
    routes.planned(a);
    routes.planned(b);
    expect(routes.routeOf(0)).toEqual(a);
    routes.missed(a.taskQueue);
    expect(routes.routeOf(0)).toEqual(b);
    // Plans that were already on their way from the gone worker do not bring it back.
    routes.planned(a);
    expect(routes.routeOf(2)).toEqual(b);
    routes.missed(b.taskQueue);
    expect(routes.routeOf(0)).toBeUndefined();
    expect(routes.routeOf(3)).toBeUndefined();
  });
});
