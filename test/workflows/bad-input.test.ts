/**
 * Bad input, end to end: each case gets a clear error, and NOTHING is written (the database
 * and ledger are byte-for-byte what they were). Workflows are started directly with the
 * client, bypassing the CLI's own validation, so the workflow and activity boundaries are what
 * is tested; the CLI and the processes' configuration errors are tested by running them.
 */
import { dynamicTables } from '../../src/db/schema';
import { FLOW_GRAPH } from '../../src/flows/registry';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ApplicationFailure, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { MAX_RANGE_DAYS } from '../../src/contracts';
import { PROJECT_ROOT } from '../../src/config';
import { connectClient } from '../../src/temporal/connection';
import { addDays, lastCompleteDay } from '../../src/core/dates';
import { coinbaseSource } from '../../src/sources/coinbase';
import { testSyntheticSource as syntheticSource } from '../helpers/sources';
import { startFakeCoinbase, type FakeCoinbase } from '../helpers/fake-coinbase';
import { startStack, type TestStack } from '../helpers/stack';
import { freePort } from '../helpers/ports';

const DAY = '2024-01-15';

/** The deepest ApplicationFailure of a failed run's cause chain. */
function rootFailure(err: unknown): ApplicationFailure {
  expect(err).toBeInstanceOf(WorkflowFailedError);
  let current: unknown = err;
  let deepest: ApplicationFailure | undefined;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure) deepest = current;
    current = current.cause;
  }
  if (!deepest) throw new Error(`no ApplicationFailure in the cause chain of ${String(err)}`);
  return deepest;
}

/** Runs a program with the project's tsx; resolves with its exit code and output. */
function runTsx(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), args, { cwd: PROJECT_ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}


