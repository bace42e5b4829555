/**
 * Feature math (hand-computed values and naive O(n*w) references), feature sets B and C, their
 * chunk invariance (the property the pipeline's backfills rely on), and the registry.
 */
import { featuresB } from '../../src/features/b';
import { featuresC } from '../../src/features/c';
import { algorithmIds, algorithms, getAlgorithm, isAlgorithmId } from '../../src/features/index';
import {
  ewmaVariance,
  lambdaFromHalfLife,
  logReturns,
  rollingMean,
  rollingMoments,
  rollingStd,
  rollingZScore,
  wilderRsi,
} from '../../src/features/math';
import type { CandleColumns, FeatureAlgorithm } from '../../src/features/types';
import { syntheticCandles } from '../../src/sources/synthetic';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** A fixed UTC midnight, so day boundaries in the tests are known. */
const T0 = Date.UTC(2024, 2, 1);

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so failures are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Element-wise comparison where NaN must match NaN and numbers must agree within `tol` (absolute). */
function expectCloseArray(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    if (Number.isNaN(e)) {
      if (!Number.isNaN(a)) throw new Error(`index ${i}: expected NaN, got ${a}`);
    } else if (!(Math.abs(a - e) <= tol)) {
      throw new Error(`index ${i}: expected ${e}, got ${a} (tolerance ${tol})`);
    }
  }
}

/** Naive O(n*w) rolling mean and sample std (two-pass per window). */
function naiveRolling(values: ArrayLike<number>, w: number): { mean: number[]; std: number[]; meanAbs: number[] } {
  const mean: number[] = [];
  const std: number[] = [];
  const meanAbs: number[] = [];
  for (let t = 0; t < values.length; t++) {
    if (t < w - 1) {
      mean.push(NaN);
      std.push(NaN);
      meanAbs.push(NaN);
      continue;
    }
    let s = 0;
    let sa = 0;
    for (let j = t - w + 1; j <= t; j++) {
      s += values[j];
      sa += Math.abs(values[j]);
    }
    const m = s / w;
    let ss = 0;
    for (let j = t - w + 1; j <= t; j++) ss += (values[j] - m) ** 2;
    mean.push(m);
    std.push(w > 1 ? Math.sqrt(ss / (w - 1)) : NaN);
    meanAbs.push(sa / w);
  }
  return { mean, std, meanAbs };
}

/**
 * `actual` equals `expected` within 1e-9 relative. The scale is max(|expected|, `scale`): a mean
 * of returns can be ~0 while its terms are not, and then no summation order is exact relative
 * to the (tiny) result; `scale` is the size of the terms.
 */
function expectRelClose(actual: number, expected: number, scale: number, where: string): void {
  if (Number.isNaN(expected)) {
    if (!Number.isNaN(actual)) throw new Error(`${where}: expected NaN, got ${actual}`);
    return;
  }
  const tol = 1e-9 * Math.max(Math.abs(expected), scale);
  if (!(Math.abs(actual - expected) <= tol)) throw new Error(`${where}: expected ${expected}, got ${actual}`);
}

/** Rows [from, to) of every column, as plain arrays (toEqual then compares with Object.is). */
function sliceRows(cols: Readonly<Record<string, Float64Array>>, from: number, to: number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, values] of Object.entries(cols)) out[name] = Array.from(values.subarray(from, to));
  return out;
}

/** Computes `alg` for [fromMs, toMs) the way the pipeline does: load lookback, compute, keep the range. */
function computeRange(alg: FeatureAlgorithm, fromMs: number, toMs: number, lookbackMinutes = alg.lookbackMinutes) {
  const candles = syntheticCandles('BTC-USD', fromMs - lookbackMinutes * MINUTE, toMs);
  const cols = alg.compute(candles);
  return sliceRows(cols, lookbackMinutes, candles.ts.length);
}

function candlesFromClose(close: number[], high?: number[], low?: number[], volume?: number[]): CandleColumns {
  const n = close.length;
  return {
    ts: Float64Array.from({ length: n }, (_, i) => T0 + i * MINUTE),
    open: Float64Array.from(close),
    high: Float64Array.from(high ?? close),
    low: Float64Array.from(low ?? close),
    close: Float64Array.from(close),
    volume: Float64Array.from(volume ?? close.map(() => 1)),
  };
}

