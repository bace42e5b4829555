/**
 * Users' own candles from CSV files: a directory holding one `<SYMBOL>.csv` per symbol (e.g.
 * `BTC-USD.csv`) with the header `time,open,high,low,close,volume`. `time` is the candle's open
 * time as ISO 8601 (no offset means UTC) or epoch seconds or milliseconds, a whole minute.
 * Rows may come in any order; duplicates are dropped and counted, gaps are counted.
 *
 * A file is parsed once and cached until its size or modification time changes, so a backfill
 * over a year of days reads it once. A malformed row fails the day with the file and line.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { dayStartMs, MINUTE_MS, MINUTES_PER_DAY, DAY_MS } from '../dates';
import { collectCandles, type RawCandle } from './collect';
import type { MarketSource, SourceDay } from './types';

/** Version recorded in the ledger for candles from this source; bump when parsing changes. */
export const CSV_SOURCE_VERSION = 'csv-1';

const HEADER = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;
// Epoch values below this are seconds (until year 5138), above it milliseconds.
const SECONDS_LIMIT = 1e11;

function invalid(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'SourceDataInvalid');
}

/** Parses a `time` cell to epoch ms, or undefined when it is not a time. */
export function parseCsvTime(cell: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(cell)) {
    const n = Number(cell);
    return n < SECONDS_LIMIT ? n * 1000 : n;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(cell)) return undefined;
  // Without an offset, Date.parse would use the machine's zone; the format says UTC.
  const iso = cell.replace(' ', 'T');
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(iso) || !iso.includes('T') ? iso : `${iso}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Parses a whole CSV file into candles sorted by time (duplicates kept; the day's collector drops them). */
export function parseCandlesCsv(text: string, file: string): RawCandle[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').replace(/^\uFEFF/, '').split(',').map((h) => h.trim().toLowerCase());
  if (header.join(',') !== HEADER.join(',')) {
    throw invalid(`${file}:1: expected the header '${HEADER.join(',')}', found '${lines[0] ?? ''}'`);
  }
  const out: RawCandle[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const where = `${file}:${i + 1}`;
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== HEADER.length) throw invalid(`${where}: expected ${HEADER.length} fields (${HEADER.join(',')}), found ${cells.length}: '${line.slice(0, 120)}'`);
    const ts = parseCsvTime(cells[0]);
    if (ts === undefined) throw invalid(`${where}: time '${cells[0]}' is neither ISO 8601 nor epoch seconds/milliseconds`);
    if (ts % MINUTE_MS !== 0) throw invalid(`${where}: time '${cells[0]}' is not a whole minute (1-minute candles are keyed by their open minute)`);
    const values = cells.slice(1).map((c) => (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(c) ? Number(c) : Number.NaN));
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw invalid(`${where}: ${HEADER[bad + 1]} '${cells[bad + 1]}' is not a number`);
    const [open, high, low, close, volume] = values;
    if (!(low > 0) || high < Math.max(open, close, low) || low > Math.min(open, close) || volume < 0) {
      throw invalid(`${where}: inconsistent candle (need 0 < low <= open, close <= high and volume >= 0): '${line.slice(0, 120)}'`);
    }
    out.push({ ts, open, high, low, close, volume });
  }
  // Stable sort keeps file order among duplicates: the first row of a minute wins.
  return out.sort((a, b) => a.ts - b.ts);
}

/** Index of the first candle with `ts >= t`. */
function lowerBound(candles: readonly RawCandle[], t: number): number {
  let lo = 0;
  let hi = candles.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (candles[mid].ts < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Options of {@link csvSource}. */
export interface CsvSourceOptions {
  /** Directory holding `<SYMBOL>.csv` files. */
  readonly dir: string;
}

/** Creates the CSV source over a directory. */
export function csvSource(options: CsvSourceOptions): MarketSource {
  const dir = path.resolve(options.dir);
  const cache = new Map<string, { key: string; candles: RawCandle[] }>();

  async function load(symbol: string): Promise<RawCandle[]> {
    const file = path.join(dir, `${symbol}.csv`);
    let stat;
    try {
      stat = await fs.stat(file);
    } catch {
      const available = (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.csv')).map((f) => f.slice(0, -4));
      throw ApplicationFailure.nonRetryable(
        `Unknown symbol ${symbol} for the csv source: no file ${file}` +
          (available.length ? ` (symbols available: ${available.sort().join(', ')})` : ` (the directory ${dir} has no .csv files; set FEATUREFLOW_CSV_DIR)`),
        'UnknownSymbol',
      );
    }
    const key = `${stat.size}/${stat.mtimeMs}`;
    const cached = cache.get(file);
    if (cached?.key === key) return cached.candles;
    const candles = parseCandlesCsv(await fs.readFile(file, 'utf8'), file);
    cache.set(file, { key, candles });
    return candles;
  }

  return {
    name: 'csv',
    version: CSV_SOURCE_VERSION,
    async fetchDay(symbol: string, day: string): Promise<SourceDay> {
      const candles = await load(symbol);
      const start = dayStartMs(day);
      const slice = candles.slice(lowerBound(candles, start), lowerBound(candles, start + DAY_MS));
      return collectCandles(slice, start, MINUTES_PER_DAY);
    },
  };
}
