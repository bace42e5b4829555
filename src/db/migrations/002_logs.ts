/** The `logs` table: every worker's workflow and activity log lines, readable per run tree. */
import { PostgresAdapter, type Kysely } from 'kysely';

/** Creates `logs` with an auto-increment id (SQLite `integer primary key`, PostgreSQL `bigserial`). */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('logs')
    .addColumn('id', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'text')
    .addColumn('run_id', 'text')
    .addColumn('root_workflow_id', 'text')
    .addColumn('root_run_id', 'text')
    .addColumn('parent_workflow_id', 'text')
    .addColumn('workflow_type', 'text')
    .addColumn('flow', 'text')
    .addColumn('symbol', 'text')
    .addColumn('partition', 'text')
    .addColumn('activity_type', 'text')
    .addColumn('attempt', 'integer')
    .addColumn('worker', 'text', (c) => c.notNull())
    .addColumn('attrs', 'text')
    .execute();
  // A tree's stream is read by root then insertion order; a subtree by its workflows; retention by time.
  await db.schema.createIndex('logs_root_id').on('logs').columns(['root_workflow_id', 'id']).execute();
  await db.schema.createIndex('logs_workflow').on('logs').columns(['workflow_id']).execute();
  await db.schema.createIndex('logs_ts').on('logs').columns(['ts']).execute();
}

/** Drops the table and its indexes. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('logs').ifExists().execute();
}
