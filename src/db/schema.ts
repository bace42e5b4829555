/**
 * The whole database schema as one Kysely interface: every query is typed by it.
 * Times are epoch milliseconds (bigint in PostgreSQL, integer in SQLite); feature values are
 * doubles where NULL means "not enough history" (NaN in memory).
 */
import type SQLite from 'better-sqlite3';
import type { Generated, Kysely, Selectable } from 'kysely';
import type { Pool } from 'pg';
import type { SqliteIoThreads } from './io-threads';
import type { PartitionCache } from './partition-cache';

/**
 * One 1-minute candle; unique per (symbol, ts). Its day (partition) is `ts`'s UTC day; which
 * source wrote the day, and when, is in the ledger ({@link MaterializationsTable}).
 */
export interface CandlesTable {
  symbol: string;
  ts: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/**
 * Feature tables are not listed here: each feature flow's table (`features_<id>`: `symbol`, `ts`
 * and one nullable double per declared column) is created from its declaration in
 * `src/flows/registry.ts` at migrate time (`feature-tables.ts`), and read and written through the
 * column-oriented paths (`reads.ts`, `partitions.ts`) with names taken from the registry.
 */

/** Flow D's output: information coefficients of each feature of each scored flow for one day (`algorithm` names the flow's algorithm). */
export interface EvaluationsTable {
  symbol: string;
  partition: string;
  algorithm: string;
  feature: string;
  code_version: string;
  horizon_minutes: number;
  ic: number | null;
  rank_ic: number | null;
  n: number;
}

/**
 * The materialization ledger: one row per asset x symbol x partition, written in the same
 * transaction as the data it describes. Backfills and `assets` read it to decide what is
 * missing or stale.
 */
export interface MaterializationsTable {
  asset: string;
  symbol: string;
  partition: string;
  code_version: string;
  workflow_id: string;
  run_id: string;
  rows: number;
  checksum: string;
  materialized_at: number;
  /**
   * Data quality of a candles partition (null for other assets; see docs/data-quality.md):
   * `complete`, `degraded` (ingested, but more minutes missing than the policy likes, or
   * conflicting duplicates), or `empty` (only on rows an earlier release wrote with no candles).
   */
  quality: string | null;
  /** Candles: the source that delivered the day (`synthetic`, `csv`, `coinbase`). */
  source: string | null;
  /** Candles: minutes of the day without a candle. */
  missing_minutes: number | null;
  /** Candles: duplicate candles the source returned and were dropped. */
  duplicates: number | null;
  /** Candles: of those, how many disagreed with the candle kept. */
  conflicting_duplicates: number | null;
}

/**
 * Lineage: one row per upstream partition a materialization read, with the input's ledger
 * checksum at that moment ('' when it was not materialized). Replaced with its partition.
 */
export interface MaterializationInputsTable {
  asset: string;
  symbol: string;
  partition: string;
  input_asset: string;
  input_partition: string;
  input_checksum: string;
}

/**
 * One log line of a workflow or activity, written in batches by every worker (see
 * `src/observability/log-store.ts`) so the client can read a run tree's lines as one stream.
 */
export interface LogsTable {
  /** Insertion order across all workers; `logs --follow` polls by it. */
  id: Generated<number>;
  /** Epoch milliseconds when the line was logged (on the worker's clock). */
  ts: number;
  level: string;
  message: string;
  workflow_id: string | null;
  run_id: string | null;
  root_workflow_id: string | null;
  root_run_id: string | null;
  parent_workflow_id: string | null;
  workflow_type: string | null;
  flow: string | null;
  symbol: string | null;
  partition: string | null;
  activity_type: string | null;
  attempt: number | null;
  /** `hostname:pid` of the worker that logged it. */
  worker: string;
  /** Every other attribute, as JSON text. */
  attrs: string | null;
}

/** Every table featureflow owns. */
export interface Database {
  candles: CandlesTable;
  evaluations: EvaluationsTable;
  materializations: MaterializationsTable;
  materialization_inputs: MaterializationInputsTable;
  logs: LogsTable;
  database_identity: DatabaseIdentityTable;
}

/** The database's identity (one row, made by migration 006); see `src/db/identity.ts`. */
export interface DatabaseIdentityTable {
  id: string;
  created_at: number;
}

/** A ledger row as read. */
export type Materialization = Selectable<MaterializationsTable>;

/** Which SQL engine a connection talks to; bulk paths differ, queries do not. */
export type DialectKind = 'sqlite' | 'postgres';

/** An open database: the typed Kysely handle, which engine it is, and how to close it. */
export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: DialectKind;
  /** Where it points, with any password masked, for logs. */
  readonly description: string;
  /** The raw better-sqlite3 handle (SQLite only), for the hot write/read path in `sqlite-fast.ts`. */
  readonly sqlite?: SQLite.Database;
  /** SQLite I/O threads (worker processes only): hot reads and partition writes go there instead of `sqlite`. */
  readonly io?: SqliteIoThreads;
  /** The pool under Kysely (PostgreSQL only), for the binary COPY hot path in `pg-fast.ts`. */
  readonly pg?: Pool;
  /** Days this process wrote, for the next flow to read without the database (worker processes only). */
  readonly recent?: PartitionCache;
  close(): Promise<void>;
}

/** Rows of any table as loosely typed records: for feature tables, whose columns come from the flow registry. */
export type DynamicDatabase = Record<string, Record<string, string | number | null>>;

/** The database as {@link DynamicDatabase}, for queries over a feature flow's table (named from the registry, never from input). */
export function dynamicTables(db: Db): Kysely<DynamicDatabase> {
  return db.kysely as unknown as Kysely<DynamicDatabase>;
}
