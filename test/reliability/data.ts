/**
 * What a crash test compares: a snapshot of a featureflow SQLite database (row counts, duplicate
 * keys, rows per partition, content hashes, the ledger without its run IDs and times) and a check
 * that every candle and feature partition's stored rows hash to the checksum its ledger row
 * vouches for — a half-written partition could not pass it.
 */
import { createHash } from 'node:crypto';
import SQLite from 'better-sqlite3';
import { partitionChecksum } from '../../src/core/checksum';
import { getAlgorithm } from '../../src/features';
import { DAY_MS, dayStartMs } from '../../src/core/dates';

/** The materialized tables and the key that must be unique in each. */
const TABLE_KEYS = {
  candles: ['symbol', 'ts'],
  features_b: ['symbol', 'ts'],
  features_c: ['symbol', 'ts'],
  evaluations: ['symbol', 'partition', 'algorithm', 'feature', 'horizon_minutes'],
} as const;

/** A materialized table. */
export type DataTable = keyof typeof TABLE_KEYS;

/** Everything about a database's data that must not depend on crashes, timing or run IDs. */
export interface DataSnapshot {
  /** count(*) per table. */
  readonly rows: Record<DataTable, number>;
  /** count of distinct keys per table; equal to `rows` when there are no duplicates. */
  readonly distinctKeys: Record<DataTable, number>;
  /** `table symbol partition rows`, sorted: what each partition holds. */
  readonly partitionRows: readonly string[];
  /** sha256 over every row of the table in key order: the data itself, not only its shape. */
  readonly contentHash: Record<DataTable, string>;
  /** `asset symbol partition code_version rows checksum`, sorted (run IDs and times differ between runs). */
  readonly ledger: readonly string[];
}

function open(file: string): SQLite.Database {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 15000');
  return db;
}

/** Reads a snapshot of the database at `file` (a closed or idle featureflow SQLite file). */
export function snapshot(file: string): DataSnapshot {
  const db = open(file);
  try {
    const rows = {} as Record<DataTable, number>;
    const distinctKeys = {} as Record<DataTable, number>;
    const contentHash = {} as Record<DataTable, string>;
    const partitionRows: string[] = [];
    for (const [table, key] of Object.entries(TABLE_KEYS) as Array<[DataTable, readonly string[]]>) {
      const cols = key.join(', ');
      rows[table] = (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
      distinctKeys[table] = (db.prepare(`select count(*) as n from (select distinct ${cols} from ${table})`).get() as { n: number }).n;
      // Time-series rows belong to the UTC day of their ts; evaluations name their day.
      const day = table === 'evaluations' ? 'partition' : "strftime('%Y-%m-%d', ts / 1000, 'unixepoch')";
      const perDay = db.prepare(`select symbol, ${day} as partition, count(*) as n from ${table} group by symbol, ${day}`);
      for (const r of perDay.all() as Array<{ symbol: string; partition: string; n: number }>) {
        partitionRows.push(`${table} ${r.symbol} ${r.partition} ${r.n}`);
      }
      const hash = createHash('sha256');
      for (const row of db.prepare(`select * from ${table} order by ${cols}`).raw().iterate()) hash.update(`${JSON.stringify(row)}\n`);
      contentHash[table] = hash.digest('hex');
    }
    const ledger = (
      db.prepare('select asset, symbol, partition, code_version, rows, checksum from materializations').all() as Array<Record<string, string | number>>
    ).map((m) => `${m.asset} ${m.symbol} ${m.partition} ${m.code_version} ${m.rows} ${m.checksum}`);
    return { rows, distinctKeys, partitionRows: partitionRows.sort(), contentHash, ledger: ledger.sort() };
  } finally {
    db.close();
  }
}

/** The columns a partition checksum covers, in the order the activities hash them. */
function checksumColumns(asset: string): readonly string[] | undefined {
  if (asset === 'candles') return ['ts', 'open', 'high', 'low', 'close', 'volume'];
  if (asset === 'features_b' || asset === 'features_c') return ['ts', ...getAlgorithm(asset === 'features_b' ? 'b' : 'c').columns];
  return undefined;
}

/**
 * Recomputes every candle and feature partition's checksum from its stored rows and lists the
 * partitions whose rows do not match their ledger row (count or checksum). Empty = consistent.
 */
export function ledgerMismatches(file: string): string[] {
  const db = open(file);
  try {
    const bad: string[] = [];
    const ledger = db.prepare('select asset, symbol, partition, code_version, rows, checksum from materializations').all() as Array<{
      asset: string;
      symbol: string;
      partition: string;
      code_version: string;
      rows: number;
      checksum: string;
    }>;
    for (const m of ledger) {
      const cols = checksumColumns(m.asset);
      if (!cols) continue;
      // A partition is its UTC day of ts (the rows carry no label of their own).
      const start = dayStartMs(m.partition);
      const data = db.prepare(`select ${cols.join(', ')} from ${m.asset} where symbol = ? and ts >= ? and ts < ? order by ts`).raw().all(m.symbol, start, start + DAY_MS) as Array<Array<number | null>>;
      // Features store NaN as NULL; the activity hashed NaN.
      const columns = cols.map((c, i) => [c, Float64Array.from(data, (r) => r[i] ?? Number.NaN)] as const);
      const key = m.asset === 'candles' ? [m.symbol, m.partition] : [m.symbol, m.partition, m.code_version];
      const actual = partitionChecksum(key, columns);
      if (data.length !== m.rows || actual !== m.checksum) bad.push(`${m.asset} ${m.symbol} ${m.partition}: ledger ${m.rows} rows ${m.checksum.slice(0, 12)}, stored ${data.length} rows ${actual.slice(0, 12)}`);
    }
    return bad;
  } finally {
    db.close();
  }
}

/** Latest `materialized_at` in the ledger (ms), 0 when empty: moves on every committed partition write. */
export function lastWriteAt(file: string): number {
  const db = open(file);
  try {
    return (db.prepare('select coalesce(max(materialized_at), 0) as t from materializations').get() as { t: number }).t;
  } finally {
    db.close();
  }
}
