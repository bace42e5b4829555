/**
 * How PostgreSQL stores a time series (candles, each feature flow's table): ONE row per symbol
 * and UTC day in `<table>_days` (`symbol`, `day`, `ts bigint[]`, one `double precision[]` per
 * column, key (symbol, day)), and a view `<table>` that unnests it into one row per minute
 * (`symbol`, `ts`, the columns), so SQL written against the minute rows keeps working.
 *
 * Why: featureflow writes and reads whole days (a partition), and a row per minute made
 * PostgreSQL insert a B-tree entry and a WAL record for every minute: ~1 µs of server CPU per
 * row, the floor that kept the PostgreSQL stack ~1.5x the SQLite one (docs/backfill.md). A day
 * row has one key entry. Its arrays (~11.5 KB each) are stored out of line uncompressed
 * (`storage external`): pglz tried to compress every array of doubles, failed, and made the
 * write ~4x slower. SQLite keeps one row per minute (clustered `without rowid`, already fast).
 *
 * Table and column names come from the flow registry (checked SQL identifiers), never input.
 */
import { sql, type Kysely } from 'kysely';

/** The table holding `table`'s day rows (`table` itself is the minute view over it). */
export function dayTableOf(table: string): string {
  return `${table}_days`;
}

/** Columns of a day table that are not series columns. */
export const DAY_KEY_COLUMNS = ['symbol', 'day'] as const;

const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

type AnyKysely = Kysely<unknown>;

/**
 * Whether a series' values may be missing: feature values may (NULL, "not enough history"),
 * candles' may not, as their minute table's `not null` columns said.
 */
export type SeriesValues = 'nullable' | 'not null';

/**
 * Creates `table`'s day table (key, `ts` and `valueColumns`) and its minute view. Every array of
 * a row is as long as its `ts`, checked by PostgreSQL as the minute rows' shape was.
 */
export async function createDayTable(db: AnyKysely, table: string, valueColumns: readonly string[], values: SeriesValues = 'nullable'): Promise<void> {
  const days = dayTableOf(table);
  const columns = valueColumns.map((c) => `${columnDefinition(c, values)}`);
  await sql
    .raw(
      `create table ${quote(days)} (symbol text not null, day date not null, ts bigint[] not null check (array_position(ts, null) is null)` +
        `${columns.map((c) => `, ${c}`).join('')}, constraint ${quote(`${days}_pk`)} primary key (symbol, day))`,
    )
    .execute(db);
  for (const column of ['ts', ...valueColumns]) await storeUncompressed(db, days, column);
  await replaceMinuteView(db, table, valueColumns);
}

/** A value column: an array as long as the row's `ts`, with no NULL element when `values` says so. */
function columnDefinition(column: string, values: SeriesValues): string {
  const name = quote(column);
  const elements = values === 'not null' ? ` not null check (array_position(${name}, null) is null)` : '';
  return `${name} double precision[]${elements} check (cardinality(${name}) = cardinality(ts))`;
}

/** Adds a feature column to `table`'s day table (NULL, i.e. NaN, on the days already written) and to its view. */
export async function addDayColumn(db: AnyKysely, table: string, column: string, valueColumns: readonly string[]): Promise<void> {
  await sql.raw(`alter table ${quote(dayTableOf(table))} add column ${columnDefinition(column, 'nullable')}`).execute(db);
  await storeUncompressed(db, dayTableOf(table), column);
  await replaceMinuteView(db, table, valueColumns);
}

/**
 * Moves a minute-row table (the layout before day rows) into a day table: its rows become day
 * rows, in time order, and `table` becomes the view. Run inside the caller's transaction.
 */
export async function convertToDayLayout(db: AnyKysely, table: string, valueColumns: readonly string[], values: SeriesValues = 'nullable'): Promise<void> {
  const rows = `${table}_minute_rows`;
  await sql.raw(`alter table ${quote(table)} rename to ${quote(rows)}`).execute(db);
  await createDayTable(db, table, valueColumns, values);
  const aggregates = ['ts', ...valueColumns].map((c) => `array_agg(${quote(c)} order by ts)`);
  await sql
    .raw(
      `insert into ${quote(dayTableOf(table))} (symbol, day, ${['ts', ...valueColumns].map(quote).join(', ')}) ` +
        `select symbol, date '1970-01-01' + floor(ts / 86400000.0)::int, ${aggregates.join(', ')} from ${quote(rows)} group by 1, 2`,
    )
    .execute(db);
  await sql.raw(`drop table ${quote(rows)}`).execute(db);
}

/** The series columns (after `ts`) of `table`'s day table in definition order; undefined when it has none. */
export async function dayTableColumns(db: AnyKysely, table: string): Promise<string[] | undefined> {
  const { rows } = await sql<{ name: string }>`select column_name as name from information_schema.columns
    where table_schema = current_schema() and table_name = ${dayTableOf(table)} order by ordinal_position`.execute(db);
  if (!rows.length) return undefined;
  return rows.map((r) => r.name).filter((c) => c !== 'ts' && !(DAY_KEY_COLUMNS as readonly string[]).includes(c));
}

/**
 * The value columns (after `symbol` and `ts`) of `table` when it is an ordinary table of minute
 * rows (the layout before day rows); undefined when it is the view over day rows, or missing.
 */
export async function minuteTableColumns(db: AnyKysely, table: string): Promise<string[] | undefined> {
  const { rows } = await sql<{ type: string }>`select table_type as type from information_schema.tables
    where table_schema = current_schema() and table_name = ${table}`.execute(db);
  if (rows[0]?.type !== 'BASE TABLE') return undefined;
  const columns = await sql<{ name: string }>`select column_name as name from information_schema.columns
    where table_schema = current_schema() and table_name = ${table} order by ordinal_position`.execute(db);
  return columns.rows.map((r) => r.name).filter((c) => c !== 'symbol' && c !== 'ts');
}

/** Out of line, never compressed: arrays of doubles do not compress, and trying costs most of a write. */
async function storeUncompressed(db: AnyKysely, table: string, column: string): Promise<void> {
  await sql.raw(`alter table ${quote(table)} alter column ${quote(column)} set storage external`).execute(db);
}

/** (Re)creates the view `table`: one row per minute of its day rows. Columns NULL on a day (added later) read as NULL. */
async function replaceMinuteView(db: AnyKysely, table: string, valueColumns: readonly string[]): Promise<void> {
  const names = ['ts', ...valueColumns].map(quote);
  await sql.raw(`drop view if exists ${quote(table)}`).execute(db);
  await sql
    .raw(
      `create view ${quote(table)} as select d.symbol, ${names.map((n) => `u.${n}`).join(', ')} ` +
        `from ${quote(dayTableOf(table))} d cross join lateral unnest(${names.map((n) => `d.${n}`).join(', ')}) as u(${names.join(', ')})`,
    )
    .execute(db);
}
