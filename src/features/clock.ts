/**
 * Wall-clock minutes: the one missing-minute policy every feature algorithm and flow D's
 * forward returns apply (docs/data-quality.md).
 *
 * Exchanges omit a minute with no trades, and outages leave longer holes, so "the row 30 rows
 * back" is not "30 minutes ago". Every window, lag and recursion here is defined on a clock grid
 * of one entry per minute, filled where the candles have a hole:
 *
 * - **price** of a minute without a candle = the close of the last candle at or before it (as-of),
 *   provided that candle is at most {@link MAX_CARRY_MINUTES} earlier: open = high = low = close
 *   = that close (no trade, no range);
 * - **volume** of such a minute = 0 (nothing traded);
 * - hence its **one-minute return** = 0, and the first candle after a hole carries the whole move
 *   across the hole;
 * - a minute more than {@link MAX_CARRY_MINUTES} after the last candle is **unknown** (every value
 *   NaN): an outage, where the last price is no longer a price anyone could trade at. A window
 *   containing an unknown minute is NaN; a recursion does not step on it (see `math.ts`).
 *
 * Output rows stay one per observed candle, so feature tables stay aligned 1:1 with candles.
 * The carry limit is what keeps a row's value a function of a bounded look-back (the row's own
 * window plus at most {@link MAX_CARRY_MINUTES}), so results are identical whatever chunk a day
 * is computed in; algorithms add it to their `lookbackMinutes`.
 *
 * Fast path: candles without holes are their own grid (one comparison, no copy), so gap-free data
 * gives exactly the bits it gave before this policy existed.
 */
import type { CandleColumns, FeatureAlgorithm, FeatureColumns, UpstreamFeatures } from './types';

const MINUTE_MS = 60_000;

/**
 * How long (minutes) a close is carried into the minutes after it. 60: exchanges omit quiet
 * minutes (gaps of a few minutes on liquid pairs), which carrying forward describes truthfully;
 * an hour without a single trade is an outage, which it would not.
 */
export const MAX_CARRY_MINUTES = 60;

/** Candles on the clock grid: one entry per minute from the first candle to the last. */
export interface ClockCandles extends CandleColumns {
  /** 1 where the minute had no candle and was filled by the policy; absent when nothing was filled. */
  readonly filled?: Uint8Array;
}

/** The clock grid of some candles and where each input row sits on it. */
export interface ClockGrid {
  readonly candles: ClockCandles;
  /** Grid index of each input row; absent when the grid is the input itself (no holes). */
  readonly rows?: Int32Array;
}

/** Whether sorted, strictly ascending whole-minute timestamps have a hole (O(1)). */
export function hasGaps(ts: Float64Array): boolean {
  const n = ts.length;
  return n > 1 && ts[n - 1] - ts[0] !== (n - 1) * MINUTE_MS;
}

/**
 * The candles on the clock grid, holes filled per the module's policy. `candles.ts` must be
 * strictly ascending whole minutes (the contract of {@link CandleColumns}).
 */
export function toClockGrid(candles: CandleColumns): ClockGrid {
  if (!hasGaps(candles.ts)) return { candles };
  const n = candles.ts.length;
  const t0 = candles.ts[0];
  const m = (candles.ts[n - 1] - t0) / MINUTE_MS + 1;
  if (!Number.isInteger(m)) throw new Error(`toClockGrid: timestamps are not whole minutes apart (${t0} .. ${candles.ts[n - 1]})`);
  const ts = new Float64Array(m);
  const open = new Float64Array(m);
  const high = new Float64Array(m);
  const low = new Float64Array(m);
  const close = new Float64Array(m);
  const volume = new Float64Array(m);
  const filled = new Uint8Array(m);
  const rows = new Int32Array(n);
  let j = 0;
  let lastClose = Number.NaN;
  let lastObserved = 0;
  for (let g = 0; g < m; g++) {
    const t = t0 + g * MINUTE_MS;
    ts[g] = t;
    if (j < n && candles.ts[j] === t) {
      open[g] = candles.open[j];
      high[g] = candles.high[j];
      low[g] = candles.low[j];
      close[g] = lastClose = candles.close[j];
      volume[g] = candles.volume[j];
      rows[j++] = g;
      lastObserved = g;
    } else {
      const p = g - lastObserved <= MAX_CARRY_MINUTES ? lastClose : Number.NaN;
      open[g] = high[g] = low[g] = close[g] = p;
      volume[g] = Number.isNaN(p) ? Number.NaN : 0;
      filled[g] = 1;
    }
  }
  if (j !== n) throw new Error(`toClockGrid: timestamps are not strictly ascending whole minutes (row ${j})`);
  return { candles: { ts, open, high, low, close, volume, filled }, rows };
}

