/**
 * Recently written partitions, kept in the worker's memory so the next flow does not read them
 * back from the database. A backfill and the daily pipeline write candles, then read them for
 * features B and C, then read candles and both feature sets for the evaluation: on SQLite those
 * reads cost as much CPU as the writes. Here each written day stays (as stored) under its
 * ledger checksum, and a reader uses a day only when the ledger row it just read carries the
 * same checksum. A partition rewritten by any other process has a different checksum (unless it
 * holds the same numbers), so a stale copy is never used; a miss just reads the database.
 * Bounded by bytes, least recently used first out.
 */

/** One cached day of a time-series table: its timestamps and columns, as the database returns them. */
export interface CachedDay {
  readonly ts: Float64Array;
  readonly columns: ReadonlyMap<string, Float64Array>;
}

interface Entry extends CachedDay {
  readonly checksum: string;
  readonly bytes: number;
}

/** How the cache is used: hits and misses (days) since the process started, and what it holds. */
export interface PartitionCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly days: number;
  readonly bytes: number;
}

/** A byte-bounded LRU of written days, keyed by table, symbol and day and verified by checksum. */
export class PartitionCache {
  // A Map iterates in insertion order: re-inserting on use makes the first key the least recent.
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;

  /**
   * @param maxBytes upper bound of the cached arrays' bytes.
   * @param keepsNegativeZero false for SQLite, which stores -0.0 as the integer 0 and reads back
   *   +0.0: the cache hands out exactly what a database read would.
   */
  constructor(
    private readonly maxBytes: number,
    private readonly keepsNegativeZero: boolean,
  ) {}

  /** Keeps a copy of one written day (rows of `ts` with the same index in every column). */
  remember(table: string, symbol: string, day: string, checksum: string, ts: ArrayLike<number>, columns: Readonly<Record<string, ArrayLike<number>>>): void {
    const names = Object.keys(columns);
    const bytes = (names.length + 1) * ts.length * Float64Array.BYTES_PER_ELEMENT;
    const key = cacheKey(table, symbol, day);
    this.drop(key);
    if (bytes > this.maxBytes) return;
    const copied = new Map<string, Float64Array>();
    for (const name of names) copied.set(name, this.asStored(columns[name]));
    this.entries.set(key, { checksum, bytes, ts: Float64Array.from(ts), columns: copied });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }

  /** The cached day when it was written with `checksum` and has every column asked for; otherwise undefined (a miss). */
  recall(table: string, symbol: string, day: string, checksum: string, columns: readonly string[]): CachedDay | undefined {
    const key = cacheKey(table, symbol, day);
    const entry = this.entries.get(key);
    if (!entry || entry.checksum !== checksum || !columns.every((c) => entry.columns.has(c))) {
      this.misses++;
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    return entry;
  }

  /** Drops one day: a write of it is under way, and may fail or change it. */
  forget(table: string, symbol: string, day: string): void {
    this.drop(cacheKey(table, symbol, day));
  }

  /** Counters for logs and the bench. */
  stats(): PartitionCacheStats {
    return { hits: this.hits, misses: this.misses, days: this.entries.size, bytes: this.bytes };
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }

  private asStored(values: ArrayLike<number>): Float64Array {
    const copy = Float64Array.from(values);
    if (!this.keepsNegativeZero) {
      for (let i = 0; i < copy.length; i++) if (copy[i] === 0) copy[i] = 0;
    }
    return copy;
  }
}

/** The key of one table's day of one symbol. */
function cacheKey(table: string, symbol: string, day: string): string {
  return `${table}\u0000${symbol}\u0000${day}`;
}
