/**
 * A featureflow worker in its OWN operating-system process (`node --import tsx src/worker.ts`),
 * so a crash test can kill it with SIGKILL — no shutdown hook, no drain, possibly in the middle
 * of a database transaction — and start a fresh one, exactly like a production worker dying.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { testWorkflowBundle } from '../helpers/stack';
import { WORKER_READY_MESSAGE } from '../../src/worker';

/** Where the worker connects and what it writes to. */
export interface WorkerProcessOptions {
  readonly temporalAddress: string;
  readonly databaseUrl: string;
  readonly taskQueue: string;
  /** Every life of the worker appends its stdout and stderr here (read it when a test fails). */
  readonly logFile: string;
  /** Extra environment (e.g. FEATUREFLOW_MAX_CONCURRENT_ACTIVITIES). */
  readonly env?: Record<string, string>;
}

/** The line the standalone worker logs once it is created and about to poll (src/worker.ts). */
const READY_TEXT = WORKER_READY_MESSAGE;
const PROJECT_ROOT = path.resolve(__dirname, '../..');

/** One worker process that can be started, killed and restarted any number of times. */
export class WorkerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** How many times a process was started. */
  starts = 0;

  constructor(private readonly options: WorkerProcessOptions) {}

  /** True while the current process has not exited. */
  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns a worker and resolves once it logs that it is up; throws with the log tail if it exits or times out. */
  async start(timeoutMs = 90_000): Promise<void> {
    if (this.running) throw new Error('WorkerProcess.start: a worker process is already running');
    const log = fs.createWriteStream(this.options.logFile, { flags: 'a' });
    log.write(`--- start #${++this.starts} at ${new Date().toISOString()}\n`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: this.options.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      DATABASE_URL: this.options.databaseUrl,
      FEATUREFLOW_TASK_QUEUE: this.options.taskQueue,
      // The bundle jest's global setup built: no webpack run on each restart.
      FEATUREFLOW_WORKFLOW_BUNDLE: testWorkflowBundle().codePath,
      FEATUREFLOW_LOG_FORMAT: 'json',
      FEATUREFLOW_LOG_LEVEL: 'info',
      ...this.options.env,
    };
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    void this.exited.then(() => log.end());
    let seen = '';
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker process did not log '${READY_TEXT}' within ${timeoutMs} ms`)), timeoutMs);
      child.stdout?.on('data', (chunk: Buffer) => {
        seen = (seen + chunk.toString('utf8')).slice(-4000);
        if (seen.includes(READY_TEXT)) {
          clearTimeout(timer);
          resolve();
        }
      });
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`worker process exited (code ${child.exitCode}, signal ${child.signalCode}) before it was up`));
      });
    });
    try {
      await ready;
    } catch (err) {
      if (this.running) await this.kill();
      throw new Error(`${(err as Error).message}; log ${this.options.logFile}:\n${this.logTail()}`);
    }
  }

  /** SIGKILL: the process dies at once, wherever it is (mid-activity, mid-transaction). */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (the worker drains), then SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.child?.kill('SIGTERM');
    const drained = await Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), graceMs))]);
    if (!drained) await this.kill();
  }

  /** The last lines of the worker's log file. */
  logTail(lines = 30): string {
    if (!fs.existsSync(this.options.logFile)) return '';
    return fs.readFileSync(this.options.logFile, 'utf8').split('\n').slice(-lines).join('\n');
  }
}
