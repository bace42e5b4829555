/**
 * Bench section `pipeline`: end-to-end latency of the daily pipeline on a warm in-process
 * worker, against a dev server with a persistent SQLite file (like `npm start`), and where the
 * time goes, read from Temporal's own histories: queueing of the parent, each child workflow,
 * each activity (schedule -> close, and its execution start -> close), and the orchestration
 * overhead between them. Prints p50/p90; nothing here asserts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { PipelineResult } from '../src/contracts';
import { FLOW_GRAPH } from '../src/flows/registry';
import { addDays } from '../src/core/dates';
import { pipelineWorkflowId } from '../src/core/ids';
import { durationMs, loadRunTree, type RunNode } from '../src/temporal/run-tree';
import { prebuiltBundle } from './bundle';
import { pidWithCommandLine, processCpuMs } from './proc';
import { startDevServerEnv, startStack } from '../test/helpers/stack';
import type { BenchSection } from './sections';

const RUNS = Number(process.env.BENCH_PIPELINE_RUNS ?? 25);
const WARMUP = 3;
const SYMBOL = 'BTC-USD';
const FIRST_DAY = '2024-03-01';

const EventType = temporal.api.enums.v1.EventType;

/** Milliseconds of a history event's time. */
const eventMs = (e: temporal.api.history.v1.IHistoryEvent): number => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);

/** Workflow start -> first workflow task started: how long the run waited for a worker. */
async function queueingMs(client: Client, workflowId: string, runId: string): Promise<number> {
  const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
  const started = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  const firstTask = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
  return started && firstTask ? eventMs(firstTask) - eventMs(started) : Number.NaN;
}

/** Gap categories of a history: where a workflow's wall time goes, event pair by event pair. */
const GAPS: ReadonlyArray<readonly [string, number, number]> = [
  ['workflow task dispatch (scheduled -> started)', EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED],
  ['workflow task on the worker (started -> completed)', EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED],
  ['activity dispatch (scheduled -> started)', EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED],
  ['activity execution (started -> completed)', EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED],
];

/**
 * Sums each gap category over the histories of the critical path (parent, ingest, the slower
 * feature child, evaluate). Some parent tasks overlap its children, so the sums are a guide to
 * where time goes, not an exact partition of the end-to-end time.
 */
async function criticalPathGaps(client: Client, tree: RunNode): Promise<Map<string, number>> {
  const features = tree.children.filter((c) => c.workflowType === 'features');
  const slower = features.reduce<RunNode | undefined>((a, c) => (!a || (durationMs(c.startedAt, c.closedAt) ?? 0) > (durationMs(a.startedAt, a.closedAt) ?? 0) ? c : a), undefined);
  const nodes = [tree, ...tree.children.filter((c) => c.workflowType !== 'features'), ...(slower ? [slower] : [])];
  const sums = new Map<string, number>(GAPS.map(([name]) => [name, 0]));
  for (const node of nodes) {
    const events = (await client.workflow.getHandle(node.workflowId, node.runId).fetchHistory()).events ?? [];
    for (const [name, from, to] of GAPS) {
      // Pairs by order: each "to" event closes the latest open "from" event of its kind.
      let open: number | undefined;
      for (const e of events) {
        if (e.eventType === from) open = eventMs(e);
        else if (e.eventType === to && open !== undefined) {
          sums.set(name, (sums.get(name) ?? 0) + eventMs(e) - open);
          open = undefined;
        }
      }
    }
  }
  return sums;
}

/** The samples of one run, by part name. */
type Sample = Map<string, number>;

