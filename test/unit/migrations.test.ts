/**
 * Upgrading a database that already holds data: migration 003 drops the per-row partition,
 * source and code-version labels of the time-series tables (the ledger keeps them per partition)
 * and must keep every row and value. On SQLite (a file) and, when FEATUREFLOW_TEST_PG_URL is set,
 * PostgreSQL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Migrator, sql } from 'kysely';
import { migrateToLatest, openDatabase } from '../../src/db/connect';
import { migrations } from '../../src/db/migrations';
import { replacePartition } from '../../src/db/partitions';
import { readCandles, readColumns } from '../../src/db/reads';
import type { Db } from '../../src/db/schema';
import { DAY_MS, dayStartMs } from '../../src/dates';

const PG_URL = process.env.FEATUREFLOW_TEST_PG_URL;
const engines = PG_URL ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
const DAY = '2024-03-01';
const START = dayStartMs(DAY);

/** The database at the schema of migration `name` (the state a user upgrading from it has). */
async function migrateTo(db: Db, name: string): Promise<void> {
  const migrator = new Migrator({ db: db.kysely, provider: { getMigrations: async () => migrations } });
  const { error } = await migrator.migrateTo(name);
  if (error) throw error;
}

async function columnsOf(db: Db, table: string): Promise<string[]> {
  const found = (await db.kysely.introspection.getTables()).find((t) => t.name === table);
  return (found?.columns ?? []).map((c) => c.name).sort();
}

describe.each(engines)('migration 003 on %s', (engine) => {
  let db: Db;
  let tmp: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-migrations-'));
    const url = engine === 'postgres' ? PG_URL! : path.join(tmp, 'featureflow.db');
    db = await openDatabase({ url });
    if (engine === 'postgres') {
      await sql`drop schema public cascade`.execute(db.kysely);
      await sql`create schema public`.execute(db.kysely);
    }
  });
  afterAll(async () => {
    await db?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('keeps every row and value of a database written before it, and drops only the labels', async () => {
    await migrateTo(db, '002_logs');
    expect(await columnsOf(db, 'candles')).toContain('source');
    // Rows as the code before 003 wrote them, labels and all (raw SQL: today's types lack the columns).
    for (let i = 0; i < 3; i++) {
      await sql`insert into candles (symbol, ts, partition, open, high, low, close, volume, source)
        values ('BTC-USD', ${START + i * 60_000}, ${DAY}, ${100 + i}, ${101 + i}, ${99 + i}, ${100.5 + i}, ${7 + i}, 'synthetic')`.execute(db.kysely);
      await sql`insert into features_c (symbol, ts, partition, code_version, ewma_vol_30, rsi_14, zscore_close_120, momentum_30)
        values ('BTC-USD', ${START + i * 60_000}, ${DAY}, 'c-1.0.0', ${0.1 * i}, ${50 + i}, ${i === 0 ? null : -i}, ${0.25 * i})`.execute(db.kysely);
    }

    await migrateToLatest(db);

    expect(await columnsOf(db, 'candles')).toEqual(['close', 'high', 'low', 'open', 'symbol', 'ts', 'volume']);
    expect(await columnsOf(db, 'features_b')).not.toEqual(expect.arrayContaining(['partition']));
    expect(await columnsOf(db, 'features_c')).toEqual(['ewma_vol_30', 'momentum_30', 'rsi_14', 'symbol', 'ts', 'zscore_close_120']);
    const candles = await readCandles(db, 'BTC-USD', START, START + DAY_MS);
    expect(Array.from(candles.ts)).toEqual([START, START + 60_000, START + 120_000]);
    expect(Array.from(candles.close)).toEqual([100.5, 101.5, 102.5]);
    expect(Array.from(candles.volume)).toEqual([7, 8, 9]);
    const c = await readColumns(db, 'features_c', 'BTC-USD', ['rsi_14', 'zscore_close_120'], START, START + DAY_MS);
    expect(Array.from(c.values.rsi_14)).toEqual([50, 51, 52]);
    expect(Array.from(c.values.zscore_close_120)).toEqual([NaN, -1, -2]);
  });

  it('leaves tables that today\'s partition writes replace atomically', async () => {
    const ts = Float64Array.from({ length: 2 }, (_, i) => START + i * 60_000);
    const value = (v: number) => Float64Array.from([v, v + 1]);
    const rows = await replacePartition(db, {
      table: 'candles',
      symbol: 'BTC-USD',
      partition: DAY,
      batch: { constants: { symbol: 'BTC-USD' }, arrays: { ts, open: value(1), high: value(3), low: value(0.5), close: value(2), volume: value(10) } },
      ledger: { code_version: 'test-1', workflow_id: 'w', run_id: 'r', checksum: 'x', materialized_at: 1 },
    });
    expect(rows).toBe(2);
    // The day's three old rows are gone, replaced by the two new ones.
    expect(Array.from((await readCandles(db, 'BTC-USD', START, START + DAY_MS)).close)).toEqual([2, 3]);
  });
});
