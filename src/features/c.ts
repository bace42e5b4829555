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
import { lowerBound } from '../core/arrays';
import { ewmaVariance, lambdaFromHalfLife, logReturns, rollingZScore, wilderRsi } from './math';
import { onWallClock, type ClockCandles } from './clock';
import type { FeatureAlgorithm, FeatureColumns } from './types';

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
 * Feature set C. Definitions on wall-clock minutes (t = the row's minute, in UTC day D;
 * A = 00:00 UTC of day D-1; a minute without a candle follows the policy of `clock.ts`: price
 * carried from the last candle at most 60 minutes back, return 0; later than that unknown):
 * - `ewma_vol_30` = sqrt(var_t), RiskMetrics EWMA of zero-mean one-minute log returns with
 *   lambda = 2^(-1/30) (half-life 30 min): `var_j = lambda * var_{j-1} + (1 - lambda) * r_j^2`,
 *   one step per clock minute j in (S, t], where S is the first candle at or after A; seeded with
 *   `var = r_{S+1}^2`. A minute without a candle steps with r = 0 (the variance decays); an
 *   unknown minute does not step. Per-minute volatility, not annualised.
 * - `rsi_14` = Wilder's RSI(14) over the clock-minute prices in [S, t]: gains/losses of the first
 *   14 changes after S averaged simply, then Wilder-smoothed once per clock minute (a minute
 *   without a candle is a change of 0; an unknown one does not step); `100 * G / (G + L)`, 50 when flat
 * - `zscore_close_120` = (close_t - mean(price_{t-119..t})) / sampleStd(price_{t-119..t}) over the
 *   clock minutes, NaN when the window is flat or has an unknown minute
 * - `momentum_30` = ln(close_t / price_{t-30}), price_{t-30} as of 30 clock minutes earlier
 *
 * Only candles in [A, t] shape the recursions (a price is never carried across A into them), so
 * every row is still a function of a window fixed by its own timestamp. NaN where the needed
 * history is not in the input (for the recursive columns: when day D-1 has no candle).
 *
 * Lookback: a row at 23:59 of day D needs candles from 00:00 of D-1, 2879 minutes earlier; the
 * other columns need at most 119 + 60 (carry) minutes. 2880 (two whole days) is used so that
 * loading "the range minus lookback" from a day boundary stays day-aligned.
 */
export const featuresC: FeatureAlgorithm<FeaturesCColumn, 'c'> = onWallClock({
  id: 'c',
  version: 'c-1.1.0',
  description:
    'Recursive: EWMA vol (half-life 30 min), Wilder RSI(14), close z-score (120 min), momentum (30 min) on wall-clock minutes; recursions restart at the previous UTC day start',
  lookbackMinutes: 2 * DAY_MINUTES,
  columns: FEATURES_C_COLUMNS,
  computeOnClock(candles: ClockCandles): FeatureColumns<FeaturesCColumn> {
    const { ts, close } = candles;
    const n = ts.length;
    const origin = n > 0 ? Math.round(ts[0] / MINUTE_MS) : 0;

    const momentum = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      momentum[i] = i >= MOMENTUM_MINUTES ? Math.log(close[i] / close[i - MOMENTUM_MINUTES]) : NaN;
    }

    const ewmaVol = new Float64Array(n).fill(NaN);
    const rsi = new Float64Array(n).fill(NaN);
    dayAnchoredRecursions(candles, ewmaVol, rsi);

    return {
      ewma_vol_30: ewmaVol,
      rsi_14: rsi,
      zscore_close_120: rollingZScore(close, ZSCORE_WINDOW, origin),
      momentum_30: momentum,
    };
  },
});

/**
 * Fills `volOut` (EWMA volatility) and `rsiOut` (Wilder RSI) day by day: the rows of day D get
 * the recursions run over `[first candle of day D-1, end of D]`, so each row depends only on
 * candles in `[start of D-1, t]` (a minute filled from a candle before the anchor is skipped, not
 * used as the seed). Days D whose day D-1 has no candle in the input are left untouched (NaN):
 * the recursion would have no warm-up. That test looks at day D-1 only, never before it, so it
 * gives the same answer whatever the chunk loaded before the anchor.
 * Scratch buffers are reused across days to keep long backfills allocation-light.
 */
function dayAnchoredRecursions(candles: ClockCandles, volOut: Float64Array, rsiOut: Float64Array): void {
  const { ts, close, filled } = candles;
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
    // The first candle of day D-1 (a minute filled from before the anchor is not one of them).
    let anchor = lowerBound(ts, anchorMs);
    if (filled) while (anchor < dayEnd && filled[anchor]) anchor++;
    if (anchor < lowerBound(ts, anchorMs + DAY_MS)) {
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
      for (let i = Math.max(dayStart, anchor); i < dayEnd; i++) {
        volOut[i] = Math.sqrt(variance[i - anchor]);
        rsiOut[i] = rsi[i - anchor];
      }
    }
    dayStart = dayEnd;
  }
}
