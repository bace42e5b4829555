/**
 * Recovery speed and cancellation with a dead worker, on a real dev server with real worker
 * PROCESSES (SIGKILLed), default activity options (no per-run heartbeat override):
 * 1. a worker killed while its activity is in flight costs at most ~15 s: the retry's start
 *    (from the history) is within 15 s of the dead worker's last heartbeat (server time);
 * 2. a backfill cancelled right after its worker died closes within 15 s (history times), with
 *    every in-flight child CANCELED, not FAILED with "Heartbeat timeout";
 * 3. a SQLite database locked by another process for longer than the busy timeout (a real
 *    SQLITE_BUSY) is waited out: the backfill completes, every activity on its first attempt.
 * The activity is held in flight deterministically: ingest from a fake Coinbase that does not
 * answer until the test lets it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type http from 'node:http';
import SQLite from 'better-sqlite3';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { BackfillResult, DEFAULT_HEARTBEAT_TIMEOUT_SECONDS, type BackfillInput, type IngestInput } from '../../src/contracts';
import { startFakeCoinbase, type FakeCoinbase } from '../helpers/fake-coinbase';
import { startDevServerEnv, startStack } from '../helpers/stack';
import { sleep, waitUntil } from './chaos';
import { WorkerProcess } from './worker-process';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** What "a kill costs at most ~15 s" allows: dead worker's last heartbeat to retry start; cancel request to close. */
const KILL_COST_LIMIT_MS = 15_000;

