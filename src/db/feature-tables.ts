/**
 * Storage follows the declaration: each feature flow's table is created from its columns at
 * migrate time, on SQLite and PostgreSQL, so adding a flow needs no hand-written migration.
 *
 * Changing a flow's columns is allowed only with a version bump (its partitions become stale and
 * are recomputed): a new column is added (nullable); a column no longer declared is kept, with
 * its data, never dropped silently. Changing columns without a bump is refused at start with a
 * message naming the flow. What each table was created for is kept in `flow_tables`.
 */
import { sql, SqliteAdapter, type Kysely } from 'kysely';
import type { FlowDefinition } from '../flows/types';
import type { Db } from './schema';

/** Why the database cannot serve a flow's declaration as it stands. */
export class FlowTableError extends Error {
  override readonly name = 'FlowTableError';
}

/** Creates or extends the table of every feature flow in `flows` (retired ones too: their data stays readable). */
export async function ensureFeatureTables(db: Db, flows: readonly FlowDefinition[]): Promise<void> {
  const k = db.kysely as unknown as Kysely<Record<string, Record<string, unknown>>>;
  await sql`create table if not exists flow_tables (asset text primary key, code_version text not null, columns text not null)`.execute(k);
  for (const flow of flows) {
    if (flow.kind !== 'features') continue;
    await k.transaction().execute(async (trx) => ensureOne(trx, db.dialect === 'sqlite', flow));
  }
}

async function ensureOne(trx: Kysely<Record<string, Record<string, unknown>>>, sqlite: boolean, flow: FlowDefinition): Promise<void> {
  const table = flow.asset;
  const existing = await tableColumns(trx, sqlite, table);
  const recorded = await sql<{ code_version: string; columns: string }>`select code_version, columns from flow_tables where asset = ${table}`.execute(trx);
  const before = recorded.rows[0];
  if (!existing) {
    // Clustered by (symbol, ts) on SQLite, as the original tables: range reads are sequential.
    const clustered = trx.getExecutor().adapter instanceof SqliteAdapter ? sql`without rowid` : sql``;
    let builder = trx.schema.createTable(table).ifNotExists().addColumn('symbol', 'text', (c) => c.notNull()).addColumn('ts', 'bigint', (c) => c.notNull());
    for (const column of flow.columns) builder = builder.addColumn(column, 'double precision');
    await builder.addPrimaryKeyConstraint(`${table}_pk`, ['symbol', 'ts']).modifyEnd(clustered).execute();
  } else {
    const declared = [...flow.columns];
    if (before && before.code_version === flow.version && before.columns !== JSON.stringify(declared)) {
      throw new FlowTableError(
        `flow '${flow.id}': its columns changed (${before.columns} -> ${JSON.stringify(declared)}) but its version is still ${flow.version}; ` +
          'bump its version so its partitions are recomputed (see docs/adding-a-flow.md)',
      );
    }
    for (const column of declared) {
      if (!existing.includes(column)) await trx.schema.alterTable(table).addColumn(column, 'double precision').execute();
    }
  }
  const columns = JSON.stringify([...flow.columns]);
  if (!before) await sql`insert into flow_tables (asset, code_version, columns) values (${table}, ${flow.version}, ${columns})`.execute(trx);
  else if (before.code_version !== flow.version || before.columns !== columns) {
    await sql`update flow_tables set code_version = ${flow.version}, columns = ${columns} where asset = ${table}`.execute(trx);
  }
}

/** The columns of a table, or undefined when it does not exist. */
async function tableColumns(trx: Kysely<Record<string, Record<string, unknown>>>, sqlite: boolean, table: string): Promise<string[] | undefined> {
  if (sqlite) {
    const rows = await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(trx);
    return rows.rows.length ? rows.rows.map((r) => r.name) : undefined;
  }
  const rows = await sql<{ column_name: string }>`select column_name from information_schema.columns where table_schema = current_schema() and table_name = ${table}`.execute(trx);
  return rows.rows.length ? rows.rows.map((r) => r.column_name) : undefined;
}
