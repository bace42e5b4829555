/**
 * Column-oriented reads of time-series tables into typed arrays, the shape the pure feature
 * algorithms take. NULL comes back as NaN.
 */
import { DAY_MS, dayOf, dayStartMs, daysOf } from '../core/dates';
import { CANDLE_VALUE_COLUMNS, type CandleColumns } from '../features/types';
import { sliceBounds } from '../core/arrays';
import type { CachedDay } from './partition-cache';
import type { Db } from './schema';
import { sqliteReadColumns } from './sqlite-fast';
import { pgReadColumns } from './pg-fast';
import { withStorageRetry } from './transient';

/** Candles of `symbol` with `fromMs <= ts < toMs`, in time order (transient storage errors are waited out). */
export async function readCandles(db: Db, symbol: string, fromMs: number, toMs: number): Promise<CandleColumns> {
  return withStorageRetry(`read candles ${symbol}`, () => readCandlesOnce(db, symbol, fromMs, toMs));
}

async function readCandlesOnce(db: Db, symbol: string, fromMs: number, toMs: number): Promise<CandleColumns> {
  if (db.sqlite) {
    const { ts, values } = db.io
      ? await db.io.read('candles', symbol, CANDLE_VALUE_COLUMNS, fromMs, toMs)
      : sqliteReadColumns(db.sqlite, 'candles', symbol, CANDLE_VALUE_COLUMNS, fromMs, toMs);
    const [open, high, low, close, volume] = values;
    return { ts, open, high, low, close, volume };
  }
  const { ts, values } = await readColumnsOnce(db, 'candles', symbol, CANDLE_VALUE_COLUMNS, fromMs, toMs);
  return { ts, open: values.open, high: values.high, low: values.low, close: values.close, volume: values.volume };
}

/** A time-series table's name. */
export type SeriesTable = string;

/**
 * Chosen columns of a time-series table (candles or a feature table) for `fromMs <= ts < toMs`,
 * with their timestamps (transient storage errors are waited out).
 */
export async function readColumns(
  db: Db,
  table: SeriesTable,
  symbol: string,
  columns: readonly string[],
  fromMs: number,
  toMs: number,
): Promise<{ ts: Float64Array; values: Record<string, Float64Array> }> {
  return withStorageRetry(`read ${table} ${symbol}`, () => readColumnsOnce(db, table, symbol, columns, fromMs, toMs));
}

async function readColumnsOnce(
  db: Db,
  table: SeriesTable,
  symbol: string,
  columns: readonly string[],
  fromMs: number,
  toMs: number,
): Promise<{ ts: Float64Array; values: Record<string, Float64Array> }> {
  if (db.sqlite) {
    const read = db.io ? await db.io.read(table, symbol, columns, fromMs, toMs) : sqliteReadColumns(db.sqlite, table, symbol, columns, fromMs, toMs);
    return { ts: read.ts, values: Object.fromEntries(columns.map((c, i) => [c, read.values[i]])) };
  }
  if (!db.pg) throw new Error(`no column reader for ${db.description}`);
  const read = await pgReadColumns(db.pg, table, symbol, columns, fromMs, toMs);
  return { ts: read.ts, values: Object.fromEntries(columns.map((c, i) => [c, read.values[i]])) };
}

/**
 * {@link readColumns}, but days the worker wrote itself come from its partition cache when the
 * ledger's checksum of that day (`checksums`, day -> checksum, as just read from the ledger)
 * matches the cached copy; the other days are read from the database in contiguous runs.
 * Same result as {@link readColumns} either way; `cachedDays` and `databaseDays` count the days
 * (whole or partial) that came from each.
 */
