/**
 * Recently written partitions, kept in the worker's memory so the next flow does not read them
 * back from the database. A backfill and the daily pipeline write candles, then read them for
 * features B and C, then read candles and both feature sets for the evaluation: on SQLite those
 * reads cost as much CPU as the writes. Here each written day stays (as stored) under its
 * ledger checksum, and a reader uses a day only when the ledger row it just read carries the
 * same checksum. A partition rewritten by any other process has a different checksum (unless it
 * holds the same numbers), so a stale copy is never used; a miss just reads the database.
 * Bounded by bytes, least recently used first out.
 *
 * The copy is made before the write, not after: on SQLite the I/O thread writes from it (its
 * buffers are shared memory, so the thread reads them without another copy), and the cache keeps
 * it once the write has committed. An evicted day's buffers are reused for the next day staged
 * (most days have the same 1,440 rows), so a backfill that writes thousands of days allocates
 * almost nothing here and leaves no garbage behind it. That is safe because nothing holds a
 * cached array beyond a synchronous copy: `readColumnsVerified` copies hits out before it awaits.
 */

/** One cached day of a time-series table: its timestamps and columns, as the database returns them. */
export interface CachedDay {
  readonly ts: Float64Array;
  readonly columns: ReadonlyMap<string, Float64Array>;
}

/**
 * One day's arrays as the database stores them, staged for a write: in shared buffers owned by
 * the cache, which keeps them once the write commits ({@link PartitionCache.adopt}).
 */
export interface StagedDay {
  readonly ts: Float64Array;
  readonly columns: ReadonlyMap<string, Float64Array>;
  readonly bytes: number;
}

interface Entry extends StagedDay {
  readonly checksum: string;
}

/** Bytes of evicted buffers kept for reuse: a few days' worth; each staged day takes its buffers back out. */
const SPARE_BYTES = 4 * 1024 * 1024;

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
  /** Evicted buffers by length, for the next staged day. */
  private readonly spare = new Map<number, Float64Array[]>();
  private spareBytes = 0;

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
    const staged = this.stage(ts, columns);
    if (staged) this.adopt(table, symbol, day, checksum, staged);
    else this.forget(table, symbol, day);
  }

  /**
   * Copies one day as the database will store it into buffers of the cache (shared memory, so an
   * I/O thread can write from them without a copy). Undefined when the day alone exceeds the
   * bound. Hand it to {@link adopt} once written, or back with {@link discard} if the write failed.
   */
  stage(ts: ArrayLike<number>, columns: Readonly<Record<string, ArrayLike<number>>>): StagedDay | undefined {
    const names = Object.keys(columns);
    const bytes = (names.length + 1) * ts.length * Float64Array.BYTES_PER_ELEMENT;
    if (bytes > this.maxBytes) return undefined;
    const copied = new Map<string, Float64Array>();
    for (const name of names) copied.set(name, this.asStored(columns[name]));
    const tsCopy = this.buffer(ts.length);
    tsCopy.set(ts);
    return { ts: tsCopy, columns: copied, bytes };
  }

  /** Keeps a staged day under the checksum its write recorded, evicting the least recently used days over the bound. */
  adopt(table: string, symbol: string, day: string, checksum: string, staged: StagedDay): void {
    const key = cacheKey(table, symbol, day);
    this.drop(key);
    this.entries.set(key, { ...staged, checksum });
    this.bytes += staged.bytes;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(oldest);
    }
  }

  /** Takes back a staged day that will not be kept (its write failed). */
  discard(staged: StagedDay): void {
    this.recycle(staged);
  }

  /** Would {@link recall} hit? Counts a miss when not (a hit is counted by the recall that follows). */
  holds(table: string, symbol: string, day: string, checksum: string, columns: readonly string[]): boolean {
    const held = this.matching(cacheKey(table, symbol, day), checksum, columns) !== undefined;
    if (!held) this.misses++;
    return held;
  }

  /**
   * The cached day when it was written with `checksum` and has every column asked for; otherwise
   * undefined (a miss). Its arrays are the cache's own and are reused once the day is evicted:
   * copy what you need before anything else can run (before an `await`).
   */
  recall(table: string, symbol: string, day: string, checksum: string, columns: readonly string[]): CachedDay | undefined {
    const key = cacheKey(table, symbol, day);
    const entry = this.matching(key, checksum, columns);
    if (!entry) {
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

  /** The entry under `key` if it was written with `checksum` and has every column asked for. */
  private matching(key: string, checksum: string, columns: readonly string[]): Entry | undefined {
    const entry = this.entries.get(key);
    return entry && entry.checksum === checksum && columns.every((c) => entry.columns.has(c)) ? entry : undefined;
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
    this.recycle(entry);
  }

  /** Keeps a dropped day's buffers for the next staged day, up to {@link SPARE_BYTES}. */
  private recycle(day: StagedDay): void {
    for (const array of [day.ts, ...day.columns.values()]) {
      if (this.spareBytes + array.byteLength > SPARE_BYTES) return;
      const list = this.spare.get(array.length) ?? [];
      list.push(array);
      this.spare.set(array.length, list);
      this.spareBytes += array.byteLength;
    }
  }

  /** A buffer of `length` values: a spare one, or a new one in shared memory. */
  private buffer(length: number): Float64Array {
    const reused = this.spare.get(length)?.pop();
    if (reused) {
      this.spareBytes -= reused.byteLength;
      return reused;
    }
    return new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
  }

  private asStored(values: ArrayLike<number>): Float64Array {
    const copy = this.buffer(values.length);
    copy.set(values);
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
