/**
 * Users' own candles from CSV files: a directory holding one `<SYMBOL>.csv` per symbol (e.g.
 * `BTC-USD.csv`) with the header `time,open,high,low,close,volume`. `time` is the candle's open
 * time as ISO 8601 (no offset means UTC) or epoch seconds or milliseconds, a whole minute.
 * Rows may come in any order; duplicates are dropped and counted (conflicting ones apart), gaps
 * are counted.
 *
 * A file is parsed once and cached until its size or modification time changes, so a backfill
 * over a year of days reads it once. A malformed row fails its own day (with the file and line),
 * never the other days of the file.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { dayOf, dayStartMs, MINUTE_MS, MINUTES_PER_DAY, DAY_MS } from '../core/dates';
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

/** A CSV file parsed: its valid candles and the problems of its invalid rows, by the day they belong to. */
export interface ParsedCsv {
  /** Valid rows, sorted by time (duplicates kept: the day's collector drops and counts them). */
  readonly candles: RawCandle[];
  /** Day (YYYY-MM-DD) -> `file:line: problem` of each invalid row of that day, in file order. */
  readonly problems: ReadonlyMap<string, readonly string[]>;
  /** Problems of rows whose day cannot be told and that have no valid neighbour: they concern every day. */
  readonly fileProblems: readonly string[];
}

/** Why a data row is invalid, or undefined with the parsed candle. */
function parseRow(cells: string[], line: string): { candle?: RawCandle; problem?: string } {
  if (cells.length !== HEADER.length) return { problem: `expected ${HEADER.length} fields (${HEADER.join(',')}), found ${cells.length}: '${line.slice(0, 120)}'` };
  const ts = parseCsvTime(cells[0]) as number;
  const values = cells.slice(1).map((c) => (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(c) ? Number(c) : Number.NaN));
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) return { problem: `${HEADER[bad + 1]} '${cells[bad + 1]}' is not a number` };
  const [open, high, low, close, volume] = values;
  if (!(low > 0) || high < Math.max(open, close, low) || low > Math.min(open, close) || volume < 0) {
    return { problem: `inconsistent candle (need 0 < low <= open, close <= high and volume >= 0): '${line.slice(0, 120)}'` };
  }
  return { candle: { ts, open, high, low, close, volume } };
}

/**
 * Parses a CSV file, validating per day: an invalid row makes only its own UTC day fail, so a bad
 * row on 01-10 never stops 01-08 from being ingested. A row whose time cannot be read belongs to
 * no day for sure; it is charged to the days of the valid-time rows around it in the file (where
 * it most likely sits), or to every day when there are none. A bad header fails the whole file.
 */
export function parseCandlesCsv(text: string, file: string): ParsedCsv {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').replace(/^\uFEFF/, '').split(',').map((h) => h.trim().toLowerCase());
  if (header.join(',') !== HEADER.join(',')) {
    throw invalid(`${file}:1: expected the header '${HEADER.join(',')}', found '${lines[0] ?? ''}'`);
  }
  const out: RawCandle[] = [];
  const problems = new Map<string, string[]>();
  const add = (day: string, problem: string): void => {
    const list = problems.get(day) ?? [];
    list.push(problem);
    problems.set(day, list);
  };
  // Rows with an unreadable time wait for the next row whose time is readable.
  let undated: string[] = [];
  let previousDay: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const where = `${file}:${i + 1}`;
    const cells = line.split(',').map((c) => c.trim());
    const ts = parseCsvTime(cells[0]);
    if (ts === undefined || ts % MINUTE_MS !== 0) {
      const problem =
        ts === undefined
          ? `${where}: time '${cells[0]}' is neither ISO 8601 nor epoch seconds/milliseconds`
          : `${where}: time '${cells[0]}' is not a whole minute (1-minute candles are keyed by their open minute)`;
      if (ts !== undefined) add(dayOf(ts), problem);
      else {
        if (previousDay) add(previousDay, problem);
        undated.push(problem);
      }
      continue;
    }
    const day = dayOf(ts);
    for (const problem of undated) if (!problems.get(day)?.includes(problem)) add(day, problem);
    undated = [];
    previousDay = day;
    const row = parseRow(cells, line);
    if (row.problem) add(day, `${where}: ${row.problem}`);
    else if (row.candle) out.push(row.candle);
  }
  // Undated rows with no dated row before or after them: nothing tells their day.
  const fileProblems = previousDay === undefined ? undated : [];
  // Stable sort keeps file order among duplicates: the first row of a minute wins.
  return { candles: out.sort((a, b) => a.ts - b.ts), problems, fileProblems };
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
  const cache = new Map<string, { key: string; parsed: ParsedCsv }>();

  async function load(symbol: string): Promise<ParsedCsv> {
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
    if (cached?.key === key) return cached.parsed;
    const parsed = parseCandlesCsv(await fs.readFile(file, 'utf8'), file);
    cache.set(file, { key, parsed });
    return parsed;
  }

  return {
    name: 'csv',
    version: CSV_SOURCE_VERSION,
    async fetchDay(symbol: string, day: string): Promise<SourceDay> {
      const { candles, problems, fileProblems } = await load(symbol);
      const bad = [...fileProblems, ...(problems.get(day) ?? [])];
      if (bad.length) {
        throw invalid(`${bad.length} invalid row${bad.length === 1 ? '' : 's'} for ${symbol} ${day}, nothing was ingested for that day: ${bad.slice(0, 3).join('; ')}${bad.length > 3 ? '; ...' : ''}`);
      }
      const start = dayStartMs(day);
      const slice = candles.slice(lowerBound(candles, start), lowerBound(candles, start + DAY_MS));
      return collectCandles(slice, start, MINUTES_PER_DAY);
    },
  };
}
