/**
 * Bench section `backfill`: the backfill workflow end to end on a fresh persistent dev server
 * (SQLite state file) and a fresh SQLite database per case, with the worker in a process of its
 * own started like `npm run worker` (RSS of all its threads sampled every 100 ms, CPU from /proc).
 * Cases: features-c over 365 days with ingest present, for several chunk sizes K (the default
 * and K = 1); and `--with-upstream` over 3,650 days (ingest + B + C + evaluate).
 * BENCH_BACKFILL_CASES=chunks,k1,upstream picks cases; BENCH_BACKFILL_KS=7,15,31,62 the K sweep;
 * BENCH_BACKFILL_UPSTREAM_DAYS shortens the with-upstream case (default 3,650) for quick comparisons
 * and BENCH_BACKFILL_UPSTREAM_K sets its chunk size (default: the product default).
 * Also reports how many upstream days the feature and evaluation activities read from the
 * worker's partition cache rather than the database (from their log lines).
 * BENCH_BACKFILL_STACKS=dev,production runs the cases on the embedded stack and on the stack of
 * `npm run stack -- up` (default: dev only) and prints them side by side with the ratio;
 * BENCH_BACKFILL_WORKERS=1,2 runs each case with that many worker processes (default 1).
 * BENCH_BACKFILL_WARMUP_DAYS sets the with-upstream case's untimed warm-up per worker (see WARMUP_SYMBOL);
 * BENCH_BACKFILL_REPEAT=3 runs it three times and keeps the median (see REPEAT).
 * Prints figures only; nothing here asserts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { prebuiltBundle } from './bundle';
import { BackfillResult, DEFAULT_CHUNK_DAYS, type BackfillInput } from '../src/contracts';
import { addDays, MINUTES_PER_DAY } from '../src/core/dates';
import { devTarget, productionTarget, type BenchTarget } from './backfill-targets';
import { processCpuMs, rssMb, rssSampler } from './proc';
import { startWorkerProcess } from './worker-process';
import { backfillWorkflowId } from '../src/workflows/backfill-api';
import type { BenchSection } from './sections';

const SYMBOL = 'BTC-USD';
/**
 * Workers run for days; a bench of ~30 s would otherwise count each process's start-up (V8
 * compiling the hot paths, the first workflow tasks) in its CPU, once per worker: an extra
 * worker would look dearer per partition than it is in service. So the with-upstream case first
 * runs, untimed, a with-upstream backfill of another symbol over BENCH_BACKFILL_WARMUP_DAYS per
 * worker process (default 248: four windows; 0 turns it off). Per process, because the windows go
 * to the workers in turn: with one warm-up for all, each of two workers had half the warm-up of a
 * lone worker and spent more CPU per partition in the timed run (docs/backfill.md, session 9).
 * Nothing it writes is read by the timed run, and its reads are not counted.
 */
const WARMUP_SYMBOL = 'ETH-USD';
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** One measured backfill. */
interface Measured {
  readonly label: string;
  readonly seconds: number;
  readonly partitions: number;
  readonly candles: number;
  /** Peak RSS of the worker process (all its threads) during the timed backfill. */
  readonly peakRssMb: number;
  /** The worker's RSS when the timed backfill started. */
  readonly baseRssMb: number;
  /** CPU seconds the worker process (all threads) and the Temporal dev server used during the timed backfill. */
  readonly workerCpu: number;
  readonly serverCpu: number;
  readonly maxHistory: number;
  readonly children: number;
  readonly runs: number;
  /** Upstream days the feature and evaluation activities read from the partition cache, and from the database. */
  readonly cachedDays: number;
  readonly databaseDays: number;
}

/** Largest history (events) of any workflow on the task queue: the backfill's runs and every child. */
async function largestHistory(client: Client, taskQueue: string): Promise<number> {
  let max = 0;
  for await (const w of client.workflow.list({ query: `TaskQueue='${taskQueue}'` })) max = Math.max(max, w.historyLength ?? 0);
  return max;
}

interface Fixture {
  readonly target: BenchTarget;
  readonly bundle: { codePath: string };
  readonly dir: string;
  /** Worker processes per case. */
  readonly workers: number;
}