describe('math building blocks', () => {
  test('logReturns on a 5-candle example', () => {
    const r = logReturns(Float64Array.from([100, 101, 99.99, 102, 102]));
    expectCloseArray(r, [NaN, 0.009950330853168092, -0.01005033585350145, 0.019902632296513064, 0], 1e-15);
  });

  test('rollingMean / rollingStd / rollingZScore, window 3, by hand', () => {
    const x = Float64Array.from([1, 2, 4, 7, 11]);
    // Means: (1+2+4)/3, (2+4+7)/3, (4+7+11)/3.
    expectCloseArray(rollingMean(x, 3), [NaN, NaN, 7 / 3, 13 / 3, 22 / 3]);
    // Sample variances: 42/9/2 = 7/3, 114/9/2 = 19/3, 222/9/2 = 37/3.
    expectCloseArray(rollingStd(x, 3), [NaN, NaN, 1.5275252316519468, 2.516611478423583, 3.5118845842842465]);
    // z = (x_t - mean) / std: (4 - 7/3) / sqrt(7/3), ...
    expectCloseArray(rollingZScore(x, 3), [NaN, NaN, 1.0910894511799618, 1.059625885652035, 1.0440737953277488]);
  });

  test('rolling windows: NaN poisons exactly the windows containing it; short input is all NaN', () => {
    const x = Float64Array.from([1, 2, NaN, 4, 5, 6, 7]);
    expectCloseArray(rollingMean(x, 2), [NaN, 1.5, NaN, NaN, 4.5, 5.5, 6.5]);
    expectCloseArray(rollingMean(Float64Array.from([1, 2]), 3), [NaN, NaN]);
    expectCloseArray(rollingMean(new Float64Array(0), 3), []);
    expectCloseArray(rollingMean(x, 1), [1, 2, NaN, 4, 5, 6, 7]);
  });

  test('rolling z-score is NaN on a flat window', () => {
    const z = rollingZScore(Float64Array.from([5, 5, 5, 5, 6]), 3);
    expectCloseArray(z, [NaN, NaN, NaN, NaN, 1.1547005383792517]);
  });

  test('O(n) rolling moments equal the naive O(n*w) computation (1e-9 relative)', () => {
    const rand = prng(42);
    const n = 1500;
    // Returns-like data (mean ~0) and price-like data (large mean, small spread: cancellation-prone).
    const returns = Float64Array.from({ length: n }, () => (rand() - 0.5) * 0.002);
    const prices = new Float64Array(n);
    let p = 60_000;
    for (let i = 0; i < n; i++) {
      p *= Math.exp((rand() - 0.5) * 0.002);
      prices[i] = p;
    }
    for (const data of [returns, prices]) {
      for (const w of [1, 2, 3, 15, 60, 120, 250]) {
        for (const origin of [0, 7, 28_000_013]) {
          const { mean, m2 } = rollingMoments(data, w, origin);
          const naive = naiveRolling(data, w);
          for (let t = 0; t < n; t++) {
            const where = `w=${w} origin=${origin} t=${t}`;
            expectRelClose(mean[t], naive.mean[t], naive.meanAbs[t], `mean ${where}`);
            if (w > 1) expectRelClose(Math.sqrt(m2[t] / (w - 1)), naive.std[t], 0, `std ${where}`);
          }
        }
      }
    }
  });

  test('rolling moments are bit-identical on any sub-array with a consistent origin', () => {
    const rand = prng(7);
    const x = Float64Array.from({ length: 1000 }, () => 100 + rand());
    const full = rollingMoments(x, 60, 1_000_000);
    for (const start of [1, 59, 60, 333]) {
      const part = rollingMoments(x.subarray(start), 60, 1_000_000 + start);
      expect(Array.from(part.mean.subarray(59))).toEqual(Array.from(full.mean.subarray(start + 59)));
      expect(Array.from(part.m2.subarray(59))).toEqual(Array.from(full.m2.subarray(start + 59)));
    }
  });

  test('lambdaFromHalfLife halves the weight every half-life', () => {
    expect(lambdaFromHalfLife(30)).toBeCloseTo(0.9771599684342459, 15);
    expect(Math.pow(lambdaFromHalfLife(30), 30)).toBeCloseTo(0.5, 14);
    expect(lambdaFromHalfLife(1)).toBe(0.5);
  });

  test('ewmaVariance by hand (lambda 0.5, seeded with the first squared return)', () => {
    const v = ewmaVariance(Float64Array.from([NaN, 0.1, -0.2, 0.3]), 0.5);
    // 0.01; 0.5*0.01 + 0.5*0.04 = 0.025; 0.5*0.025 + 0.5*0.09 = 0.0575
    expectCloseArray(v, [NaN, 0.01, 0.025, 0.0575], 1e-15);
    expectCloseArray(ewmaVariance(Float64Array.from([NaN, NaN]), 0.5), [NaN, NaN]);
  });

  test('wilderRsi by hand (period 3)', () => {
    // Changes: +1, -0.5, +1, +0.5, -1.
    // i=3: G = 2/3, L = 1/6 -> 100 * (2/3) / (5/6) = 80
    // i=4: G = (2/3*2 + 0.5)/3 = 11/18, L = (1/6*2)/3 = 1/9 -> 100 * 11/13
    // i=5: G = (11/18*2)/3 = 11/27, L = (1/9*2 + 1)/3 = 11/27 -> 50
    const rsi = wilderRsi(Float64Array.from([10, 11, 10.5, 11.5, 12, 11]), 3);
    expectCloseArray(rsi, [NaN, NaN, NaN, 80, 84.61538461538461, 50], 1e-12);
  });

  test('wilderRsi edge cases: only gains -> 100, flat -> 50, too short -> NaN', () => {
    expectCloseArray(wilderRsi(Float64Array.from([1, 2, 3, 4]), 2), [NaN, NaN, 100, 100]);
    expectCloseArray(wilderRsi(Float64Array.from([5, 5, 5]), 2), [NaN, NaN, 50]);
    expectCloseArray(wilderRsi(Float64Array.from([5, 6]), 2), [NaN, NaN]);
  });

  test('wilderRsi matches the textbook 100 - 100 / (1 + RS) form on random data', () => {
    const rand = prng(3);
    const close = new Float64Array(500);
    let p = 100;
    for (let i = 0; i < close.length; i++) close[i] = p *= 1 + (rand() - 0.5) * 0.01;
    const rsi = wilderRsi(close, 14);
    let g = 0;
    let l = 0;
    for (let i = 1; i < close.length; i++) {
      const d = close[i] - close[i - 1];
      if (i <= 14) {
        g += Math.max(d, 0) / 14;
        l += Math.max(-d, 0) / 14;
      } else {
        g = (g * 13 + Math.max(d, 0)) / 14;
        l = (l * 13 + Math.max(-d, 0)) / 14;
      }
      if (i >= 14) expect(rsi[i]).toBeCloseTo(100 - 100 / (1 + g / l), 9);
      else expect(rsi[i]).toBeNaN();
    }
  });
});

