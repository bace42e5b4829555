/**
 * Opens the database named by configuration: a SQLite file by default (WAL mode, so several
 * worker processes and the client can share it), or PostgreSQL when given a postgres:// URL.
 * The rest of the code sees only the typed Kysely handle.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { Pool, types } from 'pg';
import type { Database, Db } from './schema';
import { MIGRATIONS } from './migrations';
import { runMigrations } from './migrations/runner';
import { ensureFeatureTables } from './feature-tables';
import { FLOW_GRAPH } from '../flows/registry';
import type { FlowDefinition } from '../flows/types';
import { configureSqlite, READER_CACHE_MIB, WRITER_CACHE_MIB } from './sqlite-pragmas';
import { SqliteIoThreads } from './io-threads';
import { PartitionCache } from './partition-cache';
import { isPostgresUrl, maskUrl, sqliteFile } from './url';

export { isPostgresUrl, maskUrl, sqliteFile };

/** Where the data lives: a SQLite file path, or a PostgreSQL connection URL. */
export interface DatabaseTarget {
  /** `postgres://user:pass@host:5432/db` selects PostgreSQL; anything else is a SQLite file path. */
  readonly url: string;
  /**
   * SQLite files only: run hot reads and partition writes on this many I/O threads (0 = on the
   * calling thread). Workers use them so SQLite never blocks Temporal; short-lived clients do not.
   */
  readonly ioThreads?: number;
  /**
   * Worker processes: keep up to this many MiB of the days they write in memory, so the next
   * flow reads them from there once the ledger's checksum confirms them (see `partition-cache.ts`).
   * 0 or absent: off.
   */
  readonly partitionCacheMb?: number;
  /**
   * Open for reading only (the CLI's and the client library's read commands): a SQLite file must
   * already exist (it is never created) and is opened read-only; PostgreSQL sessions are read-only.
   */
  readonly readOnly?: boolean;
  /**
   * PostgreSQL only: `false` makes this pool's commits not wait for the WAL flush
   * (`synchronous_commit = off`); a server crash may then lose the last moments of commits,
   * always as a consistent prefix. Absent or `true`: PostgreSQL's default (wait).
   */
  readonly pgSynchronousCommit?: boolean;
}

/** The pool's startup `options`: read-only sessions, and/or commits that do not wait for the WAL flush. */
function poolOptions(target: DatabaseTarget): { options?: string } {
  const flags = [...(target.readOnly ? ['-c default_transaction_read_only=on'] : []), ...(target.pgSynchronousCommit === false ? ['-c synchronous_commit=off'] : [])];
  return flags.length ? { options: flags.join(' ') } : {};
}

// bigint columns hold epoch milliseconds, well inside Number's exact range.
types.setTypeParser(types.builtins.INT8, (v: string) => Number(v));

/** The partition cache a target asks for, if any; PostgreSQL keeps -0.0, SQLite does not. */
function partitionCache(target: DatabaseTarget, keepsNegativeZero: boolean): PartitionCache | undefined {
  return target.partitionCacheMb ? new PartitionCache(target.partitionCacheMb * 2 ** 20, keepsNegativeZero) : undefined;
}

/** Opens (and, for SQLite, creates) the database. Does not migrate; see {@link migrateToLatest}. */
export async function openDatabase(target: DatabaseTarget): Promise<Db> {
  if (isPostgresUrl(target.url)) {
    const pool = new Pool({
      connectionString: target.url,
      max: 8,
      connectionTimeoutMillis: 10_000,
      // Startup parameters: every connection of the pool gets them, with no statement to send.
      ...poolOptions(target),
    });
    // An idle connection the server dropped (a restart, a failover) is an 'error' on the pool;
    // unhandled, it would kill the process. The pool discards it; the next query reconnects
    // and the storage retry (transient.ts) waits out the outage.
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      client.release();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new Error(
        `Cannot connect to PostgreSQL at ${maskUrl(target.url)}: ${(err as Error).message}. ` +
          'Check DATABASE_URL (host, port, user, password, database) and that the server is running.',
      );
    }
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { kysely, dialect: 'postgres', description: maskUrl(target.url), pg: pool, recent: partitionCache(target, true), close: () => kysely.destroy() };
  }
  const file = sqliteFile(target.url);
  if (target.readOnly && !fs.existsSync(file)) throw new Error(`no featureflow database at ${path.resolve(file)} (check DATABASE_URL / FEATUREFLOW_DATA_DIR)`);
  if (file !== ':memory:' && !target.readOnly) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let sqlite: SQLite.Database;
  try {
    sqlite = new SQLite(file, target.readOnly ? { readonly: true, fileMustExist: true } : {});
  } catch (err) {
    throw new Error(`Cannot open SQLite database ${file}: ${(err as Error).message}`);
  }
  // A reader changes no settings of the file (that would need write access); it only waits out writers.
  if (target.readOnly) sqlite.pragma('busy_timeout = 15000');
  // With I/O threads this connection only reads the ledger and writes logs; the writer thread gets the big cache.
  else configureSqlite(sqlite, target.ioThreads ? READER_CACHE_MIB : WRITER_CACHE_MIB);
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  // A thread's own connection sees the same data only through a file.
  const io = target.ioThreads && file !== ':memory:' ? new SqliteIoThreads(path.resolve(file), target.ioThreads) : undefined;
  return {
    kysely,
    dialect: 'sqlite',
    description: `sqlite:${file}`,
    sqlite,
    io,
    recent: partitionCache(target, false),
    close: async () => {
      await io?.close();
      await kysely.destroy();
    },
  };
}

/**
 * Brings the schema up to date; safe to call on every start, from several processes at once,
 * and after a crash mid-migration (each step is atomic; see `migrations/runner.ts`).
 */
export async function migrateToLatest(db: Db): Promise<void> {
  try {
    await runMigrations(db.kysely as unknown as Kysely<unknown>, db.dialect, MIGRATIONS);
  } catch (err) {
    throw new Error(`Database migration failed on ${db.description}: ${(err as Error).message}`, { cause: err });
  }
}

/** Opens the database and migrates it to the latest schema, with a table for every feature flow of `flows` (default: the registry's). */
export async function openMigratedDatabase(target: DatabaseTarget, flows: readonly FlowDefinition[] = FLOW_GRAPH.flows): Promise<Db> {
  const db = await openDatabase(target);
  try {
    await migrateToLatest(db);
    await ensureFeatureTables(db, flows);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
