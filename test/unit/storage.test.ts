/**
 * The storage layer on both engines, SQLite (in-process and through the I/O threads workers
 * use) and PostgreSQL, with the same assertions:
 * migrations, atomic and idempotent partition replacement, NaN <-> NULL round trips, the
 * ledger upsert, rollback leaving the previous partition intact, and concurrent writers.
 * PostgreSQL runs when FEATUREFLOW_TEST_PG_URL is set (CI always sets it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { Client as PgClient } from 'pg';
import { partitionChecksum } from '../../src/core/checksum';
import { migrateToLatest, openMigratedDatabase } from '../../src/db/connect';
import { listMaterializations } from '../../src/db/ledger';
import { replacePartition, type PartitionWrite } from '../../src/db/partitions';
import { readCandles, readColumns } from '../../src/db/reads';
import { dynamicTables, type Db, type DialectKind } from '../../src/db/schema';
import { DAY_MS, dayStartMs } from '../../src/core/dates';
import { syntheticCandles } from '../../src/sources/synthetic';

const PG_URL = process.env.FEATUREFLOW_TEST_PG_URL;
if (!PG_URL) {
  console.warn('\n!!! FEATUREFLOW_TEST_PG_URL is not set: the PostgreSQL storage suite is SKIPPED (CI sets it; run scripts/start-postgres.sh) !!!\n');
}
/** `sqlite+io` is SQLite with reads and partition writes on I/O threads, the way workers run it. */
type Engine = DialectKind | 'sqlite+io';
const engines: Engine[] = PG_URL ? ['sqlite', 'sqlite+io', 'postgres'] : ['sqlite', 'sqlite+io'];

const DAY = '2024-02-01';
const START = dayStartMs(DAY);

/** A candles partition write with synthetic values, scaled so different writers are distinguishable. */
function candlesWrite(symbol: string, day: string, scale = 1, runId = 'run-1'): PartitionWrite & { table: 'candles' } {
  const start = dayStartMs(day);
  const c = syntheticCandles(symbol, start, start + DAY_MS);
  const scaled = (a: Float64Array) => a.map((v) => v * scale);
  const arrays = { ts: c.ts, open: scaled(c.open), high: scaled(c.high), low: scaled(c.low), close: scaled(c.close), volume: c.volume };
  return {
    table: 'candles',
    symbol,
    partition: day,
    batch: { constants: { symbol }, arrays },
    ledger: { code_version: 'test-1', workflow_id: `ingest/${symbol}/${day}`, run_id: runId, checksum: partitionChecksum([symbol, day], Object.entries(arrays)), materialized_at: Date.now() },
  };
}

