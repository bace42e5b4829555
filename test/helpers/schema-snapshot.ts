/** What tests of migrations compare: a database's logical schema, every row, and its applied migration steps. */
import { sql } from 'kysely';
import type { Db } from '../../src/db/schema';

/** Everything a migration decides: the schema (tables, columns, keys, indexes), every row, the applied steps. */
export async function schemaAndData(db: Db): Promise<unknown> {
  const k = db.kysely;
  // The old runner's lock table is not ours to compare; it stays behind, unused.
  // Logical schema, not SQL text: a table rebuilt by copy and swap and one altered in place are the same table.
  const schema =
    db.dialect === 'sqlite'
      ? [
          ...(await sql`select m.name as tbl, m.sql like '%without rowid' as without_rowid, c.name, lower(c.type) as type, c."notnull", c.pk, c.dflt_value
              from sqlite_master m join pragma_table_info(m.name) c where m.type = 'table' and m.name <> 'kysely_migration_lock' order by m.name, c.cid`.execute(k)).rows,
          ...(await sql`select name, tbl_name, sql from sqlite_master where type = 'index' and sql is not null order by name`.execute(k)).rows,
        ]
      : [
          ...(await sql`select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns
              where table_schema = current_schema() and table_name <> 'kysely_migration_lock' order by table_name, column_name`.execute(k)).rows,
          ...(await sql`select tablename, indexname, indexdef from pg_indexes where schemaname = current_schema()
              and tablename <> 'kysely_migration_lock' order by indexname`.execute(k)).rows,
        ];
  const data: Record<string, unknown[]> = {};
  for (const table of ['candles', 'features_b', 'features_c', 'evaluations', 'materializations', 'materialization_inputs', 'logs']) {
    data[table] = (await sql`select * from ${sql.table(table)} order by 1, 2`.execute(k)).rows;
  }
  const applied = (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(k)).rows.map((r) => r.name);
  return { schema, data, applied };
}
