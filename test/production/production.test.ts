/**
 * The production-shaped stack end to end (`npm run stack -- up --workers 2`: Temporal Server on
 * PostgreSQL with SQL visibility, data on PostgreSQL, two `npm run worker` processes): pipeline,
 * schedule, backfill across both workers, runs found by a middle day of a chunk longer than 100
 * days on SQL visibility, a worker killed with SIGKILL and the server restarted mid-backfill
 * leaving data equal to a clean run, and a client of another database refused by name.
 * Runs only when FEATUREFLOW_PRODUCTION_STACK=1 (.ci/run sets it once the stack is up); the
 * stack's workers must serve the suite's synthetic symbols (PRODUCTION_SYMBOLS in helpers.ts).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { BackfillResult, PipelineResult, ScheduledRunResult, type BackfillInput } from '../../src/contracts';
import { openMigratedDatabase } from '../../src/db/connect';
import { readDatabaseIdentity } from '../../src/db/identity';
import { pipelineWorkflowId } from '../../src/core/ids';
import { createOrUpdatePipelineSchedule } from '../../src/schedule/schedule';
import { FLOW_GRAPH } from '../../src/flows/registry';
import { partitionQuery } from '../../src/core/search-attributes';
import { PROJECT_ROOT } from '../../src/config';
import { backfillProgressQuery, backfillWorkflowId } from '../../src/workflows/backfill-api';
import { connectProductionStack, eventually, fingerprintOf, productionStackEnabled, servicePid, stackCommand, stackEnv, wipeSymbol, type ProductionStack } from './helpers';
export { PRODUCTION_SYMBOLS } from './helpers';

const run = promisify(execFile);
const enabled = productionStackEnabled();

(enabled ? describe : describe.skip)('production stack: Temporal Server on PostgreSQL, data on PostgreSQL, two workers', () => {
  let stack: ProductionStack;
  beforeAll(async () => {
    stack = await connectProductionStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const fingerprint = (symbol: string) => fingerprintOf(stack.db, symbol);
  const wipe = (symbol: string) => wipeSymbol(stack.db, symbol);

  const backfill = (input: BackfillInput) =>
    stack.client.workflow.start('backfill', { taskQueue: stack.config.taskQueue, workflowId: `${backfillWorkflowId(input)}/${Date.now()}`, args: [input] });

  /** A backfill's result, waiting through a server restart (the long poll fails while it is down). */
  async function resultOf(handle: Awaited<ReturnType<typeof backfill>>): Promise<BackfillResult> {
    return eventually(async () => BackfillResult.parse(await handle.result()), 300_000, `backfill ${handle.workflowId}`);
  }

  it('runs the daily pipeline into PostgreSQL', async () => {
    const result = PipelineResult.parse(
      await stack.client.workflow.execute('pipeline', { taskQueue: stack.config.taskQueue, workflowId: `${pipelineWorkflowId('BTC-USD', '2024-06-03')}/${Date.now()}`, args: [{ symbol: 'BTC-USD', date: '2024-06-03' }] }),
    );
    expect(result.refs.ingest?.rows).toBe(1440);
    const rows = await stack.db.kysely.selectFrom('candles').select((eb) => eb.fn.countAll().as('n')).where('symbol', '=', 'BTC-USD').executeTakeFirstOrThrow();
    expect(Number(rows.n)).toBeGreaterThanOrEqual(1440);
  });

  it('runs a triggered schedule', async () => {
    const { handle } = await createOrUpdatePipelineSchedule(stack.client, { symbol: 'SOL-USD', taskQueue: stack.config.taskQueue });
    try {
      await handle.trigger();
      const action = await eventually(async () => (await handle.describe()).info.recentActions[0], 30_000, 'the triggered action');
      const result = ScheduledRunResult.parse(await stack.client.workflow.getHandle(action.action.workflow.workflowId).result());
      expect(result.status).toBe('completed');
      // The run records its scheduled time to the second.
      expect(Math.floor(new Date(result.scheduledAt).getTime() / 1000)).toBe(Math.floor(action.scheduledAt.getTime() / 1000));
    } finally {
      await handle.delete();
    }
  });

  it('backfills with a 150-day chunk and finds it by a middle day on SQL visibility', async () => {
    await wipe('ADA-USD');
    const input: BackfillInput = { symbols: ['ADA-USD'], flows: ['evaluate'], from: '2022-01-01', to: '2022-05-30', withUpstream: true, chunkDays: 150, concurrency: 4 };
    const handle = await backfill(input);
    const result = await resultOf(handle);
    expect(result.failed).toBe(0);
    expect(result.done).toBe(150 * FLOW_GRAPH.active.length);
    // SQL visibility is written asynchronously: wait for the chunk runs to be listed.
    const query = `Symbol="ADA-USD" AND ${partitionQuery('2022-03-17')}`;
    const flows = await eventually(
      async () => {
        const found: string[] = [];
        for await (const w of stack.client.workflow.list({ query })) found.push(w.type);
        return found.length >= 4 ? found.sort() : undefined;
      },
      20_000,
      `runs listed by ${query}`,
    );
    expect(flows).toEqual(expect.arrayContaining(['evaluate', 'features', 'ingest']));
    // Not found by a day outside the range.
    const outside: string[] = [];
    for await (const w of stack.client.workflow.list({ query: `Symbol="ADA-USD" AND ${partitionQuery('2022-06-15')}` })) outside.push(w.workflowId);
    expect(outside).toEqual([]);
  }, 300_000);

  it('shares a backfill between both workers', async () => {
    await wipe('LTC-USD');
    const input: BackfillInput = { symbols: ['LTC-USD'], flows: ['evaluate'], from: '2022-01-01', to: '2022-03-31', withUpstream: true, chunkDays: 7, concurrency: 8 };
    const handle = await backfill(input);
    expect((await resultOf(handle)).failed).toBe(0);
    // Who ran the tasks of the backfill's children (pid@host of each worker process).
    const identities = new Set<string>();
    const children = await eventually(
      async () => {
        const ids: Array<{ workflowId: string; runId: string }> = [];
        for await (const w of stack.client.workflow.list({ query: `Symbol="LTC-USD" AND Flow!="backfill"` })) ids.push({ workflowId: w.workflowId, runId: w.runId });
        return ids.length >= 40 ? ids : undefined;
      },
      20_000,
      'the children to be listed',
    );
    for (const { workflowId, runId } of children) {
      for (const e of (await stack.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? []) {
        const identity = e.activityTaskStartedEventAttributes?.identity ?? e.workflowTaskStartedEventAttributes?.identity;
        if (identity) identities.add(identity);
      }
    }
    expect(identities.size).toBeGreaterThanOrEqual(2);
  }, 300_000);

  it('survives a worker killed with SIGKILL and a server restart mid-backfill, leaving data equal to a clean run', async () => {
    const symbol = 'XRP-USD';
    await wipe(symbol);
    const input: BackfillInput = { symbols: [symbol], flows: ['evaluate'], from: '2021-01-01', to: '2021-12-31', withUpstream: true, concurrency: 4, heartbeatTimeoutSeconds: 5 };
    expect((await resultOf(await backfill(input))).failed).toBe(0);
    const clean = await fingerprint(symbol);
    expect(clean.candles).toMatch(/^[0-9a-f]{32}$/);
    await wipe(symbol);

    const handle = await backfill(input);
    const progress = async (): Promise<number> => (await handle.query(backfillProgressQuery)).done;
    await eventually(async () => ((await progress()) >= 100 ? true : undefined), 120_000, '100 partitions done');
    process.kill(-servicePid('worker-2'), 'SIGKILL');
    await eventually(async () => ((await progress()) >= 500 ? true : undefined), 120_000, '500 partitions done');
    process.kill(-servicePid('temporal-server'), 'SIGTERM');
    // Brings back the server and the killed worker (each waited for until it serves); never builds a UI here.
    await eventually(async () => ((await stackCommand('up', '--workers', '2', '--no-ui')).includes('stack: up') ? true : undefined), 240_000, 'the stack to come back');
    const result = await resultOf(handle);
    expect(result.failed).toBe(0);
    expect(await fingerprint(symbol)).toEqual(clean);
  }, 600_000);

  it('refuses a run whose client uses another database, naming both databases, and the CLI says so', async () => {
    const otherUrl = `${stackEnv().DATABASE_URL}_other`;
    const admin = await openMigratedDatabase({ url: stackEnv().DATABASE_URL });
    await sql`drop database if exists ${sql.id(new URL(otherUrl).pathname.slice(1))}`.execute(admin.kysely);
    await sql`create database ${sql.id(new URL(otherUrl).pathname.slice(1))}`.execute(admin.kysely);
    await admin.close();
    const other = await openMigratedDatabase({ url: otherUrl });
    const otherIdentity = await readDatabaseIdentity(other);
    await other.close();
    const own = await readDatabaseIdentity(stack.db);
    const cli = await run('npx', ['tsx', 'src/client.ts', 'run', '--symbol', 'DOT-USD', '--date', '2024-06-04'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...stackEnv(), DATABASE_URL: otherUrl },
      timeout: 120_000,
    }).then(
      () => ({ code: 0, output: '' }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code, output: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
    );
    expect(cli.code).toBe(1);
    expect(cli.output).toContain('DatabaseMismatch');
    expect(cli.output).toContain(otherIdentity);
    expect(cli.output).toContain(own);
  });
});
