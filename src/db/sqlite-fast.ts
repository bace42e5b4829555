/**
 * The SQLite hot path: partition writes and column reads straight through better-sqlite3 with
 * cached prepared statements. Backfills write millions of rows; building and compiling a
 * Kysely query (and re-preparing a statement) per partition cost more than the work itself.
 * Same SQL semantics as the portable path in `partitions.ts` / `reads.ts`, which PostgreSQL uses.
 */
import type SQLite from 'better-sqlite3';
import { DAY_MS, dayStartMs } from '../core/dates';
import { isEvaluationWrite, ledgerAsset, type PartitionWrite } from './partitions';
import { qualityColumns } from './ledger';

const statements = new WeakMap<SQLite.Database, Map<string, SQLite.Statement>>();

/** A prepared statement for `text`, prepared once per connection. */
function prepared(sqlite: SQLite.Database, text: string): SQLite.Statement {
  let cache = statements.get(sqlite);
  if (!cache) {
    cache = new Map();
    statements.set(sqlite, cache);
  }
  let statement = cache.get(text);
  if (!statement) {
    statement = sqlite.prepare(text);
    cache.set(text, statement);
  }
  return statement;
}

// Identifiers come from the typed schema and the algorithm registry, never from input.
const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;
const toNullable = (v: number): number | null => (Number.isNaN(v) ? null : v);
// 60 rows x up to 16 columns stays far below SQLite's bound-parameter limit; 1,440 = 24 x 60.
const ROWS_PER_STATEMENT = 60;

const LEDGER_UPSERT =
  'insert into materializations (asset, symbol, partition, code_version, workflow_id, run_id, rows, checksum, materialized_at, ' +
  'quality, source, missing_minutes, duplicates, conflicting_duplicates) ' +
  'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (asset, symbol, partition) do update set ' +
  'code_version = excluded.code_version, workflow_id = excluded.workflow_id, run_id = excluded.run_id, ' +
  'rows = excluded.rows, checksum = excluded.checksum, materialized_at = excluded.materialized_at, ' +
  'quality = excluded.quality, source = excluded.source, missing_minutes = excluded.missing_minutes, ' +
  'duplicates = excluded.duplicates, conflicting_duplicates = excluded.conflicting_duplicates';

const LINEAGE_DELETE = 'delete from materialization_inputs where asset = ? and symbol = ? and partition = ?';
const LINEAGE_INSERT =
  'insert into materialization_inputs (asset, symbol, partition, input_asset, input_partition, input_checksum) values (?, ?, ?, ?, ?, ?)';

function insertRows(sqlite: SQLite.Database, w: PartitionWrite): number {
  if (isEvaluationWrite(w)) {
    if (!w.rows.length) return 0;
    const columns = Object.keys(w.rows[0]);
    const insert = prepared(sqlite, `insert into evaluations (${columns.map(quote).join(',')}) values (${columns.map(() => '?').join(',')})`);
    for (const row of w.rows) insert.run(...columns.map((c) => (row as Record<string, unknown>)[c] ?? null));
    return w.rows.length;
  }
  const constantColumns = Object.keys(w.batch.constants);
  const arrayColumns = Object.keys(w.batch.arrays);
  const constants: string[] = Object.values(w.batch.constants);
  const arrays = arrayColumns.map((c) => w.batch.arrays[c]);
  const columns = [...constantColumns, ...arrayColumns];
  const rows = arrays.length ? arrays[0].length : 0;
  // Multi-row statements amortize the per-call cost; the tail goes row by row.
  const tuple = `(${columns.map(() => '?').join(',')})`;
  const head = `insert into ${quote(w.table)} (${columns.map(quote).join(',')}) values `;
  const block = prepared(sqlite, head + new Array(ROWS_PER_STATEMENT).fill(tuple).join(','));
  const single = prepared(sqlite, head + tuple);
  const blockParams: unknown[] = new Array(columns.length * ROWS_PER_STATEMENT);
  const singleParams: unknown[] = new Array(columns.length);
  const fill = (params: unknown[], offset: number, r: number): void => {
    for (let i = 0; i < constants.length; i++) params[offset + i] = constants[i];
    for (let j = 0; j < arrays.length; j++) params[offset + constants.length + j] = toNullable(arrays[j][r]);
  };
  let r = 0;
  for (; r + ROWS_PER_STATEMENT <= rows; r += ROWS_PER_STATEMENT) {
    for (let k = 0; k < ROWS_PER_STATEMENT; k++) fill(blockParams, k * columns.length, r + k);
    block.run(blockParams);
  }
  for (; r < rows; r++) {
    fill(singleParams, 0, r);
    single.run(singleParams);
  }
  return rows;
}

