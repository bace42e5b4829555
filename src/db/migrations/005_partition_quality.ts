/**
 * Data quality in the ledger: per candles partition, its quality (`complete` / `degraded` /
 * `empty`), the source that delivered it, its missing minutes and dropped (and conflicting)
 * duplicates. Null for the other assets.
 *
 * Rows written before this migration get what can be told from them: missing minutes =
 * 1440 - rows, the source from the code version (`csv-1` -> `csv`), `empty` for a day recorded
 * with no candles and `degraded` for one with missing minutes, so the next plain backfill
 * re-ingests them (docs/data-quality.md); duplicates were not recorded and stay null.
 */
import { sql, type Kysely } from 'kysely';
import type { DialectKind } from '../schema';
import { columnsOf } from './existing';

const COLUMNS = [
  ['quality', 'text'],
  ['source', 'text'],
  ['missing_minutes', 'integer'],
  ['duplicates', 'integer'],
  ['conflicting_duplicates', 'integer'],
] as const;

/** Adds the columns (one statement each, as SQLite wants; a column already there is kept) and fills them in for existing candles rows. */
export async function up(db: Kysely<unknown>, dialect: DialectKind): Promise<void> {
  const existing = await columnsOf(db, dialect, 'materializations');
  for (const [column, type] of COLUMNS) {
    if (!existing.includes(column)) await db.schema.alterTable('materializations').addColumn(column, type).execute();
  }
  await sql`update materializations set missing_minutes = 1440 - rows,
      quality = case when rows = 0 then 'empty' when rows < 1440 then 'degraded' else 'complete' end
    where asset = 'candles'`.execute(db);
  // Source names are the code versions' prefixes; a handful of distinct versions, so one update each.
  const versions = await sql<{ code_version: string }>`select distinct code_version from materializations where asset = 'candles'`.execute(db);
  for (const { code_version: version } of versions.rows) {
    const source = version.replace(/-[^-]*$/, '');
    await sql`update materializations set source = ${source} where asset = 'candles' and code_version = ${version}`.execute(db);
  }
}

/** Drops the columns again. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [column] of [...COLUMNS].reverse()) await db.schema.alterTable('materializations').dropColumn(column).execute();
}
