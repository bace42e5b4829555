/**
 * The migration runner: applies a list of steps in order, each in ONE transaction together
 * with the row that records it, so a process killed at any statement leaves the database
 * either before the step or after it, and the next start simply carries on.
 *
 * Why not Kysely's `Migrator`: on SQLite it runs migrations outside any transaction (its
 * SQLite adapter says DDL is not transactional, which SQLite's DDL is) and records a migration
 * only after its last statement; a kill in between left tables without their migration row and
 * every later start failed (issue 18). The bookkeeping table is still Kysely's
 * (`kysely_migration`: name, timestamp), so databases it migrated carry on here.
 *
 * Steps are general: anything that can run on a connection inside a transaction, so schema
 * derived at migrate time (e.g. one table per declared flow) is just more steps in the list.
 */
import { setTimeout } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { DialectKind } from '../schema';

/** One atomic schema change. */
export interface MigrationStep {
  /** Unique, recorded once applied; never rename a step that has shipped. */
  readonly name: string;
  /**
   * The change, run on `db` (a connection inside the step's transaction). It should also be
   * safe on a database where an older, non-transactional runner applied part of it.
   */
  up(db: Kysely<unknown>, dialect: DialectKind): Promise<void>;
}

/** Where applied steps are recorded (Kysely's table, so databases it migrated carry on). */
export const MIGRATION_TABLE = 'kysely_migration';
/** PostgreSQL advisory lock key of migrations: concurrent starts apply each step once. */
const PG_LOCK_KEY = 7_305_118_018;

/** How long a start waits for another connection's migration step to finish. */
const SQLITE_LOCK_WAIT_MS = 10 * 60_000;

/**
 * BEGIN IMMEDIATE: takes SQLite's write lock up front, so a second migrator waits here instead
 * of failing later when its read transaction tries to become a write transaction. It waits by
 * retrying asynchronously, not in SQLite's busy handler: that handler blocks the thread, and
 * connections of the same process (tests, `npm start`) would wait for each other forever.
 */
async function beginImmediate(conn: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ timeout: number }>`pragma busy_timeout`.execute(conn);
  await sql.raw('pragma busy_timeout = 0').execute(conn);
  try {
    const deadline = Date.now() + SQLITE_LOCK_WAIT_MS;
    for (;;) {
      try {
        await sql.raw('begin immediate').execute(conn);
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
        await setTimeout(25);
      }
    }
  } finally {
    await sql.raw(`pragma busy_timeout = ${Number(rows[0]?.timeout ?? 0)}`).execute(conn);
  }
}

/** Runs `work` in one transaction on one connection; on SQLite it takes the write lock up front. */
async function inTransaction<T>(db: Kysely<unknown>, dialect: DialectKind, work: (conn: Kysely<unknown>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    try {
      if (dialect === 'sqlite') await beginImmediate(conn);
      else await sql.raw('begin').execute(conn);
      if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${sql.lit(PG_LOCK_KEY)})`.execute(conn);
      const result = await work(conn);
      await sql.raw('commit').execute(conn);
      return result;
    } catch (err) {
      // After a failed begin or commit there may be nothing to roll back; the original error matters.
      await sql.raw('rollback').execute(conn).catch(() => undefined);
      throw err;
    }
  });
}

/** Names of the steps already applied. */
async function appliedSteps(conn: Kysely<unknown>): Promise<Set<string>> {
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(conn);
  return new Set(rows.map((r) => r.name));
}

/**
 * Applies every step of `steps` not yet recorded, in list order, one transaction each. Safe
 * to call on every start, from several processes at once, and after a crash at any point.
 * Throws if the database records a step this list does not know (it was migrated by a newer
 * featureflow), naming the step.
 */
export async function runMigrations(db: Kysely<unknown>, dialect: DialectKind, steps: readonly MigrationStep[]): Promise<void> {
  await inTransaction(db, dialect, async (conn) => {
    await sql`create table if not exists ${sql.table(MIGRATION_TABLE)} (name varchar(255) not null primary key, timestamp varchar(255) not null)`.execute(conn);
    const known = new Set(steps.map((s) => s.name));
    const unknown = [...(await appliedSteps(conn))].filter((name) => !known.has(name));
    if (unknown.length) {
      throw new Error(`the database was migrated by a newer featureflow (unknown migrations: ${unknown.join(', ')}); run that version or newer`);
    }
  });
  for (const step of steps) {
    try {
      await inTransaction(db, dialect, async (conn) => {
        // Checked again under the lock: another process may have applied it meanwhile.
        if ((await appliedSteps(conn)).has(step.name)) return;
        await step.up(conn, dialect);
        await sql`insert into ${sql.table(MIGRATION_TABLE)} (name, timestamp) values (${step.name}, ${new Date().toISOString()})`.execute(conn);
      });
    } catch (err) {
      throw new Error(`migration ${step.name} failed (rolled back; the database is as before it): ${(err as Error).message}`, { cause: err });
    }
  }
}
