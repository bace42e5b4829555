/**
 * SQLite table rebuilds by copy and swap: create the new shape under a temporary name, copy
 * the rows, drop the old table, rename the new one. Run inside the migration step's
 * transaction, so a crash leaves the old table whole (or the step finished), never both or
 * neither. One pass over the rows, where `ALTER TABLE … DROP COLUMN` rewrites the table once
 * per dropped column.
 */
import { sql, type Kysely } from 'kysely';

interface ColumnInfo {
  readonly name: string;
  readonly type: string;
  readonly notnull: number;
  /** 1-based position in the primary key, 0 when not part of it. */
  readonly pk: number;
}

/** Rebuilds `table` without the columns in `drop`, keeping types, NOT NULL, the primary key and WITHOUT ROWID. */
export async function rebuildSqliteTable(db: Kysely<unknown>, table: string, drop: readonly string[]): Promise<void> {
  const { rows: info } = await sql<ColumnInfo>`select name, type, "notnull", pk from pragma_table_info(${table}) order by cid`.execute(db);
  const { rows: master } = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = ${table}`.execute(db);
  const indexes = await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'index' and tbl_name = ${table} and sql is not null`.execute(db);
  // Only plain tables are rebuilt here: explicit indexes or triggers would have to be recreated.
  if (indexes.rows[0].n > 0) throw new Error(`rebuildSqliteTable: ${table} has indexes; recreate them in the migration`);
  const kept = info.filter((c) => !drop.includes(c.name));
  if (kept.some((c) => c.pk > 0) !== info.some((c) => c.pk > 0) || info.some((c) => c.pk > 0 && drop.includes(c.name))) {
    throw new Error(`rebuildSqliteTable: cannot drop primary-key columns of ${table}`);
  }
  const withoutRowid = /without\s+rowid\s*$/i.test(master[0]?.sql ?? '');
  const key = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  const staging = `${table}__rebuild`;
  // Never left over by this code (it runs in a transaction), but harmless to clear.
  await sql`drop table if exists ${sql.table(staging)}`.execute(db);
  const columns = kept.map((c) => sql`${sql.ref(c.name)} ${sql.raw(c.type)}${sql.raw(c.notnull ? ' not null' : '')}`);
  const constraint = key.length ? [sql`constraint ${sql.ref(`${table}_pk`)} primary key (${sql.join(key.map((k) => sql.ref(k)))})`] : [];
  await sql`create table ${sql.table(staging)} (${sql.join([...columns, ...constraint])})${sql.raw(withoutRowid ? ' without rowid' : '')}`.execute(db);
  const names = sql.join(kept.map((c) => sql.ref(c.name)));
  await sql`insert into ${sql.table(staging)} (${names}) select ${names} from ${sql.table(table)}`.execute(db);
  await sql`drop table ${sql.table(table)}`.execute(db);
  await sql`alter table ${sql.table(staging)} rename to ${sql.table(table)}`.execute(db);
}