/** Splits one run's tree into named durations. */
async function sampleOf(client: Client, e2eMs: number, tree: RunNode): Promise<Sample> {
  const s: Sample = new Map();
  const parentMs = durationMs(tree.startedAt, tree.closedAt) ?? Number.NaN;
  s.set('end to end (client)', e2eMs);
  s.set('client overhead (e2e - parent)', e2eMs - parentMs);
  s.set('parent queueing (start -> 1st task)', await queueingMs(client, tree.workflowId, tree.runId));
  s.set('parent pipeline', parentMs);
  // One part per active flow of the registry, found by its business ID.
  const parts = Object.fromEntries(FLOW_GRAPH.active.map((f) => [f.id, tree.children.find((c) => c.workflowId.startsWith(`${f.id}/`))]));
  const childMs: Record<string, number> = {};
  for (const [name, node] of Object.entries(parts)) {
    if (!node) continue;
    childMs[name] = durationMs(node.startedAt, node.closedAt) ?? Number.NaN;
    s.set(`child ${name}`, childMs[name]);
    s.set(`  ${name} queueing`, await queueingMs(client, node.workflowId, node.runId));
    for (const a of node.activities) {
      const total = durationMs(a.scheduledAt, a.closedAt) ?? Number.NaN;
      const exec = durationMs(a.startedAt, a.closedAt) ?? Number.NaN;
      s.set(`  ${name} activity ${a.activityType} (sched -> close)`, total);
      s.set(`  ${name} activity ${a.activityType} (exec)`, exec);
      s.set(`  ${name} workflow overhead (child - activity)`, childMs[name] - total);
    }
  }
  // The longest chain of children through the graph (each flow starts once its upstreams ended).
  const finish = new Map<string, number>();
  for (const f of FLOW_GRAPH.active) finish.set(f.id, Math.max(0, ...f.upstream.map((u) => finish.get(u) ?? 0)) + (childMs[f.id] ?? 0));
  const critical = Math.max(0, ...finish.values());
  s.set('parent overhead (parent - critical path of children)', parentMs - critical);
  for (const [name, ms] of await criticalPathGaps(client, tree)) s.set(`sum on critical path: ${name}`, ms);
  return s;
}

function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function printSamples(samples: readonly Sample[]): void {
  const names = [...new Set(samples.flatMap((s) => [...s.keys()]))];
  const width = Math.max(...names.map((n) => n.length));
  console.log(`${'part'.padEnd(width)}  ${'p50 ms'.padStart(8)}  ${'p90 ms'.padStart(8)}  ${'max ms'.padStart(8)}`);
  for (const name of names) {
    const values = samples.map((s) => s.get(name)).filter((v): v is number => v !== undefined && Number.isFinite(v)).sort((a, b) => a - b);
    const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '-').padStart(8);
    console.log(`${name.padEnd(width)}  ${fmt(percentile(values, 50))}  ${fmt(percentile(values, 90))}  ${fmt(values[values.length - 1])}`);
  }
}

async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-bench-pipeline-'));
  // startStack takes a prebuilt bundle (jest's global setup makes it for tests); build it once, out of process.
  process.env.FEATUREFLOW_TEST_WORKFLOW_BUNDLE ??= prebuiltBundle().codePath;
  const dbFilename = path.join(dir, 'temporal.db');
  const server = await startDevServerEnv({ dbFilename });
  const pid = pidWithCommandLine(dbFilename);
  const stack = await startStack({ server });
  try {
    console.log(`dev server with a persistent SQLite file, in-process worker, SQLite database; ${WARMUP} warm-up runs, then ${RUNS} runs, one at a time (BENCH_PIPELINE_RUNS to change)`);
    const samples: Sample[] = [];
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const date = addDays(FIRST_DAY, i);
      const workflowId = pipelineWorkflowId(SYMBOL, date);
      const cpu0 = process.cpuUsage();
      const server0 = pid === undefined ? undefined : processCpuMs(pid);
      const t0 = performance.now();
      PipelineResult.parse(await stack.client.workflow.execute('pipeline', { taskQueue: stack.config.taskQueue, workflowId, args: [{ symbol: SYMBOL, date }] }));
      const e2e = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const server1 = pid === undefined ? undefined : processCpuMs(pid);
      if (i < WARMUP) continue;
      const sample = await sampleOf(stack.client, e2e, await loadRunTree(stack.client, workflowId));
      sample.set('CPU: worker + client process', (cpu.user + cpu.system) / 1000);
      if (server0 !== undefined && server1 !== undefined) sample.set('CPU: Temporal dev server process', server1 - server0);
      samples.push(sample);
    }
    printSamples(samples);
    // Latency on 2 shared cores depends on what else runs; the load average says how quiet it was.
    console.log(`load average (1 min) at the end: ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} cores`);
  } finally {
    await stack.stop();
    await server.teardown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The `pipeline` bench section. */
export const pipelineSection: BenchSection = {
  name: 'pipeline',
  description: 'daily pipeline latency on a warm worker (p50/p90) and where the time goes',
  run,
};
