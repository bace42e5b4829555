/**
 * Worker affinity on a real dev server: two worker processes' worth of workers (each its own
 * connection, identity and task queue of its own, as `npm run worker` creates them) on one
 * shared queue. A windowed backfill sends every activity of a window (ingest, features,
 * evaluation) to one worker's queue, and the windows to both workers; an activity whose worker
 * queue nobody polls runs on the shared queue after the wait; one whose worker took it and went
 * silent (a host cut off from Temporal) gets one attempt there, then runs on the shared queue;
 * one refused in a way the flow does not retry fails without a second try. Every history replays.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { BackfillResult, FeatureRef, type BackfillInput } from '../../src/contracts';
import { rootCauseOf } from '../../src/api/failure';
import { flowWorkflowId } from '../../src/core/ids';
import { defaultSources } from '../../src/sources';
import { backfillWorkflowId } from '../../src/workflows/backfill-api';
import { windowsOf } from '../../src/workflows/windows';
import { createWorkers } from '../../src/worker';
import { TEST_SYMBOLS } from '../helpers/sources';
import { startDevServerEnv, startStack, testWorkflowBundle, type TestStack } from '../helpers/stack';

interface Placement {
  readonly activity: string;
  readonly queue: string;
  readonly identity: string;
}

/** Each activity attempt of a run: where it was scheduled and which worker started it (none if it never started). */
async function placements(client: Client, workflowId: string): Promise<Placement[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, Placement>();
  for (const e of history.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), { activity: s.activityType?.name ?? '', queue: s.taskQueue?.name ?? '', identity: '' });
    const started = e.activityTaskStartedEventAttributes;
    const match = started && scheduled.get(String(started.scheduledEventId));
    if (started && match) scheduled.set(String(started.scheduledEventId), { ...match, identity: started.identity ?? '' });
  }
  return [...scheduled.values()];
}

