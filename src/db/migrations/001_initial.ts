/** Candles, the two feature tables, evaluations and the materialization ledger. */
import { sql, type ColumnDataType, type CreateTableBuilder, type Kysely } from 'kysely';
import type { DialectKind } from '../schema';
import { tableExists } from './existing';

const FEATURE_B_COLUMNS = ['log_return', 'ret_mean_15', 'ret_mean_60', 'vol_15', 'vol_60', 'range_pct', 'volume_z_60'];
const FEATURE_C_COLUMNS = ['ewma_vol_30', 'rsi_14', 'zscore_close_120', 'momentum_30'];

/** One column: name, type, and whether it is NOT NULL. */
type Column = readonly [name: string, type: ColumnDataType, notNull: boolean];

/** A table as this migration creates it. */
interface TableSpec {
  readonly name: string;
  readonly columns: readonly Column[];
  readonly primaryKey: readonly string[];
  /** SQLite: a WITHOUT ROWID table clustered by its primary key. */
  readonly clustered?: boolean;
}

const text = (name: string): Column => [name, 'text', true];
const real = (name: string, notNull = true): Column => [name, 'double precision', notNull];
const featureTable = (name: string, columns: readonly string[]): TableSpec => ({
  name,
  columns: [text('symbol'), ['ts', 'bigint', true], text('partition'), text('code_version'), ...columns.map((c) => real(c, false))],
  primaryKey: ['symbol', 'ts'],
  clustered: true,
});

// On SQLite the time-series tables are clustered by their key (symbol, ts): one B-tree per
// row instead of a rowid table plus an index, which halves the work of bulk writes and makes
// range reads sequential. PostgreSQL has no such option and needs none.
const TABLES: readonly TableSpec[] = [
  {
    name: 'candles',
    columns: [text('symbol'), ['ts', 'bigint', true], text('partition'), real('open'), real('high'), real('low'), real('close'), real('volume'), text('source')],
    primaryKey: ['symbol', 'ts'],
    clustered: true,
  },
  featureTable('features_b', FEATURE_B_COLUMNS),
  featureTable('features_c', FEATURE_C_COLUMNS),
  {
    name: 'evaluations',
    columns: [
      text('symbol'),
      text('partition'),
      text('algorithm'),
      text('feature'),
      text('code_version'),
      ['horizon_minutes', 'integer', true],
      real('ic', false),
      real('rank_ic', false),
      ['n', 'integer', true],
    ],
    primaryKey: ['symbol', 'partition', 'algorithm', 'feature'],
  },
  {
    name: 'materializations',
    columns: [
      text('asset'),
      text('symbol'),
      text('partition'),
      text('code_version'),
      text('workflow_id'),
      text('run_id'),
      ['rows', 'integer', true],
      text('checksum'),
      ['materialized_at', 'bigint', true],
    ],
    primaryKey: ['asset', 'symbol', 'partition'],
  },
];

/**
 * Creates the initial schema (works unchanged on SQLite and PostgreSQL). A table that is
 * already there exactly as specified is kept: the old runner could stop after any of them.
 */
export async function up(db: Kysely<unknown>, dialect: DialectKind): Promise<void> {
  for (const table of TABLES) {
    if (await tableExists(db, dialect, table.name, table.columns.map(([name]) => name))) continue;
    let builder: CreateTableBuilder<string, string> = db.schema.createTable(table.name);
    for (const [name, type, notNull] of table.columns) builder = builder.addColumn(name, type, (c) => (notNull ? c.notNull() : c));
    builder = builder.addPrimaryKeyConstraint(`${table.name}_pk`, [...table.primaryKey]);
    await builder.modifyEnd(table.clustered && dialect === 'sqlite' ? sql`without rowid` : sql``).execute();
  }
}
