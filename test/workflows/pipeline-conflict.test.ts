/**
 * The daily pipeline when another run (a backfill's child, an ingest started by hand) holds one
 * of its children's business IDs, on a real dev server with real activities: it waits on durable
 * timers and completes once the ID is released; past its bound it fails naming the other run.
 */
import { FLOW_GRAPH } from '../../src/flows/registry';
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PipelineInput, PipelineResult, ingestRefOf, featureRefOf, evaluationRefOf } from '../../src/contracts';
import { listMaterializations } from '../../src/db/ledger';
import { flowWorkflowId, pipelineWorkflowId } from '../../src/core/ids';
import { CHILD_ID_CONFLICT_TYPE, PIPELINE_WAIT_FOR_CHILD_ID_CONFLICT } from '../../src/workflows/child-conflict';
import { startDevServerEnv, startStack, type TestStack } from '../helpers/stack';
import { conflictSeen, patchMarkers } from '../helpers/history';

/** Workflow types of the children a run started, in order. */
function childrenStarted(events: temporal.api.history.v1.IHistoryEvent[]): string[] {
  return events.flatMap((e) => (e.childWorkflowExecutionStartedEventAttributes?.workflowType?.name ? [e.childWorkflowExecutionStartedEventAttributes.workflowType.name] : []));
}

describe('pipeline whose child ID is held by another run', () => {
  let server: TestWorkflowEnvironment;
  let stack: TestStack;
  const holders: WorkflowHandle[] = [];

  beforeAll(async () => {
    server = await startDevServerEnv();
    stack = await startStack({ server });
  });
  afterAll(async () => {
    for (const h of holders) await h.terminate('test cleanup').catch(() => undefined);
    await stack?.stop();
    await server?.teardown();
  });

  /** Holds the day's ingest child ID with a run nobody works on, like a backfill's child that is busy. */
  const holdIngest = async (symbol: string, day: string): Promise<WorkflowHandle> => {
    const holder = await stack.client.workflow.start('ingest', {
      taskQueue: `${stack.config.taskQueue}-nobody-polls`,
      workflowId: flowWorkflowId('ingest', symbol, day, day),
      args: [{ symbol, from: day, to: day }],
    });
    holders.push(holder);
    return holder;
  };
  const start = (input: PipelineInput, suffix = '') =>
    stack.client.workflow.start('pipeline', { taskQueue: stack.config.taskQueue, workflowId: `${pipelineWorkflowId(input.symbol ?? 'BTC-USD', input.date ?? '')}${suffix}`, args: [input] });

  it('waits while the ingest child ID is held, then runs every child and completes', async () => {
    const day = '2024-07-01';
    const holder = await holdIngest('BTC-USD', day);
    const pipeline = await start({ symbol: 'BTC-USD', date: day });
    await conflictSeen(stack.client, pipeline.workflowId);
    await holder.terminate('test: release the held child ID');

    const result = PipelineResult.parse(await pipeline.result());
    expect(ingestRefOf(result)).toMatchObject({ table: 'candles', symbol: 'BTC-USD', from: day, to: day, rows: 1440 });
    expect(featureRefOf(result, 'features-b')).toMatchObject({ table: 'features_b', algorithm: 'b', rows: 1440 });
    expect(featureRefOf(result, 'features-c')).toMatchObject({ table: 'features_c', algorithm: 'c', rows: 1440 });
    expect(evaluationRefOf(result).scores.map((s) => s.algorithm)).toEqual(FLOW_GRAPH.active.flatMap((f) => (f.algorithm ? [f.algorithm.id] : [])).sort());
    const ledger = await listMaterializations(stack.db.kysely, { symbol: 'BTC-USD', from: day, to: day });
    const features = FLOW_GRAPH.active.filter((f) => f.kind === 'features');
    expect(ledger.map((m) => m.asset).sort()).toEqual(['candles', ...features.map((f) => f.asset), ...features.map((f) => `evaluations/${f.algorithm?.id}`)].sort());

    // It waited on a durable timer behind the pipeline's own patch, then started its children itself.
    const events = (await pipeline.fetchHistory()).events ?? [];
    // (The pipeline also records its lineage patch; of the conflict patches only its own, once.)
    expect(patchMarkers(events).filter((m) => m.includes('child-id-conflict'))).toEqual([expect.stringContaining(PIPELINE_WAIT_FOR_CHILD_ID_CONFLICT)]);
    expect(events.some((e) => e.timerStartedEventAttributes)).toBe(true);
    expect(childrenStarted(events).sort()).toEqual(FLOW_GRAPH.active.map((f) => (f.kind === 'features' ? 'features' : f.id)).sort());
  });

  it('fails with ChildWorkflowIdConflict naming the holder once conflictWaitSeconds are spent, starting nothing downstream', async () => {
    const day = '2024-07-02';
    const holder = await holdIngest('ETH-USD', day);
    const pipeline = await start({ symbol: 'ETH-USD', date: day, conflictWaitSeconds: 2 });

    const error = await pipeline.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    // The pipeline's own failure leads with the root cause; the conflict is the cause under it.
    const headline = (error as WorkflowFailedError).cause;
    expect(headline).toBeInstanceOf(ApplicationFailure);
    expect((headline as ApplicationFailure).type).toBe('PipelineFailed');
    expect(headline?.message).toMatch(/^ChildWorkflowIdConflict: /);
    const cause = (headline as ApplicationFailure).cause as ApplicationFailure | undefined;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe(CHILD_ID_CONFLICT_TYPE);
    expect((cause as ApplicationFailure).nonRetryable).toBe(true);
    expect(cause?.message).toContain(`another run ${holder.workflowId}`);
    expect(cause?.message).toMatch(/held that workflow ID for \d+ s; gave up after \d+ waits?\. Run the pipeline for that day again/);
    const events = (await pipeline.fetchHistory()).events ?? [];
    expect(childrenStarted(events)).toEqual([]);
    expect(await listMaterializations(stack.db.kysely, { symbol: 'ETH-USD', from: day, to: day })).toEqual([]);
    // The holder was left alone: still running, to be closed by whoever started it.
    expect((await holder.describe()).status.name).toBe('RUNNING');
  });

  it('records no patch marker when no child ID is held', async () => {
    const day = '2024-07-03';
    const pipeline = await start({ symbol: 'SOL-USD', date: day });
    PipelineResult.parse(await pipeline.result());
    const events = (await pipeline.fetchHistory()).events ?? [];
    expect(patchMarkers(events).filter((m) => m.includes('child-id-conflict'))).toEqual([]);
    expect(events.some((e) => e.timerStartedEventAttributes)).toBe(false);
  });

  it('rejects a negative or fractional conflictWaitSeconds and accepts none or 0', () => {
    const base = { symbol: 'BTC-USD', date: '2024-07-01' };
    expect(PipelineInput.safeParse({ ...base, conflictWaitSeconds: -1 }).success).toBe(false);
    expect(PipelineInput.safeParse({ ...base, conflictWaitSeconds: 1.5 }).success).toBe(false);
    expect(PipelineInput.safeParse({ ...base, conflictWaitSeconds: 0 }).success).toBe(true);
    expect(PipelineInput.safeParse(base).success).toBe(true);
  });
});
