/**
 * PostgreSQL only: series tables move to one row per symbol and day (`<table>_days`, an array
 * per column) and each table becomes the minute view over its day rows (`pg-day-layout.ts` says
 * why): `candles`, the feature tables 001 created, and every flow table recorded in
 * `flow_tables`. A flow table made later is created in day rows (`feature-tables.ts`), which
 * also converts any it finds in minute rows. SQLite keeps its minute rows. One transaction, like
 * every step: a kill leaves the minute tables as they were.
 */
import { sql, type Kysely } from 'kysely';
import type { DialectKind } from '../schema';
import { convertToDayLayout, minuteTableColumns } from '../pg-day-layout';

/** Tables 001 created besides candles. */
const INITIAL_FEATURE_TABLES = ['features_b', 'features_c'];

/** Converts every series table still in minute rows on PostgreSQL. */
export async function up(db: Kysely<unknown>, dialect: DialectKind): Promise<void> {
  if (dialect !== 'postgres') return;
  const candles = await minuteTableColumns(db, 'candles');
  // Candles' values were `not null`: their arrays keep that.
  if (candles) await convertToDayLayout(db, 'candles', candles, 'not null');
  for (const table of new Set([...INITIAL_FEATURE_TABLES, ...(await recordedFlowTables(db))])) {
    const columns = await minuteTableColumns(db, table);
    if (columns) await convertToDayLayout(db, table, columns);
  }
}

/** Tables `flow_tables` lists (none before a flow table was first ensured). */
async function recordedFlowTables(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ present: string | null }>`select to_regclass('flow_tables')::text as present`.execute(db);
  if (!rows[0]?.present) return [];
  return (await sql<{ asset: string }>`select asset from flow_tables`.execute(db)).rows.map((r) => r.asset);
}
