/**
 * Numeric building blocks shared by the feature algorithms.
 *
 * Everything here is pure and O(n). The one property that shapes the design is that the
 * pipeline computes features in chunks and requires the kept rows to be identical *to the bit*
 * whatever chunk they were computed in. Classic running sums (add the new value, subtract the
 * one leaving the window) violate that: the rounding error at row t depends on every value
 * since the start of the array, so two chunks starting at different minutes disagree in the last
 * bits (and the error drifts over millions of rows). The rolling statistics below are instead
 * computed so that the value at row t is a function of the window's values only, evaluated in an
 * order that depends only on absolute positions (see {@link rollingMoments}).
 */

/**
 * One-step log returns: `r_t = ln(close_t / close_{t-1})`, with `r_0 = NaN` (no previous close).
 *
 * Log returns rather than simple returns because they add up over time, which keeps the rolling
 * means/volatilities scale-free and symmetric for up and down moves.
 *
 * @param close prices, oldest first.
 * @param out optional output buffer of the same length (lets hot loops avoid allocations).
 */
export function logReturns(close: Float64Array, out?: Float64Array): Float64Array {
  const n = close.length;
  const r = out ?? new Float64Array(n);
  if (r.length !== n) throw new Error(`logReturns: out has length ${r.length}, expected ${n}`);
  if (n === 0) return r;
  r[0] = NaN;
  for (let i = 1; i < n; i++) r[i] = Math.log(close[i] / close[i - 1]);
  return r;
}

/**
 * Rolling first and second moments of a series over a trailing window `[t - window + 1, t]`.
 *
 * - `mean[t]` = (1/w) * sum_{j=t-w+1..t} x_j
 * - `m2[t]`   = sum_{j=t-w+1..t} (x_j - mean[t])^2  (sum of squared deviations, so the sample
 *   variance is `m2 / (w - 1)` and the population variance `m2 / w`).
 *
 * Both are `NaN` when the window is not fully inside the array (`t < w - 1`) or contains a NaN.
 */
export interface RollingMoments {
  readonly mean: Float64Array;
  readonly m2: Float64Array;
}

/** Non-negative remainder, because `%` keeps the sign of the dividend. */
function mod(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r;
}

/**
 * Rolling mean and sum of squared deviations over a trailing window, O(n), bit-reproducible.
 *
 * Algorithm (a "block prefix/suffix" decomposition, as in van Herk / Gil-Werman filters):
 * the absolute index axis (`origin + i`) is cut into blocks of `window` consecutive positions
 * aligned to multiples of `window`. Any window of length `w` ending at `t` is either exactly one
 * block, or the *suffix* of the previous block (from `t - w + 1` to that block's end) followed by
 * the *prefix* of the current block (from its start to `t`).
 *
 * - Suffix statistics are accumulated backwards from each block's end, prefix statistics forwards
 *   from each block's start, both with Welford's update (count k, value x):
 *     `d = x - mean; mean += d / k; m2 += d * (x - mean)`
 *   which avoids the catastrophic cancellation of `sum(x^2) - sum(x)^2 / n` when the mean is large
 *   compared with the spread (e.g. a z-score of a 60,000 USD close over 120 minutes).
 * - The two parts (nA = suffix count, nB = prefix count, nA + nB = w) are merged with Chan et al.'s
 *   pairwise formula: `delta = meanB - meanA`,
 *     `mean = meanA + delta * nB / w`,
 *     `m2 = m2A + m2B + delta^2 * nA * nB / w`.
 *
 * Each output therefore uses at most `w` Welford steps plus one merge, all over values inside
 * the window, in an order fixed by the absolute positions: no drift over long arrays, and the
 * same bits for a row whatever chunk it is computed in, as long as `origin` is consistent (the
 * feature algorithms pass the absolute minute number of element 0).
 *
 * @param values the series, oldest first; NaN values poison every window that contains them.
 * @param window window length w >= 1 (integer).
 * @param origin absolute index of `values[0]`; only affects block alignment (and so the last bits
 *   of the result), never which values are in a window.
 */
