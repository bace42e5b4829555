/**
 * Migrations on SQLite (a file) and, when FEATUREFLOW_TEST_PG_URL is set, PostgreSQL:
 * 1. upgrading a populated database keeps every row and value (003 drops the per-row labels);
 * 2. a migration that stops after ANY statement (an error injected after it executed, then a
 *    fresh connection, as a restarted process would open) is finished by the next start, and the
 *    schema and data equal an uninterrupted migration's, from an empty and from a populated database;
 * 3. SQLite databases the old non-transactional runner (Kysely's Migrator) left half-migrated, at
 *    any statement, are finished the same way.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Migrator, sql, type Kysely, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';
import { migrateToLatest, openDatabase } from '../../src/db/connect';
import { MIGRATIONS } from '../../src/db/migrations';
import { runMigrations } from '../../src/db/migrations/runner';
import { replacePartition } from '../../src/db/partitions';
import { readCandles, readColumns } from '../../src/db/reads';
import type { Db, DialectKind } from '../../src/db/schema';
import { schemaAndData } from '../helpers/schema-snapshot';
import { DAY_MS, dayStartMs } from '../../src/core/dates';

const PG_URL = process.env.FEATUREFLOW_TEST_PG_URL;
const engines: DialectKind[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];
const DAY = '2024-03-01';
const START = dayStartMs(DAY);
/** The steps before 003: the schema a user upgrading from 0.1 has. */
const UP_TO_002 = MIGRATIONS.slice(0, 2);

/** What 003 dropped, as the old runner did it (one column per statement). */
const LEGACY_003_DROPS = [
  ['candles', ['partition', 'source']],
  ['features_b', ['partition', 'code_version']],
  ['features_c', ['partition', 'code_version']],
] as const;

/** Thrown by {@link FailAfter}: stands for a crash right after a statement. */
class InjectedFault extends Error {}

/** Lets `n - 1` statements through, then fails right after the n-th one has executed. */
class FailAfter implements KyselyPlugin {
  private seen = 0;
  constructor(private readonly n: number) {}
  get fired(): boolean {
    return this.seen >= this.n;
  }
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (++this.seen === this.n) throw new InjectedFault(`injected fault after statement ${this.n}`);
    return args.result;
  }
}

const asUnknown = (db: Db): Kysely<unknown> => db.kysely as unknown as Kysely<unknown>;

/** Rows as the code before 003 wrote them, labels and all (raw SQL: today's types lack the columns). */
async function insertLegacyRows(db: Db): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await sql`insert into candles (symbol, ts, partition, open, high, low, close, volume, source)
      values ('BTC-USD', ${START + i * 60_000}, ${DAY}, ${100 + i}, ${101 + i}, ${99 + i}, ${100.5 + i}, ${7 + i}, 'synthetic')`.execute(db.kysely);
    await sql`insert into features_b (symbol, ts, partition, code_version, log_return, vol_15)
      values ('BTC-USD', ${START + i * 60_000}, ${DAY}, 'b-1.0.0', ${i === 0 ? null : 0.01 * i}, ${0.5 + i})`.execute(db.kysely);
    await sql`insert into features_c (symbol, ts, partition, code_version, ewma_vol_30, rsi_14, zscore_close_120, momentum_30)
      values ('BTC-USD', ${START + i * 60_000}, ${DAY}, 'c-1.0.0', ${0.1 * i}, ${50 + i}, ${i === 0 ? null : -i}, ${0.25 * i})`.execute(db.kysely);
  }
  await sql`insert into materializations (asset, symbol, partition, code_version, workflow_id, run_id, rows, checksum, materialized_at)
    values ('candles', 'BTC-USD', ${DAY}, 'synthetic-1', 'w', 'r', 3, 'abc', 1)`.execute(db.kysely);
}

