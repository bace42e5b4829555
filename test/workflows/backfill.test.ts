/**
 * The backfill on a real dev server with real activities and SQLite: skipping, force, stale
 * versions, withUpstream, the concurrency bound, continue-as-new, cancel, failures, pause.
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { BackfillProgress, BackfillResult, type BackfillInput } from '../../src/contracts';
import { addDays, dayStartMs, daysOf } from '../../src/core/dates';
import { listMaterializations } from '../../src/db/ledger';
import { SLICE_DAYS } from '../../src/activities/slices';
import { testSyntheticSource as syntheticSource } from '../helpers/sources';
import type { MarketSource } from '../../src/sources/types';
import { backfillProgressQuery, backfillWorkflowId, pauseBackfillSignal, resumeBackfillSignal } from '../../src/workflows/backfill-api';
import { Worker } from '@temporalio/worker';
import { startDevServerEnv, startStack, testWorkflowBundle, type TestStack } from '../helpers/stack';
import { activityInputs, patchMarkers } from '../helpers/history';
import { WINDOWED_PHASES_PATCH } from '../../src/workflows/windows';
import { BACKFILL_FLOW_GRAPH_PATCH } from '../../src/workflows/backfill';
import { FLOW_GRAPH } from '../../src/flows/registry';
import { WORKER_AFFINITY_PATCH } from '../../src/workflows/window-routes';
import { PLAN_AHEAD_PATCH } from '../../src/workflows/lanes';
import type { PlanBackfillInput } from '../../src/activities/backfill';

const EventType = temporal.api.enums.v1.EventType;

/** Days on which the test source fails (SourceDataInvalid, non-retryable) for SOL-USD. */
const failingDays = new Set<string>();
/** Those failures wait for this first (a test holds them to fail a run at a moment of its choosing). */
let failureHeld = Promise.resolve();
/** While set, ADA-USD days from this one on hang until `releaseGate` (a slow source), then fail. */
let gateFrom: string | undefined;
let releaseGate: () => void = () => undefined;
let gate = Promise.resolve();
function closeGate(from: string): void {
  gateFrom = from;
  gate = new Promise((resolve) => (releaseGate = resolve));
}

/** The synthetic source, with failures and hangs the tests switch on: a real source, not a mock. */
const testSource: MarketSource = {
  ...syntheticSource,
  async fetchDay(symbol, day, options) {
    if (symbol === 'SOL-USD' && failingDays.has(day)) {
      await failureHeld;
      throw ApplicationFailure.nonRetryable(`test source refuses ${symbol} ${day}`, 'SourceDataInvalid');
    }
    if (symbol === 'ADA-USD' && gateFrom && day >= gateFrom) {
      // Hang like a slow exchange, but honour cancellation as a real (HTTP) source does.
      await new Promise<void>((resolve, reject) => {
        void gate.then(resolve);
        const signal = options?.signal;
        if (signal?.aborted) reject(signal.reason);
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
      throw ApplicationFailure.nonRetryable(`test source gave up on ${symbol} ${day}`, 'SourceDataInvalid');
    }
    return syntheticSource.fetchDay(symbol, day, options);
  },
};

interface ChildRecord {
  readonly workflowId: string;
  readonly runId: string;
  readonly startedAt: number;
  readonly closedAt?: number;
  readonly outcome: 'completed' | 'failed' | 'cancelled' | 'other' | 'running';
}

const ms = (t: temporal.api.history.v1.IHistoryEvent['eventTime']): number => Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);

/** Every run of a workflow ID (a continue-as-new chain and any earlier executions), oldest first. */
async function runsOf(client: Client, workflowId: string): Promise<Array<{ runId: string; status: string; startTime: Date }>> {
  const out: Array<{ runId: string; status: string; startTime: Date }> = [];
  for await (const w of client.workflow.list({ query: `WorkflowId='${workflowId}'` })) out.push({ runId: w.runId, status: w.status.name, startTime: w.startTime });
  return out.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}

/** The child workflows one run started, with start/close times from its history. */
async function childrenOfRun(client: Client, workflowId: string, runId: string): Promise<ChildRecord[]> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const byInitiated = new Map<string, { workflowId: string; runId: string; startedAt: number; closedAt?: number; outcome: ChildRecord['outcome'] }>();
  for (const e of history.events ?? []) {
    const started = e.childWorkflowExecutionStartedEventAttributes;
    if (started) {
      byInitiated.set(String(started.initiatedEventId), {
        workflowId: started.workflowExecution?.workflowId ?? '',
        runId: started.workflowExecution?.runId ?? '',
        startedAt: ms(e.eventTime),
        outcome: 'running',
      });
      continue;
    }
    const closed =
      e.childWorkflowExecutionCompletedEventAttributes ??
      e.childWorkflowExecutionFailedEventAttributes ??
      e.childWorkflowExecutionCanceledEventAttributes ??
      e.childWorkflowExecutionTerminatedEventAttributes ??
      e.childWorkflowExecutionTimedOutEventAttributes;
    if (closed) {
      const child = byInitiated.get(String(closed.initiatedEventId));
      if (!child) continue;
      child.closedAt = ms(e.eventTime);
      child.outcome =
        e.eventType === EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED ? 'completed'
          : e.eventType === EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED ? 'failed'
            : e.eventType === EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED ? 'cancelled' : 'other';
    }
  }
  return [...byInitiated.values()];
}