export function rollingMoments(values: Float64Array, window: number, origin = 0): RollingMoments {
  if (!Number.isInteger(window) || window < 1) throw new Error(`rollingMoments: invalid window ${window}`);
  if (!Number.isInteger(origin)) throw new Error(`rollingMoments: origin must be an integer, got ${origin}`);
  const n = values.length;
  const w = window;
  const mean = new Float64Array(n).fill(NaN);
  const m2 = new Float64Array(n).fill(NaN);
  if (n < w) return { mean, m2 };

  // Backward pass: Welford statistics of values[i .. end of i's block] (clipped to the array end;
  // a clipped suffix is never used because it would belong to the current block, not a previous one).
  const sufMean = new Float64Array(n);
  const sufM2 = new Float64Array(n);
  let pos = mod(origin + n - 1, w);
  let k = 0;
  let mu = 0;
  let s = 0;
  for (let i = n - 1; i >= 0; i--) {
    if (pos === w - 1 || i === n - 1) {
      k = 0;
      mu = 0;
      s = 0;
    }
    const x = values[i];
    k++;
    const d = x - mu;
    mu += d / k;
    s += d * (x - mu);
    sufMean[i] = mu;
    sufM2[i] = s;
    pos = pos === 0 ? w - 1 : pos - 1;
  }

  // Forward pass: prefix statistics of [start of i's block .. i], merged with the suffix part.
  // A prefix started at i = 0 mid-block is incomplete, but it only serves windows that begin
  // before the array (t < w - 1), whose output stays NaN.
  pos = mod(origin, w);
  k = 0;
  mu = 0;
  s = 0;
  for (let t = 0; t < n; t++) {
    if (pos === 0 || t === 0) {
      k = 0;
      mu = 0;
      s = 0;
    }
    const x = values[t];
    k++;
    const d = x - mu;
    mu += d / k;
    s += d * (x - mu);
    if (t >= w - 1) {
      const nB = pos + 1;
      if (nB === w) {
        mean[t] = mu;
        m2[t] = s;
      } else {
        const j = t - w + 1;
        const nA = w - nB;
        const meanA = sufMean[j];
        const delta = mu - meanA;
        mean[t] = meanA + (delta * nB) / w;
        m2[t] = sufM2[j] + s + (delta * delta * nA * nB) / w;
      }
    }
    pos = pos === w - 1 ? 0 : pos + 1;
  }
  return { mean, m2 };
}

/**
 * Rolling mean over a trailing window: `mean_t = (1/w) * sum_{j=t-w+1..t} x_j`; NaN until the
 * window is full or when it contains a NaN. See {@link rollingMoments} for the algorithm.
 */
export function rollingMean(values: Float64Array, window: number, origin = 0): Float64Array {
  return rollingMoments(values, window, origin).mean;
}

/**
 * Sample standard deviation from rolling moments: `sqrt(m2 / (w - 1))` (Bessel-corrected,
 * because the window is a sample of the process, not the whole population).
 */
export function sampleStd(moments: RollingMoments, window: number): Float64Array {
  if (window < 2) throw new Error(`sampleStd: window must be >= 2, got ${window}`);
  const { m2 } = moments;
  const out = new Float64Array(m2.length);
  for (let i = 0; i < m2.length; i++) out[i] = Math.sqrt(m2[i] / (window - 1));
  return out;
}

/**
 * Rolling sample standard deviation over a trailing window:
 * `std_t = sqrt( sum_{j=t-w+1..t} (x_j - mean_t)^2 / (w - 1) )`; NaN until the window is full.
 */
export function rollingStd(values: Float64Array, window: number, origin = 0): Float64Array {
  return sampleStd(rollingMoments(values, window, origin), window);
}

/**
 * Rolling z-score of each value against its own trailing window (the window includes the
 * current value, so the z-score of row t uses nothing after t):
 * `z_t = (x_t - mean_t) / std_t` with the sample std of {@link rollingStd}.
 * NaN when the window is incomplete or has zero spread (a z-score is undefined there, and a
 * huge number would be worse than a missing one).
 */
export function rollingZScore(values: Float64Array, window: number, origin = 0): Float64Array {
  const { mean, m2 } = rollingMoments(values, window, origin);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const sd = Math.sqrt(m2[i] / (window - 1));
    out[i] = sd > 0 ? (values[i] - mean[i]) / sd : NaN;
  }
  return out;
}

/**
 * EWMA decay factor for a half-life in steps: `lambda = 2^(-1 / halfLife)`, so that the weight of
 * an observation halves every `halfLife` steps (`lambda^halfLife = 1/2`).
 */
export function lambdaFromHalfLife(halfLife: number): number {
  if (!(halfLife > 0)) throw new Error(`lambdaFromHalfLife: half-life must be > 0, got ${halfLife}`);
  return Math.pow(2, -1 / halfLife);
}

