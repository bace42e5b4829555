/** Candles, the two feature tables, evaluations and the materialization ledger. */
import { sql, SqliteAdapter, type Kysely } from 'kysely';

const FEATURE_B_COLUMNS = ['log_return', 'ret_mean_15', 'ret_mean_60', 'vol_15', 'vol_60', 'range_pct', 'volume_z_60'];
const FEATURE_C_COLUMNS = ['ewma_vol_30', 'rsi_14', 'zscore_close_120', 'momentum_30'];

/** Creates the initial schema (works unchanged on SQLite and PostgreSQL). */
export async function up(db: Kysely<unknown>): Promise<void> {
  // On SQLite the time-series tables are clustered by their key (symbol, ts): one B-tree per
  // row instead of a rowid table plus an index, which halves the work of bulk writes and makes
  // range reads sequential. PostgreSQL has no such option and needs none.
  const clustered = db.getExecutor().adapter instanceof SqliteAdapter ? sql`without rowid` : sql``;
  await db.schema
    .createTable('candles')
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('partition', 'text', (c) => c.notNull())
    .addColumn('open', 'double precision', (c) => c.notNull())
    .addColumn('high', 'double precision', (c) => c.notNull())
    .addColumn('low', 'double precision', (c) => c.notNull())
    .addColumn('close', 'double precision', (c) => c.notNull())
    .addColumn('volume', 'double precision', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('candles_pk', ['symbol', 'ts'])
    .modifyEnd(clustered)
    .execute();

  for (const [table, columns] of [
    ['features_b', FEATURE_B_COLUMNS],
    ['features_c', FEATURE_C_COLUMNS],
  ] as const) {
    let builder = db.schema
      .createTable(table)
      .addColumn('symbol', 'text', (c) => c.notNull())
      .addColumn('ts', 'bigint', (c) => c.notNull())
      .addColumn('partition', 'text', (c) => c.notNull())
      .addColumn('code_version', 'text', (c) => c.notNull());
    for (const column of columns) builder = builder.addColumn(column, 'double precision');
    await builder.addPrimaryKeyConstraint(`${table}_pk`, ['symbol', 'ts']).modifyEnd(clustered).execute();
  }

  await db.schema
    .createTable('evaluations')
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('partition', 'text', (c) => c.notNull())
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('feature', 'text', (c) => c.notNull())
    .addColumn('code_version', 'text', (c) => c.notNull())
    .addColumn('horizon_minutes', 'integer', (c) => c.notNull())
    .addColumn('ic', 'double precision')
    .addColumn('rank_ic', 'double precision')
    .addColumn('n', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('evaluations_pk', ['symbol', 'partition', 'algorithm', 'feature'])
    .execute();

  await db.schema
    .createTable('materializations')
    .addColumn('asset', 'text', (c) => c.notNull())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('partition', 'text', (c) => c.notNull())
    .addColumn('code_version', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('rows', 'integer', (c) => c.notNull())
    .addColumn('checksum', 'text', (c) => c.notNull())
    .addColumn('materialized_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('materializations_pk', ['asset', 'symbol', 'partition'])
    .execute();
}

/** Drops everything `up` created. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['materializations', 'evaluations', 'features_c', 'features_b', 'candles']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
