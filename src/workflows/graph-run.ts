/**
 * Runs a graph of flows as child workflows: each flow starts as soon as every upstream flow in
 * the graph has finished (siblings in parallel), and the first failure cancels whatever is
 * still running (awaited, so every cancellation is recorded) before it is rethrown. Pure
 * orchestration over the caller's `start`; deterministic, so it runs in workflow code. For
 * the graph A -> {B, C} -> D it issues exactly the commands the hand-written pipeline did (A;
 * then B and C in one step; then D), which keeps pipeline histories recorded before it replaying.
 */
import { CancellationScope } from '@temporalio/workflow';

/** A node of the graph: its id and the ids it reads. Upstreams outside the graph count as done. */
export interface RunnableNode {
  readonly id: string;
  readonly upstream: readonly string[];
}

/**
 * Runs every node through `start` in dependency order and returns their results by id. `start`
 * gets the results of everything finished so far (all of the node's upstreams among them).
 * `scope` is where children run (a fresh CancellationScope in a workflow; tests may pass their own).
 */
export function runGraph<N extends RunnableNode, R>(
  nodes: readonly N[],
  start: (node: N, done: ReadonlyMap<string, R>) => Promise<R>,
  scope: Pick<CancellationScope, 'run' | 'cancel'> = new CancellationScope(),
): Promise<Map<string, R>> {
  const ids = new Set(nodes.map((n) => n.id));
  const results = new Map<string, R>();
  const started = new Set<string>();
  const running: Array<Promise<void>> = [];
  let failed = false;
  return new Promise((resolve, reject) => {
    if (!nodes.length) return resolve(results);
    const launchReady = (): void => {
      for (const node of nodes) {
        if (failed || started.has(node.id)) continue;
        if (!node.upstream.every((up) => !ids.has(up) || results.has(up))) continue;
        started.add(node.id);
        running.push(
          scope.run(() => start(node, results)).then(
            (result) => {
              if (failed) return;
              results.set(node.id, result);
              if (results.size === nodes.length) resolve(results);
              else launchReady();
            },
            (err: unknown) => {
              if (failed) return;
              failed = true;
              scope.cancel();
              void Promise.allSettled(running).then(() => reject(err));
            },
          ),
        );
      }
    };
    launchReady();
  });
}