/**
 * RiskMetrics-style exponentially weighted variance of zero-mean returns:
 *   `var_t = lambda * var_{t-1} + (1 - lambda) * r_t^2`
 * (no mean is subtracted: at minute scale the mean return is negligible next to its noise, and
 * estimating it would only add noise).
 *
 * Seeding: leading NaNs stay NaN; at the first finite return `var = r^2` (the one-observation
 * estimate). After k further steps the seed's weight is `lambda^k`, so callers that need a
 * seed-independent value run the recursion long enough before the rows they keep.
 * A NaN after the seed is an unknown minute (an outage on the clock grid, see `clock.ts`): the
 * recursion does not step on it and the row holds the last state, because neither a zero return
 * (decay) nor the move across the outage as one minute's return would describe it. Candles are
 * validated finite at ingest, so no other NaN reaches here.
 *
 * @param returns the returns, oldest first.
 * @param lambda decay in (0, 1), see {@link lambdaFromHalfLife}.
 * @param out optional output buffer of the same length.
 */
export function ewmaVariance(returns: Float64Array, lambda: number, out?: Float64Array): Float64Array {
  if (!(lambda > 0 && lambda < 1)) throw new Error(`ewmaVariance: lambda must be in (0, 1), got ${lambda}`);
  const n = returns.length;
  const v = out ?? new Float64Array(n);
  if (v.length !== n) throw new Error(`ewmaVariance: out has length ${v.length}, expected ${n}`);
  let i = 0;
  for (; i < n && Number.isNaN(returns[i]); i++) v[i] = NaN;
  if (i === n) return v;
  let state = returns[i] * returns[i];
  v[i] = state;
  const alpha = 1 - lambda;
  for (i++; i < n; i++) {
    const r = returns[i];
    // NaN: an unknown minute holds the state (see above); a finite return takes the same path as always.
    if (r === r) state = lambda * state + alpha * r * r;
    v[i] = state;
  }
  return v;
}

/**
 * Wilder's Relative Strength Index over `period` price changes.
 *
 * With changes `d_i = close_i - close_{i-1}`, gains `g_i = max(d_i, 0)`, losses `l_i = max(-d_i, 0)`:
 * - seed at i = period: `G = mean(g_1..g_period)`, `L = mean(l_1..l_period)` (simple averages);
 * - afterwards Wilder smoothing: `G_i = (G_{i-1} * (period - 1) + g_i) / period`, same for L
 *   (an EWMA with alpha = 1/period);
 * - `RSI = 100 - 100 / (1 + G/L) = 100 * G / (G + L)`; the second form is used because it is
 *   defined when L = 0 (gives 100). When G = L = 0 (a flat market) RSI is 50 by convention:
 *   neither side has strength.
 *
 * Rows before the seed (i < period) are NaN. After the seed, a NaN change (an unknown minute on
 * the clock grid, see `clock.ts`) leaves both averages as they are: the recursion does not step.
 *
 * @param close prices, oldest first.
 * @param period number of changes in the seed average and the smoothing length (14 classically).
 * @param out optional output buffer of the same length.
 */
export function wilderRsi(close: Float64Array, period: number, out?: Float64Array): Float64Array {
  if (!Number.isInteger(period) || period < 1) throw new Error(`wilderRsi: invalid period ${period}`);
  const n = close.length;
  const rsi = out ?? new Float64Array(n);
  if (rsi.length !== n) throw new Error(`wilderRsi: out has length ${rsi.length}, expected ${n}`);
  const seedEnd = Math.min(period, n);
  for (let i = 0; i < seedEnd; i++) rsi[i] = NaN;
  if (n <= period) return rsi;
  let gainSum = 0;
  let lossSum = 0;
  for (let i = 1; i <= period; i++) {
    const d = close[i] - close[i - 1];
    if (d > 0) gainSum += d;
    else lossSum -= d;
  }
  let g = gainSum / period;
  let l = lossSum / period;
  rsi[period] = rsiFrom(g, l);
  for (let i = period + 1; i < n; i++) {
    const d = close[i] - close[i - 1];
    // A NaN change (unknown minute) must not be mistaken for "no gain, no loss": no step at all.
    if (d === d) {
      g = (g * (period - 1) + (d > 0 ? d : 0)) / period;
      l = (l * (period - 1) + (d < 0 ? -d : 0)) / period;
    }
    rsi[i] = rsiFrom(g, l);
  }
  return rsi;
}

/** `100 * G / (G + L)`, 50 when both averages are zero (see {@link wilderRsi}); NaN stays NaN. */
function rsiFrom(g: number, l: number): number {
  const total = g + l;
  return total === 0 ? 50 : (100 * g) / total;
}
