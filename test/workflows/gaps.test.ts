/**
 * Real market data has holes (issue 15), end to end on a real dev server, on SQLite and (when
 * FEATUREFLOW_TEST_PG_URL is set) PostgreSQL:
 * - synthetic candles with missing minutes -> stored features equal the wall-clock definitions
 *   computed by hand from the stored candles -> D pairs each row with the price 15 clock minutes later;
 * - a CSV day with no candle fails ingest (non-retryable, naming day, source and counts) and
 *   nothing downstream runs; a day with 244 missing minutes is materialized `degraded`, and the
 *   ledger, `assets --json` and the run result say so;
 * - an unknown synthetic symbol is refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, WorkflowFailedError } from '@temporalio/client';
import { evaluationCodeVersion } from '../../src/activities/evaluate';
import { assetLines, classify } from '../../src/backfill/asset-states';
import { ingestRefOf, readPipelineResult, type SourceName } from '../../src/contracts';
import { FLOW_GRAPH } from '../../src/flows/registry';
import { DAY_MS, dayStartMs, MINUTE_MS } from '../../src/core/dates';
import { listMaterializations } from '../../src/db/ledger';
import { readColumns } from '../../src/db/reads';
import { pearson } from '../../src/features/evaluation';
import { flowWorkflowId, pipelineWorkflowId } from '../../src/core/ids';
import { csvSource } from '../../src/sources/csv';
import { syntheticCandles } from '../../src/sources/synthetic';
import { syntheticSource } from '../../src/sources/synthetic-source';
import { startStack, testPostgresUrl, type TestStack } from '../helpers/stack';

const engines = testPostgresUrl() ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
/** Synthetic days with holes: the two before are the look-back of the features. */
const SYN_FROM = '2024-02-08';
const SYN_DAY = '2024-02-10';
/** CSV days: complete, degraded (244 missing), empty, complete. */
const CSV_DAYS = ['2024-01-10', '2024-01-11', '2024-01-12', '2024-01-13'] as const;

/** Writes `BTC-USD.csv` with the synthetic candles of CSV_DAYS, minus 244 minutes of 01-11 and all of 01-12. */
function writeCsv(dir: string): void {
  const lines = ['time,open,high,low,close,volume'];
  const c = syntheticCandles('BTC-USD', dayStartMs(CSV_DAYS[0]), dayStartMs(CSV_DAYS[3]) + DAY_MS);
  const degradedStart = dayStartMs(CSV_DAYS[1]) + 600 * MINUTE_MS;
  for (let i = 0; i < c.ts.length; i++) {
    const t = c.ts[i];
    if (t >= degradedStart && t < degradedStart + 244 * MINUTE_MS) continue;
    if (t >= dayStartMs(CSV_DAYS[2]) && t < dayStartMs(CSV_DAYS[2]) + DAY_MS) continue;
    lines.push(`${t / 1000},${c.open[i]},${c.high[i]},${c.low[i]},${c.close[i]},${c.volume[i]}`);
  }
  fs.writeFileSync(path.join(dir, 'BTC-USD.csv'), lines.join('\n'));
}

/** The root ApplicationFailure of a failed pipeline (pipeline's PipelineFailed -> child -> activity -> cause). */
function rootFailure(err: unknown): { child: ChildWorkflowFailure; root: ApplicationFailure } {
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const parent = (err as WorkflowFailedError).cause as ApplicationFailure;
  expect(parent).toBeInstanceOf(ApplicationFailure);
  expect(parent.type).toBe('PipelineFailed');
  const child = parent.cause as ChildWorkflowFailure;
  expect(child).toBeInstanceOf(ChildWorkflowFailure);
  const activity = child.cause as ActivityFailure;
  expect(activity).toBeInstanceOf(ActivityFailure);
  return { child, root: activity.cause as ApplicationFailure };
}

