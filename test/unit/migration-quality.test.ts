/**
 * Migration 004 on a database an earlier release wrote: the candles rows of the ledger get their
 * quality from what they recorded (rows, code version), so days recorded empty or with missing
 * minutes are re-ingested by the next plain backfill. SQLite and, when FEATUREFLOW_TEST_PG_URL is
 * set, PostgreSQL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { migrateToLatest, openDatabase } from '../../src/db/connect';
import { MIGRATIONS } from '../../src/db/migrations';
import { runMigrations } from '../../src/db/migrations/runner';
import type { Db } from '../../src/db/schema';

const PG_URL = process.env.FEATUREFLOW_TEST_PG_URL;
const engines = PG_URL ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);

describe.each(engines)('migration 004 on %s', (engine) => {
  let db: Db;
  let tmp: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-migration-004-'));
    db = await openDatabase({ url: engine === 'postgres' ? (PG_URL as string) : path.join(tmp, 'featureflow.db') });
    if (engine === 'postgres') {
      await sql`drop schema public cascade`.execute(db.kysely);
      await sql`create schema public`.execute(db.kysely);
    }
  });
  afterAll(async () => {
    await db?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('fills in quality, source and missing minutes of earlier candles rows; other assets stay null', async () => {
    // The schema of the release before this migration: every step up to 004.
    await runMigrations(db.kysely as Kysely<unknown>, db.dialect, MIGRATIONS.slice(0, MIGRATIONS.findIndex((m) => m.name === '005_partition_quality')));
    const rows: Array<[string, string, string, number]> = [
      ['candles', '2024-01-01', 'synthetic-1', 1440],
      ['candles', '2024-01-02', 'csv-1', 1196],
      ['candles', '2024-01-03', 'csv-1', 0],
      ['features_b', '2024-01-01', 'b-1.0.0', 1440],
    ];
    for (const [asset, partition, version, n] of rows) {
      await sql`insert into materializations (asset, symbol, partition, code_version, workflow_id, run_id, rows, checksum, materialized_at)
        values (${asset}, 'BTC-USD', ${partition}, ${version}, 'w', 'r', ${n}, 'c', 1)`.execute(db.kysely);
    }
    await migrateToLatest(db);
    const after = await db.kysely
      .selectFrom('materializations')
      .select(['asset', 'partition', 'quality', 'source', 'missing_minutes', 'duplicates', 'conflicting_duplicates'])
      .orderBy('asset')
      .orderBy('partition')
      .execute();
    expect(after.map((r) => ({ ...r, missing_minutes: r.missing_minutes === null ? null : Number(r.missing_minutes) }))).toEqual([
      { asset: 'candles', partition: '2024-01-01', quality: 'complete', source: 'synthetic', missing_minutes: 0, duplicates: null, conflicting_duplicates: null },
      { asset: 'candles', partition: '2024-01-02', quality: 'degraded', source: 'csv', missing_minutes: 244, duplicates: null, conflicting_duplicates: null },
      { asset: 'candles', partition: '2024-01-03', quality: 'empty', source: 'csv', missing_minutes: 1440, duplicates: null, conflicting_duplicates: null },
      { asset: 'features_b', partition: '2024-01-01', quality: null, source: null, missing_minutes: null, duplicates: null, conflicting_duplicates: null },
    ]);
  });
});