export async function readColumnsVerified(
  db: Db,
  table: SeriesTable,
  symbol: string,
  columns: readonly string[],
  fromMs: number,
  toMs: number,
  checksums: ReadonlyMap<string, string>,
): Promise<{ ts: Float64Array; values: Record<string, Float64Array>; cachedDays: number; databaseDays: number }> {
  const cache = db.recent;
  const days = toMs > fromMs ? daysOf(dayOf(fromMs), dayOf(toMs - 1)) : [];
  if (!cache || !days.length) return { ...(await readColumns(db, table, symbol, columns, fromMs, toMs)), cachedDays: 0, databaseDays: days.length };
  // In time order: a day the cache holds, or a run of days to read from the database. The
  // database reads come first; the cached days are copied out after them, with no await in
  // between, because the cache reuses an evicted day's buffers for the next day written.
  type Part = { cached: { day: string; checksum: string; fromMs: number; toMs: number } } | { read: Promise<{ ts: Float64Array; values: Record<string, Float64Array> }> };
  const parts: Part[] = [];
  let cachedDays = 0;
  let missFrom: number | undefined;
  const closeMisses = (untilMs: number): void => {
    if (missFrom === undefined) return;
    parts.push({ read: readColumns(db, table, symbol, columns, missFrom, untilMs) });
    missFrom = undefined;
  };
  for (const day of days) {
    const dayStart = Math.max(dayStartMs(day), fromMs);
    const dayEnd = Math.min(dayStartMs(day) + DAY_MS, toMs);
    const checksum = checksums.get(day);
    if (checksum === undefined || !cache.holds(table, symbol, day, checksum, columns)) {
      missFrom ??= dayStart;
      continue;
    }
    closeMisses(dayStart);
    parts.push({ cached: { day, checksum, fromMs: dayStart, toMs: dayEnd } });
    cachedDays++;
  }
  closeMisses(toMs);
  const read = parts.some((p) => 'read' in p) ? await Promise.all(parts.map((p) => ('read' in p ? p.read : undefined))) : [];
  // From here on synchronous. A day evicted while the database reads ran is read again, with the whole range.
  const segments: Array<{ ts: Float64Array; values: Record<string, Float64Array> }> = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (!('cached' in part)) {
      segments.push(read[i] as { ts: Float64Array; values: Record<string, Float64Array> });
      continue;
    }
    const hit = cache.recall(table, symbol, part.cached.day, part.cached.checksum, columns);
    if (!hit) return { ...(await readColumns(db, table, symbol, columns, fromMs, toMs)), cachedDays: 0, databaseDays: days.length };
    segments.push(clip(hit, columns, part.cached.fromMs, part.cached.toMs));
  }
  // One database read and nothing cached: its arrays are fresh already. Cached days are always
  // copied, so no caller can ever write into the cache, or see a reused buffer.
  const joined = !cachedDays && segments.length === 1 ? segments[0] : concatenate(segments, columns);
  return { ...joined, cachedDays, databaseDays: days.length - cachedDays };
}

/** The rows of a cached day with `fromMs <= ts < toMs` (views, no copy). */
function clip(day: CachedDay, columns: readonly string[], fromMs: number, toMs: number): { ts: Float64Array; values: Record<string, Float64Array> } {
  const { start, end } = sliceBounds(day.ts, fromMs, toMs);
  const values: Record<string, Float64Array> = {};
  for (const c of columns) values[c] = (day.columns.get(c) as Float64Array).subarray(start, end);
  return { ts: day.ts.subarray(start, end), values };
}

/** Segments joined in order into fresh arrays. */
function concatenate(
  segments: ReadonlyArray<{ ts: Float64Array; values: Record<string, Float64Array> }>,
  columns: readonly string[],
): { ts: Float64Array; values: Record<string, Float64Array> } {
  const n = segments.reduce((sum, s) => sum + s.ts.length, 0);
  const ts = new Float64Array(n);
  const values: Record<string, Float64Array> = {};
  for (const c of columns) values[c] = new Float64Array(n);
  let offset = 0;
  for (const s of segments) {
    ts.set(s.ts, offset);
    for (const c of columns) values[c].set(s.values[c], offset);
    offset += s.ts.length;
  }
  return { ts, values };
}

/** {@link readCandles} through the partition cache, as {@link readColumnsVerified} does it. */
export async function readCandlesVerified(
  db: Db,
  symbol: string,
  fromMs: number,
  toMs: number,
  checksums: ReadonlyMap<string, string>,
): Promise<{ candles: CandleColumns; cachedDays: number; databaseDays: number }> {
  const { ts, values, cachedDays, databaseDays } = await readColumnsVerified(db, 'candles', symbol, CANDLE_VALUE_COLUMNS, fromMs, toMs, checksums);
  return { candles: { ts, open: values.open, high: values.high, low: values.low, close: values.close, volume: values.volume }, cachedDays, databaseDays };
}