/** Deletes the partition, inserts its rows and upserts its ledger row in one SQLite transaction. */
export function sqliteReplacePartition(sqlite: SQLite.Database, w: PartitionWrite): number {
  const run = sqlite.transaction((): number => {
    if (isEvaluationWrite(w)) {
      prepared(sqlite, 'delete from evaluations where symbol = ? and partition = ? and algorithm = ?').run(w.symbol, w.partition, w.algorithm);
    } else {
      const start = dayStartMs(w.partition);
      prepared(sqlite, `delete from ${quote(w.table)} where symbol = ? and ts >= ? and ts < ?`).run(w.symbol, start, start + DAY_MS);
    }
    const rows = insertRows(sqlite, w);
    const l = w.ledger;
    const asset = ledgerAsset(w);
    const q = qualityColumns(l);
    prepared(sqlite, LEDGER_UPSERT).run(
      asset, w.symbol, w.partition, l.code_version, l.workflow_id, l.run_id, rows, l.checksum, l.materialized_at,
      q.quality, q.source, q.missing_minutes, q.duplicates, q.conflicting_duplicates,
    );
    prepared(sqlite, LINEAGE_DELETE).run(asset, w.symbol, w.partition);
    for (const i of w.inputs ?? []) prepared(sqlite, LINEAGE_INSERT).run(asset, w.symbol, w.partition, i.asset, i.partition, i.checksum);
    return rows;
  });
  try {
    // IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading a read lock.
    return run.immediate();
  } catch (err) {
    // Name the partition: "NOT NULL constraint failed" alone does not say what was being written.
    // Keeps SQLite's code too: it crosses the I/O thread boundary, and says whether a retry can help.
    const wrapped = new Error(`Writing ${w.table} ${w.symbol} ${w.partition} failed (rolled back): ${(err as Error).message}`, { cause: err });
    throw Object.assign(wrapped, { code: (err as { code?: unknown }).code });
  }
}

/** A copy of `a` in a buffer of `capacity` elements. */
function grow(a: Float64Array, capacity: number): Float64Array {
  const out = new Float64Array(capacity);
  out.set(a);
  return out;
}

/** Reads `columns` (plus `ts`) of a time-series table for `fromMs <= ts < toMs` into typed arrays; NULL becomes NaN. */
export function sqliteReadColumns(
  sqlite: SQLite.Database,
  table: string,
  symbol: string,
  columns: readonly string[],
  fromMs: number,
  toMs: number,
): { ts: Float64Array; values: Float64Array[] } {
  const select = prepared(
    sqlite,
    `select ts, ${columns.map(quote).join(', ')} from ${quote(table)} where symbol = ? and ts >= ? and ts < ? order by ts`,
  );
  // Read a day at a time into growing typed arrays: each page's row arrays die young, where one
  // `.all()` over a year would hold every row object at once (and `.iterate()` is ~15 % slower).
  let capacity = Math.max(16, Math.ceil((toMs - fromMs) / 60_000) + 1);
  let ts: Float64Array = new Float64Array(capacity);
  let values: Float64Array[] = columns.map(() => new Float64Array(capacity));
  let n = 0;
  for (let pageStart = fromMs; pageStart < toMs; pageStart += DAY_MS) {
    const rows = select.raw(true).all(symbol, pageStart, Math.min(pageStart + DAY_MS, toMs)) as Array<Array<number | null>>;
    if (n + rows.length > capacity) {
      capacity = Math.max(capacity * 2, n + rows.length);
      ts = grow(ts, capacity);
      values = values.map((v) => grow(v, capacity));
    }
    for (const row of rows) {
      ts[n] = row[0] as number;
      for (let j = 0; j < columns.length; j++) {
        const v = row[j + 1];
        values[j][n] = v === null ? Number.NaN : v;
      }
      n++;
    }
  }
  // Trim to the rows found (a copy, so the unused tail of the buffer is freed).
  if (n < capacity) {
    ts = ts.slice(0, n);
    values = values.map((v) => v.slice(0, n));
  }
  return { ts, values };
}