describe('worker affinity', () => {
  let server: TestWorkflowEnvironment;
  let stack: TestStack;
  let queue: string;
  const connections: NativeConnection[] = [];
  const workers: Worker[] = [];
  let running: Promise<unknown>;

  beforeAll(async () => {
    server = await startDevServerEnv();
    stack = await startStack({ server });
    // A queue of their own: the stack's worker (no affinity) must not take these workflows.
    queue = `${stack.config.taskQueue}-affinity`;
    for (const identity of ['worker-a', 'worker-b']) {
      // One connection each, like two processes (one connection may host one workflow worker per queue).
      const connection = await NativeConnection.connect({ address: server.address });
      connections.push(connection);
      workers.push(
        ...(await createWorkers({
          config: { ...stack.config, taskQueue: queue },
          connection,
          db: stack.db,
          sources: defaultSources({ symbols: TEST_SYMBOLS }),
          workflowBundle: testWorkflowBundle(),
          overrides: { identity },
        })),
      );
    }
    running = Promise.all(workers.map((w) => w.run()));
  });
  afterAll(async () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await running?.catch(() => undefined);
    for (const c of connections) await c.close();
    await stack?.stop();
    await server?.teardown();
  });

  /**
   * Runs a worker of only `activities` on `taskQueue` (standing in for one worker process's own
   * queue) until the returned function stops it.
   */
  async function startQueueWorker(connection: NativeConnection, taskQueue: string, identity: string, activities: WorkerOptions['activities']): Promise<() => Promise<void>> {
    const worker = await Worker.create({ connection, namespace: stack.config.temporal.namespace, taskQueue, identity, shutdownGraceTime: '1s', activities });
    const run = worker.run();
    return async () => {
      worker.shutdown();
      await run;
    };
  }

  it('each worker process also polls a queue of its own, hosting the same activities', () => {
    const queues = workers.map((w) => w.options.taskQueue);
    expect(queues.filter((q) => q === queue)).toHaveLength(2);
    const own = queues.filter((q) => q !== queue);
    expect(own).toHaveLength(2);
    expect(own[0]).toMatch(new RegExp(`^${queue}/worker/worker-a/[0-9a-f]{8}$`));
    expect(own[1]).toMatch(new RegExp(`^${queue}/worker/worker-b/[0-9a-f]{8}$`));
    expect([...workers[1].options.activities.keys()].sort()).toEqual([...workers[0].options.activities.keys()].sort());
  });

  it("a windowed backfill runs each window's ingest, features and evaluation on one worker, and uses both", async () => {
    const input: BackfillInput = { symbols: ['BTC-USD'], flows: ['evaluate'], withUpstream: true, from: '2024-01-01', to: '2024-01-18', chunkDays: 3, windowDays: 3 };
    const handle = await stack.client.workflow.start('backfill', { taskQueue: queue, workflowId: backfillWorkflowId(input), args: [input] });
    const result = BackfillResult.parse(await handle.result());
    expect(result).toMatchObject({ status: 'completed', failed: 0 });

    const ownQueues = new Set(workers.map((w) => w.options.taskQueue).filter((q) => q !== queue));
    const used = new Set<string>();
    const windows = windowsOf(input.from, input.to, 3);
    expect(windows).toHaveLength(6);
    for (const w of windows) {
      const placed = (
        await Promise.all(['ingest', 'features-b', 'features-c', 'features-e', 'evaluate'].map((flow) => placements(stack.client, flowWorkflowId(flow, 'BTC-USD', w.from, w.to))))
      ).flat();
      expect(placed.map((p) => p.activity).sort()).toEqual(['computeFeatures', 'computeFeatures', 'computeFeatures', 'evaluateFeatures', 'ingestCandles']);
      // One queue for the whole window, a worker's own, and run by that worker.
      const queues = new Set(placed.map((p) => p.queue));
      expect(queues.size).toBe(1);
      const [windowQueue] = queues;
      expect(ownQueues.has(windowQueue)).toBe(true);
      for (const p of placed) expect(windowQueue.startsWith(`${queue}/worker/${p.identity}/`)).toBe(true);
      used.add(windowQueue);
    }
    expect(used.size).toBe(2);

    await Worker.runReplayHistory({ workflowBundle: testWorkflowBundle() }, await handle.fetchHistory(), 'backfill-with-affinity');
  });

  it("an activity whose worker's queue nobody polls runs on the shared queue after the wait", async () => {
    await stack.client.workflow.execute('ingest', {
      taskQueue: queue,
      workflowId: flowWorkflowId('ingest', 'ETH-USD', '2024-02-01', '2024-02-01'),
      args: [{ symbol: 'ETH-USD', from: '2024-02-01', to: '2024-02-01' }],
    });
    const gone = `${queue}/worker/gone/00000000`;
    const workflowId = flowWorkflowId('features-c', 'ETH-USD', '2024-02-01', '2024-02-01');
    const handle = await stack.client.workflow.start('features', {
      taskQueue: queue,
      workflowId,
      args: [{ symbol: 'ETH-USD', from: '2024-02-01', to: '2024-02-01', algorithm: 'c', affinity: { taskQueue: gone, waitSeconds: 1 } }],
    });
    const ref = FeatureRef.parse(await handle.result());
    expect(ref.rows).toBe(1440);
    // Said in the result, so a backfill stops routing to that queue.
    expect(ref.affinityMissed).toBe(gone);

    const placed = await placements(stack.client, workflowId);
    expect(placed.map((p) => [p.queue, p.identity === '' ? 'not started' : 'started'])).toEqual([
      [gone, 'not started'],
      [queue, 'started'],
    ]);
    const history = await handle.fetchHistory();
    const timedOut = (history.events ?? []).find((e) => e.activityTaskTimedOutEventAttributes);
    expect(timedOut?.activityTaskTimedOutEventAttributes?.failure?.timeoutFailureInfo?.timeoutType).toBe(2); // TIMEOUT_TYPE_SCHEDULE_TO_START
    await Worker.runReplayHistory({ workflowBundle: testWorkflowBundle() }, history, 'features-affinity-fallback');
  });

  it('an activity whose worker took it and went silent gets one attempt there, then runs on the shared queue', async () => {
    await stack.client.workflow.execute('ingest', {
      taskQueue: queue,
      workflowId: flowWorkflowId('ingest', 'ETH-USD', '2024-02-02', '2024-02-02'),
      args: [{ symbol: 'ETH-USD', from: '2024-02-02', to: '2024-02-02' }],
    });
    // A worker that takes the task and is never heard from again (until it is shut down).
    const silentQueue = `${queue}/worker/silent/00000000`;
    const stopSilent = await startQueueWorker(connections[0], silentQueue, 'silent-worker', { computeFeatures: async () => Context.current().cancelled });
    try {
      const workflowId = flowWorkflowId('features-c', 'ETH-USD', '2024-02-02', '2024-02-02');
      const handle = await stack.client.workflow.start('features', {
        taskQueue: queue,
        workflowId,
        args: [{ symbol: 'ETH-USD', from: '2024-02-02', to: '2024-02-02', algorithm: 'c', heartbeatTimeoutSeconds: 2, affinity: { taskQueue: silentQueue, waitSeconds: 5 } }],
      });
      const ref = FeatureRef.parse(await handle.result());
      expect(ref.rows).toBe(1440);
      expect(ref.affinityMissed).toBe(silentQueue);
      const placed = await placements(stack.client, workflowId);
      // One attempt on the silent worker (Temporal's retries would all have gone to it), then the shared queue.
      expect(placed.map((p) => [p.queue, p.identity === 'silent-worker' ? 'silent' : p.identity === '' ? 'not started' : 'live'])).toEqual([
        [silentQueue, 'silent'],
        [queue, 'live'],
      ]);
      const history = await handle.fetchHistory();
      const timedOut = (history.events ?? []).find((e) => e.activityTaskTimedOutEventAttributes);
      expect(timedOut?.activityTaskTimedOutEventAttributes?.failure?.timeoutFailureInfo?.timeoutType).toBe(4); // TIMEOUT_TYPE_HEARTBEAT
      await Worker.runReplayHistory({ workflowBundle: testWorkflowBundle() }, history, 'features-affinity-silent-worker');
    } finally {
      await stopSilent();
    }
  });

  it("a failure the flow does not retry is not retried on the shared queue either", async () => {
    const refusingQueue = `${queue}/worker/refusing/00000000`;
    const stopRefusing = await startQueueWorker(connections[1], refusingQueue, 'refusing-worker', {
      computeFeatures: async () => Promise.reject(ApplicationFailure.create({ message: 'no candles for 2024-02-03', type: 'UpstreamMissing' })),
    });
    try {
      const workflowId = flowWorkflowId('features-c', 'ETH-USD', '2024-02-03', '2024-02-03');
      const handle = await stack.client.workflow.start('features', {
        taskQueue: queue,
        workflowId,
        args: [{ symbol: 'ETH-USD', from: '2024-02-03', to: '2024-02-03', algorithm: 'c', affinity: { taskQueue: refusingQueue, waitSeconds: 5 } }],
      });
      const failure = await handle.result().then(
        () => undefined,
        (err: unknown) => err,
      );
      // The refusal itself, at the bottom of the workflow failure's cause chain.
      expect(rootCauseOf(failure, 'features').type).toBe('UpstreamMissing');
      expect((await placements(stack.client, workflowId)).map((p) => [p.queue, p.identity])).toEqual([[refusingQueue, 'refusing-worker']]);
      await Worker.runReplayHistory({ workflowBundle: testWorkflowBundle() }, await handle.fetchHistory(), 'features-affinity-not-retried');
    } finally {
      await stopRefusing();
    }
  });
});