describe.each(engines)('migrations on %s', (dialect) => {
  let tmp: string;
  let files = 0;

  /** A fresh, empty database: a new SQLite file, or PostgreSQL's public schema dropped and recreated. */
  async function emptyDatabase(): Promise<string> {
    if (dialect === 'sqlite') return path.join(tmp, `db-${++files}.db`);
    const db = await openDatabase({ url: PG_URL! });
    await sql`drop schema public cascade`.execute(db.kysely);
    await sql`create schema public`.execute(db.kysely);
    await db.close();
    return PG_URL!;
  }

  /** Opens `url`, runs `work`, closes (a process's life). */
  async function withDb<T>(url: string, work: (db: Db) => Promise<T>): Promise<T> {
    const db = await openDatabase({ url });
    try {
      return await work(db);
    } finally {
      await db.close();
    }
  }

  /** A database as 0.1 left it (migrated to 002, with rows carrying their labels). */
  async function populatedAt002(): Promise<string> {
    const url = await emptyDatabase();
    await withDb(url, async (db) => {
      await runMigrations(asUnknown(db), dialect, UP_TO_002);
      await insertLegacyRows(db);
    });
    return url;
  }

  /**
   * For n = 1, 2, …: prepares a database, migrates it with a fault after statement n, then
   * migrates it again on a fresh connection and compares it with `reference`; stops at the first
   * n past the last statement. Returns how many statements the migration has.
   */
  async function interruptEverywhere(prepare: () => Promise<string>, reference: unknown, migrate: (k: Kysely<unknown>) => Promise<unknown>): Promise<number> {
    for (let n = 1; ; n++) {
      const url = await prepare();
      const fault = new FailAfter(n);
      const outcome = await withDb(url, (db) => migrate(asUnknown(db).withPlugin(fault)).then(() => undefined, (err: unknown) => err));
      if (!fault.fired) {
        expect(outcome).toBeUndefined();
        expect(await withDb(url, schemaAndData)).toEqual(reference);
        return n - 1;
      }
      // The old runner reports errors in its result instead of throwing; ours throws them.
      if (outcome) expect(String(outcome)).toContain('injected fault');
      await withDb(url, async (db) => {
        await migrateToLatest(db);
        expect(await schemaAndData(db)).toEqual(reference);
      });
    }
  }

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-migrations-'));
  });
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('upgrading keeps every row and value of a database written before 003, and drops only the labels', async () => {
    const url = await populatedAt002();
    await withDb(url, async (db) => {
      await migrateToLatest(db);
      const columns = async (table: string) => ((await db.kysely.introspection.getTables()).find((t) => t.name === table)?.columns ?? []).map((c) => c.name).sort();
      expect(await columns('candles')).toEqual(['close', 'high', 'low', 'open', 'symbol', 'ts', 'volume']);
      expect(await columns('features_b')).toEqual(['log_return', 'range_pct', 'ret_mean_15', 'ret_mean_60', 'symbol', 'ts', 'vol_15', 'vol_60', 'volume_z_60']);
      expect(await columns('features_c')).toEqual(['ewma_vol_30', 'momentum_30', 'rsi_14', 'symbol', 'ts', 'zscore_close_120']);
      const candles = await readCandles(db, 'BTC-USD', START, START + DAY_MS);
      expect(Array.from(candles.ts)).toEqual([START, START + 60_000, START + 120_000]);
      expect(Array.from(candles.close)).toEqual([100.5, 101.5, 102.5]);
      expect(Array.from(candles.volume)).toEqual([7, 8, 9]);
      const c = await readColumns(db, 'features_c', 'BTC-USD', ['rsi_14', 'zscore_close_120'], START, START + DAY_MS);
      expect(Array.from(c.values.rsi_14)).toEqual([50, 51, 52]);
      expect(Array.from(c.values.zscore_close_120)).toEqual([NaN, -1, -2]);
      // Today's partition writes replace a day atomically in the rebuilt tables.
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
      expect(Array.from((await readCandles(db, 'BTC-USD', START, START + DAY_MS)).close)).toEqual([2, 3]);
    });
  });

  it('a migration stopped after any statement is finished by the next start: same schema and data as an uninterrupted one', async () => {
    const fromEmpty = await withDb(await emptyDatabase(), async (db) => {
      await migrateToLatest(db);
      return schemaAndData(db);
    });
    const steps = await interruptEverywhere(emptyDatabase, fromEmpty, (k) => runMigrations(k, dialect, MIGRATIONS));
    const upgraded = await withDb(await populatedAt002(), async (db) => {
      await migrateToLatest(db);
      return schemaAndData(db);
    });
    const upgradeSteps = await interruptEverywhere(populatedAt002, upgraded, (k) => runMigrations(k, dialect, MIGRATIONS));
    console.log(`${dialect}: interrupted after each of ${steps} statements (fresh database) and ${upgradeSteps} (upgrade from 002)`);
    // Guards the test itself: the faults covered every step's statements.
    expect(steps).toBeGreaterThan(15);
    expect(upgradeSteps).toBeGreaterThan(8);
  });

  if (dialect === 'sqlite') {
    it('finishes databases the old non-transactional runner left half-migrated at any statement', async () => {
      // Kysely's Migrator, as featureflow ran it before: on SQLite no transaction, and each
      // migration recorded only after its last statement.
      // Its 003 dropped one column per ALTER TABLE; 001 and 002 issued the statements they issue now.
      const legacy003 = async (db: Kysely<unknown>) => {
        for (const [table, columns] of LEGACY_003_DROPS) for (const column of columns) await db.schema.alterTable(table).dropColumn(column).execute();
      };
      const legacy = Object.fromEntries(MIGRATIONS.map((s) => [s.name, { up: s.name === '003_drop_row_labels' ? legacy003 : (db: Kysely<unknown>) => s.up(db, 'sqlite') }]));
      const oldRunner = (k: Kysely<unknown>) =>
        new Migrator({ db: k, provider: { getMigrations: async () => legacy } })
          .migrateToLatest()
          .then(({ error }) => {
            if (error) throw error;
          });
      const fromEmpty = await withDb(await emptyDatabase(), async (db) => {
        await migrateToLatest(db);
        return schemaAndData(db);
      });
      const steps = await interruptEverywhere(emptyDatabase, fromEmpty, oldRunner);
      const upgraded = await withDb(await populatedAt002(), async (db) => {
        await migrateToLatest(db);
        return schemaAndData(db);
      });
      const upgradeSteps = await interruptEverywhere(populatedAt002, upgraded, oldRunner);
      console.log(`old runner: stopped after each of ${steps} statements (fresh database) and ${upgradeSteps} (upgrade from 002)`);
      expect(steps).toBeGreaterThan(15);
    });

    it('refuses a table of the same name that featureflow did not create, and changes nothing', async () => {
      const url = await emptyDatabase();
      await withDb(url, async (db) => {
        await sql`create table candles (id integer primary key, note text)`.execute(db.kysely);
        await expect(migrateToLatest(db)).rejects.toThrow(/table candles exists with columns \(id, note\)/);
        const tables = (await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(db.kysely)).rows.map((r) => r.name);
        expect(tables).toEqual(['candles', 'kysely_migration']);
      });
    });
  }
});
