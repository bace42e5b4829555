/**
 * Separate task queues for ingest and compute, on a real dev server: with `ingestTaskQueue` in
 * a pipeline's (or backfill's) input the ingest activity is scheduled on the ingest queue and
 * run by the ingest-role worker, while compute stays on the main queue; without it, nothing moves.
 */
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { PipelineResult, type BackfillInput, type PipelineInput, ingestRefOf, featureRefOf, evaluationRefOf } from '../../src/contracts';
import { flowWorkflowId, pipelineWorkflowId } from '../../src/core/ids';
import { defaultSources } from '../../src/sources';
import { TEST_SYMBOLS } from '../helpers/sources';
import { backfillWorkflowId } from '../../src/workflows/backfill-api';
import { createWorkers } from '../../src/worker';
import { startDevServerEnv, startStack, testWorkflowBundle, type TestStack } from '../helpers/stack';

const INGEST_IDENTITY = 'ingest-role-worker';

/** Where each activity of a run was scheduled (task queue) and which worker ran it (identity). */
async function activityPlacement(client: Client, workflowId: string): Promise<Array<{ activity: string; queue: string; identity: string }>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, { activity: string; queue: string }>();
  const out: Array<{ activity: string; queue: string; identity: string }> = [];
  for (const e of history.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), { activity: s.activityType?.name ?? '', queue: s.taskQueue?.name ?? '' });
    const started = e.activityTaskStartedEventAttributes;
    const match = started && scheduled.get(String(started.scheduledEventId));
    if (started && match) out.push({ ...match, identity: started.identity ?? '' });
  }
  return out;
}

