/**
 * `database_identity`: one row naming this database, made once when it is first migrated. A
 * worker reads it at start and a run carries the identity it was started with, so an activity
 * on a worker of another database fails instead of splitting a run across two databases.
 * Idempotent, like every step (`runner.ts`): an existing table and row are kept.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';

/** Creates the table and, unless it has one, the database's identity. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('database_identity')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  const typed = db as Kysely<{ database_identity: { id: string; created_at: number } }>;
  if (await typed.selectFrom('database_identity').select('id').executeTakeFirst()) return;
  await typed.insertInto('database_identity').values({ id: `db-${randomUUID()}`, created_at: Date.now() }).execute();
}
