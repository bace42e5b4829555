/**
 * Storage errors that pass by themselves — a locked SQLite file, a full disk, an I/O error, a
 * PostgreSQL server restarting or refusing connections — and the retry that waits them out at
 * the storage boundary. Waiting here, instead of failing the activity, keeps the chunk's
 * finished partitions and its retry attempts (which worker crashes also use up), and rides out
 * an outage far longer than the activity retry policy's few seconds of back-off would. Anything
 * else (a constraint, a missing table, bad input) is not transient and fails at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';

/** How long an operation keeps retrying a transient storage error before it gives up (docs/reliability.md). */
export const STORAGE_RETRY_MS = 60_000;
const FIRST_WAIT_MS = 250;
const MAX_WAIT_MS = 5_000;

// SQLite result codes (better-sqlite3 puts them in `code`, extended codes included, e.g. SQLITE_IOERR_WRITE).
const SQLITE_TRANSIENT = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|PROTOCOL|CANTOPEN)(_|$)/;
// PostgreSQL SQLSTATEs: 08 connection exception, 53 insufficient resources (53100 disk full),
// 57P01-03 shutdown / cannot connect now, 40001 serialization failure, 40P01 deadlock.
const PG_TRANSIENT = /^(08...|53...|57P0[123]|40001|40P01)$/;
// Socket-level errors of a server that is down or restarting.
const NET_TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
// node-postgres reports a dropped or never-established connection without a code.
const PG_CONNECTION_LOST = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/** True for a storage error that may pass if the same operation is simply tried again later (its causes are looked at too). */
export function isTransientStorageError(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (SQLITE_TRANSIENT.test(code) || PG_TRANSIENT.test(code) || NET_TRANSIENT.has(code))) return true;
    if (PG_CONNECTION_LOST.test(e.message)) return true;
  }
  return false;
}

/** The running activity's logger, when called inside one (storage is also used by the CLI). */
function activityLog(): Context['log'] | undefined {
  try {
    return Context.current().log;
  } catch {
    return undefined;
  }
}

/**
 * Runs `operation`, and again after a growing pause (0.25 s doubling to 5 s) whenever it fails
 * with a transient storage error, for up to `budgetMs`; then, or at once for any other error,
 * rethrows. `operation` must be safe to repeat: a whole transaction, or a read.
 */
export async function withStorageRetry<T>(what: string, operation: () => Promise<T>, budgetMs = STORAGE_RETRY_MS): Promise<T> {
  const deadline = Date.now() + budgetMs;
  let wait = FIRST_WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      if (!isTransientStorageError(err) || Date.now() + wait > deadline) throw err;
      activityLog()?.warn('transient storage error, retrying', { what, attempt, waitMs: wait, error: (err as Error).message });
      await sleep(wait);
      wait = Math.min(wait * 2, MAX_WAIT_MS);
    }
  }
}
