/**
 * The missing-minute policy (src/features/clock.ts) and feature sets B and C on candles with
 * holes: the clock grid by hand, small hand-computed feature values, and every column of both
 * sets against a naive per-row reference of the documented wall-clock definitions over synthetic
 * candles with single missing minutes, runs, a hole across midnight, a day's first minutes
 * missing and an outage beyond the carry limit.
 */
import { featuresB } from '../../src/features/b';
import { featuresC } from '../../src/features/c';
import { hasGaps, MAX_CARRY_MINUTES, toClockGrid } from '../../src/features/clock';
import { lambdaFromHalfLife } from '../../src/features/math';
import type { CandleColumns } from '../../src/features/types';
import { syntheticCandles } from '../../src/sources/synthetic';

const MINUTE = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 2, 1);

/** Candles at the given minutes after T0 with the given closes (open = high = low = close, volume 1 + i). */
function candlesAt(minutes: number[], close: number[]): CandleColumns {
  const c = Float64Array.from(close);
  return {
    ts: Float64Array.from(minutes, (m) => T0 + m * MINUTE),
    open: c.slice(),
    high: c.slice(),
    low: c.slice(),
    close: c,
    volume: Float64Array.from(minutes, (_, i) => 1 + i),
  };
}

/** Candles of `c` except the minutes (after T0) `missing` says. */
function withHoles(c: CandleColumns, missing: (minute: number) => boolean): CandleColumns {
  const keep: number[] = [];
  for (let i = 0; i < c.ts.length; i++) if (!missing((c.ts[i] - T0) / MINUTE)) keep.push(i);
  const pick = (a: Float64Array) => Float64Array.from(keep, (i) => a[i]);
  return { ts: pick(c.ts), open: pick(c.open), high: pick(c.high), low: pick(c.low), close: pick(c.close), volume: pick(c.volume) };
}

describe('the clock grid', () => {
  test('candles without holes are their own grid (same arrays, no row map)', () => {
    const c = candlesAt([0, 1, 2], [1, 2, 3]);
    const grid = toClockGrid(c);
    expect(grid.candles).toBe(c);
    expect(grid.rows).toBeUndefined();
    expect(hasGaps(c.ts)).toBe(false);
  });

  test('a missing minute takes the last close as its price, volume 0, and is flagged filled', () => {
    const grid = toClockGrid(candlesAt([0, 1, 3, 6], [10, 11, 13, 16]));
    expect(Array.from(grid.candles.ts, (t) => (t - T0) / MINUTE)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Array.from(grid.candles.close)).toEqual([10, 11, 11, 13, 13, 13, 16]);
    expect(Array.from(grid.candles.open)).toEqual([10, 11, 11, 13, 13, 13, 16]);
    expect(Array.from(grid.candles.high)).toEqual([10, 11, 11, 13, 13, 13, 16]);
    expect(Array.from(grid.candles.volume)).toEqual([1, 2, 0, 3, 0, 0, 4]);
    expect(Array.from(grid.candles.filled ?? [])).toEqual([0, 0, 1, 0, 1, 1, 0]);
    expect(Array.from(grid.rows ?? [])).toEqual([0, 1, 3, 6]);
  });

  test(`a close is carried ${MAX_CARRY_MINUTES} minutes at most; later minutes are unknown (NaN)`, () => {
    const grid = toClockGrid(candlesAt([0, MAX_CARRY_MINUTES + 3], [10, 20]));
    expect(grid.candles.close[MAX_CARRY_MINUTES]).toBe(10);
    expect(grid.candles.volume[MAX_CARRY_MINUTES]).toBe(0);
    expect(grid.candles.close[MAX_CARRY_MINUTES + 1]).toBeNaN();
    expect(grid.candles.volume[MAX_CARRY_MINUTES + 2]).toBeNaN();
    expect(grid.candles.close[MAX_CARRY_MINUTES + 3]).toBe(20);
  });

  test('unordered timestamps are refused', () => {
    expect(() => toClockGrid(candlesAt([0, 2, 1, 5], [1, 2, 3, 4]))).toThrow(/strictly ascending/);
  });
});

