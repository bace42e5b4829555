/**
 * Feature set E: band and range indicators — Bollinger %B over 20 and 60 minutes and Parkinson
 * volatility over 30 minutes. Window-only (no recursion), so its look-back is its longest window
 * and every row is identical whatever chunk it is computed in (rolling moments are aligned to
 * wall-clock minutes by `origin`, as in feature set B).
 */
import { rollingMoments } from './math';
import { MAX_CARRY_MINUTES, onWallClock } from './clock';
import type { CandleColumns } from './types';

const MINUTE_MS = 60_000;

/** 1 / (4 ln 2): Parkinson's scale from squared log ranges to variance. */
const PARKINSON_SCALE = 1 / (4 * Math.LN2);

/**
 * Bollinger %B of `close` over `window` minutes (the window includes t):
 * `(close_t - lower) / (upper - lower)` with bands `mean ± 2 sd` of the window's closes
 * (sd = sample standard deviation, n - 1); equivalently `0.5 + (close_t - mean) / (4 sd)`.
 * 0 at the lower band, 1 at the upper; NaN when the window reaches before the first candle or
 * the closes are flat.
 */
function percentB(close: Float64Array, window: number, origin: number): Float64Array {
  const { mean, m2 } = rollingMoments(close, window, origin);
  const out = new Float64Array(close.length);
  for (let i = 0; i < close.length; i++) {
    const sd = Math.sqrt(m2[i] / (window - 1));
    out[i] = sd > 0 ? 0.5 + (close[i] - mean[i]) / (4 * sd) : Number.NaN;
  }
  return out;
}

/**
 * Parkinson volatility over `window` minutes: `sqrt(mean(ln(high_j / low_j)^2) / (4 ln 2))` over
 * j in t-window+1..t, a per-minute volatility from the candles' ranges (not annualised).
 */
function parkinsonVolatility(high: Float64Array, low: Float64Array, window: number, origin: number): Float64Array {
  const squared = new Float64Array(high.length);
  for (let i = 0; i < high.length; i++) squared[i] = Math.log(high[i] / low[i]) ** 2;
  const { mean } = rollingMoments(squared, window, origin);
  const out = new Float64Array(high.length);
  for (let i = 0; i < high.length; i++) out[i] = Math.sqrt(mean[i] * PARKINSON_SCALE);
  return out;
}

/**
 * Feature set E. Definitions on wall-clock minutes (t = the row's minute, windows include t; a
 * minute without a candle follows the policy of `clock.ts`: price carried from the last candle at
 * most 60 minutes back with high = low = close, so no range; later than that unknown):
 * - `pct_b_20`, `pct_b_60`: Bollinger %B of the close over the prices of the 20 and 60 clock
 *   minutes (see {@link percentB})
 * - `parkinson_vol_30`: Parkinson volatility of the high/low range over the 30 clock minutes
 *   (a minute without a candle contributes a range of 0)
 *
 * NaN where a window reaches before the first candle or contains an unknown minute. Look-back:
 * 60 minutes (the longest window) plus 60 a price may be carried into it.
 */
export const featuresE = onWallClock({
  id: 'e',
  version: 'e-1.1.0',
  description: 'Bands and ranges: Bollinger %B (20, 60 min), Parkinson volatility (30 min), on wall-clock minutes',
  lookbackMinutes: 60 + MAX_CARRY_MINUTES,
  columns: ['pct_b_20', 'pct_b_60', 'parkinson_vol_30'],
  computeOnClock(candles: CandleColumns) {
    const { ts, high, low, close } = candles;
    // Absolute minute of row 0: aligns the rolling windows to wall-clock minutes (chunk invariance).
    const origin = ts.length > 0 ? Math.round(ts[0] / MINUTE_MS) : 0;
    return {
      pct_b_20: percentB(close, 20, origin),
      pct_b_60: percentB(close, 60, origin),
      parkinson_vol_30: parkinsonVolatility(high, low, 30, origin),
    };
  },
});
