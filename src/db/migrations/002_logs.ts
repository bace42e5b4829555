/** The `logs` table: every worker's workflow and activity log lines, readable per run tree. */
import type { Kysely } from 'kysely';
import type { DialectKind } from '../schema';
import { tableExists } from './existing';

const COLUMNS = [
  'id', 'ts', 'level', 'message', 'workflow_id', 'run_id', 'root_workflow_id', 'root_run_id', 'parent_workflow_id',
  'workflow_type', 'flow', 'symbol', 'partition', 'activity_type', 'attempt', 'worker', 'attrs',
] as const;
const NOT_NULL: ReadonlySet<string> = new Set(['ts', 'level', 'message', 'worker']);
const INTEGERS: ReadonlySet<string> = new Set(['attempt']);

/**
 * Creates `logs` with an auto-increment id (SQLite `integer primary key`, PostgreSQL `bigserial`)
 * and its indexes; whatever of them the old runner left behind is kept.
 */
export async function up(db: Kysely<unknown>, dialect: DialectKind): Promise<void> {
  const postgres = dialect === 'postgres';
  if (!(await tableExists(db, dialect, 'logs', COLUMNS))) {
    let builder = db.schema
      .createTable('logs')
      .addColumn('id', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('ts', 'bigint', (c) => c.notNull());
    for (const name of COLUMNS.slice(2)) {
      builder = builder.addColumn(name, INTEGERS.has(name) ? 'integer' : 'text', (c) => (NOT_NULL.has(name) ? c.notNull() : c));
    }
    await builder.execute();
  }
  // A tree's stream is read by root then insertion order; a subtree by its workflows; retention by time.
  await db.schema.createIndex('logs_root_id').ifNotExists().on('logs').columns(['root_workflow_id', 'id']).execute();
  await db.schema.createIndex('logs_workflow').ifNotExists().on('logs').columns(['workflow_id']).execute();
  await db.schema.createIndex('logs_ts').ifNotExists().on('logs').columns(['ts']).execute();
}
