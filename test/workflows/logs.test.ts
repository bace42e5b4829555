/**
 * Correlated logs of a run tree on a real dev server: every workflow and activity line carries
 * the tree's ids, replayed workflow code does not log again, `featureflow logs` streams a tree
 * and exits with its outcome, and lines of two worker processes merge into one stream (with
 * the SDK's Prometheus endpoint scraped over real HTTP).
 */
import { FLOW_GRAPH } from '../../src/flows/registry';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { runCli } from '../../src/cli/program';
import type { SourceName } from '../../src/contracts';
import { openMigratedDatabase } from '../../src/db/connect';
import type { Db } from '../../src/db/schema';
import { pipelineWorkflowId } from '../../src/core/ids';
import { readLogs, type StoredLog } from '../../src/observability/log-store';
import { flowSearchAttributes, runSummary } from '../../src/core/run-metadata';
import { testSyntheticSource as syntheticSource } from '../helpers/sources';
import type { MarketSource } from '../../src/sources/types';
import { installTestObservability, startDevServerEnv, startStack, testWorkflowBundle, type TestStack } from '../helpers/stack';
import { freePort } from '../helpers/ports';
import { WORKER_READY_MESSAGE } from '../../src/worker';

// Before any server starts: the Runtime logger can be installed once per process.
installTestObservability();

const PROJECT = path.resolve(__dirname, '../..');
const DAY = '2024-01-15';
/** One child per active flow of the registry. */
const CHILD_FLOWS = FLOW_GRAPH.active.map((f) => f.id);
const ACTIVITY_OF_KIND = { ingest: 'ingestCandles', features: 'computeFeatures', evaluate: 'evaluateFeatures' } as const;
/** The activity each flow's child runs, by flow. */
const ACTIVITIES: Record<string, string> = Object.fromEntries(FLOW_GRAPH.active.map((f) => [f.id, ACTIVITY_OF_KIND[f.kind]]));

/** Starts a pipeline the way the CLI does (search attributes + summary) and waits for it; never throws. */
async function runPipeline(client: Client, taskQueue: string, symbol: string, date: string, source: SourceName = 'synthetic') {
  const handle = await client.workflow.start('pipeline', {
    taskQueue,
    workflowId: pipelineWorkflowId(symbol, date),
    args: [{ symbol, date, source }],
    typedSearchAttributes: flowSearchAttributes({ flow: 'pipeline', symbol, from: date, to: date, source }),
    staticSummary: runSummary({ flow: 'pipeline', symbol, from: date, to: date, source }),
  });
  await handle.result().catch(() => undefined);
  return handle;
}

