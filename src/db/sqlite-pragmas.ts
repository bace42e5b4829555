/** Connection settings every featureflow SQLite connection uses, on the main thread and on I/O threads alike. */
import type SQLite from 'better-sqlite3';

/** Applies WAL mode, the busy timeout and the bulk-write tuning to a fresh connection. */
export function configureSqlite(sqlite: SQLite.Database): void {
  // WAL: readers never block the writer, so several worker processes, I/O threads and the
  // client share one file. NORMAL is durable at every checkpoint and crash-safe always.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 15000');
  // Bulk partition writes: a 16 MiB page cache keeps the B-tree pages a backfill appends to hot,
  // and checkpointing the WAL every 20,000 pages (~80 MiB) instead of SQLite's 1,000 stops each
  // hot page being copied back to the database file again and again. Together they double the
  // write rate (docs/backfill.md); the WAL file is trimmed back to 64 MiB after a checkpoint.
  sqlite.pragma('cache_size = -16384');
  sqlite.pragma('wal_autocheckpoint = 20000');
  sqlite.pragma('journal_size_limit = 67108864');
}