describe('feature set B', () => {
  test('metadata', () => {
    expect(featuresB.id).toBe('b');
    expect(featuresB.version).toBe('b-1.1.0');
    expect(featuresB.lookbackMinutes).toBe(120);
    expect(featuresB.columns).toEqual(['log_return', 'ret_mean_15', 'ret_mean_60', 'vol_15', 'vol_60', 'range_pct', 'volume_z_60']);
  });

  test('5-candle example: log returns and range by hand, windowed columns NaN', () => {
    const candles = candlesFromClose([100, 101, 99.99, 102, 102], [101, 102, 101.5, 103, 102.5], [99, 100, 99, 99.5, 101.5]);
    const before = Array.from(candles.close);
    const out = featuresB.compute(candles);
    expect(Object.keys(out)).toEqual([...featuresB.columns]);
    expectCloseArray(out.log_return, [NaN, 0.009950330853168092, -0.01005033585350145, 0.019902632296513064, 0], 1e-15);
    // (high - low) / close: 2/100, 2/101, 2.5/99.99, 3.5/102, 1/102
    expectCloseArray(out.range_pct, [0.02, 0.019801980198019802, 0.025002500250025005, 0.03431372549019608, 0.00980392156862745], 1e-15);
    for (const name of ['ret_mean_15', 'ret_mean_60', 'vol_15', 'vol_60', 'volume_z_60'] as const) {
      expectCloseArray(out[name], [NaN, NaN, NaN, NaN, NaN]);
    }
    expect(Array.from(candles.close)).toEqual(before);
  });

  test('empty input gives empty columns', () => {
    const out = featuresB.compute(candlesFromClose([]));
    for (const name of featuresB.columns) expect(out[name].length).toBe(0);
  });

  test('matches a naive computation on synthetic data', () => {
    const candles = syntheticCandles('BTC-USD', T0, T0 + 600 * MINUTE);
    const out = featuresB.compute(candles);
    const n = candles.close.length;
    const r = Array.from({ length: n }, (_, i) => (i === 0 ? NaN : Math.log(candles.close[i] / candles.close[i - 1])));
    const r15 = naiveRolling(r, 15);
    const r60 = naiveRolling(r, 60);
    const v60 = naiveRolling(candles.volume, 60);
    for (let t = 0; t < n; t++) {
      expect(out.log_return[t]).toBe(r[t]);
      expectRelClose(out.ret_mean_15[t], r15.mean[t], r15.meanAbs[t], `ret_mean_15 t=${t}`);
      expectRelClose(out.ret_mean_60[t], r60.mean[t], r60.meanAbs[t], `ret_mean_60 t=${t}`);
      expectRelClose(out.vol_15[t], r15.std[t], 0, `vol_15 t=${t}`);
      expectRelClose(out.vol_60[t], r60.std[t], 0, `vol_60 t=${t}`);
      const z = t < 59 ? NaN : (candles.volume[t] - v60.mean[t]) / v60.std[t];
      expectRelClose(out.volume_z_60[t], z, 1, `volume_z_60 t=${t}`);
    }
    // Enough history exactly from the lookback on.
    expect(out.vol_60[59]).toBeNaN();
    expect(out.vol_60[60]).not.toBeNaN();
  });
});