/** Runs `prepare` (not timed) then `input` (timed) on a fresh database and fresh worker processes. */
async function measure(fx: Fixture, caseLabel: string, input: BackfillInput, prepare?: BackfillInput): Promise<Measured> {
  const label = `${fx.target.name}, ${fx.workers} worker${fx.workers > 1 ? 's' : ''}: ${caseLabel}`;
  const database = await fx.target.newDatabase(`${fx.target.name}-${fx.workers}-${caseLabel}`);
  const taskQueue = `bench-${label.replace(/\W+/g, '-')}-${Date.now()}`;
  const env = {
    DATABASE_URL: database.url,
    FEATUREFLOW_DATA_DIR: fx.dir,
    FEATUREFLOW_TASK_QUEUE: taskQueue,
    FEATUREFLOW_WORKFLOW_BUNDLE: fx.bundle.codePath,
    // The warm-up's symbol too (see WARMUP_SYMBOL).
    FEATUREFLOW_SYNTHETIC_SYMBOLS: `${SYMBOL},${WARMUP_SYMBOL}`,
    TEMPORAL_ADDRESS: fx.target.address,
    TEMPORAL_NAMESPACE: fx.target.namespace,
  };
  // One after the other: the first migrates the database (and gives it its identity).
  const workers = [];
  for (let i = 0; i < fx.workers; i++) workers.push(await startWorkerProcess(env));
  const client = fx.target.client;
  const run = async (i: BackfillInput) =>
    BackfillResult.parse(await client.workflow.execute('backfill', { taskQueue, workflowId: `${backfillWorkflowId(i)}/${taskQueue}`, args: [i] }));
  let measured: Omit<Measured, 'cachedDays' | 'databaseDays'>;
  try {
    if (prepare) await run(prepare);
    const pids = workers.map((w) => w.pid);
    const baseRssMb = pids.reduce((sum, pid) => sum + rssMb(pid), 0);
    const samplers = pids.map((pid) => rssSampler(pid));
    const workerCpuSeconds = (): number => pids.reduce((sum, pid) => sum + (processCpuMs(pid) ?? Number.NaN), 0) / 1000;
    const cpu0 = { worker: workerCpuSeconds(), server: fx.target.serverCpuSeconds() };
    const t0 = nowMs();
    const result = await run(input);
    const seconds = (nowMs() - t0) / 1000;
    const peakRssMb = samplers.reduce((sum, s) => sum + s.stop(), 0);
    const workerCpu = workerCpuSeconds() - cpu0.worker;
    const serverCpu = fx.target.serverCpuSeconds() - cpu0.server;
    if (result.failed) throw new Error(`${label}: ${result.failed} partitions failed: ${JSON.stringify(result.failures.slice(0, 3))}`);
    const partitions = result.done;
    measured = {
      label,
      seconds,
      partitions,
      candles: partitions * MINUTES_PER_DAY,
      peakRssMb,
      baseRssMb,
      workerCpu,
      serverCpu,
      maxHistory: await largestHistory(client, taskQueue),
      ...(process.env.BENCH_BACKFILL_TIMELINE ? await writeTimeline(client, taskQueue, t0, process.env.BENCH_BACKFILL_TIMELINE) : {}),
      children: result.children,
      runs: result.runs,
    };
  } finally {
    for (const w of workers) await w.stop();
  }
  // Read once the workers have stopped: they flush their log lines on the way out.
  const reads = await database.upstreamReads();
  await database.drop();
  return { ...measured, ...reads };
}

/**
 * Writes every child of the timed backfill as `start end workflowId` (seconds from its start) to
 * `file`, start order: where a run's time goes between lanes, windows and Temporal's hops.
 */
async function writeTimeline(client: Client, taskQueue: string, t0Ms: number, file: string): Promise<Record<string, never>> {
  const epoch0 = Date.now() - (nowMs() - t0Ms);
  const lines: Array<[number, number, string]> = [];
  for await (const w of client.workflow.list({ query: `TaskQueue='${taskQueue}'` })) {
    if (w.type === 'backfill') continue;
    lines.push([(w.startTime.getTime() - epoch0) / 1000, ((w.closeTime?.getTime() ?? Number.NaN) - epoch0) / 1000, w.workflowId]);
  }
  lines.sort((a, b) => a[0] - b[0]);
  fs.writeFileSync(file, lines.map(([s, e, id]) => `${s.toFixed(2)} ${e.toFixed(2)} ${id}`).join('\n') + '\n');
  return {};
}

function print(rows: readonly Measured[]): void {
  console.log(
    '| stack, workers: case | seconds | partitions | partitions/s | candles/s | children | runs | worker RSS start → peak (MiB, all workers) | CPU s workers / server | largest history (events) | upstream days from cache |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.label} | ${r.seconds.toFixed(2)} | ${r.partitions} | ${(r.partitions / r.seconds).toFixed(1)} | ${Math.round(r.candles / r.seconds).toLocaleString('en-US')} | ${r.children} | ${r.runs} | ${r.baseRssMb.toFixed(0)} → ${r.peakRssMb.toFixed(0)} | ${r.workerCpu.toFixed(1)} / ${r.serverCpu.toFixed(1)} | ${r.maxHistory} | ${r.cachedDays} of ${r.cachedDays + r.databaseDays} |`,
    );
  }
}

