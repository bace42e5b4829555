/**
 * Data quality of a candles partition (docs/data-quality.md): the policy's verdicts, sources that
 * tell the truth about holes (CSV validated per day with conflicting duplicates reported, the
 * synthetic source's deterministic holes and its list of symbols), and the planner re-ingesting
 * degraded and empty days.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { planPhase, type LedgerFact } from '../../src/backfill/plan';
import { evaluationCodeVersion } from '../../src/activities/evaluate';
import { assetLines, classify } from '../../src/backfill/asset-states';
import { formatStates } from '../../src/cli/assets';
import { FLOW_GRAPH } from '../../src/flows/registry';
import { formatCandleQuality, formatPipelineSummary } from '../../src/cli/format';
import { loadConfig } from '../../src/config';
import { dayStartMs, DAY_MS, MINUTE_MS } from '../../src/core/dates';
import { collectCandles } from '../../src/sources/collect';
import { csvSource } from '../../src/sources/csv';
import { DEFAULT_QUALITY_POLICY, describeQuality, judgeDay } from '../../src/sources/quality';
import { syntheticCandles, syntheticMissingMinutes } from '../../src/sources/synthetic';
import { syntheticSource } from '../../src/sources/synthetic-source';

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('the quality policy', () => {
  const day = (rows: number, conflictingDuplicates = 0) => ({ rows, missingMinutes: 1440 - rows, duplicates: conflictingDuplicates, conflictingDuplicates });

  test('a complete day, a few missing minutes, a degraded day, a refused day, an empty day', () => {
    expect(judgeDay('2024-01-01', 'csv', day(1440), DEFAULT_QUALITY_POLICY)).toEqual({
      ok: true,
      quality: { quality: 'complete', source: 'csv', missingMinutes: 0, duplicates: 0, conflictingDuplicates: 0 },
    });
    // 14 of 1440 is 0.97 %: below the 1 % default, complete (but the count is kept).
    const few = judgeDay('2024-01-01', 'coinbase', day(1426), DEFAULT_QUALITY_POLICY);
    expect(few.ok && few.quality).toMatchObject({ quality: 'complete', missingMinutes: 14 });
    const degraded = judgeDay('2017-11-05', 'csv', day(1196), DEFAULT_QUALITY_POLICY);
    expect(degraded.ok && degraded.quality).toMatchObject({ quality: 'degraded', missingMinutes: 244 });
    const conflicting = judgeDay('2024-01-01', 'csv', day(1440, 1), DEFAULT_QUALITY_POLICY);
    expect(conflicting.ok && conflicting.quality.quality).toBe('degraded');
    const half = judgeDay('2024-01-02', 'csv', day(719), DEFAULT_QUALITY_POLICY);
    expect(half).toEqual({ ok: false, reason: '2024-01-02 from csv: 719 rows, 721 of 1440 minutes missing (50.1 %, above FEATUREFLOW_MAX_MISSING_PCT = 50 %)' });
    expect(judgeDay('2024-01-03', 'csv', day(0), { degradedMissingPct: 100, maxMissingPct: 100 })).toEqual({
      ok: false,
      reason: '2024-01-03 from csv: no candles (1440 of 1440 minutes missing)',
    });
  });

  test('thresholds come from the environment, validated', () => {
    expect(loadConfig({}).quality).toEqual(DEFAULT_QUALITY_POLICY);
    expect(loadConfig({ FEATUREFLOW_DEGRADED_MISSING_PCT: '5', FEATUREFLOW_MAX_MISSING_PCT: '20' }).quality).toEqual({ degradedMissingPct: 5, maxMissingPct: 20 });
    expect(() => loadConfig({ FEATUREFLOW_MAX_MISSING_PCT: '120' })).toThrow(/FEATUREFLOW_MAX_MISSING_PCT/);
    expect(() => loadConfig({ FEATUREFLOW_DEGRADED_MISSING_PCT: '30', FEATUREFLOW_MAX_MISSING_PCT: '20' })).toThrow(/must not exceed/);
  });

  test('one line per partition, as assets and status print it', () => {
    expect(describeQuality({ rows: 1196, missingMinutes: 244, duplicates: 0, conflictingDuplicates: 0 })).toBe('1196 rows, 244 missing');
    expect(describeQuality({ rows: 1440, missingMinutes: 0, duplicates: 3, conflictingDuplicates: 1 })).toBe('1440 rows, 3 duplicates (1 conflicting)');
    expect(describeQuality({ rows: 1440, missingMinutes: null, duplicates: null, conflictingDuplicates: null })).toBe('1440 rows');
  });
});

describe('duplicates', () => {
  test('a repeat with the same values is a duplicate; one with other values also conflicts', () => {
    const start = dayStartMs('2024-01-01');
    const c = (m: number, close: number) => ({ ts: start + m * MINUTE_MS, open: 1, high: 3, low: 1, close, volume: 1 });
    const day = collectCandles([c(0, 2), c(1, 2), c(0, 2), c(1, 2.5), c(1, 2)], start, 1440);
    expect(day).toMatchObject({ duplicates: 3, conflictingDuplicates: 1, missingMinutes: 1438 });
    expect(Array.from(day.candles.close)).toEqual([2, 2]); // the first of each minute wins
  });
});

describe('csv source validates per day', () => {
  let dir: string;
  const t = (day: string, minute: number) => dayStartMs(day) / 1000 + minute * 60;
  const row = (day: string, minute: number, close = 2) => `${t(day, minute)},1,3,1,${close},5`;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-csv-quality-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a bad row on 01-10 fails 01-10 only; 01-08 and 01-09 are served', async () => {
    const lines = ['time,open,high,low,close,volume', row('2024-01-08', 0), row('2024-01-08', 1), row('2024-01-09', 0), `${t('2024-01-10', 5)},1,3,x,2,5`, row('2024-01-10', 6)];
    fs.writeFileSync(path.join(dir, 'BTC-USD.csv'), lines.join('\n'));
    const source = csvSource({ dir });
    expect((await source.fetchDay('BTC-USD', '2024-01-08')).candles.ts.length).toBe(2);
    expect((await source.fetchDay('BTC-USD', '2024-01-09')).candles.ts.length).toBe(1);
    const failure = await failureOf(source.fetchDay('BTC-USD', '2024-01-10'));
    expect(failure.type).toBe('SourceDataInvalid');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('BTC-USD 2024-01-10');
    expect(failure.message).toContain('BTC-USD.csv:5');
    expect(failure.message).toContain("low 'x' is not a number");
  });

  test('a row whose time cannot be read fails the days of the rows around it, not the others', async () => {
    const lines = ['time,open,high,low,close,volume', row('2024-01-08', 0), row('2024-01-09', 0), 'noon,1,3,1,2,5', row('2024-01-10', 0), row('2024-01-11', 0)];
    fs.writeFileSync(path.join(dir, 'BTC-USD.csv'), lines.join('\n'));
    const source = csvSource({ dir });
    expect((await source.fetchDay('BTC-USD', '2024-01-08')).candles.ts.length).toBe(1);
    expect((await source.fetchDay('BTC-USD', '2024-01-11')).candles.ts.length).toBe(1);
    for (const day of ['2024-01-09', '2024-01-10']) expect((await failureOf(source.fetchDay('BTC-USD', day))).message).toContain("time 'noon'");
  });

  test('conflicting duplicates are reported', async () => {
    fs.writeFileSync(path.join(dir, 'ETH-USD.csv'), ['time,open,high,low,close,volume', row('2024-01-08', 0), row('2024-01-08', 0, 2.5), row('2024-01-08', 1), row('2024-01-08', 1)].join('\n'));
    expect(await csvSource({ dir }).fetchDay('ETH-USD', '2024-01-08')).toMatchObject({ duplicates: 2, conflictingDuplicates: 1, missingMinutes: 1438 });
  });
});

describe('synthetic source', () => {
  const DAY = '2024-02-01';
  const start = dayStartMs(DAY);

  test('serves its configured symbols only (BTC-USD by default), refusing others non-retryably', async () => {
    expect((await syntheticSource().fetchDay('BTC-USD', DAY)).candles.ts.length).toBe(1440);
    const failure = await failureOf(syntheticSource().fetchDay('FOO-BAR', DAY));
    expect(failure.type).toBe('UnknownSymbol');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('Unknown symbol FOO-BAR for the synthetic source; it serves BTC-USD');
    expect(syntheticSource({ symbols: ['ETH-USD'] }).symbols).toEqual(['ETH-USD']);
    expect(loadConfig({ FEATUREFLOW_SYNTHETIC_SYMBOLS: 'BTC-USD, ETH-USD' }).sources.syntheticSymbols).toEqual(['BTC-USD', 'ETH-USD']);
    expect(() => loadConfig({ FEATUREFLOW_SYNTHETIC_SYMBOLS: 'btc' })).toThrow(/FEATUREFLOW_SYNTHETIC_SYMBOLS/);
  });

  test('no holes by default: the same candles as the generator', async () => {
    const day = await syntheticSource().fetchDay('BTC-USD', DAY);
    expect(day).toMatchObject({ missingMinutes: 0, duplicates: 0, conflictingDuplicates: 0 });
    expect(Array.from(day.candles.close)).toEqual(Array.from(syntheticCandles('BTC-USD', start, start + DAY_MS).close));
  });

  test('holes on request: about the rate asked, singles and runs, deterministic per symbol and minute', async () => {
    const source = syntheticSource({ symbols: ['BTC-USD', 'ETH-USD'], missingPct: 5 });
    const a = await source.fetchDay('BTC-USD', DAY);
    const b = await syntheticSource({ symbols: ['BTC-USD'], missingPct: 5 }).fetchDay('BTC-USD', DAY);
    expect(Array.from(a.candles.ts)).toEqual(Array.from(b.candles.ts));
    expect(a.missingMinutes).toBe(1440 - a.candles.ts.length);
    // 30 days: the rate is close to the one asked.
    const month = syntheticMissingMinutes('BTC-USD', start, start + 30 * DAY_MS, 5);
    const missing = month.reduce((n, x) => n + x, 0);
    expect(missing / month.length).toBeGreaterThan(0.04);
    expect(missing / month.length).toBeLessThan(0.06);
    // Runs as well as single minutes.
    let longest = 0;
    for (let i = 0, run = 0; i < month.length; i++) longest = Math.max(longest, (run = month[i] ? run + 1 : 0));
    expect(longest).toBeGreaterThanOrEqual(5);
    // A sub-range agrees with the larger one; another symbol has other holes.
    expect(Array.from(syntheticMissingMinutes('BTC-USD', start + DAY_MS, start + 2 * DAY_MS, 5))).toEqual(Array.from(month.subarray(1440, 2880)));
    expect(Array.from(syntheticMissingMinutes('ETH-USD', start, start + DAY_MS, 5))).not.toEqual(Array.from(month.subarray(0, 1440)));
    // The kept candles are the generator's, minus the holes.
    const all = syntheticCandles('BTC-USD', start, start + DAY_MS);
    const kept = Array.from(all.close).filter((_, i) => !month[i]);
    expect(Array.from(a.candles.close)).toEqual(kept);
  });
});

describe('planning with data quality', () => {
  const fact = (partition: string, quality: string | null, asset = 'candles'): LedgerFact => ({ asset, partition, codeVersion: 'csv-1', materializedAt: 1, quality });
  const plan = (facts: LedgerFact[], flows: Array<'ingest' | 'features-b'> = ['ingest']) =>
    planPhase({
      symbol: 'BTC-USD',
      flows,
      selected: flows,
      from: '2024-01-01',
      to: '2024-01-04',
      chunkDays: 10,
      force: false,
      forceBefore: 0,
      graph: {
        nodes: [
          { id: 'ingest', kind: 'ingest', upstream: [], asset: 'candles', lookbackDays: 0 },
          { id: 'features-b', kind: 'features', upstream: ['ingest'], asset: 'features_b', version: 'b-1.1.0', lookbackDays: 0 },
        ],
      },
      exclude: [],
      facts,
    });

  test('a plain ingest backfill re-ingests degraded and empty days, skips complete ones', () => {
    const p = plan([fact('2024-01-01', 'complete'), fact('2024-01-02', 'degraded'), fact('2024-01-03', 'empty'), fact('2024-01-04', null)]);
    expect(p.runs.map((r) => [r.from, r.to])).toEqual([['2024-01-02', '2024-01-03']]);
    expect(p.skipped).toBe(2);
  });

  test('an empty candles day is missing upstream for the features', () => {
    const p = plan([fact('2024-01-01', 'complete'), fact('2024-01-02', 'empty'), fact('2024-01-03', 'degraded'), fact('2024-01-04', 'complete')], ['features-b']);
    expect(p.upstreamMissing.map((f) => f.from)).toContain('2024-01-02');
    expect(p.runs.flatMap((r) => [r.from, r.to])).toContain('2024-01-04');
  });
});

describe('what people read', () => {
  const ledgerRow = (partition: string, quality: string, rows: number, missing: number, source = 'csv') => ({
    asset: 'candles',
    symbol: 'BTC-USD',
    partition,
    code_version: `${source}-1`,
    workflow_id: `ingest/BTC-USD/${partition}`,
    run_id: 'r',
    rows,
    checksum: 'c',
    materialized_at: 0,
    quality,
    source,
    missing_minutes: missing,
    duplicates: 0,
    conflicting_duplicates: 0,
  });

  test('status lists the quality of the candles a run wrote', () => {
    expect(formatCandleQuality([ledgerRow('2017-11-05', 'degraded', 1196, 244), ledgerRow('2017-11-06', 'complete', 1440, 0, 'synthetic')])).toBe(
      'candles BTC-USD 2017-11-05  degraded  csv  1196 rows, 244 missing  DEGRADED\n' + 'candles BTC-USD 2017-11-06  complete  synthetic  1440 rows  (synthetic data)',
    );
  });

  test('assets groups days of the same quality and flags degraded ones', () => {
    const states = classify(
      [ledgerRow('2017-11-04', 'complete', 1440, 0), ledgerRow('2017-11-05', 'degraded', 1196, 244), ledgerRow('2017-11-06', 'degraded', 1200, 240)],
      '2017-11-04',
      '2017-11-06',
      assetLines(FLOW_GRAPH, evaluationCodeVersion),
    ).filter((s) => s.asset === 'candles');
    expect(states[1]).toMatchObject({ state: 'materialized', quality: 'degraded', source: 'csv', missingMinutes: 244, rows: 1196 });
    const text = formatStates(states);
    expect(text).toMatch(/^candles\s+2017-11-04\s+materialized csv-1 {2}1440 rows {2}at /m);
    expect(text).toMatch(/^candles\s+2017-11-05\.\.2017-11-06 \(2 d\)\s+materialized csv-1 {2}2396 rows, 484 missing {2}DEGRADED {2}at /m);
  });

  test('the run summary marks synthetic data and names degraded days', () => {
    const ref = { symbol: 'BTC-USD', from: '2024-01-15', to: '2024-01-15', partitions: 1, rows: 1380, checksum: 'a'.repeat(64) };
    const summary = formatPipelineSummary({
      symbol: 'BTC-USD',
      date: '2024-01-15',
      graph: {
        flows: [
          { id: 'ingest', version: 'synthetic-1', upstream: [], kind: 'ingest' },
          { id: 'features-b', version: 'b-1.1.0', upstream: ['ingest'], kind: 'features' },
          { id: 'evaluate', version: 'eval-1.1.0', upstream: ['features-b'], kind: 'evaluate' },
        ],
      },
      refs: {
        ingest: { table: 'candles', ...ref, source: 'synthetic', quality: { missingMinutes: 60, duplicates: 0, conflictingDuplicates: 0, degradedDays: ['2024-01-15'] } },
        'features-b': { table: 'features_b', algorithm: 'b', version: 'b-1.1.0', ...ref },
        evaluate: { table: 'evaluations', ...ref, rows: 11, horizonMinutes: 15, scores: [], winner: 'b' },
      },
      timings: { flows: { ingest: 1, 'features-b': 1, evaluate: 1 }, totalMs: 3 },
    });
    expect(summary).toContain('[SYNTHETIC DATA: generated, not a market]');
    expect(summary).toContain('data quality: 60 missing minutes  DEGRADED: 2024-01-15');
  });
});
