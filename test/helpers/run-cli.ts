/** Runs the real `featureflow` CLI (through the project's tsx) against a test stack, as a person would. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config';
import type { TestStack } from './stack';

/** What a CLI run printed and how it exited. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `featureflow <args>` with the stack's Temporal address, namespace, task queue and database. */
export function runCli(stack: TestStack, args: readonly string[]): Promise<CliRun> {
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: stack.env.address,
    TEMPORAL_NAMESPACE: stack.config.temporal.namespace,
    FEATUREFLOW_TASK_QUEUE: stack.config.taskQueue,
    FEATUREFLOW_DATA_DIR: stack.dataDir,
    DATABASE_URL: stack.config.databaseUrl,
  };
  return new Promise((resolve) => {
    const child = spawn(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), ['src/client.ts', ...args], { cwd: PROJECT_ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
