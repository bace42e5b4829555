/**
 * Atomic partition writes: delete the partition's rows, insert the new ones and record the
 * ledger row in one transaction. A retried or re-run activity therefore leaves exactly the
 * same rows, and a crash mid-write leaves the previous state (never a half partition).
 */
import type { Insertable } from 'kysely';
import type { ColumnBatch } from './bulk';
import { evaluationAsset, type LedgerRow } from './ledger';
import type { Db, EvaluationsTable } from './schema';
import type { PartitionCache, StagedDay } from './partition-cache';
import { sqliteReplacePartition } from './sqlite-fast';
import { withStorageRetry } from './transient';
import { pgReplaceEvaluations, pgReplaceSeriesPartition } from './pg-fast';

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
  if (!db.pg) throw new Error(`no partition writer for ${db.description}`);
  return isEvaluationWrite(w) ? pgReplaceEvaluations(db.pg, w) : pgReplaceSeriesPartition(db.pg, w);
}
