/** Connection settings every featureflow SQLite connection uses, on the main thread and on I/O threads alike. */
import type SQLite from 'better-sqlite3';

/**
 * Page cache of a connection that writes partitions: big enough for the B-tree pages a backfill
 * appends to (the right edge of each table's tree). 16 MiB was no faster than 4 (10-year
 * with-upstream backfill 76.2 vs 75.4 s; features-c 365 days 2.91 vs 2.65 s) and held 9 MiB more
 * of the worker's peak RSS, since a long backfill fills whatever cache it is given.
 */
export const WRITER_CACHE_MIB = 4;
/** Page cache of a connection that only reads ranges (sequential; the OS page cache does the rest). */
export const READER_CACHE_MIB = 2;

/** Applies WAL mode, the busy timeout and the bulk-write tuning to a fresh connection with a `cacheMib` page cache. */
export function configureSqlite(sqlite: SQLite.Database, cacheMib: number): void {
  // WAL: readers never block the writer, so several worker processes, I/O threads and the
  // client share one file. NORMAL is durable at every checkpoint and crash-safe always.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 15000');
  // Bulk partition writes: a writer's page cache keeps the B-tree pages a backfill appends
  // to hot, and checkpointing the WAL every 20,000 pages (~80 MiB) instead of SQLite's 1,000 stops each
  // hot page being copied back to the database file again and again. Together they double the
  // write rate (docs/backfill.md); the WAL file is trimmed back to 64 MiB after a checkpoint.
  sqlite.pragma(`cache_size = -${Math.round(cacheMib * 1024)}`);
  sqlite.pragma('wal_autocheckpoint = 20000');
  sqlite.pragma('journal_size_limit = 67108864');
}
