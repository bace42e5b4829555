/**
 * What a migration step finds already in place. The runner makes each step atomic, but
 * databases migrated by the old runner (no transactions on SQLite) can hold part of a step
 * without its record: a table created, a column dropped. Steps use these checks to finish
 * such a database instead of failing on "already exists" / "no such column", and to refuse
 * one whose tables are not what featureflow would have created.
 */
import { sql, type Kysely } from 'kysely';
import type { DialectKind } from '../schema';

/** The table's column names in definition order; empty when the table does not exist. */
export async function columnsOf(db: Kysely<unknown>, dialect: DialectKind, table: string): Promise<string[]> {
  const { rows } =
    dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from pragma_table_info(${table}) order by cid`.execute(db)
      : await sql<{ name: string }>`select column_name as name from information_schema.columns
          where table_schema = current_schema() and table_name = ${table} order by ordinal_position`.execute(db);
  return rows.map((r) => r.name);
}

/**
 * True when `table` exists with exactly `columns` (then a step leaves it alone); false when it
 * does not exist. Throws when it exists with other columns: then it is not a half-applied step
 * of ours, and changing it could lose someone's data.
 */
export async function tableExists(db: Kysely<unknown>, dialect: DialectKind, table: string, columns: readonly string[]): Promise<boolean> {
  const found = await columnsOf(db, dialect, table);
  if (!found.length) return false;
  if (found.join(',') !== columns.join(',')) {
    throw new Error(
      `table ${table} exists with columns (${found.join(', ')}) where featureflow expects (${columns.join(', ')}); ` +
        'it was not created by featureflow: point DATABASE_URL at another database or drop the table',
    );
  }
  return true;
}
