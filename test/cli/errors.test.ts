/**
 * Every bad input a new user tried (issue 16), through the real compiled `featureflow` process:
 * the exit code the README promises (2 usage, 1 run failed, 3 Temporal or database unreachable),
 * one line naming the option/ID/address/path, no stack trace, and nothing written (no file in
 * the working directory, no database created, no run started).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { pipelineWorkflowId } from '../../src/core/ids';
import { addDays, lastCompleteDay } from '../../src/core/dates';
import { finished, runCliProcess, spawnCli, type CliRun } from '../helpers/cli-process';
import { freePort } from '../helpers/ports';
import { startStack, type TestStack } from '../helpers/stack';

const DAY = '2024-03-04';
const BACKFILL_ID = 'backfill/ingest/BTC-USD/2024-02-01..2024-02-03';

/** An error result: its exit code, one line on stderr containing `text`, no stack trace, nothing on stdout. */
function expectOneLine(run: CliRun, code: number, ...texts: string[]): void {
  const lines = run.stderr.trimEnd().split('\n');
  expect({ code: run.code, lines }).toEqual({ code, lines: [expect.stringMatching(/^featureflow: /)] });
  for (const text of texts) expect(lines[0]).toContain(text);
  expect(run.stderr).not.toMatch(/\n\s+at |ZodError|ServiceError|\bat Object\./);
  expect(run.stdout).toBe('');
}

