/**
 * Fast bulk writes of column-oriented data, one statement per few thousand rows.
 *
 * Kysely compiles every query it builds; for tens of thousands of rows per partition that
 * dominates, so this module writes the SQL text itself (cached per shape) and runs it through
 * the same Kysely connection/transaction as a raw compiled query. Identifiers come only from
 * the typed schema, never from input.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database, DialectKind } from './schema';

/** Rows to insert: scalar columns repeated on every row, plus one numeric array per column. */
export interface ColumnBatch {
  /** Same value on every row: the symbol (the rest of a partition's labels are in the ledger). */
  readonly constants: { readonly symbol: string };
  /** One value per row; NaN is stored as NULL. All arrays have the same length. */
  readonly arrays: Readonly<Record<string, ArrayLike<number>>>;
}

// SQLite allows 32,766 bound parameters per statement (since 3.32); stay below it.
const SQLITE_MAX_PARAMS = 32_000;
const sqlCache = new Map<string, string>();

const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

function sqliteInsertSql(table: string, columns: readonly string[], rows: number): string {
  const key = `sqlite|${table}|${columns.join(',')}|${rows}`;
  let text = sqlCache.get(key);
  if (!text) {
    const tuple = `(${columns.map(() => '?').join(',')})`;
    text = `insert into ${quote(table)} (${columns.map(quote).join(',')}) values ${new Array(rows).fill(tuple).join(',')}`;
    sqlCache.set(key, text);
  }
  return text;
}

function postgresInsertSql(table: string, constantColumns: readonly string[], arrayColumns: readonly string[], arrayTypes: readonly string[]): string {
  const key = `pg|${table}|${constantColumns.join(',')}|${arrayColumns.join(',')}|${arrayTypes.join(',')}`;
  let text = sqlCache.get(key);
  if (!text) {
    const constants = constantColumns.map((_, i) => `$${i + 1}::text`);
    const unnest = arrayColumns.map((_, i) => `$${constantColumns.length + i + 1}::${arrayTypes[i]}[]`);
    text =
      `insert into ${quote(table)} (${[...constantColumns, ...arrayColumns].map(quote).join(',')}) ` +
      `select ${[...constants, ...arrayColumns.map((_, i) => `u.c${i}`)].join(', ')} ` +
      `from unnest(${unnest.join(', ')}) as u(${arrayColumns.map((_, i) => `c${i}`).join(', ')})`;
    sqlCache.set(key, text);
  }
  return text;
}

const toNullable = (v: number): number | null => (Number.isNaN(v) ? null : v);

/**
 * Inserts every row of `batch` into `table`. Run it inside a transaction together with the
 * delete of the partition and the ledger row, so the partition changes atomically.
 * `integerColumns` are sent as bigint on PostgreSQL (e.g. `ts`); the rest as double precision.
 */
export async function bulkInsert(
  db: Kysely<Database>,
  dialect: DialectKind,
  table: string,
  batch: ColumnBatch,
  integerColumns: readonly string[] = ['ts'],
): Promise<number> {
  const constantColumns = Object.keys(batch.constants);
  const constants: string[] = Object.values(batch.constants);
  const arrayColumns = Object.keys(batch.arrays);
  const rows = arrayColumns.length ? batch.arrays[arrayColumns[0]].length : 0;
  if (rows === 0) return 0;
  const arrays = arrayColumns.map((c) => batch.arrays[c]);

  if (dialect === 'postgres') {
    const types = arrayColumns.map((c) => (integerColumns.includes(c) ? 'bigint' : 'float8'));
    const params: unknown[] = [...constants, ...arrays.map((a) => Array.from(a, toNullable))];
    await db.executeQuery(CompiledQuery.raw(postgresInsertSql(table, constantColumns, arrayColumns, types), params));
    return rows;
  }

  const columns = [...constantColumns, ...arrayColumns];
  const perStatement = Math.max(1, Math.floor(SQLITE_MAX_PARAMS / columns.length));
  for (let start = 0; start < rows; start += perStatement) {
    const n = Math.min(perStatement, rows - start);
    const params: unknown[] = new Array(n * columns.length);
    let p = 0;
    for (let r = start; r < start + n; r++) {
      for (const value of constants) params[p++] = value;
      for (const array of arrays) params[p++] = toNullable(array[r]);
    }
    await db.executeQuery(CompiledQuery.raw(sqliteInsertSql(table, columns, n), params));
  }
  return rows;
}
