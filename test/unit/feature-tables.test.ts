/**
 * A feature flow's table follows its declaration on both engines: created from its columns, a
 * column added with a version bump (NaN on the days written before), a change of columns
 * without a bump refused naming the flow; on PostgreSQL, in day rows, with a table an earlier
 * release left in minute rows converted with every value kept.
 * PostgreSQL runs when FEATUREFLOW_TEST_PG_URL is set (CI always sets it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openMigratedDatabase } from '../../src/db/connect';
import { ensureFeatureTables, FlowTableError } from '../../src/db/feature-tables';
import { replacePartition } from '../../src/db/partitions';
import { readColumns } from '../../src/db/reads';
import type { Db, DialectKind } from '../../src/db/schema';
import { DAY_MS, dayStartMs } from '../../src/core/dates';
import { featureFlow } from '../../src/flows/define';
import { featuresB } from '../../src/features/b';
import type { FlowDefinition } from '../../src/flows/types';

const PG_URL = process.env.FEATUREFLOW_TEST_PG_URL;
const engines: DialectKind[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

const DAY = '2024-02-01';
const START = dayStartMs(DAY);

/** A feature flow of table `features_t` with `columns`, at `version`. */
function flowT(columns: readonly string[], version: string): FlowDefinition {
  return { ...featureFlow(featuresB), id: 'features-t', asset: 'features_t', columns, version };
}

describe.each(engines)('feature tables on %s', (engine) => {
  let db: Db;
  let tmp: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-feature-tables-'));
    const url = engine === 'postgres' ? PG_URL! : path.join(tmp, 'featureflow.db');
    if (engine === 'postgres') {
      const reset = await openMigratedDatabase({ url });
      await sql`drop schema public cascade`.execute(reset.kysely);
      await sql`create schema public`.execute(reset.kysely);
      await reset.close();
    }
    db = await openMigratedDatabase({ url }, [flowT(['x', 'y'], '1')]);
  });
  afterAll(async () => {
    await db?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('adds a column only with a version bump, and reads it as NaN on the days written before', async () => {
    const ts = Float64Array.from([0, 1, 2], (m) => START + m * 60_000);
    await replacePartition(db, {
      table: 'features_t',
      symbol: 'BTC-USD',
      partition: DAY,
      batch: { constants: { symbol: 'BTC-USD' }, arrays: { ts, x: Float64Array.from([1, NaN, 3]), y: Float64Array.from([4, 5, 6]) } },
      ledger: { code_version: '1', workflow_id: 'w', run_id: 'r', checksum: 'c', materialized_at: 1 },
    });
    await expect(ensureFeatureTables(db, [flowT(['x', 'y', 'z'], '1')])).rejects.toThrow(FlowTableError);
    await expect(ensureFeatureTables(db, [flowT(['x', 'y', 'z'], '1')])).rejects.toThrow(/flow 'features-t': its columns changed .* bump its version/);
    await ensureFeatureTables(db, [flowT(['x', 'y', 'z'], '2')]);
    const read = await readColumns(db, 'features_t', 'BTC-USD', ['z', 'x', 'y'], START, START + DAY_MS);
    expect(Array.from(read.ts)).toEqual(Array.from(ts));
    expect(Array.from(read.values.z)).toEqual([NaN, NaN, NaN]);
    expect(Array.from(read.values.x)).toEqual([1, NaN, 3]);
    expect(Array.from(read.values.y)).toEqual([4, 5, 6]);
    // SQL sees one row per minute either way; NULL where there is no value.
    const nulls = await sql<{ n: number }>`select count(*) as n from features_t where z is null and x is not null`.execute(db.kysely);
    expect(Number(nulls.rows[0].n)).toBe(2);
  });

  if (engine === 'postgres') {
    it('converts a table an earlier release left in minute rows into day rows, every value kept', async () => {
      await sql`create table features_m (symbol text not null, ts bigint not null, a double precision, constraint features_m_pk primary key (symbol, ts))`.execute(db.kysely);
      const rows = [0, 1, 1440, 1441].map((m) => sql`(${'ETH-USD'}, ${START + m * 60_000}, ${m === 1 ? null : m / 2})`);
      await sql`insert into features_m values ${sql.join(rows)}`.execute(db.kysely);
      const flow: FlowDefinition = { ...flowT(['a'], '1'), id: 'features-m', asset: 'features_m' };
      await ensureFeatureTables(db, [flow]);
      const read = await readColumns(db, 'features_m', 'ETH-USD', ['a'], START, START + 2 * DAY_MS);
      expect(Array.from(read.ts)).toEqual([0, 1, 1440, 1441].map((m) => START + m * 60_000));
      expect(Array.from(read.values.a)).toEqual([0, NaN, 720, 720.5]);
      const days = await sql<{ day: string; n: number }>`select day::text as day, cardinality(ts) as n from features_m_days order by day`.execute(db.kysely);
      expect(days.rows).toEqual([
        { day: DAY, n: 2 },
        { day: '2024-02-02', n: 2 },
      ]);
      // Ensuring again changes nothing.
      await ensureFeatureTables(db, [flow]);
      expect((await readColumns(db, 'features_m', 'ETH-USD', ['a'], START, START + 2 * DAY_MS)).ts.length).toBe(4);
    });
  }
});
