/**
 * Bench section `cli`: how long a person waits for the compiled `featureflow` command, as a
 * separate process the way a shell runs it: `--help` (nothing connects) and `status <id>` of a
 * finished pipeline (connects to Temporal, reads the run tree), median of 10 each; and how long a
 * standalone worker (`npm run worker`, with the prebuilt workflow bundle) takes until it polls.
 * Targets (issue 16): --help <= 300 ms, status <= 600 ms. Nothing here asserts.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config';
import { startDevServerEnv } from '../test/helpers/stack';
import { startWorkerProcess } from './worker-process';
import type { BenchSection } from './sections';

const RUNS = 10;
const DAY = '2024-03-01';
const BIN = path.join(PROJECT_ROOT, 'bin/featureflow.cjs');

/** Runs the CLI once; resolves with its wall time in ms, rejects if it exits non-zero. */
function timeCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { env, cwd: PROJECT_ROOT }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`featureflow ${args.join(' ')} failed: ${stderr}`));
      else resolve(performance.now() - started);
    });
  });
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const line = (name: string, xs: readonly number[], target?: number): string =>
  `  ${name.padEnd(34)} median ${median(xs).toFixed(0).padStart(5)} ms   (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}, n=${xs.length})` +
  (target ? `   target <= ${target} ms` : '');

async function run(): Promise<void> {
  const state = await new Promise<string>((resolve) => execFile(process.execPath, [path.join(PROJECT_ROOT, 'bin/dist.cjs'), 'state'], (_e, out) => resolve(out.trim())));
  if (state !== 'fresh') console.log(`  note: dist/ is ${state}; the CLI runs the sources through tsx. Run \`npm run build\` first to measure the compiled CLI.`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-bench-cli-'));
  const server = await startDevServerEnv();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: server.address,
    FEATUREFLOW_DATA_DIR: dataDir,
    FEATUREFLOW_TASK_QUEUE: `bench-cli-${process.pid}`,
  };
  try {
    const help: number[] = [];
    for (let i = 0; i < RUNS; i++) help.push(await timeCli(['--help'], env));
    console.log(line('featureflow --help', help, 300));

    const starts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const worker = await startWorkerProcess(env as Record<string, string>);
      starts.push(performance.now() - t0);
      if (i < 2) await worker.stop();
      else {
        try {
          await timeCli(['run', '--date', DAY], env);
          const status: number[] = [];
          for (let j = 0; j < RUNS; j++) status.push(await timeCli(['status', `pipeline/BTC-USD/${DAY}`], env));
          console.log(line(`featureflow status pipeline/…/${DAY}`, status, 600));
        } finally {
          await worker.stop();
        }
      }
    }
    console.log(line('npm run worker: spawn -> polling', starts));
  } finally {
    await server.teardown();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The `cli` bench section. */
export const cliSection: BenchSection = {
  name: 'cli',
  description: 'compiled CLI start (--help), status of a finished pipeline, standalone worker start (median)',
  run,
};
