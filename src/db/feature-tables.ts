/**
 * Storage follows the declaration: each feature flow's table is created from its columns at
 * migrate time, on SQLite and PostgreSQL, so adding a flow needs no hand-written migration.
 *
 * Changing a flow's columns is allowed only with a version bump (its partitions become stale and
 * are recomputed): a new column is added (nullable); a column no longer declared is kept, with
 * its data, never dropped silently. Changing columns without a bump is refused at start with a
 * message naming the flow. What each table was created for is kept in `flow_tables`.
 */
import { sql, type Kysely } from 'kysely';
import type { FlowDefinition } from '../flows/types';
import type { Db } from './schema';
import { addDayColumn, convertToDayLayout, createDayTable, dayTableColumns, minuteTableColumns } from './pg-day-layout';

/** Why the database cannot serve a flow's declaration as it stands. */
export class FlowTableError extends Error {
  override readonly name = 'FlowTableError';
}

/** PostgreSQL advisory lock key under which a flow's table is created, extended or converted. */
const FEATURE_TABLES_LOCK_KEY = 7_305_118_019;

/** Creates or extends the table of every feature flow in `flows` (retired ones too: their data stays readable). */
export async function ensureFeatureTables(db: Db, flows: readonly FlowDefinition[]): Promise<void> {
  const k = db.kysely as unknown as Kysely<Record<string, Record<string, unknown>>>;
  await sql`create table if not exists flow_tables (asset text primary key, code_version text not null, columns text not null)`.execute(k);
  for (const flow of flows) {
    if (flow.kind !== 'features') continue;
    await k.transaction().execute(async (trx) => {
      // PostgreSQL: processes starting together take turns (two creating or converting one table would collide).
      if (db.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${sql.lit(FEATURE_TABLES_LOCK_KEY)})`.execute(trx);
      await ensureOne(trx, db.dialect === 'sqlite', flow);
    });
  }
}

async function ensureOne(trx: Kysely<Record<string, Record<string, unknown>>>, sqlite: boolean, flow: FlowDefinition): Promise<void> {
  const table = flow.asset;
  const existing = await tableColumns(trx, sqlite, table);
  const recorded = await sql<{ code_version: string; columns: string }>`select code_version, columns from flow_tables where asset = ${table}`.execute(trx);
  const before = recorded.rows[0];
  if (!existing) {
    if (!sqlite) await createDayTable(trx as Kysely<unknown>, table, flow.columns);
    else {
      // Clustered by (symbol, ts), as the original tables: range reads are sequential.
      let builder = trx.schema.createTable(table).ifNotExists().addColumn('symbol', 'text', (c) => c.notNull()).addColumn('ts', 'bigint', (c) => c.notNull());
      for (const column of flow.columns) builder = builder.addColumn(column, 'double precision');
      await builder.addPrimaryKeyConstraint(`${table}_pk`, ['symbol', 'ts']).modifyEnd(sql`without rowid`).execute();
    }
  } else {
    const declared = [...flow.columns];
    if (before && before.code_version === flow.version && before.columns !== JSON.stringify(declared)) {
      throw new FlowTableError(
        `flow '${flow.id}': its columns changed (${before.columns} -> ${JSON.stringify(declared)}) but its version is still ${flow.version}; ` +
          'bump its version so its partitions are recomputed (see docs/adding-a-flow.md)',
      );
    }
    const columns = [...existing];
    for (const column of declared) {
      if (columns.includes(column)) continue;
      columns.push(column);
      if (sqlite) await trx.schema.alterTable(table).addColumn(column, 'double precision').execute();
      else await addDayColumn(trx as Kysely<unknown>, table, column, columns);
    }
  }
  const columns = JSON.stringify([...flow.columns]);
  if (!before) await sql`insert into flow_tables (asset, code_version, columns) values (${table}, ${flow.version}, ${columns})`.execute(trx);
  else if (before.code_version !== flow.version || before.columns !== columns) {
    await sql`update flow_tables set code_version = ${flow.version}, columns = ${columns} where asset = ${table}`.execute(trx);
  }
}

/**
 * The series columns of a flow's table (after `symbol` and `ts`), or undefined when it does not
 * exist. On PostgreSQL a table still in minute rows (made before day rows) is converted first.
 */
async function tableColumns(trx: Kysely<Record<string, Record<string, unknown>>>, sqlite: boolean, table: string): Promise<string[] | undefined> {
  if (sqlite) {
    const rows = await sql<{ name: string }>`select name from pragma_table_info(${table}) order by cid`.execute(trx);
    return rows.rows.length ? rows.rows.map((r) => r.name).filter((c) => c !== 'symbol' && c !== 'ts') : undefined;
  }
  const db = trx as Kysely<unknown>;
  const minuteColumns = await minuteTableColumns(db, table);
  if (minuteColumns) await convertToDayLayout(db, table, minuteColumns);
  return dayTableColumns(db, table);
}