describe('recovery from a dead worker (default heartbeat timeout)', () => {
  let server: TestWorkflowEnvironment;
  let fake: FakeCoinbase;
  let dir: string;
  let held: http.ServerResponse[] = [];
  let holding = false;
  const workers: WorkerProcess[] = [];
  let names = 0;

  /** A worker process on its own task queue and SQLite file, ingesting from the fake exchange. */
  function newWorker(name: string, taskQueue: string, env: Record<string, string> = {}): WorkerProcess {
    const worker = new WorkerProcess({
      temporalAddress: server.address,
      databaseUrl: path.join(dir, `${name}.db`),
      taskQueue,
      logFile: path.join(dir, `${name}-worker.log`),
      env: { FEATUREFLOW_COINBASE_URL: fake.url, FEATUREFLOW_COINBASE_RATE: '100', ...env },
    });
    workers.push(worker);
    return worker;
  }

  /** From now on the fake exchange keeps every request waiting (the activity stays in flight). */
  function hold(): void {
    holding = true;
    fake.fault = (_req, res) => {
      if (!holding) return false;
      held.push(res);
      return true;
    };
  }

  /** Answers nothing held (their worker is dead) and serves normally again. */
  function release(): void {
    holding = false;
    for (const res of held) res.destroy();
    held = [];
  }

  const eventMs = (e: HistoryEvent): number => tsToMs(e.eventTime);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-recovery-'));
    server = await startDevServerEnv();
    fake = await startFakeCoinbase();
  });
  afterEach(() => release());
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await fake?.close();
    await server?.teardown();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a worker killed mid-activity costs at most ~15 s: the retry starts within 15 s of its last heartbeat (server times)', async () => {
    const taskQueue = `recovery-kill-${process.pid}-${++names}`;
    const first = newWorker('kill-first', taskQueue);
    await first.start();
    hold();
    const input: IngestInput = { symbol: 'BTC-USD', from: '2024-03-01', to: '2024-03-01', source: 'coinbase' };
    const handle = await server.client.workflow.start('ingest', { taskQueue, workflowId: `recovery-kill/${taskQueue}`, args: [input] });
    // The activity is in flight on the first worker once the exchange sees its request.
    await waitUntil(() => held.length > 0, 'the ingest activity to call the exchange', 60_000);
    // Another worker is already up, as in production: its start-up time is not what is measured.
    await newWorker('kill-second', taskQueue).start();
    await first.kill();
    release();
    // The dead worker's last sign of life, as the server recorded it.
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    expect(pending).toHaveLength(1);
    const lastHeartbeatMs = tsToMs(pending[0].lastHeartbeatTime ?? pending[0].lastStartedTime);
    await handle.result();

    const events = (await handle.fetchHistory()).events ?? [];
    const started = events.find((e) => e.activityTaskStartedEventAttributes);
    const attrs = started?.activityTaskStartedEventAttributes;
    // The completed attempt is the second; the first ended by its heartbeat timeout.
    expect(attrs?.attempt).toBe(2);
    expect(attrs?.lastFailure?.timeoutFailureInfo?.timeoutType).toBe(temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT);
    const costMs = eventMs(started!) - lastHeartbeatMs;
    console.log(`worker kill: retry started ${(costMs / 1000).toFixed(1)} s after the dead worker's last heartbeat (heartbeat timeout ${DEFAULT_HEARTBEAT_TIMEOUT_SECONDS} s)`);
    expect(costMs).toBeGreaterThanOrEqual(DEFAULT_HEARTBEAT_TIMEOUT_SECONDS * 1000 - 500);
    expect(costMs).toBeLessThanOrEqual(KILL_COST_LIMIT_MS);
  }, 120_000);

  test('a backfill cancelled while its worker is dead closes promptly, its in-flight children CANCELED', async () => {
    const taskQueue = `recovery-cancel-${process.pid}-${++names}`;
    // No sticky cache on the worker that dies: the cancel then reaches the children at once,
    // while their activities' dead attempts still hold them — the path under test. (With the
    // cache, the parent's next workflow task first waits out the dead worker's sticky queue,
    // 10 s, and by then the heartbeat timeout has ended the attempts; also ~11 s in all.)
    const first = newWorker('cancel-first', taskQueue, { FEATUREFLOW_MAX_CACHED_WORKFLOWS: '0' });
    await first.start();
    hold();
    const input: BackfillInput = { symbols: ['BTC-USD'], flows: ['ingest'], from: '2024-03-01', to: '2024-03-04', chunkDays: 2, concurrency: 2, source: 'coinbase' };
    const handle = await server.client.workflow.start('backfill', { taskQueue, workflowId: `recovery-cancel/${taskQueue}`, args: [input] });
    // Both children's activities are in flight on the first worker.
    await waitUntil(() => held.length >= 2, 'both ingest activities to call the exchange', 60_000);
    // Another worker is up (it runs the workflow tasks); the dead one's activities are never answered.
    await newWorker('cancel-second', taskQueue).start();
    await first.kill();
    await handle.cancel();
    const outcome = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    expect((outcome as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);

    const events = (await handle.fetchHistory()).events ?? [];
    const requested = events.find((e) => e.workflowExecutionCancelRequestedEventAttributes);
    const closed = events.find((e) => e.workflowExecutionCanceledEventAttributes);
    // The backfill itself closed CANCELED, after the request (not failed, not still open).
    expect(closed?.eventId).toBeDefined();
    expect(Number(closed?.eventId)).toBeGreaterThan(Number(requested?.eventId));
    const children = events.map((e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId).filter((id): id is string => !!id);
    expect(children).toHaveLength(2);
    expect(events.filter((e) => e.childWorkflowExecutionCanceledEventAttributes)).toHaveLength(2);
    expect(events.some((e) => e.childWorkflowExecutionFailedEventAttributes)).toBe(false);
    for (const id of children) {
      const childEvents = (await server.client.workflow.getHandle(id).fetchHistory()).events ?? [];
      // Its activity was asked to cancel, nobody was alive to answer, the heartbeat timeout ended it: CANCELED all the same.
      expect(childEvents.some((e) => e.activityTaskCancelRequestedEventAttributes)).toBe(true);
      expect(childEvents.some((e) => e.activityTaskTimedOutEventAttributes)).toBe(true);
      expect(childEvents[childEvents.length - 1].workflowExecutionCanceledEventAttributes).toBeTruthy();
    }
    const closeMs = eventMs(closed!) - eventMs(requested!);
    console.log(`cancel with a dead worker: the backfill closed ${(closeMs / 1000).toFixed(1)} s after the cancel request`);
    expect(closeMs).toBeLessThanOrEqual(KILL_COST_LIMIT_MS);
  }, 120_000);

  test('a database locked by another process past the busy timeout: the backfill rides it out, no failed partition, no activity retry', async () => {
    const stack = await startStack({ server });
    try {
      const lock = new SQLite(stack.config.databaseUrl);
      // Longer than the 15 s busy timeout of every featureflow connection: writes get SQLITE_BUSY.
      const LOCK_MS = 17_000;
      lock.exec('begin immediate');
      const input: BackfillInput = { symbols: ['BTC-USD'], flows: ['ingest'], from: '2024-03-01', to: '2024-03-04', chunkDays: 2, concurrency: 2 };
      const handle = await stack.client.workflow.start('backfill', { taskQueue: stack.config.taskQueue, workflowId: `recovery-busy/${stack.config.taskQueue}`, args: [input] });
      await sleep(LOCK_MS);
      lock.exec('commit');
      lock.close();
      const result = BackfillResult.parse(await handle.result());
      expect(result.failures).toEqual([]);
      expect(result).toMatchObject({ status: 'completed', failed: 0 });
      // Each child's activity finished on its first attempt: neither a heartbeat timeout nor an error reached Temporal.
      const events = (await handle.fetchHistory()).events ?? [];
      const children = events.map((e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId).filter((id): id is string => !!id);
      expect(children).toHaveLength(2);
      for (const id of children) {
        const childEvents = (await stack.client.workflow.getHandle(id).fetchHistory()).events ?? [];
        const attempts = childEvents.map((e) => e.activityTaskStartedEventAttributes?.attempt).filter((a) => a !== undefined);
        expect(attempts).toEqual([1]);
      }
      const ledger = await stack.db.kysely.selectFrom('materializations').select(['partition']).where('asset', '=', 'candles').orderBy('partition').execute();
      expect(ledger.map((r) => r.partition)).toEqual(['2024-03-01', '2024-03-02', '2024-03-03', '2024-03-04']);
    } finally {
      await stack.stop();
    }
  }, 120_000);
});