/**
 * BENCH_BACKFILL_REPEAT=N runs the with-upstream case N times per worker count (each on a fresh
 * database and fresh workers), keeps the run of median time with the median CPU figures, and prints
 * the worker counts' ratios round by round: on a shared 2-core host one run of the same code
 * varied by ±15 % (PostgreSQL checkpoints, neighbours), more than the differences measured.
 */
const REPEAT = Number(process.env.BENCH_BACKFILL_REPEAT ?? 1);

/** Prints one run of a repeated case. */
function printRun(i: number, n: number, r: Measured): void {
  console.log(`  run ${i + 1} of ${n}: ${r.label}: ${r.seconds.toFixed(2)} s, worker CPU ${r.workerCpu.toFixed(1)} s, server CPU ${r.serverCpu.toFixed(1)} s`);
}

/** Index of the median of `n` sorted items (the lower middle one of an even count). */
const middleIndex = (n: number): number => Math.floor((n - 1) / 2);

/** The median of some figures. */
const middle = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[middleIndex(xs.length)];

/** Worker CPU seconds per partition written: the figure compared across worker counts and stacks. */
const cpuPerPartition = (r: Measured): number => r.workerCpu / r.partitions;

/**
 * The run of median seconds of `runs`, with the median worker and server CPU of all of them (the
 * fastest run is not the one with the least CPU, so each is its own median), labelled so (the
 * only run when there is one).
 */
function median(runs: readonly Measured[]): Measured {
  if (runs.length === 1) return runs[0];
  const m = [...runs].sort((a, b) => a.seconds - b.seconds)[middleIndex(runs.length)];
  return {
    ...m,
    workerCpu: middle(runs.map((r) => r.workerCpu)),
    serverCpu: middle(runs.map((r) => r.serverCpu)),
    label: `${m.label} (median of ${runs.length})`,
  };
}

/** The cases other than with-upstream on one target with one worker count. */
async function runCases(fx: Fixture, rows: Measured[]): Promise<void> {
  const cases = CASES;
  // Each K once: the default chunk size may be one of the others (62 is both today).
  const ks = [...new Set((process.env.BENCH_BACKFILL_KS ?? `7,15,${DEFAULT_CHUNK_DAYS},62`).split(',').map(Number))];
  const concurrency = Number(process.env.BENCH_BACKFILL_CONCURRENCY ?? 4);
  const from = '2024-01-01';
  const to365 = addDays(from, 364);
  const ingest365: BackfillInput = { symbols: [SYMBOL], flows: ['ingest'], from, to: to365, chunkDays: 31, concurrency };
  if (cases.includes('chunks')) {
    for (const k of ks) {
      const label = `features-c 365 d, K=${k}${k === DEFAULT_CHUNK_DAYS ? ' (default)' : ''}`;
      rows.push(await measure(fx, label, { symbols: [SYMBOL], flows: ['features-c'], from, to: to365, chunkDays: k, concurrency }, ingest365));
      print(rows.slice(-1));
    }
  }
  if (cases.includes('k1')) {
    rows.push(await measure(fx, 'features-c 365 d, K=1', { symbols: [SYMBOL], flows: ['features-c'], from, to: to365, chunkDays: 1, concurrency }, ingest365));
    print(rows.slice(-1));
  }
}

/** The cases asked for (BENCH_BACKFILL_CASES). */
const CASES = (process.env.BENCH_BACKFILL_CASES ?? 'chunks,k1,upstream').split(',');

/**
 * The with-upstream case on one target for every worker count, REPEAT rounds, the worker counts
 * taking turns within a round: a stack's server slows down a little with every run (its
 * databases grow), and running all of one count first charged that drift to the next count.
 * One median row per worker count.
 */
async function runUpstream(fx: Omit<Fixture, 'workers'>, workerCounts: readonly number[], rows: Measured[]): Promise<void> {
  const from10 = '2015-01-01';
  const days = Number(process.env.BENCH_BACKFILL_UPSTREAM_DAYS ?? 3650);
  const to10 = addDays(from10, days - 1);
  const k = Number(process.env.BENCH_BACKFILL_UPSTREAM_K ?? DEFAULT_CHUNK_DAYS);
  const concurrency = Number(process.env.BENCH_BACKFILL_CONCURRENCY ?? 4);
  const label = `with-upstream ${days.toLocaleString('en-US')} d (ingest+B+C+D), K=${k}${k === DEFAULT_CHUNK_DAYS ? ' (default)' : ''}`;
  const warmupDays = Number(process.env.BENCH_BACKFILL_WARMUP_DAYS ?? 248);
  const warmup = (workers: number): BackfillInput | undefined =>
    warmupDays
      ? { symbols: [WARMUP_SYMBOL], flows: ['evaluate'], from: from10, to: addDays(from10, warmupDays * workers - 1), withUpstream: true, concurrency, chunkDays: k }
      : undefined;
  const timed: BackfillInput = { symbols: [SYMBOL], flows: ['evaluate'], from: from10, to: to10, withUpstream: true, concurrency, chunkDays: k };
  const runs = workerCounts.map((): Measured[] => []);
  for (let round = 0; round < REPEAT; round++) {
    for (const [i, workers] of workerCounts.entries()) {
      const r = await measure({ ...fx, workers }, label, timed, warmup(workers));
      runs[i].push(r);
      if (REPEAT > 1) printRun(round, REPEAT, r);
    }
  }
  for (const r of runs) {
    rows.push(median(r));
    print(rows.slice(-1));
  }
  printRoundRatios(fx.target.name, workerCounts, runs);
}