describe('feature set C', () => {
  test('metadata', () => {
    expect(featuresC.id).toBe('c');
    expect(featuresC.version).toBe('c-1.1.0');
    expect(featuresC.lookbackMinutes).toBe(2880);
    expect(featuresC.columns).toEqual(['ewma_vol_30', 'rsi_14', 'zscore_close_120', 'momentum_30']);
  });

  test('momentum_30 and zscore_close_120 against direct formulas', () => {
    const candles = syntheticCandles('ETH-USD', T0, T0 + 400 * MINUTE);
    const out = featuresC.compute(candles);
    const { close } = candles;
    const naive = naiveRolling(close, 120);
    for (let t = 0; t < close.length; t++) {
      const mom = t < 30 ? NaN : Math.log(close[t] / close[t - 30]);
      expectRelClose(out.momentum_30[t], mom, 0, `momentum t=${t}`);
      const z = t < 119 ? NaN : (close[t] - naive.mean[t]) / naive.std[t];
      // The z-score divides a difference of ~1e3 by ~1e1..1e2: compare absolutely at 1e-7.
      if (Number.isNaN(z)) expect(out.zscore_close_120[t]).toBeNaN();
      else expect(Math.abs(out.zscore_close_120[t] - z)).toBeLessThan(1e-7);
    }
  });

  test('recursive columns: each row equals the recursion run from 00:00 UTC of the previous day', () => {
    const candles = syntheticCandles('BTC-USD', T0, T0 + 3 * DAY);
    const out = featuresC.compute(candles);
    const { close } = candles;
    const lambda = lambdaFromHalfLife(30);
    // Day 0 has no anchor in the data (its previous day is missing), day 1 is anchored at row 0.
    for (let t = 0; t < 1440; t++) {
      expect(out.ewma_vol_30[t]).toBeNaN();
      expect(out.rsi_14[t]).toBeNaN();
    }
    for (let t = 1440; t < close.length; t += 37) {
      const anchor = t < 2880 ? 0 : 1440;
      const seg = close.slice(anchor, t + 1);
      // Same bits as running the building blocks over exactly [anchor, t].
      expect(out.rsi_14[t]).toBe(wilderRsi(seg, 14)[t - anchor]);
      const variance = ewmaVariance(logReturns(seg), lambda);
      expect(out.ewma_vol_30[t]).toBe(Math.sqrt(variance[t - anchor]));
      // And the closed form of the EWMA: seed weight lambda^k, then (1 - lambda) lambda^(t-j) r_j^2.
      let closed = 0;
      for (let j = anchor + 1; j <= t; j++) {
        const r = Math.log(close[j] / close[j - 1]);
        const weight = j === anchor + 1 ? Math.pow(lambda, t - j) : (1 - lambda) * Math.pow(lambda, t - j);
        closed += weight * r * r;
      }
      expectRelClose(out.ewma_vol_30[t], Math.sqrt(closed), 0, `ewma closed form t=${t}`);
      expect(out.rsi_14[t]).toBeGreaterThanOrEqual(0);
      expect(out.rsi_14[t]).toBeLessThanOrEqual(100);
    }
  });
});