describe('hand-computed values over holes', () => {
  // Minutes 0..39 with close 100 + minute, minutes 5-7 (a run) and 12 (single) missing.
  const minutes = Array.from({ length: 40 }, (_, m) => m).filter((m) => !(m >= 5 && m <= 7) && m !== 12);
  const c = candlesAt(minutes, minutes.map((m) => 100 + m));
  const row = (m: number) => minutes.indexOf(m);

  test('B: returns carry the move across a hole; 15-minute windows cover 15 clock minutes', () => {
    const b = featuresB.compute(c);
    expect(b.log_return.length).toBe(minutes.length);
    expect(b.log_return[row(8)]).toBe(Math.log(108 / 104));
    expect(b.log_return[row(13)]).toBe(Math.log(113 / 111));
    // Returns of clock minutes 5..19 telescope to ln(P19 / P4); 15 rows back would reach minute 1.
    expect(b.ret_mean_15[row(19)]).toBeCloseTo(Math.log(119 / 104) / 15, 15);
    // The 15 returns: 0, 0, 0 (5-7), ln(108/104), ln(k/(k-1)) for k = 9..11, 0 (12), ln(113/111), ln(k/(k-1)) for 14..19.
    const r = [0, 0, 0, Math.log(108 / 104), ...[9, 10, 11].map((k) => Math.log((100 + k) / (99 + k))), 0, Math.log(113 / 111)];
    for (let k = 14; k <= 19; k++) r.push(Math.log((100 + k) / (99 + k)));
    const mean = r.reduce((s, x) => s + x, 0) / 15;
    const std = Math.sqrt(r.reduce((s, x) => s + (x - mean) ** 2, 0) / 14);
    expect(b.vol_15[row(19)]).toBeCloseTo(std, 15);
    // Minute 15 is only the 12th row, so a 15-row window would still be NaN; its clock window is minutes 1..15.
    expect(b.ret_mean_15[row(15)]).toBeCloseTo(Math.log(115 / 100) / 15, 15);
    expect(b.ret_mean_15[row(14)]).toBeNaN(); // its window needs the return of minute 0, which has no previous price
  });

  test('C: momentum_30 is 30 clock minutes back, as of the last candle at or before it', () => {
    const cc = featuresC.compute(c);
    expect(cc.momentum_30[row(36)]).toBe(Math.log(136 / 104)); // minute 6 is missing: as of minute 4
    expect(cc.momentum_30[row(42 - 3)]).toBe(Math.log(139 / 109));
    expect(cc.momentum_30[row(29)]).toBeNaN(); // minute -1 is before the data
    expect(cc.momentum_30[row(30)]).toBe(Math.log(130 / 100));
  });
});

/**
 * A naive reference of the documented definitions: a per-row loop over clock minutes with a map
 * lookup for each price, no shared code with the implementation.
 */
function reference(c: CandleColumns) {
  const byMinute = new Map<number, number>();
  const volumeByMinute = new Map<number, number>();
  for (let i = 0; i < c.ts.length; i++) {
    byMinute.set(c.ts[i] / MINUTE, c.close[i]);
    volumeByMinute.set(c.ts[i] / MINUTE, c.volume[i]);
  }
  const firstMinute = c.ts[0] / MINUTE;
  /** Price of a clock minute: as-of within the carry limit, NaN before the data or beyond it. */
  const price = (m: number): number => {
    if (m < firstMinute) return NaN;
    for (let k = 0; k <= MAX_CARRY_MINUTES; k++) {
      const p = byMinute.get(m - k);
      if (p !== undefined) return p;
      if (m - k <= firstMinute) break;
    }
    return NaN;
  };
  const volume = (m: number): number => (volumeByMinute.has(m) ? (volumeByMinute.get(m) as number) : Number.isNaN(price(m)) ? NaN : 0);
  const ret = (m: number): number => Math.log(price(m) / price(m - 1));
  const stats = (xs: number[]) => {
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    return { mean, std: Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1)) };
  };
  const window = (t: number, w: number, f: (m: number) => number) => Array.from({ length: w }, (_, k) => f(t - w + 1 + k));

  return (t: number) => {
    const r15 = stats(window(t, 15, ret));
    const r60 = stats(window(t, 60, ret));
    const v60 = stats(window(t, 60, volume));
    const p120 = stats(window(t, 120, price));
    // Recursions: from S = the first candle of the previous UTC day, one step per clock minute.
    const anchor = Math.floor((t * MINUTE) / DAY) * 1440 - 1440;
    let s = -1;
    for (let m = anchor; m < anchor + 1440 && s < 0; m++) if (byMinute.has(m)) s = m;
    let ewma = NaN;
    let rsi = NaN;
    if (s >= 0 && t > s) {
      const lambda = lambdaFromHalfLife(30);
      let v = ret(s + 1) ** 2;
      for (let m = s + 2; m <= t; m++) if (!Number.isNaN(ret(m))) v = lambda * v + (1 - lambda) * ret(m) ** 2;
      ewma = Math.sqrt(v);
      if (t - s >= 14) {
        let g = 0;
        let l = 0;
        for (let m = s + 1; m <= s + 14; m++) {
          const d = price(m) - price(m - 1);
          g += Math.max(d, 0) / 14;
          l += Math.max(-d, 0) / 14;
        }
        for (let m = s + 15; m <= t; m++) {
          const d = price(m) - price(m - 1);
          if (Number.isNaN(d)) continue;
          g = (g * 13 + Math.max(d, 0)) / 14;
          l = (l * 13 + Math.max(-d, 0)) / 14;
        }
        rsi = g + l === 0 ? 50 : (100 * g) / (g + l);
      }
    }
    return {
      log_return: ret(t),
      ret_mean_15: r15.mean,
      ret_mean_60: r60.mean,
      vol_15: r15.std,
      vol_60: r60.std,
      volume_z_60: (volume(t) - v60.mean) / v60.std,
      ewma_vol_30: ewma,
      rsi_14: rsi,
      zscore_close_120: (price(t) - p120.mean) / p120.std,
      momentum_30: Math.log(price(t) / price(t - 30)),
    };
  };
}