/** Children of the latest execution chain of a backfill ID that started at or after `since`. */
async function childrenOf(client: Client, workflowId: string, since = 0): Promise<ChildRecord[]> {
  const out: ChildRecord[] = [];
  for (const run of await runsOf(client, workflowId)) {
    if (run.startTime.getTime() < since) continue;
    out.push(...(await childrenOfRun(client, workflowId, run.runId)));
  }
  return out;
}

/** The day `n` days before `day`. */
const daysBefore = (day: string, n: number): string => addDays(day, -n);

/** Largest number of intervals open at once. */
function maxOverlap(intervals: ReadonlyArray<{ startedAt: number; closedAt?: number }>): number {
  const points = intervals.flatMap((i) => [
    { t: i.startedAt, d: 1 },
    { t: i.closedAt ?? Number.MAX_SAFE_INTEGER, d: -1 },
  ]);
  // Closes sort before opens at the same instant: a child that ends as the next starts is not an overlap.
  points.sort((a, b) => a.t - b.t || a.d - b.d);
  let open = 0;
  let max = 0;
  for (const p of points) max = Math.max(max, (open += p.d));
  return max;
}

describe('backfill on a real dev server', () => {
  let server: TestWorkflowEnvironment;
  let stack: TestStack;

  beforeAll(async () => {
    server = await startDevServerEnv();
    stack = await startStack({ server, sources: { synthetic: testSource } });
  });
  afterAll(async () => {
    await stack?.stop();
    await server?.teardown();
  });

  const startBackfill = (input: BackfillInput) =>
    stack.client.workflow.start('backfill', { taskQueue: stack.config.taskQueue, workflowId: backfillWorkflowId(input), args: [input] });
  const runBackfill = async (input: BackfillInput) => {
    const handle = await startBackfill(input);
    const started = (await handle.describe()).startTime.getTime();
    return { result: BackfillResult.parse(await handle.result()), handle, started };
  };
  const ledger = (symbol: string, from: string, to: string, asset: string) =>
    listMaterializations(stack.db.kysely, { symbol, from, to, assets: [asset] });
  const noRunningWorkflows = async () => {
    const running: string[] = [];
    for await (const w of stack.client.workflow.list({ query: `TaskQueue='${stack.config.taskQueue}' AND ExecutionStatus='Running'` })) running.push(w.workflowId);
    return running;
  };
  const activitiesIdle = async () => {
    while (stack.worker.getStatus().numInFlightActivities > 0) await new Promise((r) => setTimeout(r, 50));
  };

  it('with upstream runs ingest then features; an identical run skips everything and starts no child', async () => {
    const input: BackfillInput = { symbols: ['BTC-USD'], flows: ['features-c'], from: '2024-03-01', to: '2024-03-08', withUpstream: true, chunkDays: 3 };
    const first = await runBackfill(input);
    expect(first.result).toMatchObject({ status: 'completed', total: 16, done: 16, skipped: 0, failed: 0, children: 6 });
    const candles = await ledger('BTC-USD', '2024-03-01', '2024-03-08', 'candles');
    const featuresC = await ledger('BTC-USD', '2024-03-01', '2024-03-08', 'features_c');
    expect(candles.map((m) => m.partition)).toEqual(daysOf('2024-03-01', '2024-03-08'));
    expect(featuresC).toHaveLength(8);
    expect(featuresC[0].workflow_id).toBe('features-c/BTC-USD/2024-03-01..2024-03-03');
    // Dependency phases: every ingest child closed before the first feature child started.
    const kids = await childrenOf(stack.client, backfillWorkflowId(input), first.started);
    const ingestKids = kids.filter((k) => k.workflowId.startsWith('ingest/'));
    const featureKids = kids.filter((k) => k.workflowId.startsWith('features-c/'));
    expect(ingestKids.map((k) => k.workflowId).sort()).toEqual(['ingest/BTC-USD/2024-03-01..2024-03-03', 'ingest/BTC-USD/2024-03-04..2024-03-06', 'ingest/BTC-USD/2024-03-07..2024-03-08']);
    expect(Math.max(...ingestKids.map((k) => k.closedAt ?? Infinity))).toBeLessThanOrEqual(Math.min(...featureKids.map((k) => k.startedAt)));

    const second = await runBackfill(input);
    expect(second.result).toMatchObject({ status: 'completed', total: 16, done: 0, skipped: 16, children: 0 });
    expect(await childrenOf(stack.client, backfillWorkflowId(input), second.started)).toEqual([]);
    const candlesAfter = await ledger('BTC-USD', '2024-03-01', '2024-03-08', 'candles');
    expect(candlesAfter.map((m) => [m.run_id, m.materialized_at])).toEqual(candles.map((m) => [m.run_id, m.materialized_at]));
  });

  it('a version bump makes partitions stale and a backfill redoes only those; force redoes all of C and no ingest', async () => {
    const range = { symbols: ['BTC-USD'], from: '2024-03-01', to: '2024-03-08' };
    // The version is code, so a bump is simulated by making three ledger rows look older.
    await stack.db.kysely.updateTable('materializations').set({ code_version: 'c-0.9.0' })
      .where('asset', '=', 'features_c').where('symbol', '=', 'BTC-USD').where('partition', 'in', ['2024-03-02', '2024-03-03', '2024-03-06']).execute();
    const candlesBefore = await ledger('BTC-USD', '2024-03-01', '2024-03-08', 'candles');
    const stale = await runBackfill({ ...range, flows: ['ingest', 'features-c'], chunkDays: 31 });
    expect(stale.result).toMatchObject({ total: 16, done: 3, skipped: 13, failed: 0 });
    const kids = await childrenOf(stack.client, backfillWorkflowId({ ...range, flows: ['ingest', 'features-c'] }), stale.started);
    expect(kids.map((k) => k.workflowId).sort()).toEqual(['features-c/BTC-USD/2024-03-02..2024-03-03', 'features-c/BTC-USD/2024-03-06']);
    expect((await ledger('BTC-USD', '2024-03-01', '2024-03-08', 'features_c')).every((m) => m.code_version === 'c-1.1.0')).toBe(true);

    // --force on ingest re-fetches every day (late or corrected data); the same data gives the
    // same checksums, so by lineage nothing computed from it goes stale.
    const refetched = await runBackfill({ ...range, flows: ['ingest'], force: true, chunkDays: 4 });
    expect(refetched.result).toMatchObject({ total: 8, done: 8, skipped: 0 });
    const candlesAfter = await ledger('BTC-USD', '2024-03-01', '2024-03-08', 'candles');
    expect(candlesAfter.map((m) => m.checksum)).toEqual(candlesBefore.map((m) => m.checksum));
    expect(candlesAfter.every((m, i) => m.run_id !== candlesBefore[i].run_id)).toBe(true);
    const current = await runBackfill({ ...range, flows: ['features-c'], chunkDays: 4 });
    expect(current.result).toMatchObject({ total: 8, done: 0, skipped: 8 });

    // --force on features redoes all of C and no ingest.
    const forced = await runBackfill({ ...range, flows: ['features-c'], force: true, chunkDays: 4 });
    expect(forced.result).toMatchObject({ total: 8, done: 8, skipped: 0 });
    const forcedKids = await childrenOf(stack.client, backfillWorkflowId({ ...range, flows: ['features-c'] }), forced.started);
    expect(forcedKids.map((k) => k.workflowId).sort()).toEqual(['features-c/BTC-USD/2024-03-01..2024-03-04', 'features-c/BTC-USD/2024-03-05..2024-03-08']);
    expect((await ledger('BTC-USD', '2024-03-01', '2024-03-08', 'candles')).map((m) => m.run_id)).toEqual(candlesAfter.map((m) => m.run_id));
  });

  it('a chunk longer than an activity slice writes exactly what one child per day writes', async () => {
    // Activities work through a chunk SLICE_DAYS at a time; 17 days are three slices (8 + 8 + 1).
    expect(SLICE_DAYS).toBeLessThan(9);
    const range = { symbols: ['DOGE-USD'], from: '2024-07-01', to: '2024-07-17' };
    const assets = ['features_b', 'features_c', 'evaluations/b', 'evaluations/c'];
    const checksums = async () =>
      Object.fromEntries(await Promise.all(assets.map(async (a) => [a, (await ledger('DOGE-USD', range.from, range.to, a)).map((m) => [m.partition, m.checksum, m.run_id])] as const)));
    const chunked = await runBackfill({ ...range, flows: ['evaluate'], withUpstream: true, chunkDays: 17 });
    expect(chunked.result).toMatchObject({ status: 'completed', done: FLOW_GRAPH.active.length * 17, failed: 0 });
    const before = await checksums();
    const daily = await runBackfill({ ...range, flows: ['features-b', 'features-c', 'evaluate'], force: true, chunkDays: 1 });
    expect(daily.result).toMatchObject({ status: 'completed', done: 3 * 17, failed: 0, children: 3 * 17 });
    const after = await checksums();
    for (const a of assets) {
      expect(after[a]).toHaveLength(17);
      // Same content, day by day; every day was written again (another run).
      expect(after[a].map(([day, checksum]) => [day, checksum])).toEqual(before[a].map(([day, checksum]) => [day, checksum]));
      expect(after[a].every(([, , run], i) => run !== before[a][i][2])).toBe(true);
    }
  });

  it('never runs more than `concurrency` children, continues as new, and still completes everything (evaluate with upstream)', async () => {
    const input: BackfillInput = { symbols: ['ETH-USD'], flows: ['evaluate'], from: '2024-04-01', to: '2024-04-06', withUpstream: true, chunkDays: 1, concurrency: 3, continueAsNewAfter: 5 };
    const { result, started } = await runBackfill(input);
    // One child per day and flow: every active flow of the registry (ingest, each feature flow, evaluate).
    const perDay = FLOW_GRAPH.active.length;
    expect(result).toMatchObject({ status: 'completed', total: 6 * perDay, done: 6 * perDay, skipped: 0, failed: 0, children: 6 * perDay });
    expect(result.runs).toBeGreaterThan(1);
    const runs = (await runsOf(stack.client, backfillWorkflowId(input))).filter((r) => r.startTime.getTime() >= started);
    expect(runs.length).toBe(result.runs);
    expect(runs.slice(0, -1).every((r) => r.status === 'CONTINUED_AS_NEW')).toBe(true);
    const kids = await childrenOf(stack.client, backfillWorkflowId(input), started);
    expect(kids).toHaveLength(6 * perDay);
    expect(kids.every((k) => k.outcome === 'completed')).toBe(true);
    expect(maxOverlap(kids)).toBeLessThanOrEqual(3);
    const evaluations = await ledger('ETH-USD', '2024-04-01', '2024-04-06', 'evaluations/c');
    expect(evaluations.map((m) => m.partition)).toEqual(daysOf('2024-04-01', '2024-04-06'));
  });

  it('pipelined windows: each flow waits for its upstream windows, windows overlap, continue-as-new mid-pipeline, a rerun skips all', async () => {
    // 3 windows of 4 days, 2-day chunks: per window and flow 2 children (ingest, each feature flow, evaluate).
    const flows = FLOW_GRAPH.active.length;
    const input: BackfillInput = {
      symbols: ['DOGE-USD'], flows: ['evaluate'], from: '2024-05-01', to: '2024-05-12', withUpstream: true, chunkDays: 2, windowDays: 4, concurrency: 3, continueAsNewAfter: 7,
    };
    const { result, started, handle } = await runBackfill(input);
    expect(result).toMatchObject({ status: 'completed', total: 12 * flows, done: 12 * flows, skipped: 0, failed: 0, children: 6 * flows });
    expect(result.runs).toBeGreaterThan(1);
    const kids = await childrenOf(stack.client, backfillWorkflowId(input), started);
    expect(kids).toHaveLength(6 * flows);
    expect(kids.every((k) => k.outcome === 'completed')).toBe(true);
    expect(maxOverlap(kids)).toBeLessThanOrEqual(3);
    // The first run chose the pipeline (patch marker) and its continue-as-new chain kept it.
    const firstRun = await stack.client.workflow.getHandle(backfillWorkflowId(input), handle.firstExecutionRunId).fetchHistory();
    expect(patchMarkers(firstRun.events ?? [])).toEqual([
      expect.stringContaining(BACKFILL_FLOW_GRAPH_PATCH),
      expect.stringContaining(WINDOWED_PHASES_PATCH),
      expect.stringContaining(WORKER_AFFINITY_PATCH),
      expect.stringContaining(PLAN_AHEAD_PATCH),
    ]);
    // Lanes planned a window while the upstream lane was still writing it (assuming its runs).
    const plans = activityInputs(firstRun.events ?? [], 'planBackfill') as PlanBackfillInput[];
    expect(plans.some((p) => p.flows.includes('evaluate') && (p.assumed ?? []).some((a) => a.flow.startsWith('features-')))).toBe(true);
    // However plans and child events interleaved, the run replays: no decision hangs on timing.
    await Worker.runReplayHistory({ workflowBundle: testWorkflowBundle() }, firstRun, 'pipelined-first-run');

    const range = (k: ChildRecord) => k.workflowId.split('/')[2].split('..');
    const flow = (k: ChildRecord) => k.workflowId.split('/')[0];
    const overlaps = (k: ChildRecord, from: string, to: string) => range(k)[0] <= to && range(k)[1] >= from;
    for (const k of kids) {
      const [from, to] = range(k);
      // Features read two look-back days of candles; evaluation reads both feature sets of its days.
      const upstream =
        flow(k) === 'evaluate'
          ? kids.filter((u) => flow(u).startsWith('features-') && overlaps(u, from, to))
          : flow(k).startsWith('features-')
            ? kids.filter((u) => flow(u) === 'ingest' && overlaps(u, daysBefore(from, 2), to))
            : [];
      if (upstream.length) expect(Math.max(...upstream.map((u) => u.closedAt ?? Infinity))).toBeLessThanOrEqual(k.startedAt);
    }
    // Pipelined, not phase by phase: the second window's ingest started while the first window's features still ran.
    const secondIngest = kids.filter((k) => flow(k) === 'ingest' && range(k)[0] >= '2024-05-05' && range(k)[0] <= '2024-05-08');
    const firstFeatures = kids.filter((k) => flow(k).startsWith('features-') && range(k)[1] <= '2024-05-04');
    expect(Math.min(...secondIngest.map((k) => k.startedAt))).toBeLessThan(Math.max(...firstFeatures.map((k) => k.closedAt ?? Infinity)));
    const evaluations = await ledger('DOGE-USD', '2024-05-01', '2024-05-12', 'evaluations/b');
    expect(evaluations.map((m) => m.partition)).toEqual(daysOf('2024-05-01', '2024-05-12'));

    const again = await runBackfill(input);
    expect(again.result).toMatchObject({ status: 'completed', total: 12 * flows, done: 0, skipped: 12 * flows, children: 0 });
  });

  it('pipelined windows: a lane that planned around an upstream run which then failed plans that window again', async () => {
    // Windows of 4 days, 2-day chunks. Ingest 08-05..08-06 writes 08-05, then fails on 08-06, but
    // only once features-c has planned window 2 assuming that ingest run would succeed.
    failingDays.add('2024-08-06');
    let releaseFailure: () => void = () => undefined;
    failureHeld = new Promise((resolve) => (releaseFailure = resolve));
    const input: BackfillInput = { symbols: ['SOL-USD'], flows: ['features-c'], from: '2024-08-01', to: '2024-08-12', withUpstream: true, chunkDays: 2, windowDays: 4 };
    const handle = await startBackfill(input);
    const started = (await handle.describe()).startTime.getTime();
    const window2 = (p: PlanBackfillInput) => p.flows.includes('features-c') && p.from === '2024-08-05' && p.to === '2024-08-08';
    const assumedFailing = (p: PlanBackfillInput) => (p.assumed ?? []).some((a) => a.flow === 'ingest' && a.from === '2024-08-05' && a.to === '2024-08-06');
    const plansSoFar = async () => activityInputs((await handle.fetchHistory()).events ?? [], 'planBackfill') as PlanBackfillInput[];
    for (let i = 0; i < 600 && !(await plansSoFar()).some((p) => window2(p) && assumedFailing(p)); i++) await new Promise((r) => setTimeout(r, 50));
    releaseFailure();
    const first = BackfillResult.parse(await handle.result());
    failureHeld = Promise.resolve();

    // Exactly what planning after the failure gives: 08-06 lacks candles, 08-07..08-08 their look-back.
    expect(first).toMatchObject({ status: 'completed-with-failures', total: 24, done: 19, failed: 5 });
    expect(first.failures).toEqual([
      expect.objectContaining({ flow: 'ingest', from: '2024-08-05', to: '2024-08-06', error: 'SourceDataInvalid: test source refuses SOL-USD 2024-08-06' }),
      expect.objectContaining({ flow: 'features-c', from: '2024-08-06', to: '2024-08-06', error: expect.stringMatching(/^UpstreamMissing: features-c needs candles \(not materialized\)/) }),
      expect.objectContaining({ flow: 'features-c', from: '2024-08-07', to: '2024-08-08', error: expect.stringContaining('look-back candles of the previous 2 days') }),
    ]);
    // The draft that assumed the failed run was planned again, without assumptions, and never started.
    const plans = (await plansSoFar()).filter(window2);
    expect(plans.map((p) => assumedFailing(p))).toEqual([true, false]);
    expect(plans[1].assumed).toBeUndefined();
    await Worker.runReplayHistory({ workflowBundle: testWorkflowBundle() }, await handle.fetchHistory(), 'replanned');
    const kids = await childrenOf(stack.client, backfillWorkflowId(input), started);
    expect(kids.filter((k) => k.workflowId.startsWith('features-c/')).map((k) => k.workflowId).sort()).toEqual([
      'features-c/SOL-USD/2024-08-01..2024-08-02',
      'features-c/SOL-USD/2024-08-03..2024-08-04',
      'features-c/SOL-USD/2024-08-05',
      'features-c/SOL-USD/2024-08-09..2024-08-10',
      'features-c/SOL-USD/2024-08-11..2024-08-12',
    ]);

    // Once the source works, the next run does exactly the rest, planning ahead on runs that succeed.
    failingDays.clear();
    const second = await runBackfill(input);
    expect(second.result).toMatchObject({ status: 'completed', done: 4, skipped: 20, failed: 0 });
    const again = await childrenOf(stack.client, backfillWorkflowId(input), second.started);
    expect(again.map((k) => k.workflowId).sort()).toEqual(['features-c/SOL-USD/2024-08-06..2024-08-07', 'features-c/SOL-USD/2024-08-08', 'ingest/SOL-USD/2024-08-06']);
    expect(await ledger('SOL-USD', '2024-08-01', '2024-08-12', 'features_c')).toHaveLength(12);
  });

  it('a failing partition does not stop the others, the result names it, and the next backfill does only it', async () => {
    failingDays.add('2024-05-05');
    const input: BackfillInput = { symbols: ['SOL-USD'], flows: ['features-c'], from: '2024-05-01', to: '2024-05-10', withUpstream: true, chunkDays: 3 };
    const first = await runBackfill(input);
    // Ingest 05-04..05-06 fails in its child; features-c of those days, and of 05-07..05-08 whose
    // two-day look-back lacks candles, then fail in planning (upstream missing).
    // Ingest 05-04..05-06 fails in its child after writing 05-04 (each day is its own transaction);
    // features-c of 05-05..05-06 then lack candles, and 05-07..05-08 their two-day look-back.
    expect(first.result).toMatchObject({ status: 'completed-with-failures', total: 20, done: 13, failed: 7 });
    expect(first.result.failures).toEqual([
      expect.objectContaining({ flow: 'ingest', symbol: 'SOL-USD', from: '2024-05-04', to: '2024-05-06', error: 'SourceDataInvalid: test source refuses SOL-USD 2024-05-05' }),
      expect.objectContaining({ flow: 'features-c', from: '2024-05-05', to: '2024-05-06', error: expect.stringMatching(/^UpstreamMissing: features-c needs candles \(not materialized\)/) }),
      expect.objectContaining({ flow: 'features-c', from: '2024-05-07', to: '2024-05-08', error: expect.stringContaining('look-back candles of the previous 2 days') }),
    ]);
    expect(await noRunningWorkflows()).toEqual([]);
    failingDays.clear();
    const second = await runBackfill(input);
    expect(second.result).toMatchObject({ status: 'completed', done: 6, skipped: 14, failed: 0 });
    const kids = await childrenOf(stack.client, backfillWorkflowId(input), second.started);
    expect(kids.map((k) => k.workflowId).sort()).toEqual([
      'features-c/SOL-USD/2024-05-05..2024-05-07',
      'features-c/SOL-USD/2024-05-08',
      'ingest/SOL-USD/2024-05-05..2024-05-06',
    ]);
  });

  it('without upstream, a day whose candles were deleted fails UpstreamMissing and the rest completes', async () => {
    const range = { symbols: ['SOL-USD'], from: '2024-05-01', to: '2024-05-10' };
    await stack.db.kysely.deleteFrom('materializations').where('symbol', '=', 'SOL-USD').where('partition', '=', '2024-05-08').execute();
    await stack.db.kysely.deleteFrom('candles').where('symbol', '=', 'SOL-USD').where('ts', '>=', dayStartMs('2024-05-08')).where('ts', '<', dayStartMs('2024-05-09')).execute();
    const result = (await runBackfill({ ...range, flows: ['features-b'], chunkDays: 31 })).result;
    // 05-08 lacks candles; 05-09 reads the last hour of 05-08 (look-back) so it cannot run either.
    expect(result).toMatchObject({ status: 'completed-with-failures', done: 8, failed: 2 });
    expect(result.failures[0]).toMatchObject({ flow: 'features-b', from: '2024-05-08', to: '2024-05-08' });
    expect(result.failures[0].error).toMatch(/candles \(not materialized\).*--with-upstream/);
    expect(result.failures[1]).toMatchObject({ flow: 'features-b', from: '2024-05-09', to: '2024-05-09' });
    expect(await ledger('SOL-USD', '2024-05-01', '2024-05-10', 'features_b')).toHaveLength(8);
  });

  it('cancel mid-way leaves nothing running, keeps completed partitions, and the next run does exactly the rest', async () => {
    const input: BackfillInput = { symbols: ['ADA-USD'], flows: ['ingest'], from: '2024-06-01', to: '2024-06-20', chunkDays: 1, concurrency: 2 };
    closeGate('2024-06-05');
    const handle = await startBackfill(input);
    let progress = BackfillProgress.parse(await handle.query(backfillProgressQuery));
    while (progress.done < 4 || progress.runningChildren < 2) {
      await new Promise((r) => setTimeout(r, 20));
      progress = BackfillProgress.parse(await handle.query(backfillProgressQuery));
    }
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(await noRunningWorkflows()).toEqual([]);
    const kids = await childrenOf(stack.client, backfillWorkflowId(input));
    expect(kids.map((k) => `${k.workflowId} ${k.outcome}`).sort()).toEqual([
      ...daysOf('2024-06-01', '2024-06-04').map((d) => `ingest/ADA-USD/${d} completed`),
      'ingest/ADA-USD/2024-06-05 cancelled',
      'ingest/ADA-USD/2024-06-06 cancelled',
    ]);
    // The cancelled activities stopped waiting on the source when cancellation reached them; reopen it for the next run.
    gateFrom = undefined;
    releaseGate();
    await activitiesIdle();
    const kept = (await ledger('ADA-USD', '2024-06-01', '2024-06-20', 'candles')).map((m) => m.partition);
    expect(kept).toEqual(daysOf('2024-06-01', '2024-06-04'));

    const next = await runBackfill(input);
    expect(next.result).toMatchObject({ status: 'completed', total: 20, done: 20 - kept.length, skipped: kept.length });
    const redone = (await childrenOf(stack.client, backfillWorkflowId(input), next.started)).map((k) => k.workflowId.split('/')[2]).sort();
    expect(redone).toEqual(daysOf('2024-06-01', '2024-06-20').filter((d) => !kept.includes(d)));
  });

  it('pause stops new children, resume finishes, and progress counts add up', async () => {
    const input: BackfillInput = { symbols: ['XRP-USD'], flows: ['ingest', 'features-b'], from: '2024-07-01', to: '2024-07-06', chunkDays: 2, concurrency: 1 };
    const handle = await stack.client.workflow.signalWithStart('backfill', {
      taskQueue: stack.config.taskQueue,
      workflowId: backfillWorkflowId(input),
      args: [input],
      signal: pauseBackfillSignal,
      signalArgs: [],
    });
    let progress = BackfillProgress.parse(await handle.query(backfillProgressQuery));
    while (progress.phase === 'planning') progress = BackfillProgress.parse(await handle.query(backfillProgressQuery));
    expect(progress).toMatchObject({ paused: true, total: 12, done: 0, running: 0, runningChildren: 0, skipped: 0 });
    expect(await childrenOf(stack.client, backfillWorkflowId(input))).toEqual([]);
    await handle.signal(resumeBackfillSignal);
    const result = BackfillResult.parse(await handle.result());
    expect(result).toMatchObject({ status: 'completed', total: 12, done: 12, children: 6 });
    const final = BackfillProgress.parse(await handle.query(backfillProgressQuery));
    expect(final).toMatchObject({ paused: false, phase: 'done', done: 12, running: 0, etaSeconds: 0 });
    expect(final.done + final.skipped + final.failed).toBe(final.total);
    expect(final.partitionsPerSecond).toBeGreaterThan(0);
  });

  it('rejects invalid input as a non-retryable InvalidInput', async () => {
    const err = await stack.client.workflow
      .execute('backfill', { taskQueue: stack.config.taskQueue, workflowId: 'backfill/invalid', args: [{ symbols: ['BTC-USD'], flows: ['features-c'], from: '2024-02-10', to: '2024-02-01', concurrency: 100 }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(String((err as WorkflowFailedError).cause?.message)).toMatch(/concurrency.*64|to: from must not be after to/);
  });
});