describe('chunk invariance (what chunked backfills rely on)', () => {
  const from = T0 + 5 * DAY;
  const to = from + 3 * DAY;

  test.each([
    ['b', featuresB],
    ['c', featuresC],
  ] as const)('%s: a 3-day range equals each day computed separately', (_id, alg) => {
    const whole = computeRange(alg, from, to);
    for (let d = 0; d < 3; d++) {
      const day = computeRange(alg, from + d * DAY, from + (d + 1) * DAY);
      const expected = Object.fromEntries(Object.entries(whole).map(([k, v]) => [k, v.slice(d * 1440, (d + 1) * 1440)]));
      expect(day).toEqual(expected);
    }
    // With the full lookback loaded, no kept row is missing.
    for (const values of Object.values(whole)) expect(values.some(Number.isNaN)).toBe(false);
  });

  test.each([
    ['b', featuresB],
    ['c', featuresC],
  ] as const)('%s: chunks split at odd minutes agree too', (_id, alg) => {
    const whole = computeRange(alg, from, to);
    const cuts = [from, from + 437 * MINUTE, from + DAY + 1001 * MINUTE, from + 2 * DAY - MINUTE, to];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const part = computeRange(alg, cuts[i], cuts[i + 1]);
      const offset = (cuts[i] - from) / MINUTE;
      const len = (cuts[i + 1] - cuts[i]) / MINUTE;
      const expected = Object.fromEntries(Object.entries(whole).map(([k, v]) => [k, v.slice(offset, offset + len)]));
      expect(part).toEqual(expected);
    }
  });

  test('B on candles without holes needs 60 minutes: one minute less leaves vol_60 undefined on the first row', () => {
    expect(computeRange(featuresB, from, from + 10 * MINUTE, 59).vol_60[0]).toBeNaN();
    expect(computeRange(featuresB, from, from + 10 * MINUTE, 60).vol_60[0]).not.toBeNaN();
    expect(computeRange(featuresB, from, from + 10 * MINUTE, 60)).toEqual(computeRange(featuresB, from, from + 10 * MINUTE));
  });

  test('C: a range starting at 23:59 needs the previous day; without any candle of it the recursions are NaN', () => {
    const start = from + DAY - MINUTE;
    const enough = computeRange(featuresC, start, start + 2 * MINUTE, 2879);
    expect(enough.rsi_14[0]).not.toBeNaN();
    expect(enough).toEqual(computeRange(featuresC, start, start + 2 * MINUTE));
    // 1439 minutes back from 23:59 is 00:00 of the same day: the previous day is not in the input.
    const without = computeRange(featuresC, start, start + 2 * MINUTE, 1439);
    expect(without.rsi_14[0]).toBeNaN();
    expect(without.ewma_vol_30[0]).toBeNaN();
  });
});

/** Candles without the minutes `missing` says (by absolute minute number): a source with holes. */
function withHoles(c: CandleColumns, missing: (minute: number) => boolean): CandleColumns {
  const keep: number[] = [];
  for (let i = 0; i < c.ts.length; i++) if (!missing(c.ts[i] / MINUTE)) keep.push(i);
  const pick = (a: Float64Array) => Float64Array.from(keep, (i) => a[i]);
  return { ts: pick(c.ts), open: pick(c.open), high: pick(c.high), low: pick(c.low), close: pick(c.close), volume: pick(c.volume) };
}