describe('the featureflow command on bad input', () => {
  let stack: TestStack;
  let cwd: string;
  let env: Record<string, string>;
  let runsBefore: number;
  // An empty value in `extra` removes the variable.
  const ff = (args: string[], extra: Record<string, string> = {}) =>
    runCliProcess(args, { cwd, env: Object.fromEntries(Object.entries({ ...env, ...extra }).filter(([, v]) => v !== '')) });
  const countRuns = async () => (await stack.client.workflow.count('')).count;

  beforeAll(async () => {
    stack = await startStack();
    env = {
      TEMPORAL_ADDRESS: stack.env.address,
      TEMPORAL_NAMESPACE: stack.config.temporal.namespace,
      FEATUREFLOW_TASK_QUEUE: stack.config.taskQueue,
      FEATUREFLOW_DATA_DIR: stack.dataDir,
      DATABASE_URL: stack.config.databaseUrl,
    };
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-cli-cwd-'));
    // A finished pipeline and a finished backfill to point commands at.
    expect((await ff(['run', '--date', DAY])).code).toBe(0);
    expect((await ff(['backfill', '--flow', 'ingest', '--from', '2024-02-01', '--to', '2024-02-03'])).code).toBe(0);
    runsBefore = await countRuns();
  });

  afterEach(() => {
    // Nothing any command did may leave a file where it was run.
    expect(fs.readdirSync(cwd)).toEqual([]);
  });

  afterAll(async () => {
    // No bad input started a run (the cases that start one on purpose terminate theirs).
    expect(await countRuns()).toBe(runsBefore + 2);
    await stack?.stop();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('names options as typed, never schema paths, and exits 2', async () => {
    const cases: Array<[string[], string[]]> = [
      [['run', '--date', '2024-13-45'], ['--date: not a real calendar date']],
      [['run', '--symbol', 'btc', '--date', DAY], ['--symbol: expected a symbol like BTC-USD']],
      [['run', '--date', addDays(lastCompleteDay(Date.now()), 1)], ['--date:', 'is not a complete UTC day yet']],
      [['backfill', '--flow', 'features-x', '--from', '2024-01-01', '--to', '2024-01-02'], ["--flow: unknown flow 'features-x'; flows: ingest"]],
      [['backfill', '--flow', 'ingest', '--from', '2024-01-01'], ['--to: is required']],
      [['backfill', '--from', '2024-01-01', '--to', '2024-01-02'], ['--flow: give at least one flow']],
      [['backfill', '--flow', 'ingest', '--from', '2024-01-01', '--to', '2024-01-02', '--chunk-days', '0'], ['--chunk-days:']],
      [['backfill', '--flow', 'ingest', '--from', '2024-01-05', '--to', '2024-01-02'], ['--to: from must not be after to']],
      [['backfill', '--flow', 'ingest', '--from', '2024-01-01', '--to', '2024-01-02', '--concurrency', 'abc'], ["'--concurrency <n>'", 'expected a whole number']],
      [['assets', '--from', '2024-01-05', '--to', '2024-01-01'], ['--to: must not be before from']],
      [['runs', '--status', 'sleeping'], ["--status: 'sleeping' is not one of"]],
      [['frobnicate'], ["unknown command 'frobnicate'"]],
      [['run', '--dat', DAY], ["unknown option '--dat'"]],
      [['completion', 'fish'], ["unknown shell 'fish'"]],
    ];
    const results = await Promise.all(cases.map(([args]) => ff(args)));
    results.forEach((r, i) => {
      expectOneLine(r, 2, ...cases[i][1]);
      expect(r.stderr).not.toMatch(/chunkDays|flows\.0|received nan|Required|\(default: \[\]\)/);
    });
  });

  it('unknown IDs and the wrong kind of run exit 2 naming the ID', async () => {
    const [status, progress, pause, resume, scheduledDay] = await Promise.all([
      ff(['status', 'nope/BTC-USD/2024-01-01']),
      ff(['backfill', 'progress', pipelineWorkflowId('BTC-USD', DAY)]),
      ff(['backfill', 'pause', BACKFILL_ID]),
      ff(['backfill', 'resume', BACKFILL_ID]),
      ff(['status', 'pipeline/BTC-USD/2024-05-01']),
    ]);
    expectOneLine(status, 2, 'no run with ID nope/BTC-USD/2024-01-01');
    expectOneLine(progress, 2, `${pipelineWorkflowId('BTC-USD', DAY)} is a pipeline run, not a backfill`);
    expectOneLine(pause, 2, `cannot pause ${BACKFILL_ID}: it is not running (completed)`);
    expectOneLine(resume, 2, `cannot resume ${BACKFILL_ID}: it is not running`);
    // A day that never ran: say how to list what ran that day.
    expectOneLine(scheduledDay, 2, 'no run with ID pipeline/BTC-USD/2024-05-01', 'featureflow runs --symbol BTC-USD --from 2024-05-01 --to 2024-05-01');
  });

  it('configuration mistakes exit 2 and create nothing', async () => {
    const [mysql, badEnv] = await Promise.all([
      ff(['assets', '--from', DAY, '--to', DAY], { DATABASE_URL: 'mysql://x' }),
      ff(['status', 'x'], { FEATUREFLOW_MAX_CONCURRENT_ACTIVITIES: 'lots' }),
    ]);
    expectOneLine(mysql, 2, 'DATABASE_URL', 'postgres(ql)://');
    expectOneLine(badEnv, 2, 'FEATUREFLOW_MAX_CONCURRENT_ACTIVITIES');
  });

  it('read commands never create a database: "no featureflow database at <path>", exit 3', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-cli-empty-'));
    const dataDirFile = path.join(empty, 'a-file');
    fs.writeFileSync(dataDirFile, 'not a directory');
    try {
      const missing = path.join(empty, 'featureflow.db');
      const noDb = { FEATUREFLOW_DATA_DIR: empty, DATABASE_URL: '' };
      const runs = await Promise.all([
        ff(['assets', '--from', DAY, '--to', DAY], noDb),
        ff(['logs', pipelineWorkflowId('BTC-USD', DAY)], noDb),
        ff(['report', '--from', DAY, '--to', DAY], noDb),
      ]);
      for (const r of runs) expectOneLine(r, 3, `no featureflow database at ${missing}`);
      const fileDir = await ff(['assets', '--from', DAY, '--to', DAY], { FEATUREFLOW_DATA_DIR: dataDirFile, DATABASE_URL: '' });
      expectOneLine(fileDir, 3, `no featureflow database at ${path.join(dataDirFile, 'featureflow.db')}`);
      expect(fs.readdirSync(empty)).toEqual(['a-file']);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('a corrupt database exits 3 naming the file, from every read command alike', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-cli-corrupt-'));
    const file = path.join(dir, 'featureflow.db');
    fs.writeFileSync(file, 'this is not an SQLite file '.repeat(200));
    try {
      const runs = await Promise.all([
        ff(['assets', '--from', DAY, '--to', DAY], { DATABASE_URL: file }),
        ff(['logs', pipelineWorkflowId('BTC-USD', DAY)], { DATABASE_URL: file }),
        ff(['report', '--from', DAY, '--to', DAY, '--out', path.join(dir, 'r.html')], { DATABASE_URL: file }),
      ]);
      for (const r of runs) expectOneLine(r, 3, file);
      expect(fs.readdirSync(dir)).toEqual(['featureflow.db']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('report --out pointing at a directory exits 2 naming it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-cli-outdir-'));
    try {
      expectOneLine(await ff(['report', '--from', DAY, '--to', DAY, '--out', dir]), 2, `cannot write the report to ${dir}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unreachable server, a non-Temporal endpoint and an unknown namespace exit 3 naming the address', async () => {
    const closedPort = `127.0.0.1:${await freePort()}`;
    const web = http.createServer((_req, res) => res.end('hello'));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    const webAddress = `127.0.0.1:${(web.address() as { port: number }).port}`;
    try {
      const [closed, notTemporal, namespace, start] = await Promise.all([
        ff(['status', 'x'], { TEMPORAL_ADDRESS: closedPort }),
        ff(['status', 'x'], { TEMPORAL_ADDRESS: webAddress }),
        ff(['status', pipelineWorkflowId('BTC-USD', DAY)], { TEMPORAL_NAMESPACE: 'no-such-namespace' }),
        finished(spawn(process.execPath, [path.resolve(__dirname, '../../bin/start.cjs'), '--once'], { cwd, env: { PATH: process.env.PATH ?? '', ...env, TEMPORAL_ADDRESS: closedPort }, stdio: ['ignore', 'pipe', 'pipe'] })),
      ]);
      expectOneLine(closed, 3, `Cannot reach Temporal at ${closedPort}`, 'TEMPORAL_ADDRESS');
      expectOneLine(notTemporal, 3, webAddress);
      expectOneLine(namespace, 3, 'namespace no-such-namespace', 'TEMPORAL_NAMESPACE');
      // npm start says what it uses before it fails; the failure itself is one line, exit 3.
      expect(start.code).toBe(3);
      expect(start.stderr.trim().split('\n')).toEqual([expect.stringContaining(`Temporal at ${closedPort} does not answer`)]);
    } finally {
      web.close();
    }
  });

  it('--verbose adds the stack trace that is otherwise left out', async () => {
    const r = await ff(['status', 'nope/x', '--verbose']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('a running backfill re-run with other options says which it keeps and how to change them', async () => {
    // No worker polls this queue, so the backfill stays running.
    const idle = { FEATUREFLOW_TASK_QUEUE: `${env.FEATUREFLOW_TASK_QUEUE}-idle` };
    const args = ['backfill', '--flow', 'ingest', '--from', '2024-04-01', '--to', '2024-04-02'];
    const first = await ff([...args, '--detach', '--json'], idle);
    expect(first.code).toBe(0);
    const { workflowId } = JSON.parse(first.stdout) as { workflowId: string };
    try {
      const again = await ff([...args, '--concurrency', '8', '--force', '--detach'], idle);
      expectOneLine(again, 2, `backfill ${workflowId} is already running and keeps its options: --concurrency 4 (you asked 8), --force false (you asked true)`, `featureflow backfill cancel ${workflowId}`);
      // The same options re-attach, as before.
      const same = await ff([...args, '--detach'], idle);
      expect(same.code).toBe(0);
      expect(same.stdout).toContain(`re-attached to running ${workflowId}`);
    } finally {
      await stack.client.workflow.getHandle(workflowId).terminate('test done');
    }
  });

  it('run --follow with no worker says so within seconds, and Ctrl-C says how to re-attach', async () => {
    const idle = { FEATUREFLOW_TASK_QUEUE: `${env.FEATUREFLOW_TASK_QUEUE}-idle2` };
    const child = spawnCli(['run', '--date', '2024-03-05', '--follow'], { cwd, env: { ...env, ...idle } });
    const done = finished(child);
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    // The hint is promised within 10 s of starting to wait.
    const deadline = Date.now() + 10_000;
    while (!stderr.includes('no worker is polling') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toContain(`no worker is polling task queue ${idle.FEATUREFLOW_TASK_QUEUE} on ${env.TEMPORAL_ADDRESS}; start one with \`npm run worker\``);
    child.kill('SIGINT');
    const r = await done;
    const id = pipelineWorkflowId('BTC-USD', '2024-03-05');
    expect(r.code).toBe(130);
    expect(r.stderr).toContain(`The run keeps going (it is durable). Re-attach: featureflow logs ${id} --follow`);
    await stack.client.workflow.getHandle(id).terminate('test done');
  });
});