describe('B and C equal the wall-clock definitions over holes (naive reference, 1e-9)', () => {
  // Three days from T0 + 1 day; day 0 (T0) is history for the recursions of day 1.
  const missing = (m: number): boolean => {
    const minuteOfDay = m % 1440;
    return (
      (m * 2654435761) % 89 < 5 || // scattered single minutes and short runs
      minuteOfDay >= 1433 || minuteOfDay < 9 || // across every midnight
      (m >= 2 * 1440 && m < 2 * 1440 + 75) || // day 2's first 75 minutes
      (m >= 3 * 1440 + 300 && m < 3 * 1440 + 400) // a 100-minute outage (beyond the carry)
    );
  };
  const candles = withHoles(syntheticCandles('SOL-USD', T0, T0 + 4 * DAY), missing);
  const b = featuresB.compute(candles);
  const c = featuresC.compute(candles);
  const ref = reference(candles);

  test('every 7th row of days 1..3, every column', () => {
    let compared = 0;
    let finite = 0;
    for (let i = 0; i < candles.ts.length; i += 7) {
      const t = candles.ts[i] / MINUTE;
      if (t < 1440) continue;
      const want = ref(t);
      const got: Record<string, number> = {};
      for (const [k, v] of Object.entries({ ...b, ...c })) got[k] = v[i];
      for (const [k, expected] of Object.entries(want)) {
        const actual = got[k];
        compared++;
        if (!Number.isFinite(expected)) {
          if (Number.isFinite(actual)) throw new Error(`${k} at minute ${t}: expected ${expected}, got ${actual}`);
          continue;
        }
        finite++;
        // ret means are ~0 next to their terms: scale the tolerance by a typical return.
        // z-scores divide a price difference by a price std: their error scales with 1, not with the result.
        const scale = k.startsWith('ret_mean') || k === 'log_return' ? 1e-3 : k.startsWith('zscore') ? 1 : Math.abs(expected);
        if (!(Math.abs(actual - expected) <= 1e-9 * Math.max(scale, Math.abs(expected)))) {
          throw new Error(`${k} at minute ${t} (${new Date(t * MINUTE).toISOString()}): expected ${expected}, got ${actual}`);
        }
      }
    }
    expect(compared).toBeGreaterThan(5000);
    expect(finite / compared).toBeGreaterThan(0.9);
  });

  test('after an outage beyond the carry, windows over it are NaN and the recursions hold, not break', () => {
    const firstAfter = candles.ts.findIndex((t) => t >= T0 + (3 * 1440 + 400) * MINUTE);
    expect(b.vol_60[firstAfter]).toBeNaN();
    expect(b.log_return[firstAfter]).toBeNaN();
    // The 60 carried minutes after the last candle step with return 0 (variance * lambda^60, so the
    // volatility halves: half-life 30); the unknown minutes and the return across them do not step.
    expect(c.ewma_vol_30[firstAfter]).toBeCloseTo(c.ewma_vol_30[firstAfter - 1] / 2, 15);
    expect(Number.isFinite(c.rsi_14[firstAfter + 1])).toBe(true);
  });
});
