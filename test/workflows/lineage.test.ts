/**
 * Look-back is upstream and lineage makes changed inputs visible, end to end on a real dev server:
 * - a chunk whose ingest exhausted its retries leaves the next window's first days unmaterialized
 *   (never computed without their look-back), and the documented re-run ends with data identical
 *   to an uninterrupted run;
 * - a partition computed without its inputs before lineage existed is found by `doctor`, marked
 *   stale by `doctor --fix`, and redone by the next backfill;
 * - a corrected day of candles makes exactly the partitions that read it stale, and a backfill
 *   redoes exactly those.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { BackfillResult, type BackfillInput } from '../../src/contracts';
import { addDays, dayStartMs, DAY_MS } from '../../src/core/dates';
import { FLOW_GRAPH } from '../../src/flows/registry';
import { evaluationAsset } from '../../src/db/ledger';
import { dynamicTables } from '../../src/db/schema';
import { testSyntheticSource as syntheticSource } from '../helpers/sources';
import type { MarketSource } from '../../src/sources/types';
import { backfillWorkflowId } from '../../src/workflows/backfill-api';
import { runCli } from '../helpers/run-cli';
import { startDevServerEnv, startStack, type TestStack } from '../helpers/stack';

/** Days the source refuses (non-retryable), as an exchange outage that outlasts every retry. */
const refused = new Set<string>();
/** Days whose candles the source has corrected since they were first served (prices scaled). */
const corrected = new Map<string, number>();

const source: MarketSource = {
  ...syntheticSource,
  async fetchDay(symbol, day, options) {
    if (refused.has(`${symbol}/${day}`)) throw ApplicationFailure.nonRetryable(`test source refuses ${symbol} ${day}`, 'SourceDataInvalid');
    const fetched = await syntheticSource.fetchDay(symbol, day, options);
    const k = corrected.get(`${symbol}/${day}`);
    if (!k) return fetched;
    const c = fetched.candles;
    return { ...fetched, candles: { ...c, open: c.open.map((v) => v * k), high: c.high.map((v) => v * k), low: c.low.map((v) => v * k), close: c.close.map((v) => v * k) } };
  },
};

/** Every ledger asset the registry's active flows write. */
const ASSETS = ['candles', ...FLOW_GRAPH.active.flatMap((f) => (f.kind === 'features' && f.algorithm ? [f.asset, evaluationAsset(f.algorithm.id)] : []))];