describe('chunk invariance with holes (wall-clock minutes)', () => {
  const from = T0 + 5 * DAY;
  const to = from + 3 * DAY;
  const m0 = from / MINUTE;
  /** Single minutes, runs, a hole across each midnight, a day's first 90 minutes, a 2-hour outage. */
  const missing = (m: number): boolean => {
    const k = m - m0;
    const minuteOfDay = ((k % 1440) + 1440) % 1440;
    return (
      (m * 2654435761) % 97 < 4 || // ~4 % scattered single minutes (and some short runs)
      (k >= 300 && k < 307) || // a 7-minute run
      minuteOfDay >= 1430 || minuteOfDay < 12 || // across every midnight
      (k >= 1440 && k < 1530) || // day 2's first 90 minutes
      (k >= 2 * 1440 + 600 && k < 2 * 1440 + 720) // a 2-hour outage on day 3 (beyond the carry limit)
    );
  };
  /** `alg` over [fromMs, toMs) as the pipeline computes it: load the lookback, compute, keep the rows in range. */
  function computeGappy(alg: FeatureAlgorithm, fromMs: number, toMs: number) {
    const candles = withHoles(syntheticCandles('BTC-USD', fromMs - alg.lookbackMinutes * MINUTE, toMs), missing);
    const cols = alg.compute(candles);
    const found = candles.ts.findIndex((t) => t >= fromMs);
    const first = found < 0 ? candles.ts.length : found;
    return { ts: Array.from(candles.ts.subarray(first)), ...sliceRows(cols, first, candles.ts.length) };
  }

  test.each([
    ['b', featuresB],
    ['c', featuresC],
  ] as const)('%s: a 3-day range equals each day, and odd chunks, computed separately', (_id, alg) => {
    const whole = computeGappy(alg, from, to);
    expect(whole.ts.length).toBeLessThan(3 * 1440 - 300);
    const cuts = [from, from + DAY, from + DAY + 45 * MINUTE, from + 2 * DAY + 650 * MINUTE, from + 3 * DAY - 5 * MINUTE, to];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const part = computeGappy(alg, cuts[i], cuts[i + 1]);
      const lo = whole.ts.filter((t) => t < cuts[i]).length;
      const hi = whole.ts.filter((t) => t < cuts[i + 1]).length;
      const expected = Object.fromEntries(Object.entries(whole).map(([k, v]) => [k, v.slice(lo, hi)]));
      expect(part).toEqual(expected);
    }
  });

  test('B: the lookback covers the carry: with 60 minutes only, a row after a hole at the window start differs', () => {
    // Minute 60 before `from` is missing: the full lookback carries the close of minute 61 into it.
    const hole = (m: number) => m === m0 - 60;
    const load = (lookback: number) => {
      const candles = withHoles(syntheticCandles('BTC-USD', from - lookback * MINUTE, from + MINUTE), hole);
      const cols = featuresB.compute(candles);
      return cols.vol_60[cols.vol_60.length - 1];
    };
    expect(load(120)).not.toBeNaN();
    expect(load(60)).toBeNaN();
    expect(load(120)).toBe(load(200));
  });
});

describe('registry', () => {
  test('maps ids to algorithms', () => {
    expect(algorithms.b).toBe(featuresB);
    expect(algorithms.c).toBe(featuresC);
    expect(getAlgorithm('b')).toBe(featuresB);
    expect(getAlgorithm('c')).toBe(featuresC);
    expect(algorithmIds).toEqual(expect.arrayContaining(['b', 'c']));
    for (const id of algorithmIds) expect(getAlgorithm(id).id).toBe(id);
  });

  test('unknown ids throw an error listing the valid ones', () => {
    expect(() => getAlgorithm('x')).toThrow("Unknown feature algorithm 'x'; valid ids: b, c");
    expect(() => getAlgorithm('toString')).toThrow(/valid ids: b, c/);
    expect(isAlgorithmId('b')).toBe(true);
    expect(isAlgorithmId('constructor')).toBe(false);
  });
});
