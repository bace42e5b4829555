/**
 * A backfill whose child workflow ID is held by another run (the daily pipeline's child for the
 * same day, or any run with that business ID), on a real dev server with real activities:
 * it waits and finishes the partition instead of failing it; past its bound it fails the
 * partition naming the other run, and a re-run finishes it.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { BackfillInput, BackfillResult } from '../../src/contracts';
import { listMaterializations } from '../../src/db/ledger';
import { flowWorkflowId, pipelineWorkflowId } from '../../src/core/ids';
import { testSyntheticSource as syntheticSource } from '../helpers/sources';
import type { MarketSource } from '../../src/sources/types';
import { backfillWorkflowId } from '../../src/workflows/backfill-api';
import { CHILD_ID_CONFLICT_TYPE, WAIT_FOR_CHILD_ID_CONFLICT } from '../../src/workflows/child-conflict';
import { startDevServerEnv, startStack, type TestStack } from '../helpers/stack';
import { conflictSeen, patchMarkers } from '../helpers/history';

/** A fetch held until the test releases it: `entered` resolves once a fetch is waiting. */
interface Hold {
  readonly entered: Promise<void>;
  enter(): void;
  release(): void;
  readonly released: Promise<void>;
}

/** Held fetches by `symbol/day`. */
const holds = new Map<string, Hold>();
function hold(symbol: string, day: string): Hold {
  let enter!: () => void;
  let release!: () => void;
  const entered = new Promise<void>((r) => (enter = r));
  const released = new Promise<void>((r) => (release = r));
  const h = { entered, enter, release, released };
  holds.set(`${symbol}/${day}`, h);
  return h;
}

/** The synthetic source, slow on held days (like an exchange that takes its time), honouring cancellation. */
const slowSource: MarketSource = {
  ...syntheticSource,
  async fetchDay(symbol, day, options) {
    const h = holds.get(`${symbol}/${day}`);
    if (h) {
      h.enter();
      await new Promise<void>((resolve, reject) => {
        void h.released.then(resolve);
        const signal = options?.signal;
        if (signal?.aborted) reject(signal.reason);
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    }
    return syntheticSource.fetchDay(symbol, day, options);
  },
};

describe('backfill whose child ID is held by another run', () => {
  let server: TestWorkflowEnvironment;
  let stack: TestStack;

  beforeAll(async () => {
    server = await startDevServerEnv();
    stack = await startStack({ server, sources: { synthetic: slowSource } });
  });
  afterAll(async () => {
    for (const h of holds.values()) h.release();
    await stack?.stop();
    await server?.teardown();
  });

  const start = (input: BackfillInput) =>
    stack.client.workflow.start('backfill', { taskQueue: stack.config.taskQueue, workflowId: backfillWorkflowId(input), args: [input] });
  const candleDays = async (symbol: string, from: string, to: string) =>
    (await listMaterializations(stack.db.kysely, { symbol, from, to, assets: ['candles'] })).map((m) => m.partition);

  it('waits while the daily pipeline ingests the same day, then completes with no failed partition', async () => {
    const day = '2024-06-10';
    const slow = hold('BTC-USD', day);
    const pipeline = await stack.client.workflow.start('pipeline', {
      taskQueue: stack.config.taskQueue,
      workflowId: pipelineWorkflowId('BTC-USD', day),
      args: [{ symbol: 'BTC-USD', date: day }],
    });
    await slow.entered; // the pipeline's ingest child now holds `ingest/BTC-USD/2024-06-10`
    const input: BackfillInput = { symbols: ['BTC-USD'], flows: ['ingest'], from: '2024-06-09', to: '2024-06-11', chunkDays: 1, concurrency: 3 };
    const backfill = await start(input);
    await conflictSeen(stack.client, backfill.workflowId);
    slow.release();

    const result = BackfillResult.parse(await backfill.result());
    expect(result.failures).toEqual([]);
    expect(result).toMatchObject({ status: 'completed', total: 3, failed: 0, notAttempted: 0 });
    // The held day is either done by the pipeline (then skipped here) or by the backfill's retried child.
    expect(result.done + result.skipped).toBe(3);
    expect(await candleDays('BTC-USD', '2024-06-09', '2024-06-11')).toEqual(['2024-06-09', '2024-06-10', '2024-06-11']);
    // It waited on a durable timer, behind the patch (so runs recorded before it replay unchanged).
    const events = (await backfill.fetchHistory()).events ?? [];
    expect(patchMarkers(events)).toEqual([expect.stringContaining('backfill-flow-graph'), expect.stringContaining(WAIT_FOR_CHILD_ID_CONFLICT)]);
    expect(events.some((e) => e.timerStartedEventAttributes)).toBe(true);
    await pipeline.result();
  });

  it('fails the partition naming the other run once conflictWaitSeconds are spent; a re-run after it closed finishes it', async () => {
    const day = '2024-06-10';
    const slow = hold('ETH-USD', day);
    // Any run with the child's business ID holds it, e.g. an ingest started by hand or another parent.
    const holderId = flowWorkflowId('ingest', 'ETH-USD', day, day);
    const holder = await stack.client.workflow.start('ingest', { taskQueue: stack.config.taskQueue, workflowId: holderId, args: [{ symbol: 'ETH-USD', from: day, to: day }] });
    await slow.entered;
    const input: BackfillInput = { symbols: ['ETH-USD'], flows: ['ingest'], from: '2024-06-09', to: '2024-06-11', chunkDays: 1, concurrency: 3, conflictWaitSeconds: 3 };

    const result = BackfillResult.parse(await (await start(input)).result());
    expect(result).toMatchObject({ status: 'completed-with-failures', total: 3, done: 2, failed: 1 });
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({ flow: 'ingest', symbol: 'ETH-USD', from: day, to: day });
    expect(result.failures[0].error).toContain(`${CHILD_ID_CONFLICT_TYPE}: another run ${holderId}`);
    expect(result.failures[0].error).toMatch(/held that workflow ID for \d+ s/);
    expect(await candleDays('ETH-USD', '2024-06-09', '2024-06-11')).toEqual(['2024-06-09', '2024-06-11']);

    slow.release();
    await holder.result();
    const again = BackfillResult.parse(await (await start(input)).result());
    expect(again).toMatchObject({ status: 'completed', done: 0, skipped: 3, failed: 0 });
    expect(await candleDays('ETH-USD', '2024-06-09', '2024-06-11')).toEqual(['2024-06-09', '2024-06-10', '2024-06-11']);
  });

  it('rejects a negative or fractional conflictWaitSeconds before anything runs', () => {
    const base = { symbols: ['BTC-USD'], flows: ['ingest' as const], from: '2024-06-09', to: '2024-06-11' };
    expect(BackfillInput.safeParse({ ...base, conflictWaitSeconds: -1 }).success).toBe(false);
    expect(BackfillInput.safeParse({ ...base, conflictWaitSeconds: 1.5 }).success).toBe(false);
    expect(BackfillInput.safeParse({ ...base, conflictWaitSeconds: 0 }).success).toBe(true);
  });
});
