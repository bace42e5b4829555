/**
 * Feature set B: the classic, window-only set (returns, rolling volatility, range, volume z-score).
 *
 * Every column is a function of a short trailing window of clock minutes, so the lookback is the
 * longest window plus how far a price may be carried into it (`clock.ts`). Rolling statistics come from {@link rollingMoments}, which makes each row's
 * value bit-identical whatever chunk it is computed in (plain running sums would not be).
 */
import { logReturns, rollingMoments, rollingZScore, sampleStd } from './math';
import { MAX_CARRY_MINUTES, onWallClock, type ClockCandles } from './clock';
import type { FeatureAlgorithm, FeatureColumns } from './types';

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
 * Feature set B. Definitions on wall-clock minutes (t = the row's minute, windows include t;
 * a minute without a candle follows the policy of `clock.ts`: price carried from the last candle
 * at most 60 minutes back, volume 0, return 0; later than that it is unknown):
 * - `log_return`  = ln(close_t / price_{t-1}): the move since the previous clock minute, so the
 *   first candle after a hole carries the whole move across it
 * - `ret_mean_15` = mean of the one-minute returns of the clock minutes t-14..t (0 for the
 *   minutes without a candle); `ret_mean_60` over t-59..t
 * - `vol_15`      = sample std (n - 1 denominator) of the same 15 one-minute returns;
 *   `vol_60` over t-59..t (per-minute volatility, not annualised)
 * - `range_pct`   = (high_t - low_t) / close_t (the row's own candle, always observed)
 * - `volume_z_60` = (volume_t - mean(volume_{t-59..t})) / sampleStd(volume_{t-59..t}) over the
 *   clock minutes (volume 0 where there was no candle), NaN when the window's volume is constant
 *
 * NaN where the window reaches before the first candle or contains an unknown minute (a hole
 * longer than 60 minutes). Lookback: `vol_60` at t needs the prices of t-60..t, and a price may be
 * carried from up to 60 minutes before that: 120 minutes.
 */
export const featuresB: FeatureAlgorithm<FeaturesBColumn, 'b'> = onWallClock({
  id: 'b',
  version: 'b-1.1.0',
  description: 'Classic: log return, rolling mean/std of returns (15, 60 min), range %, volume z-score (60 min), on wall-clock minutes',
  lookbackMinutes: 60 + MAX_CARRY_MINUTES,
  columns: FEATURES_B_COLUMNS,
  computeOnClock(candles: ClockCandles): FeatureColumns<FeaturesBColumn> {
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
});