/** The tree's stored lines once its root's last line ('workflow completed' or the SDK's failure line) has landed. */
async function treeLines(db: Db, workflowId: string, runId: string, done: (lines: StoredLog[]) => boolean): Promise<StoredLog[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const lines = await readLogs(db, { rootWorkflowId: workflowId, rootRunId: runId });
    if (done(lines) || Date.now() > deadline) return lines;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const rootFinished = (id: string) => (lines: StoredLog[]) => lines.some((l) => l.workflow_id === id && /workflow completed|Workflow failed/.test(l.message));

/** Runs the CLI in-process, capturing what it prints. */
async function cli(args: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const err = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  process.exitCode = undefined;
  try {
    const code = await runCli(['node', 'featureflow', ...args]);
    return { code, out };
  } finally {
    log.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

describe('correlated logs of a run tree', () => {
  let server: TestWorkflowEnvironment;
  let stack: TestStack;
  // 'csv' is wired to a source that always fails, so one stack serves good and failing runs.
  const brokenSource: MarketSource = {
    ...syntheticSource,
    name: 'csv',
    async fetchDay() {
      throw ApplicationFailure.nonRetryable('exchange returned a malformed page (test fault)', 'SourceDataInvalid');
    },
  };

  beforeAll(async () => {
    server = await startDevServerEnv();
    stack = await startStack({ server, logStore: true, sources: { synthetic: syntheticSource, csv: brokenSource } });
    // The CLI reads its configuration from the environment (once per process).
    Object.assign(process.env, {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: 'default',
      DATABASE_URL: stack.config.databaseUrl,
      FEATUREFLOW_TASK_QUEUE: stack.config.taskQueue,
      FEATUREFLOW_DATA_DIR: stack.dataDir,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await server?.teardown();
  });

  it("every child workflow and activity logs with the tree's root, parent, flow, symbol and partition", async () => {
    const id = pipelineWorkflowId('BTC-USD', DAY);
    const handle = await runPipeline(stack.client, stack.config.taskQueue, 'BTC-USD', DAY);
    const runId = (await handle.describe()).runId;
    const lines = await treeLines(stack.db, id, runId, rootFinished(id));

    expect(lines.every((l) => l.root_workflow_id === id && l.root_run_id === runId && l.symbol === 'BTC-USD' && l.partition === DAY)).toBe(true);
    const root = lines.filter((l) => l.workflow_id === id);
    expect(root.map((l) => l.message)).toEqual(expect.arrayContaining(['workflow started', 'starting child workflow', 'workflow completed']));
    expect(root.every((l) => l.flow === 'pipeline' && l.workflow_type === 'pipeline' && l.parent_workflow_id === null)).toBe(true);

    for (const flow of CHILD_FLOWS) {
      const childId = `${flow}/BTC-USD/${DAY}`;
      const mine = lines.filter((l) => l.workflow_id === childId);
      const workflowLines = mine.filter((l) => l.activity_type === null);
      const activityLines = mine.filter((l) => l.activity_type !== null);
      expect(workflowLines.map((l) => l.message)).toEqual(['workflow started', 'workflow completed']);
      expect(activityLines.map((l) => l.message)).toEqual(expect.arrayContaining(['activity started', 'activity completed']));
      for (const l of mine) {
        expect(l).toMatchObject({ parent_workflow_id: id, flow, run_id: expect.any(String) });
      }
      expect(activityLines.every((l) => l.activity_type === ACTIVITIES[flow] && l.attempt === 1 && l.workflow_type !== null)).toBe(true);
    }
    // The ingest activity's own line (with its attributes) is in the stream too.
    expect(lines.find((l) => l.message === 'ingested candles')).toMatchObject({ workflow_id: `ingest/BTC-USD/${DAY}`, activity_type: 'ingestCandles' });
    // Time order.
    expect(lines.map((l) => Number(l.ts))).toEqual([...lines.map((l) => Number(l.ts))].sort((a, b) => a - b));
  });

  it('replayed workflow code does not log twice (no workflow cache: every task replays the history)', async () => {
    const replaying = await startStack({ server, logStore: true, env: { FEATUREFLOW_MAX_CACHED_WORKFLOWS: '0' } });
    try {
      const id = pipelineWorkflowId('ETH-USD', DAY);
      const handle = await runPipeline(replaying.client, replaying.config.taskQueue, 'ETH-USD', DAY);
      const runId = (await handle.describe()).runId;
      const history = await handle.fetchHistory();
      const workflowTasks = (history.events ?? []).filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
      expect(workflowTasks.length).toBeGreaterThan(3); // so later tasks replayed the earlier ones

      const lines = await treeLines(replaying.db, id, runId, rootFinished(id));
      const count = (workflowId: string, message: string) => lines.filter((l) => l.workflow_id === workflowId && l.activity_type === null && l.message === message).length;
      expect(count(id, 'workflow started')).toBe(1);
      expect(count(id, 'starting child workflow')).toBe(CHILD_FLOWS.length);
      expect(count(id, 'workflow completed')).toBe(1);
      for (const flow of CHILD_FLOWS) {
        expect(count(`${flow}/ETH-USD/${DAY}`, 'workflow started')).toBe(1);
        expect(count(`${flow}/ETH-USD/${DAY}`, 'workflow completed')).toBe(1);
      }
    } finally {
      await replaying.stop();
    }
  });

  it('`featureflow logs` prints the tree in time order; a child id gives its subtree only', async () => {
    const id = pipelineWorkflowId('BTC-USD', DAY);
    const all = await cli(['logs', id, '--json']);
    expect(all.code).toBe(0);
    const records = all.out.map((l) => JSON.parse(l) as { workflowId: string; rootWorkflowId: string; ts: number });
    expect(new Set(records.map((r) => r.workflowId))).toEqual(new Set([id, ...CHILD_FLOWS.map((f) => `${f}/BTC-USD/${DAY}`)]));
    expect(records.every((r) => r.rootWorkflowId === id)).toBe(true);

    const child = await cli(['logs', `features-c/BTC-USD/${DAY}`, '--json']);
    const childIds = new Set(child.out.map((l) => (JSON.parse(l) as { workflowId: string }).workflowId));
    expect(childIds).toEqual(new Set([`features-c/BTC-USD/${DAY}`]));
  });

  it('`logs --follow` streams until the tree ends and exits non-zero when it failed', async () => {
    const date = '2024-01-16';
    const id = pipelineWorkflowId('SOL-USD', date);
    const handle = await stack.client.workflow.start('pipeline', {
      taskQueue: stack.config.taskQueue,
      workflowId: id,
      args: [{ symbol: 'SOL-USD', date, source: 'csv' }],
      typedSearchAttributes: flowSearchAttributes({ flow: 'pipeline', symbol: 'SOL-USD', from: date, to: date, source: 'csv' }),
    });
    const followed = await cli(['logs', id, '--follow']);
    expect(followed.code).toBe(1);
    expect((await handle.describe()).status.name).toBe('FAILED');
    const text = followed.out.join('\n');
    // The failing activity's line and the parent's failure line both arrived before the stream ended.
    expect(text).toMatch(new RegExp(`ingest/SOL-USD/${date} › ingestCandles#1\\s+Activity failed`));
    expect(text).toMatch(new RegExp(`${id.replace(/\//g, '\\/')}\\s+Workflow failed`));
    expect(text).toContain(`${id} is failed`);

    // `status` shows the same tree: each child and activity with state, attempts and the cause.
    const status = await cli(['status', id]);
    expect(status.code).toBe(1);
    const tree = status.out.join('\n');
    expect(tree).toMatch(/pipeline pipeline\/SOL-USD\/2024-01-16\s+\[FAILED\].*SourceDataInvalid: exchange returned a malformed page/);
    expect(tree).toMatch(/activity ingestCandles\s+\[FAILED\]\s+\S+ m?s\s+attempts 1\s+— SourceDataInvalid/);

    // A completed tree exits 0 (run --follow streams the same and ends with the summary).
    const ok = await cli(['run', '--symbol', 'ADA-USD', '--date', date, '--follow']);
    expect(ok.code).toBe(0);
    const okText = ok.out.join('\n');
    for (const flow of CHILD_FLOWS) expect(okText).toContain(`${flow}/ADA-USD/${date} › ${ACTIVITIES[flow]}#1  activity completed`);
    expect(okText).toContain(`pipeline ADA-USD ${date}: completed`);
  });
});


/** Spawns `src/worker.ts` as its own process; resolves once it logged that it is polling. */
function spawnWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'src/worker.ts'], {
    cwd: PROJECT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes(WORKER_READY_MESSAGE)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}:\n${output}`)));
  });
}

/** SIGTERM, then wait: the worker drains, flushes its log store and exits. */
function stopWorker(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

describe('two worker processes, one stream', () => {
  let server: TestWorkflowEnvironment;
  let db: Db;
  let dir: string;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    server = await startDevServerEnv();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-logs-'));
    db = await openMigratedDatabase({ url: path.join(dir, 'featureflow.db') });
  });
  afterAll(async () => {
    await Promise.all(workers.map(stopWorker));
    await db?.close();
    await server?.teardown();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("merges the lines of both workers into each tree's stream, and serves Prometheus metrics", async () => {
    const taskQueue = `multi-${process.pid}-${Date.now()}`;
    const metricsPort = await freePort();
    const env = {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: 'default',
      DATABASE_URL: path.join(dir, 'featureflow.db'),
      FEATUREFLOW_TASK_QUEUE: taskQueue,
      FEATUREFLOW_WORKFLOW_BUNDLE: testWorkflowBundle().codePath,
      // No sticky cache: every workflow task may go to either worker.
      FEATUREFLOW_MAX_CACHED_WORKFLOWS: '0',
    };
    workers.push(...(await Promise.all([spawnWorker({ ...env, FEATUREFLOW_METRICS_ADDRESS: `127.0.0.1:${metricsPort}` }), spawnWorker(env)])));

    const days = ['2024-02-01', '2024-02-02', '2024-02-03'];
    const handles = await Promise.all(days.map((d) => runPipeline(server.client, taskQueue, 'BTC-USD', d)));
    const trees = await Promise.all(
      handles.map(async (h) => {
        const runId = (await h.describe()).runId;
        return treeLines(db, h.workflowId, runId, rootFinished(h.workflowId));
      }),
    );
    const workerNames = (lines: StoredLog[]) => new Set(lines.map((l) => l.worker));
    for (const [i, lines] of trees.entries()) {
      expect(lines.length).toBeGreaterThan(20);
      expect(lines.every((l) => l.root_workflow_id === handles[i].workflowId)).toBe(true);
    }
    expect(new Set(trees.flatMap((t) => [...workerNames(t)])).size).toBe(2);
    // At least one tree interleaves lines of both processes in its one stream.
    expect(trees.some((t) => workerNames(t).size === 2)).toBe(true);
    for (const name of new Set(trees.flatMap((t) => [...workerNames(t)]))) expect(name).toMatch(/^.+:\d+$/);

    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^temporal_\w+/m);
    expect(metrics).toContain('temporal_workflow_completed');
  });
});
