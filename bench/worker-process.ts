/**
 * The measured worker of a benchmark, in its own process the way production runs it
 * (`npm run worker`), so its RSS and CPU (`proc.ts`) count neither the bench's client nor the bundler.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { PROJECT_ROOT } from '../src/config';
import { WORKER_READY_MESSAGE } from '../src/worker';

/**
 * How `npm run worker` starts the worker (package.json), kept equal by hand: a 4 MiB V8
 * semi-space, garbage collection on the collecting thread only and V8's memory-favouring
 * heuristics (docs/deploying.md), two malloc arenas instead of one per thread, and tsx's
 * CommonJS hook only, registered by `bin/worker.cjs` on the main thread (`tsx` and `--import tsx`
 * also start an ES-module loader thread, a whole idle V8 isolate of ~20 MiB; `--require tsx/cjs`
 * would load tsx into the workflow thread too).
 */
const WORKER_NODE_FLAGS = ['--max-semi-space-size=4', '--single-threaded-gc', '--optimize-for-size'];
const WORKER_ENV = { MALLOC_ARENA_MAX: '2' };

/** A running standalone worker process. */
export interface BenchWorker {
  readonly pid: number;
  /** SIGTERM (the worker drains), then waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `bin/worker.cjs` (`npm run worker`) with `env` and resolves once it polls. BENCH_WORKER_NODE_FLAGS adds
 * Node flags, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the measured worker.
 */
export async function startWorkerProcess(env: Record<string, string>, timeoutMs = 120_000): Promise<BenchWorker> {
  const extraFlags = (process.env.BENCH_WORKER_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...WORKER_NODE_FLAGS, ...extraFlags, 'bin/worker.cjs'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...WORKER_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let seen = '';
  const keep = (chunk: Buffer) => (seen = (seen + chunk.toString('utf8')).slice(-8000));
  child.stderr?.on('data', keep);
  // BENCH_WORKER_STDOUT=<file> keeps everything the worker prints (e.g. with --trace-gc in BENCH_WORKER_NODE_FLAGS).
  const stdoutFile = process.env.BENCH_WORKER_STDOUT;
  if (stdoutFile) child.stdout?.on('data', (chunk: Buffer) => fs.appendFileSync(stdoutFile, chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bench worker did not start within ${timeoutMs} ms:\n${seen}`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      keep(chunk);
      if (seen.includes(WORKER_READY_MESSAGE)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`bench worker exited (code ${child.exitCode}) before it was up:\n${seen}`));
    });
  });
  // Keep draining its output so a chatty worker never blocks on a full pipe.
  child.stdout?.resume();
  return {
    pid: child.pid ?? 0,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
