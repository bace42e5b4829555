/**
 * Feature set B: the classic, window-only set (returns, rolling volatility, range, volume z-score).
 *
 * Every column is a function of a short trailing window of candles, so the lookback is just the
 * longest window. Rolling statistics come from {@link rollingMoments}, which makes each row's
 * value bit-identical whatever chunk it is computed in (plain running sums would not be).
 */
import { logReturns, rollingMoments, rollingZScore, sampleStd } from './math';
import type { CandleColumns, FeatureAlgorithm, FeatureColumns } from './types';

const MINUTE_MS = 60_000;

/** Column names of feature set B, in table order. */
export const FEATURES_B_COLUMNS = [
  'log_return',
  'ret_mean_15',
  'ret_mean_60',
  'vol_15',
  'vol_60',
  'range_pct',
  'volume_z_60',
] as const;

/** A column of feature set B. */
export type FeaturesBColumn = (typeof FEATURES_B_COLUMNS)[number];

/**
 * Feature set B. Definitions (t = the row's minute, windows include t):
 * - `log_return`  = ln(close_t / close_{t-1})
 * - `ret_mean_15` = mean of log_return over t-14..t; `ret_mean_60` over t-59..t
 * - `vol_15`      = sample std (n - 1 denominator) of log_return over t-14..t;
 *   `vol_60` over t-59..t (per-minute volatility, not annualised)
 * - `range_pct`   = (high_t - low_t) / close_t
 * - `volume_z_60` = (volume_t - mean(volume_{t-59..t})) / sampleStd(volume_{t-59..t}),
 *   NaN when the window's volume is constant
 *
 * NaN where the window reaches before the first candle. Lookback: `vol_60` at t needs the
 * returns t-59..t, i.e. closes t-60..t, hence 60 minutes (the other windows need less).
 */
export const featuresB: FeatureAlgorithm<FeaturesBColumn, 'b'> = {
  id: 'b',
  version: 'b-1.0.0',
  description: 'Classic: log return, rolling mean/std of returns (15, 60 min), range %, volume z-score (60 min)',
  lookbackMinutes: 60,
  columns: FEATURES_B_COLUMNS,
  compute(candles: CandleColumns): FeatureColumns<FeaturesBColumn> {
    const { ts, high, low, close, volume } = candles;
    const n = ts.length;
    // Absolute minute of row 0: aligns the rolling-window blocks to wall-clock minutes, which is
    // what makes the output independent of where the array starts.
    const origin = n > 0 ? Math.round(ts[0] / MINUTE_MS) : 0;

    const logReturn = logReturns(close);
    const m15 = rollingMoments(logReturn, 15, origin);
    const m60 = rollingMoments(logReturn, 60, origin);

    const rangePct = new Float64Array(n);
    for (let i = 0; i < n; i++) rangePct[i] = (high[i] - low[i]) / close[i];

    return {
      log_return: logReturn,
      ret_mean_15: m15.mean,
      ret_mean_60: m60.mean,
      vol_15: sampleStd(m15, 15),
      vol_60: sampleStd(m60, 60),
      range_pct: rangePct,
      volume_z_60: rollingZScore(volume, 60, origin),
    };
  },
};