/** The grid rows `rows` of every column: the values of the observed minutes, in input order. */
export function selectRows<Name extends string>(columns: readonly Name[], values: FeatureColumns<Name>, rows: Int32Array): FeatureColumns<Name> {
  const out = {} as Record<Name, Float64Array>;
  for (const name of columns) {
    const all = values[name];
    const picked = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) picked[i] = all[rows[i]];
    out[name] = picked;
  }
  return out;
}

/** A feature algorithm written for the clock grid: `computeOnClock` may assume one entry per minute. */
export interface ClockAlgorithm<Name extends string = string, Id extends string = string> extends Omit<FeatureAlgorithm<Name, Id>, 'compute'> {
  /**
   * Computes every column over candles on the clock grid (holes filled, see the module comment);
   * upstream feature columns, if declared, are on the same grid (NaN at filled minutes).
   */
  computeOnClock(grid: ClockCandles, upstream?: UpstreamFeatures): FeatureColumns<Name>;
}

/** Upstream feature columns (aligned with the input rows) spread onto the grid: NaN where a minute was filled. */
function upstreamOnGrid(upstream: UpstreamFeatures, rows: Int32Array, length: number): UpstreamFeatures {
  const out: Record<string, FeatureColumns> = {};
  for (const [flow, columns] of Object.entries(upstream)) {
    const spread: Record<string, Float64Array> = {};
    for (const [name, values] of Object.entries(columns)) {
      const grid = new Float64Array(length).fill(Number.NaN);
      for (let i = 0; i < rows.length; i++) grid[rows[i]] = values[i];
      spread[name] = grid;
    }
    out[flow] = spread;
  }
  return out;
}

/**
 * A {@link FeatureAlgorithm} from a clock-grid one: `compute` moves the candles to the clock grid,
 * runs the algorithm and keeps the rows of the observed candles. Every algorithm is declared
 * through this, so a new one gets the missing-minute policy without writing any of it.
 */
export function onWallClock<const Id extends string, const Name extends string>(algorithm: ClockAlgorithm<Name, Id>): FeatureAlgorithm<Name, Id> {
  const { computeOnClock, ...meta } = algorithm;
  return {
    ...meta,
    compute(candles: CandleColumns, upstream?: UpstreamFeatures): FeatureColumns<Name> {
      const grid = toClockGrid(candles);
      if (!grid.rows) return computeOnClock(grid.candles, upstream);
      const values = computeOnClock(grid.candles, upstream && upstreamOnGrid(upstream, grid.rows, grid.candles.ts.length));
      return selectRows(algorithm.columns, values, grid.rows);
    },
  };
}

/**
 * Index of the last candle with `ts <= targetMs` among `ts[from..]` (ascending), scanning forward
 * from `from`; `from - 1` when there is none. A helper for as-of lookups ahead of a row.
 */
export function lastAtOrBefore(ts: Float64Array, from: number, targetMs: number): number {
  let j = from;
  while (j < ts.length && ts[j] <= targetMs) j++;
  return j - 1;
}
