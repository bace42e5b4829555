/**
 * The measured worker of a benchmark, in its own process the way production runs it
 * (`npm run worker`): its RSS and CPU are read from /proc, so neither the bench's client nor
 * the bundler counts toward them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { PROJECT_ROOT } from '../src/config';
import { WORKER_READY_MESSAGE } from '../src/worker';

const CLOCK_TICKS_PER_SECOND = 100;

/**
 * How `npm run worker` starts the worker (package.json), kept equal by hand: a 4 MiB V8
 * semi-space, two malloc arenas instead of one per thread, and tsx's CommonJS hook only (`tsx`
 * and `--import tsx` also start an ES-module loader thread, a whole idle V8 isolate of ~20 MiB).
 * Together they take ~80-110 MiB off the worker's peak RSS in a backfill.
 */
const WORKER_NODE_FLAGS = ['--max-semi-space-size=4', '--require', 'tsx/cjs'];
const WORKER_ENV = { MALLOC_ARENA_MAX: '2' };

/** Resident set size of a process in MiB (0 once it is gone). */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system, all threads) a process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** The pid of the first process whose command line contains `needle` (e.g. the dev server's state file). */
export function findPid(needle: string): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

/** Samples a process's RSS every 100 ms until stopped; returns the peak in MiB. */
export function rssSampler(pid: number): { stop(): number } {
  let peak = rssMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssMb(pid));
    },
  };
}

/** A running standalone worker process. */
export interface BenchWorker {
  readonly pid: number;
  /** SIGTERM (the worker drains), then waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts `src/worker.ts` with `env` and resolves once it polls. */
export async function startWorkerProcess(env: Record<string, string>, timeoutMs = 120_000): Promise<BenchWorker> {
  const child: ChildProcess = spawn(process.execPath, [...WORKER_NODE_FLAGS, 'src/worker.ts'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...WORKER_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let seen = '';
  const keep = (chunk: Buffer) => (seen = (seen + chunk.toString('utf8')).slice(-8000));
  child.stderr?.on('data', keep);
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