describe.each(engines)('gaps and data quality on %s', (database) => {
  let stack: TestStack;
  let csvDir: string;

  beforeAll(async () => {
    csvDir = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-gaps-csv-'));
    writeCsv(csvDir);
    stack = await startStack({
      database,
      sources: { synthetic: syntheticSource({ symbols: ['BTC-USD'], missingPct: 4 }), csv: csvSource({ dir: csvDir }) },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(csvDir, { recursive: true, force: true });
  });

  const runPipeline = (symbol: string, date: string, source: SourceName) =>
    stack.client.workflow.execute('pipeline', {
      taskQueue: stack.config.taskQueue,
      workflowId: `${pipelineWorkflowId(symbol, date)}/${source}`,
      args: [{ symbol, date, source }],
    });
  const failureOf = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('expected the run to fail');
      },
      (err: unknown) => err,
    );

  it('features and forward returns over holes equal the wall-clock definitions', async () => {
    await stack.client.workflow.execute('ingest', {
      taskQueue: stack.config.taskQueue,
      workflowId: flowWorkflowId('ingest', 'BTC-USD', SYN_FROM, SYN_DAY),
      args: [{ symbol: 'BTC-USD', from: SYN_FROM, to: SYN_DAY, source: 'synthetic' }],
    });
    const result = ingestRefOf(readPipelineResult(await runPipeline('BTC-USD', SYN_DAY, 'synthetic')));
    const dayStart = dayStartMs(SYN_DAY);
    const candles = await readColumns(stack.db, 'candles', 'BTC-USD', ['close'], dayStartMs(SYN_FROM), dayStart + DAY_MS);
    const inDay = Array.from(candles.ts).filter((t) => t >= dayStart);
    expect(inDay.length).toBeLessThan(1440 - 20); // the source left holes (about 4 %)
    expect(result.rows).toBe(inDay.length);
    expect(result.quality).toMatchObject({ missingMinutes: 1440 - inDay.length, degradedDays: [SYN_DAY] });

    // The price of a clock minute as of the last stored candle (holes here are far below the 60-minute carry).
    const closeAt = new Map(Array.from(candles.ts, (t, i) => [t, candles.values.close[i]]));
    const asOf = (t: number): number => {
      for (let m = t; m >= t - 60 * MINUTE_MS; m -= MINUTE_MS) {
        const p = closeAt.get(m);
        if (p !== undefined) return p;
      }
      throw new Error(`no price within 60 minutes of ${t}`);
    };
    const b = await readColumns(stack.db, 'features_b', 'BTC-USD', ['ret_mean_15'], dayStart, dayStart + DAY_MS);
    const c = await readColumns(stack.db, 'features_c', 'BTC-USD', ['momentum_30'], dayStart, dayStart + DAY_MS);
    expect(Array.from(b.ts)).toEqual(inDay);
    expect(Array.from(c.ts)).toEqual(inDay);
    let rowsApart = 0;
    for (let i = 0; i < inDay.length; i++) {
      const t = inDay[i];
      const close = closeAt.get(t) as number;
      expect(c.values.momentum_30[i]).toBeCloseTo(Math.log(close / asOf(t - 30 * MINUTE_MS)), 12);
      // The mean of 15 one-minute log returns telescopes to the move over 15 clock minutes.
      expect(b.values.ret_mean_15[i]).toBeCloseTo(Math.log(close / asOf(t - 15 * MINUTE_MS)) / 15, 12);
      if (!closeAt.has(t - 30 * MINUTE_MS)) rowsApart++;
    }
    expect(rowsApart).toBeGreaterThan(20); // many rows really needed the as-of price

    // D: the forward return of row t is ln(price(t + 15 min) / close_t), within the day.
    const fwd = Float64Array.from(inDay, (t) => (t + 15 * MINUTE_MS < dayStart + DAY_MS ? Math.log(asOf(t + 15 * MINUTE_MS) / (closeAt.get(t) as number)) : NaN));
    const stored = await stack.db.kysely
      .selectFrom('evaluations')
      .select(['ic', 'n', 'horizon_minutes'])
      .where('symbol', '=', 'BTC-USD')
      .where('partition', '=', SYN_DAY)
      .where('feature', '=', 'momentum_30')
      .executeTakeFirstOrThrow();
    const expected = pearson(c.values.momentum_30, fwd);
    expect(Number(stored.horizon_minutes)).toBe(15);
    expect(Number(stored.n)).toBe(expected.n);
    expect(Number(stored.n)).toBe(inDay.filter((t) => t + 15 * MINUTE_MS < dayStart + DAY_MS).length);
    expect(Number(stored.ic)).toBeCloseTo(expected.value, 12);
  });

  it('a degraded CSV day is materialized and flagged in the ledger, assets --json and the run result', async () => {
    const result = ingestRefOf(readPipelineResult(await runPipeline('BTC-USD', CSV_DAYS[1], 'csv')));
    expect(result).toMatchObject({ rows: 1196, source: 'csv', quality: { missingMinutes: 244, duplicates: 0, degradedDays: [CSV_DAYS[1]] } });
    const ledger = await listMaterializations(stack.db.kysely, { symbol: 'BTC-USD', from: CSV_DAYS[1], to: CSV_DAYS[1], assets: ['candles'] });
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ quality: 'degraded', source: 'csv', code_version: 'csv-1' });
    expect(Number(ledger[0].missing_minutes)).toBe(244);
    expect(Number(ledger[0].duplicates)).toBe(0);
    // What `featureflow assets --json` prints for that partition.
    const states = classify(await listMaterializations(stack.db.kysely, { symbol: 'BTC-USD', from: CSV_DAYS[1], to: CSV_DAYS[1] }), CSV_DAYS[1], CSV_DAYS[1], assetLines(FLOW_GRAPH, evaluationCodeVersion));
    expect(JSON.parse(JSON.stringify(states.find((s) => s.asset === 'candles')))).toMatchObject({
      state: 'materialized',
      quality: 'degraded',
      source: 'csv',
      rows: 1196,
      missingMinutes: 244,
    });
    // Degraded data still flows downstream: every active asset of the day is materialized.
    expect(states.filter((s) => s.state !== 'materialized' && s.state !== 'retired')).toEqual([]);
  });

  it('a CSV day with no candle fails ingest, is not materialized, and nothing downstream runs', async () => {
    const err = await failureOf(runPipeline('BTC-USD', CSV_DAYS[2], 'csv'));
    const { child, root } = rootFailure(err);
    expect(child.workflowType).toBe('ingest');
    expect(root).toBeInstanceOf(ApplicationFailure);
    expect(root.type).toBe('SourceDataIncomplete');
    expect(root.nonRetryable).toBe(true);
    expect(root.message).toContain(`${CSV_DAYS[2]} from csv: no candles (1440 of 1440 minutes missing)`);
    const ledger = await listMaterializations(stack.db.kysely, { symbol: 'BTC-USD', from: CSV_DAYS[2], to: CSV_DAYS[2] });
    expect(ledger).toEqual([]);
    const stored = await stack.db.kysely.selectFrom('evaluations').select('partition').where('partition', '=', CSV_DAYS[2]).execute();
    expect(stored).toEqual([]);
  });

  it('a range with an empty day ingests the other days and names the refused one', async () => {
    const err = await failureOf(
      stack.client.workflow.execute('ingest', {
        taskQueue: stack.config.taskQueue,
        workflowId: flowWorkflowId('ingest', 'BTC-USD', CSV_DAYS[2], CSV_DAYS[3]),
        args: [{ symbol: 'BTC-USD', from: CSV_DAYS[2], to: CSV_DAYS[3], source: 'csv' }],
      }),
    );
    const activity = (err as WorkflowFailedError).cause as ActivityFailure;
    const root = activity.cause as ApplicationFailure;
    expect(root.type).toBe('SourceDataIncomplete');
    expect(root.message).toContain('refused 1 day');
    expect(root.message).toContain('the other 1 day was ingested');
    const ledger = await listMaterializations(stack.db.kysely, { symbol: 'BTC-USD', from: CSV_DAYS[2], to: CSV_DAYS[3], assets: ['candles'] });
    expect(ledger.map((m) => [m.partition, m.quality])).toEqual([[CSV_DAYS[3], 'complete']]);
  });

  it('an unknown symbol on the synthetic source is refused, not invented', async () => {
    const { root } = rootFailure(await failureOf(runPipeline('FOO-BAR', SYN_DAY, 'synthetic')));
    expect(root.type).toBe('UnknownSymbol');
    expect(root.nonRetryable).toBe(true);
    expect(root.message).toContain('FOO-BAR');
    expect(await listMaterializations(stack.db.kysely, { symbol: 'FOO-BAR', from: SYN_DAY, to: SYN_DAY })).toEqual([]);
  });
});
