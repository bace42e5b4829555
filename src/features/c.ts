/**
 * Feature set C: recursive indicators (EWMA volatility, Wilder RSI) plus a long z-score and
 * momentum.
 *
 * The recursive indicators are the interesting part. A recursion such as
 * `var_t = lambda * var_{t-1} + ...` formally depends on every candle since it was seeded, so
 * if it were seeded at the start of whatever array `compute` receives, a minute's value would
 * depend on where the chunk started: chunked backfills and the daily run would disagree.
 *
 * Design: **day-anchored restarts**. The value of a row in UTC day D is the recursion run over
 * the candles from 00:00 UTC of day D-1 up to the row, seeded at that anchor. So every row is a
 * pure function of a window fixed by its own timestamp (`[start of D-1, t]`), between 24 h and
 * 48 h long, and the seed is always at least 1440 minutes back, where its weight is negligible
 * (see the constants below). Equivalently: two interleaved recursions, one restarted at every
 * even day start and one at every odd day start, each serving the day after its restart.
 * The implementation runs the recursion once per output day over `[start of D-1, end of D]`,
 * so each candle is processed twice: still O(n).
 */
import { ewmaVariance, lambdaFromHalfLife, logReturns, rollingZScore, wilderRsi } from './math';
import type { CandleColumns, FeatureAlgorithm, FeatureColumns } from './types';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const DAY_MINUTES = 1440;

/** Half-life (minutes) of the EWMA volatility. */
const EWMA_HALF_LIFE = 30;
/**
 * `lambda = 2^(-1/30) ~= 0.97716`. The seed is >= 1439 updates before any output row, so its
 * weight there is <= lambda^1439 = 2^(-1439/30) ~= 3.6e-15: below double precision noise.
 */
const EWMA_LAMBDA = lambdaFromHalfLife(EWMA_HALF_LIFE);
/**
 * Wilder RSI period (minutes). The seed's weight after >= 1426 smoothing steps is
 * (13/14)^1426 ~= 1e-46: irrelevant.
 */
const RSI_PERIOD = 14;
/** Window (minutes, including the current one) of the close z-score. */
const ZSCORE_WINDOW = 120;
/** Horizon (minutes) of the momentum. */
const MOMENTUM_MINUTES = 30;

/** Column names of feature set C, in table order. */
export const FEATURES_C_COLUMNS = ['ewma_vol_30', 'rsi_14', 'zscore_close_120', 'momentum_30'] as const;

/** A column of feature set C. */
export type FeaturesCColumn = (typeof FEATURES_C_COLUMNS)[number];

/**
 * Feature set C. Definitions (t = the row's minute, in UTC day D; A = 00:00 UTC of day D-1):
 * - `ewma_vol_30` = sqrt(var_t), RiskMetrics EWMA of zero-mean log returns with
 *   lambda = 2^(-1/30) (half-life 30 min): `var_j = lambda * var_{j-1} + (1 - lambda) * r_j^2`
 *   over the returns r_j = ln(close_j / close_{j-1}) for j in (A, t], seeded with
 *   `var = r_{A+1}^2` (per-minute volatility, not annualised)
 * - `rsi_14` = Wilder's RSI(14) over the closes in [A, t]: gains/losses of the first 14 changes
 *   after A averaged simply, then Wilder-smoothed; `100 * G / (G + L)`, 50 when flat
 * - `zscore_close_120` = (close_t - mean(close_{t-119..t})) / sampleStd(close_{t-119..t}),
 *   NaN when the window is flat
 * - `momentum_30` = ln(close_t / close_{t-30})
 *
 * NaN where the needed history is not in the input (for the recursive columns: when A is
 * before the first candle).
 *
 * Lookback: a row at 23:59 of day D needs candles from 00:00 of D-1, 2879 minutes earlier; the
 * other columns need at most 119 minutes. 2880 (two whole days) is used so that loading
 * "the range minus lookback" from a day boundary stays day-aligned.
 */
export const featuresC: FeatureAlgorithm<FeaturesCColumn, 'c'> = {
  id: 'c',
  version: 'c-1.0.0',
  description:
    'Recursive: EWMA vol (half-life 30 min), Wilder RSI(14), close z-score (120 min), momentum (30 min); recursions restart at the previous UTC day start',
  lookbackMinutes: 2 * DAY_MINUTES,
  columns: FEATURES_C_COLUMNS,
  compute(candles: CandleColumns): FeatureColumns<FeaturesCColumn> {
    const { ts, close } = candles;
    const n = ts.length;
    const origin = n > 0 ? Math.round(ts[0] / MINUTE_MS) : 0;

    const momentum = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      momentum[i] = i >= MOMENTUM_MINUTES ? Math.log(close[i] / close[i - MOMENTUM_MINUTES]) : NaN;
    }

    const ewmaVol = new Float64Array(n).fill(NaN);
    const rsi = new Float64Array(n).fill(NaN);
    dayAnchoredRecursions(ts, close, ewmaVol, rsi);

    return {
      ewma_vol_30: ewmaVol,
      rsi_14: rsi,
      zscore_close_120: rollingZScore(close, ZSCORE_WINDOW, origin),
      momentum_30: momentum,
    };
  },
};

/** First index i with `ts[i] >= value` (ts ascending); `ts.length` if none. */
function lowerBound(ts: Float64Array, value: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Fills `volOut` (EWMA volatility) and `rsiOut` (Wilder RSI) day by day: the rows of day D get
 * the recursions run over `[00:00 UTC of D-1, end of D]`, so each row depends only on candles in
 * `[start of D-1, t]`. Days whose anchor is before the first candle are left untouched (NaN).
 * Scratch buffers are reused across days to keep long backfills allocation-light.
 */
function dayAnchoredRecursions(ts: Float64Array, close: Float64Array, volOut: Float64Array, rsiOut: Float64Array): void {
  const n = ts.length;
  if (n === 0) return;
  let capacity = 2 * DAY_MINUTES;
  let returnsBuf = new Float64Array(capacity);
  let varBuf = new Float64Array(capacity);
  let rsiBuf = new Float64Array(capacity);

  let dayStart = 0;
  while (dayStart < n) {
    const day = Math.floor(ts[dayStart] / DAY_MS);
    const dayEnd = lowerBound(ts, (day + 1) * DAY_MS);
    const anchorMs = (day - 1) * DAY_MS;
    if (ts[0] <= anchorMs) {
      const anchor = lowerBound(ts, anchorMs);
      const len = dayEnd - anchor;
      if (len > capacity) {
        capacity = len;
        returnsBuf = new Float64Array(capacity);
        varBuf = new Float64Array(capacity);
        rsiBuf = new Float64Array(capacity);
      }
      const segment = close.subarray(anchor, dayEnd);
      // Returns recomputed inside the segment, so the first one is NaN and the recursion never
      // sees the close before the anchor (which would make the window depend on the chunk).
      const returns = logReturns(segment, returnsBuf.subarray(0, len));
      const variance = ewmaVariance(returns, EWMA_LAMBDA, varBuf.subarray(0, len));
      const rsi = wilderRsi(segment, RSI_PERIOD, rsiBuf.subarray(0, len));
      for (let i = dayStart; i < dayEnd; i++) {
        volOut[i] = Math.sqrt(variance[i - anchor]);
        rsiOut[i] = rsi[i - anchor];
      }
    }
    dayStart = dayEnd;
  }
}