describe('bad input is rejected clearly and writes nothing', () => {
  let stack: TestStack;
  let fake: FakeCoinbase;
  let seq = 0;

  /** Every row of every table, in a stable order: "nothing written" means this does not change. */
  const snapshot = async () => {
    const k = stack.db.kysely;
    return {
      candles: await k.selectFrom('candles').select(['symbol', 'ts', 'close']).orderBy('symbol').orderBy('ts').execute(),
      featuresB: await dynamicTables(stack.db).selectFrom('features_b').select(['symbol', 'ts', 'log_return']).orderBy('symbol').orderBy('ts').execute(),
      featuresC: await dynamicTables(stack.db).selectFrom('features_c').select(['symbol', 'ts', 'rsi_14']).orderBy('symbol').orderBy('ts').execute(),
      evaluations: await k.selectFrom('evaluations').selectAll().orderBy('symbol').orderBy('partition').orderBy('algorithm').orderBy('feature').execute(),
      ledger: await k.selectFrom('materializations').selectAll().orderBy('asset').orderBy('symbol').orderBy('partition').execute(),
    };
  };
  let before: Awaited<ReturnType<typeof snapshot>>;

  const failureOf = async (workflowType: string, input: unknown): Promise<ApplicationFailure> => {
    const err = await stack.client.workflow
      .execute(workflowType, { taskQueue: stack.config.taskQueue, workflowId: `bad-input-${++seq}`, args: [input] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    return rootFailure(err);
  };

  beforeAll(async () => {
    fake = await startFakeCoinbase({ products: ['BTC-USD'] });
    stack = await startStack({
      sources: { synthetic: syntheticSource, coinbase: coinbaseSource({ baseUrl: fake.url, ratePerSecond: 100, burst: 5 }) },
    });
    // A materialized partition, so "unchanged" is checked against real data, not an empty database.
    await stack.client.workflow.execute('pipeline', { taskQueue: stack.config.taskQueue, workflowId: 'seed', args: [{ symbol: 'BTC-USD', date: DAY }] });
    before = await snapshot();
    // The day and its two look-back days of candles; per feature flow its table and D's scores of it.
    const featureFlows = FLOW_GRAPH.active.filter((f) => f.kind === 'features').length;
    expect(before.candles).toHaveLength(3 * 1440);
    expect(before.ledger).toHaveLength(3 + 2 * featureFlows);
  });
  afterEach(async () => {
    expect(await snapshot()).toEqual(before);
  });
  afterAll(async () => {
    await stack?.stop();
    await fake?.close();
  });

  it.each([
    ['an impossible date', '2024-02-30', 'not a real calendar date'],
    ['a word instead of a date', 'yesterday', 'expected a date as YYYY-MM-DD'],
    ['a date before the supported history', '2009-12-31', 'before 2010-01-01'],
  ])('rejects %s', async (_what, date, message) => {
    const failure = await failureOf('pipeline', { symbol: 'BTC-USD', date });
    expect(failure.type).toBe('InvalidInput');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(message);
  });

  it('rejects a day that is not complete yet (the future)', async () => {
    const tomorrow = addDays(lastCompleteDay(Date.now()), 2);
    const failure = await failureOf('pipeline', { symbol: 'BTC-USD', date: tomorrow });
    expect(failure.type).toBe('InvalidInput');
    expect(failure.message).toContain(`${tomorrow} is not a complete UTC day`);
  });

  it('rejects a reversed range', async () => {
    const failure = await failureOf('ingest', { symbol: 'BTC-USD', from: '2024-01-20', to: '2024-01-10' });
    expect(failure.type).toBe('InvalidInput');
    expect(failure.message).toContain('from must not be after to');
  });

  it('rejects an oversized range', async () => {
    const failure = await failureOf('features', { symbol: 'BTC-USD', from: '2010-01-01', to: addDays('2010-01-01', MAX_RANGE_DAYS), algorithm: 'b' });
    expect(failure.type).toBe('InvalidInput');
    expect(failure.message).toContain(`at most ${MAX_RANGE_DAYS} days`);
  });

  it('rejects a malformed symbol', async () => {
    const failure = await failureOf('pipeline', { symbol: 'btc', date: DAY });
    expect(failure.type).toBe('InvalidInput');
    expect(failure.message).toContain('expected a symbol like BTC-USD');
  });

  it('rejects a symbol the exchange does not list, after one attempt', async () => {
    const failure = await failureOf('pipeline', { symbol: 'NOPE-USD', date: DAY, source: 'coinbase' });
    expect(failure.type).toBe('UnknownSymbol');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain("no product 'NOPE-USD'");
    expect(fake.requests.filter((r) => r.path.includes('NOPE-USD'))).toHaveLength(1);
  });

  it('rejects a source this worker is not configured with', async () => {
    const failure = await failureOf('pipeline', { symbol: 'BTC-USD', date: DAY, source: 'csv' });
    expect(failure.type).toBe('InvalidInput');
    expect(failure.message).toContain("Source 'csv' is not configured");
  });

  it('rejects an injected table name in a reference passed between flows', async () => {
    const candles = {
      table: 'candles; drop table candles',
      symbol: 'BTC-USD',
      from: DAY,
      to: DAY,
      partitions: 1,
      rows: 1440,
      checksum: before.ledger.find((m) => m.asset === 'candles')!.checksum,
      source: 'synthetic',
    };
    const failure = await failureOf('features', { symbol: 'BTC-USD', from: DAY, to: DAY, algorithm: 'b', candles });
    expect(failure.type).toBe('InvalidInput');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('candles.table');
    // The table is still there (the afterEach snapshot also reads it).
    expect(await stack.db.kysely.selectFrom('candles').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).toEqual({ n: before.candles.length });
  });

  it('rejects an injected table name in feature references and an injected algorithm (column set) name', async () => {
    const ref = { table: 'features_b" where 1=1; --', algorithm: 'b', version: 'x', symbol: 'BTC-USD', from: DAY, to: DAY, partitions: 1, rows: 1, checksum: '0'.repeat(64) };
    const evaluate = await failureOf('evaluate', { symbol: 'BTC-USD', from: DAY, to: DAY, algorithms: ['b'], features: [ref] });
    expect(evaluate.type).toBe('InvalidInput');
    expect(evaluate.message).toContain('features.0.table');
    const algorithm = await failureOf('features', { symbol: 'BTC-USD', from: DAY, to: DAY, algorithm: 'b, (select 1) as log_return' });
    expect(algorithm.type).toBe('InvalidInput');
    expect(algorithm.message).toContain('algorithm');
  });

  it('rejects a large payload at the workflow boundary', async () => {
    const failure = await failureOf('pipeline', { symbol: `${'X'.repeat(200_000)}-USD`, date: DAY });
    expect(failure.type).toBe('InvalidInput');
    expect(failure.message).toContain('expected a symbol like BTC-USD');
    // The failure message stays short: the input is not echoed back.
    expect(failure.message.length).toBeLessThan(1000);
  });

  it('refuses a multi-megabyte payload in the client, before anything is scheduled', async () => {
    // featureflow's own client (the CLI's), with its input size guard.
    const client = await connectClient(stack.config);
    try {
      const workflowId = 'bad-input-oversized';
      const err = await client.workflow
        .start('pipeline', { taskQueue: stack.config.taskQueue, workflowId, args: [{ symbol: 'BTC-USD', date: DAY, note: 'x'.repeat(5 * 1024 * 1024) }] })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toContain('is 5.0 MiB, over featureflow');
      expect((err as Error).message).toContain('pass references');
      await expect(client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    } finally {
      await client.connection.close();
    }
  });

  describe('the command line and process configuration', () => {
    let pipelinesBefore: number;
    const cliEnv = () => ({
      TEMPORAL_ADDRESS: stack.env.address,
      TEMPORAL_NAMESPACE: stack.config.temporal.namespace,
      FEATUREFLOW_TASK_QUEUE: stack.config.taskQueue,
      FEATUREFLOW_DATA_DIR: stack.dataDir,
      DATABASE_URL: stack.config.databaseUrl,
    });
    const countPipelines = async () => (await stack.client.workflow.count(`WorkflowType = 'pipeline'`)).count;

    beforeAll(async () => {
      pipelinesBefore = await countPipelines();
    });
    afterAll(async () => {
      // No CLI case started a run.
      expect(await countPipelines()).toBe(pipelinesBefore);
    });

    it('exits 2 with a clear message for bad dates, symbols and configuration', async () => {
      const tomorrow = addDays(lastCompleteDay(Date.now()), 1);
      const [badDate, badSymbol, future, badConfig] = await Promise.all([
        runTsx(['src/client.ts', 'run', '--date', '2024-13-45'], cliEnv()),
        runTsx(['src/client.ts', 'run', '--symbol', 'btc', '--date', DAY], cliEnv()),
        runTsx(['src/client.ts', 'run', '--date', tomorrow], cliEnv()),
        runTsx(['src/client.ts', 'run', '--date', DAY], { ...cliEnv(), FEATUREFLOW_MAX_CONCURRENT_ACTIVITIES: 'lots' }),
      ]);
      expect(badDate).toMatchObject({ code: 2 });
      expect(badDate.stderr).toContain('date: not a real calendar date');
      expect(badSymbol).toMatchObject({ code: 2 });
      expect(badSymbol.stderr).toContain('symbol: expected a symbol like BTC-USD');
      expect(future).toMatchObject({ code: 2 });
      expect(future.stderr).toContain('is not a complete UTC day yet');
      expect(badConfig).toMatchObject({ code: 2 });
      expect(badConfig.stderr).toContain('FEATUREFLOW_MAX_CONCURRENT_ACTIVITIES');
      for (const r of [badDate, badSymbol, future, badConfig]) expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    });

    it('exits 3 naming the address when Temporal is unreachable', async () => {
      const address = `127.0.0.1:${await freePort()}`;
      const result = await runTsx(['src/client.ts', 'run', '--date', DAY], { ...cliEnv(), TEMPORAL_ADDRESS: address });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`Cannot reach Temporal at ${address}`);
      expect(result.stderr).toContain('TEMPORAL_ADDRESS');
    });

    it('a worker with a bad DATABASE_URL stops with the masked URL and what to check', async () => {
      const port = await freePort();
      const url = `postgres://featureflow:s3cret-pw@127.0.0.1:${port}/featureflow`;
      const result = await runTsx(['src/worker.ts'], { ...cliEnv(), DATABASE_URL: url });
      // Exit 3, as the CLI for an unreachable database (2 is bad configuration, 1 a failed run).
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`Cannot connect to PostgreSQL at postgres://featureflow:***@127.0.0.1:${port}/featureflow`);
      expect(result.stderr).toContain('Check DATABASE_URL');
      expect(result.stderr + result.stdout).not.toContain('s3cret-pw');
    });
  });
});