describe('ingest and compute on separate task queues', () => {
  let server: TestWorkflowEnvironment;
  let stack: TestStack;
  let ingestQueue: string;
  let ingestWorkers: Worker[];
  let ingestRunning: Promise<void[]>;

  beforeAll(async () => {
    server = await startDevServerEnv();
    // The stack's worker hosts the workflows and every activity on the main queue.
    stack = await startStack({ server });
    ingestQueue = `${stack.config.taskQueue}-ingest`;
    const config = { ...stack.config, workerRole: 'ingest' as const, ingestTaskQueue: ingestQueue, ingestMaxPerSecond: 50 };
    ingestWorkers = await createWorkers({ config, connection: server.nativeConnection, db: stack.db, sources: defaultSources({ symbols: TEST_SYMBOLS }), overrides: { identity: INGEST_IDENTITY } });
    ingestRunning = Promise.all(ingestWorkers.map((w) => w.run()));
  });
  afterAll(async () => {
    for (const w of ingestWorkers ?? []) if (w.getState() === 'RUNNING') w.shutdown();
    await ingestRunning?.catch(() => undefined);
    await stack?.stop();
    await server?.teardown();
  });

  it('the ingest role is one worker on the ingest queue hosting only ingestCandles', () => {
    expect(ingestWorkers.map((w) => w.options.taskQueue)).toEqual([ingestQueue]);
    expect([...ingestWorkers[0].options.activities.keys()]).toEqual(['ingestCandles']);
  });

  it('a pipeline with ingestTaskQueue runs ingest on the ingest queue and compute on the main queue', async () => {
    const input: PipelineInput = { symbol: 'BTC-USD', date: '2024-02-05', ingestTaskQueue: ingestQueue };
    const result = PipelineResult.parse(
      await stack.client.workflow.execute('pipeline', { taskQueue: stack.config.taskQueue, workflowId: pipelineWorkflowId('BTC-USD', '2024-02-05'), args: [input] }),
    );
    expect(ingestRefOf(result).rows).toBe(1440);
    expect(featureRefOf(result, 'features-c').rows).toBe(1440);

    const ingest = await activityPlacement(stack.client, flowWorkflowId('ingest', 'BTC-USD', '2024-02-05', '2024-02-05'));
    expect(ingest).toEqual([{ activity: 'ingestCandles', queue: ingestQueue, identity: INGEST_IDENTITY }]);
    for (const flow of ['features-b', 'features-c', 'evaluate'] as const) {
      const placed = await activityPlacement(stack.client, flowWorkflowId(flow, 'BTC-USD', '2024-02-05', '2024-02-05'));
      expect(placed.length).toBeGreaterThan(0);
      for (const p of placed) {
        expect(p.queue).toBe(stack.config.taskQueue);
        expect(p.identity).not.toBe(INGEST_IDENTITY);
      }
    }
  });

  it('without ingestTaskQueue everything stays on the main queue', async () => {
    await stack.client.workflow.execute('pipeline', {
      taskQueue: stack.config.taskQueue,
      workflowId: pipelineWorkflowId('ETH-USD', '2024-02-06'),
      args: [{ symbol: 'ETH-USD', date: '2024-02-06' }],
    });
    const ingest = await activityPlacement(stack.client, flowWorkflowId('ingest', 'ETH-USD', '2024-02-06', '2024-02-06'));
    expect(ingest).toHaveLength(1);
    expect(ingest[0]).toMatchObject({ activity: 'ingestCandles', queue: stack.config.taskQueue });
    expect(ingest[0].identity).not.toBe(INGEST_IDENTITY);
  });

  it('a backfill with ingestTaskQueue routes its ingest children to the ingest queue', async () => {
    const input: BackfillInput = { symbols: ['SOL-USD'], flows: ['ingest'], from: '2024-03-01', to: '2024-03-02', ingestTaskQueue: ingestQueue };
    const result = await stack.client.workflow.execute('backfill', { taskQueue: stack.config.taskQueue, workflowId: backfillWorkflowId(input), args: [input] });
    expect(result).toMatchObject({ status: 'completed', done: 2 });
    const ingest = await activityPlacement(stack.client, flowWorkflowId('ingest', 'SOL-USD', '2024-03-01', '2024-03-02'));
    expect(ingest).toEqual([{ activity: 'ingestCandles', queue: ingestQueue, identity: INGEST_IDENTITY }]);
  });

  it('compute-role and ingest-role workers alone run a whole pipeline (compute hosts everything but ingestCandles)', async () => {
    // Its own main queue: one connection may not register two workflow workers on one queue.
    const computeQueue = `${stack.config.taskQueue}-compute`;
    const config = { ...stack.config, taskQueue: computeQueue, workerRole: 'compute' as const, ingestTaskQueue: ingestQueue };
    const workers = await createWorkers({ config, connection: server.nativeConnection, db: stack.db, sources: defaultSources({ symbols: TEST_SYMBOLS }), workflowBundle: testWorkflowBundle() });
    expect(workers.map((w) => w.options.taskQueue)).toEqual([computeQueue, expect.stringMatching(new RegExp(`^${computeQueue}/worker/`))]);
    // Its own queue (worker affinity) hosts the same activities, ingest not among them.
    expect([...workers[1].options.activities.keys()].sort()).toEqual([...workers[0].options.activities.keys()].sort());
    expect([...workers[0].options.activities.keys()].sort()).toEqual(['computeFeatures', 'dayIsCurrent', 'evaluateFeatures', 'planBackfill', 'resolveFlowGraph', 'scheduledDaysStatus']);
    const input: PipelineInput = { symbol: 'ADA-USD', date: '2024-02-07', ingestTaskQueue: ingestQueue };
    // The process's own-queue worker runs beside it (a pipeline sends it nothing), and stops with it.
    const ownQueue = workers[1].run();
    const result = await workers[0].runUntil(
      stack.client.workflow.execute('pipeline', { taskQueue: computeQueue, workflowId: pipelineWorkflowId('ADA-USD', '2024-02-07'), args: [input] }),
    );
    workers[1].shutdown();
    await ownQueue;
    expect(evaluationRefOf(PipelineResult.parse(result)).rows).toBeGreaterThan(0);
    const ingest = await activityPlacement(stack.client, flowWorkflowId('ingest', 'ADA-USD', '2024-02-07', '2024-02-07'));
    expect(ingest).toEqual([{ activity: 'ingestCandles', queue: ingestQueue, identity: INGEST_IDENTITY }]);
    const features = await activityPlacement(stack.client, flowWorkflowId('features-b', 'ADA-USD', '2024-02-07', '2024-02-07'));
    expect(features.map((p) => p.queue)).toEqual([computeQueue]);
  });

  it('rejects a worker role that needs an ingest queue without one, and an ingest queue equal to the main queue', () => {
    expect(() => loadConfig({ FEATUREFLOW_WORKER_ROLE: 'ingest' })).toThrow(/FEATUREFLOW_WORKER_ROLE=ingest needs FEATUREFLOW_INGEST_TASK_QUEUE/);
    expect(() => loadConfig({ FEATUREFLOW_WORKER_ROLE: 'compute' })).toThrow(/FEATUREFLOW_INGEST_TASK_QUEUE/);
    expect(() => loadConfig({ FEATUREFLOW_TASK_QUEUE: 'q', FEATUREFLOW_INGEST_TASK_QUEUE: 'q' })).toThrow(/must differ/);
    expect(loadConfig({ FEATUREFLOW_WORKER_ROLE: 'ingest', FEATUREFLOW_INGEST_TASK_QUEUE: 'featureflow-ingest', FEATUREFLOW_INGEST_MAX_PER_SECOND: '5' })).toMatchObject({
      workerRole: 'ingest',
      ingestTaskQueue: 'featureflow-ingest',
      ingestMaxPerSecond: 5,
    });
  });
});
