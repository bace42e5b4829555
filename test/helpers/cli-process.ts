/**
 * Runs the `featureflow` command the way a shell does: `node bin/featureflow.cjs` (the compiled
 * CLI in dist/, built by the global setup) as its own process, with only the environment given
 * plus PATH/HOME, in a working directory of the test's choosing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
/** The command's entry point. */
export const CLI_BIN = path.join(ROOT, 'bin/featureflow.cjs');

/** What a finished CLI process left. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runCliProcess}. */
export interface CliProcessOptions {
  readonly env: Record<string, string>;
  readonly cwd: string;
}

/** Starts the CLI; the caller reads its output and waits for it (see {@link finished}). */
export function spawnCli(args: readonly string[], options: CliProcessOptions): ChildProcess {
  return spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Collects a child's output until it exits. */
export function finished(child: ChildProcess): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** Runs the CLI to completion. */
export function runCliProcess(args: readonly string[], options: CliProcessOptions): Promise<CliRun> {
  return finished(spawnCli(args, options));
}