describe('look-back and lineage on a real dev server', () => {
  let server: TestWorkflowEnvironment;
  let stack: TestStack;

  beforeAll(async () => {
    server = await startDevServerEnv();
    stack = await startStack({ server, sources: { synthetic: source } });
  });
  afterAll(async () => {
    await stack?.stop();
    await server?.teardown();
  });

  const runBackfill = async (input: BackfillInput): Promise<BackfillResult> =>
    BackfillResult.parse(await stack.client.workflow.execute('backfill', { taskQueue: stack.config.taskQueue, workflowId: backfillWorkflowId(input), args: [input] }));

  /** asset/day -> checksum of every ledger row of a symbol. */
  const checksums = async (symbol: string): Promise<Record<string, string>> => {
    const rows = await stack.db.kysely.selectFrom('materializations').select(['asset', 'partition', 'checksum']).where('symbol', '=', symbol).execute();
    return Object.fromEntries(rows.map((r) => [`${r.asset}/${r.partition}`, r.checksum]));
  };

  /** Removes everything of a symbol: a fresh start for the same data. */
  const wipe = async (symbol: string): Promise<void> => {
    const tables = dynamicTables(stack.db);
    for (const f of FLOW_GRAPH.flows.filter((g) => g.kind !== 'evaluate')) await tables.deleteFrom(f.asset).where('symbol', '=', symbol).execute();
    await stack.db.kysely.deleteFrom('evaluations').where('symbol', '=', symbol).execute();
    await stack.db.kysely.deleteFrom('materialization_inputs').where('symbol', '=', symbol).execute();
    await stack.db.kysely.deleteFrom('materializations').where('symbol', '=', symbol).execute();
  };

  it('a chunk that exhausted its retries never lets the next window compute without its look-back; the re-run equals an uninterrupted run', async () => {
    const symbol = 'DOT-USD';
    const input: BackfillInput = { symbols: [symbol], flows: ['evaluate'], from: '2024-02-01', to: '2024-02-12', withUpstream: true, chunkDays: 2, windowDays: 4 };
    expect((await runBackfill(input)).status).toBe('completed');
    const clean = await checksums(symbol);
    expect(Object.keys(clean)).toHaveLength(12 * ASSETS.length);
    await wipe(symbol);

    // The ingest chunk 02-03..02-04 writes 02-03, then fails for good on 02-04: the last day of window 1.
    refused.add(`${symbol}/2024-02-04`);
    const broken = await runBackfill(input);
    expect(broken.status).toBe('completed-with-failures');
    const after = await checksums(symbol);
    // Window 2 starts on 02-05: its features read 02-04 (B one hour back, C two days), so they wait.
    for (const f of FLOW_GRAPH.active.filter((g) => g.kind === 'features')) {
      expect(after[`${f.asset}/2024-02-05`]).toBeUndefined();
      expect(after[`${f.asset}/2024-02-04`]).toBeUndefined();
    }
    expect(after['features_c/2024-02-06']).toBeUndefined();
    expect(broken.failures).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ flow: 'ingest', from: '2024-02-03', to: '2024-02-04' }),
        expect.objectContaining({ flow: 'features-c', from: '2024-02-05', error: expect.stringContaining('look-back candles') }),
      ]),
    );
    // Whatever was written is what an uninterrupted run writes.
    for (const [key, sum] of Object.entries(after)) expect([key, sum]).toEqual([key, clean[key]]);

    // The documented repair: run the same backfill again once the source serves the day.
    refused.clear();
    const repaired = await runBackfill(input);
    expect(repaired.status).toBe('completed');
    expect(await checksums(symbol)).toEqual(clean);
  });

  it('doctor finds a day computed without its look-back before lineage existed; --fix makes it stale and the next backfill redoes exactly it', async () => {
    const symbol = 'DOT-USD';
    const day = '2024-02-05';
    // As a database written before lineage: no recorded inputs, and candles of 02-04 written
    // after features_c of 02-05 (which was therefore computed without them).
    await stack.db.kysely.deleteFrom('materialization_inputs').where('symbol', '=', symbol).execute();
    const featuresAt = (await stack.db.kysely.selectFrom('materializations').select('materialized_at').where('asset', '=', 'features_c').where('symbol', '=', symbol).where('partition', '=', day).executeTakeFirstOrThrow()).materialized_at;
    await stack.db.kysely.updateTable('materializations').set({ materialized_at: Number(featuresAt) + 1000 }).where('asset', '=', 'candles').where('symbol', '=', symbol).where('partition', '=', '2024-02-04').execute();

    const found = await runCli(stack, ['doctor', '--symbol', symbol, '--from', '2024-02-01', '--to', '2024-02-12']);
    expect(found.code).toBe(1);
    expect(found.stdout).toMatch(/legacy-suspect\s+features_c 2024-02-05: computed without candles 2024-02-04/);
    // B reads one hour back into 02-04 too.
    expect(found.stdout).toMatch(/legacy-suspect\s+features_b 2024-02-05/);
    const fixed = await runCli(stack, ['doctor', '--symbol', symbol, '--from', '2024-02-01', '--to', '2024-02-12', '--fix']);
    expect(fixed.code).toBe(0);
    const assets = JSON.parse((await runCli(stack, ['assets', '--symbol', symbol, '--from', '2024-02-01', '--to', '2024-02-12', '--json'])).stdout) as Array<{ asset: string; partition: string; state: string; reason?: string }>;
    const stale = assets.filter((a) => a.state === 'stale').map((a) => `${a.asset} ${a.partition}`).sort();
    // features_c reads 02-04 on 02-04..02-06 (two days back); features_b and E on 02-04..02-05.
    expect(stale).toEqual(expect.arrayContaining(['features_b 2024-02-05', 'features_c 2024-02-05', 'features_c 2024-02-06']));
    expect(assets.find((a) => a.asset === 'features_c' && a.partition === day)?.reason).toBe('upstream changed: candles 2024-02-04 appeared since');

    const redo = await runBackfill({ symbols: [symbol], flows: FLOW_GRAPH.active.filter((f) => f.kind !== 'ingest').map((f) => f.id), from: '2024-02-01', to: '2024-02-12', chunkDays: 1 });
    expect(redo).toMatchObject({ status: 'completed', failed: 0, done: stale.length });
    const again = await runCli(stack, ['doctor', '--symbol', symbol, '--from', '2024-02-01', '--to', '2024-02-12']);
    expect(again.code).toBe(0);
  });

  it('a corrected day of candles makes exactly what read it stale, and a backfill redoes exactly that', async () => {
    const symbol = 'ATOM-USD';
    const range = { symbols: [symbol], from: '2024-03-01', to: '2024-03-08' };
    expect((await runBackfill({ ...range, flows: ['evaluate'], withUpstream: true, chunkDays: 8 })).status).toBe('completed');
    const before = await checksums(symbol);

    // The exchange corrects 03-04; re-ingesting it (--force) changes its checksum.
    corrected.set(`${symbol}/2024-03-04`, 1.01);
    expect(await runBackfill({ ...range, from: '2024-03-04', to: '2024-03-04', flows: ['ingest'], force: true })).toMatchObject({ status: 'completed', done: 1 });
    const assets = JSON.parse((await runCli(stack, ['assets', '--symbol', symbol, '--from', range.from, '--to', range.to, '--json'])).stdout) as Array<{ asset: string; partition: string; state: string }>;
    const stale = assets.filter((a) => a.state === 'stale').map((a) => `${a.asset} ${a.partition}`).sort();
    const expected = FLOW_GRAPH.active
      .filter((f) => f.kind === 'features' && f.algorithm)
      .flatMap((f) => {
        const back = Math.ceil(f.lookbackMinutes / 1440);
        // A feature day reads 03-04 when 03-04 is within its look-back; its evaluation reads only its own day.
        const days = Array.from({ length: back + 1 }, (_, k) => addDays('2024-03-04', k)).filter((d) => d <= range.to);
        return [...days.map((d) => `${f.asset} ${d}`), `${evaluationAsset(f.algorithm?.id ?? '')} 2024-03-04`];
      })
      .sort();
    expect(stale).toEqual(expected);

    // The backfill redoes what is stale, and then what reads it: the evaluation of every feature day it rewrote.
    const redone = [...new Set([...expected, ...expected.filter((e) => e.startsWith('features_')).map((e) => e.replace(/^features_(\w+) /, 'evaluations/$1 '))])].sort();
    const redo = await runBackfill({ ...range, flows: FLOW_GRAPH.active.filter((f) => f.kind !== 'ingest').map((f) => f.id), chunkDays: 8 });
    // Backfill counts are per flow and day: D's day is one partition however many flows it scores.
    const evaluateDays = new Set(redone.filter((e) => e.startsWith('evaluations/')).map((e) => e.split(' ')[1]));
    expect(redo).toMatchObject({ status: 'completed', done: redone.filter((e) => e.startsWith('features_')).length + evaluateDays.size, failed: 0 });
    const after = await checksums(symbol);
    const changed = Object.keys(after).filter((k) => after[k] !== before[k]).map((k) => k.replace(/\/(\d{4}-\d{2}-\d{2})$/, ' $1')).sort();
    // Nothing outside the corrected day and what read it changed; every feature set of the corrected
    // day did (a later day may come out the same when its formulas never reach back that far, as
    // C's 2024-03-06, whose look-back is declared as two whole days).
    expect(changed.filter((k) => k !== 'candles 2024-03-04').every((k) => redone.includes(k))).toBe(true);
    expect(changed).toEqual(expect.arrayContaining(['candles 2024-03-04', ...expected.filter((e) => e.startsWith('features_') && e.endsWith('2024-03-04'))]));
    // And now everything is current again.
    const final = JSON.parse((await runCli(stack, ['assets', '--symbol', symbol, '--from', range.from, '--to', range.to, '--json'])).stdout) as Array<{ state: string }>;
    expect(final.every((a) => a.state === 'materialized')).toBe(true);
    // The candle rows really changed (not only the ledger).
    const closes = await stack.db.kysely.selectFrom('candles').select('close').where('symbol', '=', symbol).where('ts', '>=', dayStartMs('2024-03-04')).where('ts', '<', dayStartMs('2024-03-04') + DAY_MS).limit(1).execute();
    expect(closes).toHaveLength(1);
  });
});
