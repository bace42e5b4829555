/**
 * Atomic partition writes: delete the partition's rows, insert the new ones and record the
 * ledger row in one transaction. A retried or re-run activity therefore leaves exactly the
 * same rows, and a crash mid-write leaves the previous state (never a half partition).
 */
import { sql, type Insertable, type Transaction } from 'kysely';
import { DAY_MS, dayStartMs } from '../dates';
import { bulkInsert, type ColumnBatch } from './bulk';
import { evaluationAsset, recordLineage, recordMaterialization, type LedgerRow } from './ledger';
import type { Database, Db, EvaluationsTable } from './schema';
import type { PartitionCache, StagedDay } from './partition-cache';
import { sqliteReplacePartition } from './sqlite-fast';
import { withStorageRetry } from './transient';

/** One partition's replacement: where it goes, its rows, and its ledger entry. */
export type PartitionWrite = SeriesWrite | EvaluationWrite;

/** A day of a time-series table (candles or a feature flow's table), as columns. */
export interface SeriesWrite extends PartitionWriteBase {
  readonly table: SeriesTableName;
  readonly batch: ColumnBatch;
}

/** A day of D's scores of one feature flow. */
export interface EvaluationWrite extends PartitionWriteBase {
  readonly table: 'evaluations';
  /** The feature algorithm scored: a partition of D is one day of one flow's scores. */
  readonly algorithm: string;
  readonly rows: ReadonlyArray<Insertable<EvaluationsTable>>;
}

/** Is this a write of D's scores (rows) rather than of a time series (columns)? */
export function isEvaluationWrite(w: PartitionWrite): w is EvaluationWrite {
  return w.table === 'evaluations' && 'rows' in w;
}

/**
 * A time-series table (`candles` or a feature flow's table). Callers take it from the flow
 * registry, never from input, so it is always a known SQL identifier.
 */
export type SeriesTableName = string;

/** The ledger asset a write records: the table, or for D the per-flow `evaluations/<id>`. */
export function ledgerAsset(w: PartitionWrite): string {
  return isEvaluationWrite(w) ? evaluationAsset(w.algorithm) : w.table;
}

/** One upstream partition a materialization read, and its ledger checksum then ('' = not materialized). */
export interface LineageInput {
  readonly asset: string;
  readonly partition: string;
  readonly checksum: string;
}

interface PartitionWriteBase {
  readonly symbol: string;
  readonly partition: string;
  /** What it was computed from (its lineage), recorded in the same transaction; absent for ingest. */
  readonly inputs?: readonly LineageInput[];
  /** Ledger row written with the data; `asset`, `symbol`, `partition` and `rows` are filled in here. */
  readonly ledger: Omit<LedgerRow, 'asset' | 'symbol' | 'partition' | 'rows'>;
}

async function deletePartition(trx: Transaction<Database>, w: PartitionWrite): Promise<void> {
  if (isEvaluationWrite(w)) {
    await trx.deleteFrom('evaluations').where('symbol', '=', w.symbol).where('partition', '=', w.partition).where('algorithm', '=', w.algorithm).execute();
    return;
  }
  // Time-series tables are keyed by (symbol, ts): a ts range deletes through the primary key.
  const start = dayStartMs(w.partition);
  await trx.deleteFrom(w.table as 'candles').where('symbol', '=', w.symbol).where('ts', '>=', start).where('ts', '<', start + DAY_MS).execute();
}

/**
 * Replaces one partition's rows and its ledger row atomically; returns the rows written.
 * Once committed, a time-series day is also kept in the process's partition cache (if any).
 */
export async function replacePartition(db: Db, w: PartitionWrite): Promise<number> {
  // Whatever happens to this write, an older copy of the day must not outlive it.
  db.recent?.forget(w.table, w.symbol, w.partition);
  const staged = db.recent && !isEvaluationWrite(w) && w.batch.arrays.ts ? stage(db.recent, w.batch.arrays) : undefined;
  let rows: number;
  try {
    // SQLite's I/O thread writes the cache's copy (shared memory, the values as SQLite stores
    // them): one copy of the day instead of one for the cache and one to hand to the thread.
    const write = staged && db.io && !isEvaluationWrite(w) ? { ...w, batch: { ...w.batch, arrays: stagedArrays(w.batch.arrays, staged) } } : w;
    // One transaction, so a retry after a transient error (busy, disk full, server restart) is exact.
    rows = await withStorageRetry(`write ${w.table} ${w.symbol} ${w.partition}`, () => writePartition(db, write));
  } catch (err) {
    if (staged) db.recent?.discard(staged);
    throw err;
  }
  if (staged) db.recent?.adopt(w.table, w.symbol, w.partition, w.ledger.checksum, staged);
  return rows;
}

/** The day's copy for the cache, staged before the write. */
function stage(cache: PartitionCache, arrays: Readonly<Record<string, ArrayLike<number>>>): StagedDay | undefined {
  const { ts, ...columns } = arrays;
  return cache.stage(ts, columns);
}

/** The batch's columns, in the same order, taken from the staged copy. */
function stagedArrays(arrays: Readonly<Record<string, ArrayLike<number>>>, staged: StagedDay): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const name of Object.keys(arrays)) out[name] = name === 'ts' ? staged.ts : (staged.columns.get(name) as Float64Array);
  return out;
}

async function writePartition(db: Db, w: PartitionWrite): Promise<number> {
  if (db.io) return db.io.replacePartition(w);
  const sqlite = db.sqlite;
  if (sqlite) {
    // Hold Kysely's single SQLite connection while the synchronous transaction runs, so it
    // never lands inside a transaction Kysely has open (e.g. the log store's batch insert).
    return db.kysely.connection().execute(async () => sqliteReplacePartition(sqlite, w));
  }
  return db.kysely.transaction().execute(async (trx) => {
    if (db.dialect === 'postgres') {
      // Two writers of the same partition (a pipeline and a backfill) take turns instead of
      // racing between delete and insert.
      await sql`select pg_advisory_xact_lock(hashtext(${`${ledgerAsset(w)}/${w.symbol}/${w.partition}`}))`.execute(trx);
    }
    await deletePartition(trx, w);
    let rows: number;
    if (isEvaluationWrite(w)) {
      // A few dozen rows per day: the typed builder is fast enough and keeps string columns simple.
      if (w.rows.length) await trx.insertInto('evaluations').values([...w.rows]).execute();
      rows = w.rows.length;
    } else {
      rows = await bulkInsert(trx, db.dialect, w.table, w.batch);
    }
    await recordMaterialization(trx, { ...w.ledger, asset: ledgerAsset(w), symbol: w.symbol, partition: w.partition, rows });
    await recordLineage(trx, ledgerAsset(w), w.symbol, w.partition, w.inputs ?? []);
    return rows;
  });
}