const count = async (db: Db, table: 'candles' | 'features_b' | 'materializations') =>
  Number((await dynamicTables(db).selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describe.each(engines)('storage on %s', (engine) => {
  let db: Db;
  let url: string;
  let tmp: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-storage-'));
    if (engine === 'postgres') {
      url = PG_URL!;
      // Start from an empty schema, as a fresh RDS database would be.
      const reset = await openMigratedDatabase({ url });
      await sql`drop schema public cascade`.execute(reset.kysely);
      await sql`create schema public`.execute(reset.kysely);
      await reset.close();
    } else {
      url = path.join(tmp, 'featureflow.db');
    }
    db = await openMigratedDatabase({ url, ioThreads: engine === 'sqlite+io' ? 2 : 0 });
    expect(Boolean(db.io)).toBe(engine === 'sqlite+io');
  });
  afterAll(async () => {
    await db?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('migrates to the full schema, and re-migrating (also concurrently) is a no-op', async () => {
    expect(db.dialect).toBe(engine === 'postgres' ? 'postgres' : 'sqlite');
    const tables = (await db.kysely.introspection.getTables()).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['candles', 'features_b', 'features_c', 'evaluations', 'materializations']));
    const others = await Promise.all([openMigratedDatabase({ url }), openMigratedDatabase({ url })]);
    await Promise.all(others.map((o) => migrateToLatest(o)));
    await Promise.all(others.map((o) => o.close()));
    const migrations = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db.kysely);
    expect(new Set(migrations.rows.map((r) => r.name)).size).toBe(migrations.rows.length);
  });

  it('writes a partition exactly, and re-writing it is idempotent', async () => {
    const w = candlesWrite('BTC-USD', DAY);
    expect(await replacePartition(db, w)).toBe(1440);
    expect(await replacePartition(db, w)).toBe(1440);
    const read = await readCandles(db, 'BTC-USD', START, START + DAY_MS);
    expect(read.ts.length).toBe(1440);
    expect(Array.from(read.ts)).toEqual(Array.from(w.batch.arrays.ts));
    expect(Array.from(read.close)).toEqual(Array.from(w.batch.arrays.close));
    expect(Array.from(read.volume)).toEqual(Array.from(w.batch.arrays.volume));
    const ledger = await listMaterializations(db.kysely, { symbol: 'BTC-USD', from: DAY, to: DAY });
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ asset: 'candles', rows: 1440, checksum: w.ledger.checksum, code_version: 'test-1' });
  });

  it('upserts the ledger row: a newer run replaces it, other partitions are untouched', async () => {
    const other = candlesWrite('BTC-USD', '2024-02-02');
    await replacePartition(db, other);
    const newer = candlesWrite('BTC-USD', DAY, 2, 'run-2');
    await replacePartition(db, newer);
    const ledger = await listMaterializations(db.kysely, { symbol: 'BTC-USD', from: DAY, to: '2024-02-02' });
    expect(ledger.map((m) => [m.partition, m.run_id, m.checksum])).toEqual([
      [DAY, 'run-2', newer.ledger.checksum],
      ['2024-02-02', 'run-1', other.ledger.checksum],
    ]);
    const read = await readCandles(db, 'BTC-USD', START, START + DAY_MS);
    expect(Array.from(read.close)).toEqual(Array.from(newer.batch.arrays.close));
    expect((await readCandles(db, 'BTC-USD', dayStartMs('2024-02-02'), dayStartMs('2024-02-02') + DAY_MS)).ts.length).toBe(1440);
  });

  it('round-trips NaN as NULL in bulk inserts', async () => {
    const ts = Float64Array.from({ length: 4 }, (_, i) => START + i * 60_000);
    const values = Float64Array.from([Number.NaN, 1.5, Number.NaN, -2.25]);
    const nan = new Float64Array(4).fill(Number.NaN);
    await replacePartition(db, {
      table: 'features_b',
      symbol: 'BTC-USD',
      partition: DAY,
      batch: {
        constants: { symbol: 'BTC-USD' },
        arrays: { ts, log_return: values, ret_mean_15: nan, ret_mean_60: nan, vol_15: nan, vol_60: nan, range_pct: values, volume_z_60: nan },
      },
      ledger: { code_version: 'b-test', workflow_id: 'w', run_id: 'r', checksum: 'c', materialized_at: 1 },
    });
    const nulls = await dynamicTables(db).selectFrom('features_b').select((eb) => eb.fn.countAll().as('n')).where('log_return', 'is', null).executeTakeFirstOrThrow();
    expect(Number(nulls.n)).toBe(2);
    const read = await readColumns(db, 'features_b', 'BTC-USD', ['log_return', 'vol_15'], START, START + DAY_MS);
    expect(Array.from(read.ts)).toEqual(Array.from(ts));
    expect(Array.from(read.values.log_return)).toEqual([Number.NaN, 1.5, Number.NaN, -2.25]);
    expect(Array.from(read.values.vol_15).every(Number.isNaN)).toBe(true);
  });

  it('rolls back a failed write: the previous partition and its ledger row stay intact', async () => {
    const before = await readCandles(db, 'BTC-USD', START, START + DAY_MS);
    const ledgerBefore = await listMaterializations(db.kysely, { symbol: 'BTC-USD', from: DAY, to: DAY, assets: ['candles'] });
    const broken = candlesWrite('BTC-USD', DAY, 3, 'run-broken');
    // `open` is NOT NULL: a NaN (sent as NULL) in the last row fails the insert after the delete ran.
    const open = Float64Array.from(broken.batch.arrays.open);
    open[open.length - 1] = Number.NaN;
    await expect(replacePartition(db, { ...broken, batch: { ...broken.batch, arrays: { ...broken.batch.arrays, open } } })).rejects.toThrow(/open/);
    const after = await readCandles(db, 'BTC-USD', START, START + DAY_MS);
    expect(after.ts.length).toBe(1440);
    expect(Array.from(after.close)).toEqual(Array.from(before.close));
    expect(await listMaterializations(db.kysely, { symbol: 'BTC-USD', from: DAY, to: DAY, assets: ['candles'] })).toEqual(ledgerBefore);
  });

  it('concurrent writers of one partition leave exactly one writer’s rows and its matching ledger row', async () => {
    const writers = [1, 2, 3, 4, 5, 6].map((scale) => candlesWrite('ETH-USD', DAY, scale, `run-${scale}`));
    const results = await Promise.all(writers.map((w) => replacePartition(db, w)));
    expect(results).toEqual(writers.map(() => 1440));
    const read = await readCandles(db, 'ETH-USD', START, START + DAY_MS);
    expect(read.ts.length).toBe(1440);
    const [ledger] = await listMaterializations(db.kysely, { symbol: 'ETH-USD', from: DAY, to: DAY });
    const winner = writers.find((w) => w.ledger.run_id === ledger.run_id)!;
    expect(ledger.checksum).toBe(winner.ledger.checksum);
    expect(Array.from(read.close)).toEqual(Array.from(winner.batch.arrays.close));
  });

  if (engine === 'postgres') {
    it('serialises writers of a partition with a transaction-scoped advisory lock', async () => {
      const holder = new PgClient({ connectionString: url });
      await holder.connect();
      try {
        await holder.query('begin');
        await holder.query('select pg_advisory_xact_lock(hashtext($1))', ['candles/SOL-USD/2024-02-01']);
        let done = false;
        const writing = replacePartition(db, candlesWrite('SOL-USD', DAY)).then((n) => {
          done = true;
          return n;
        });
        // Wait until the writer is visibly queued behind the lock, then check it has not written.
        for (let i = 0; i < 200; i++) {
          const waiting = await holder.query("select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted");
          if (waiting.rows[0].n > 0) break;
          await new Promise((r) => setTimeout(r, 25));
        }
        const waiting = await holder.query("select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted");
        expect(waiting.rows[0].n).toBe(1);
        expect(done).toBe(false);
        const visible = await holder.query("select count(*)::int as n from candles where symbol = 'SOL-USD'");
        expect(visible.rows[0].n).toBe(0);
        await holder.query('commit');
        expect(await writing).toBe(1440);
      } finally {
        await holder.end();
      }
      expect(await count(db, 'candles')).toBeGreaterThan(0);
    });
  }
});