/**
 * Each worker count against the first, round by round: the runs of one round ran back to back,
 * so their ratio leaves out the host's drift between rounds (on this 2-core VM the same work
 * took ±15 % CPU from one minute to the next). The median of these is the steadier comparison.
 */
function printRoundRatios(stack: string, workerCounts: readonly number[], runs: ReadonlyArray<readonly Measured[]>): void {
  if (runs[0].length < 2) return;
  const list = (xs: readonly number[]) => xs.map((x) => x.toFixed(2)).join(', ');
  for (let i = 1; i < workerCounts.length; i++) {
    const time = runs[i].map((r, round) => r.seconds / runs[0][round].seconds);
    const cpu = runs[i].map((r, round) => cpuPerPartition(r) / cpuPerPartition(runs[0][round]));
    console.log(
      `${stack}, ${workerCounts[i]} / ${workerCounts[0]} workers, round by round: time ${list(time)} (median ${middle(time).toFixed(2)}x); ` +
        `worker CPU per partition ${list(cpu)} (median ${middle(cpu).toFixed(2)}x)`,
    );
  }
}

/**
 * Each case's seconds and worker CPU per partition against its references: more workers against
 * one on the same stack, and another stack against the first stack with as many workers.
 */
function printRatios(rows: readonly Measured[]): void {
  const byCase = new Map<string, Measured[]>();
  for (const r of rows) {
    const key = r.label.slice(r.label.indexOf(': ') + 2);
    byCase.set(key, [...(byCase.get(key) ?? []), r]);
  }
  // A label starts `<stack>, <n> worker(s): `.
  const setup = (r: Measured) => r.label.slice(0, r.label.indexOf(': '));
  const stackOf = (r: Measured) => setup(r).split(', ')[0];
  const workersOf = (r: Measured) => setup(r).split(', ')[1];
  for (const [key, group] of byCase) {
    const baseStack = stackOf(group[0]);
    for (const o of group) {
      const references = [group.find((r) => stackOf(r) === stackOf(o)), group.find((r) => stackOf(r) === baseStack && workersOf(r) === workersOf(o))];
      for (const ref of new Set(references)) {
        if (!ref || ref === o) continue;
        console.log(
          `${key}: ${setup(o)} / ${setup(ref)}: time ${(o.seconds / ref.seconds).toFixed(2)}x, ` +
            `worker CPU per partition ${(cpuPerPartition(o) / cpuPerPartition(ref)).toFixed(2)}x`,
        );
      }
    }
  }
}

async function run(): Promise<void> {
  const stacks = (process.env.BENCH_BACKFILL_STACKS ?? 'dev').split(',');
  const workerCounts = (process.env.BENCH_BACKFILL_WORKERS ?? '1').split(',').map(Number);
  try {
    Runtime.install({ logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m) => console.error(m) } });
  } catch {
    // Another section installed a runtime already.
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-bench-backfill-'));
  const bundle = prebuiltBundle();
  const rows: Measured[] = [];
  try {
    for (const stack of stacks) {
      if (stack !== 'dev' && stack !== 'production') throw new Error(`BENCH_BACKFILL_STACKS: unknown stack ${stack} (dev, production)`);
      // dev: the embedded stack as `npm start` runs it, a persistent dev server with its SQLite settings.
      const target = stack === 'dev' ? await devTarget(dir) : await productionTarget();
      try {
        for (const workers of workerCounts) await runCases({ target, bundle, dir, workers }, rows);
        if (CASES.includes('upstream')) await runUpstream({ target, bundle, dir }, workerCounts, rows);
      } finally {
        await target.close();
      }
    }
    console.log('\nbackfill (`npm run worker` processes; dev = dev server + SQLite with I/O threads, production = Temporal Server + data on PostgreSQL; RSS and CPU from /proc):');
    print(rows);
    printRatios(rows);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The `backfill` bench section. */
export const backfillSection: BenchSection = {
  name: 'backfill',
  description: 'backfill workflow: features-c 365 days (K sweep, K=1), with-upstream 3,650 days; s, partitions/s, candles/s, peak RSS, largest history',
  run,
};
