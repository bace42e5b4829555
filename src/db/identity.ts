/**
 * A database's identity (migration 006): what workers and clients compare so that one task
 * queue serves one database. Reading it never creates anything: a client whose database does
 * not exist (or cannot be reached) simply has no identity to send.
 */
import fs from 'node:fs';
import SQLite from 'better-sqlite3';
import { Client } from 'pg';
import { isPostgresUrl } from './connect';
import type { Db } from './schema';

/** The identity of an open, migrated database. */
export async function readDatabaseIdentity(db: Db): Promise<string> {
  const row = await db.kysely.selectFrom('database_identity').select('id').orderBy('created_at').executeTakeFirst();
  if (!row) throw new Error(`database ${db.description} has no identity row (migration 006 incomplete?)`);
  return row.id;
}

/** The identity of the database at `url`, or undefined when it does not exist, is not migrated or cannot be reached. */
export async function peekDatabaseIdentity(url: string): Promise<string | undefined> {
  try {
    if (isPostgresUrl(url)) {
      const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
      await client.connect();
      try {
        const res = await client.query<{ id: string }>('select id from database_identity order by created_at limit 1');
        return res.rows[0]?.id;
      } finally {
        await client.end();
      }
    }
    const file = url.replace(/^sqlite:(\/\/)?/, '');
    if (file === ':memory:' || !fs.existsSync(file)) return undefined;
    const sqlite = new SQLite(file, { readonly: true, fileMustExist: true });
    try {
      return (sqlite.prepare('select id from database_identity order by created_at limit 1').get() as { id: string } | undefined)?.id;
    } finally {
      sqlite.close();
    }
  } catch {
    return undefined;
  }
}
