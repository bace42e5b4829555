/** Feature set E against hand-computed values, and chunk invariance (a day's rows do not depend on where its chunk starts). */
import { featuresE } from '../../src/features/e';
import type { CandleColumns } from '../../src/features/types';
import { syntheticCandles } from '../../src/sources/synthetic';

const T0 = Date.UTC(2024, 0, 15);

/** Candles with the given closes; high/low at ±`spread` around each close. */
function candles(closes: readonly number[], spread = 1): CandleColumns {
  const n = closes.length;
  const ts = Float64Array.from({ length: n }, (_, i) => T0 + i * 60_000);
  const close = Float64Array.from(closes);
  return { ts, open: close.slice(), high: close.map((c) => c + spread), low: close.map((c) => c - spread), close, volume: new Float64Array(n).fill(1) };
}

describe('feature set E', () => {
  it('Bollinger %B over 20 minutes equals the textbook bands, by hand', () => {
    const closes = Array.from({ length: 25 }, (_, i) => 100 + (i % 5));
    const out = featuresE.compute(candles(closes));
    expect(Number.isNaN(out.pct_b_20[18])).toBe(true);
    // Row 20: the window is closes[1..20].
    const w = closes.slice(1, 21);
    const mean = w.reduce((s, x) => s + x, 0) / 20;
    const sd = Math.sqrt(w.reduce((s, x) => s + (x - mean) ** 2, 0) / 19);
    const lower = mean - 2 * sd;
    const upper = mean + 2 * sd;
    expect(out.pct_b_20[20]).toBeCloseTo((closes[20] - lower) / (upper - lower), 12);
    expect(out.pct_b_60.every(Number.isNaN)).toBe(true);
  });

  it('%B is NaN over flat closes (no band) and Parkinson volatility matches its formula', () => {
    const flat = featuresE.compute(candles(new Array(40).fill(50), 0.5));
    expect(Number.isNaN(flat.pct_b_20[30])).toBe(true);
    // ln(50.5 / 49.5)^2 every minute: the mean is that value.
    const expected = Math.sqrt(Math.log(50.5 / 49.5) ** 2 / (4 * Math.LN2));
    expect(flat.parkinson_vol_30[29]).toBeCloseTo(expected, 12);
    expect(Number.isNaN(flat.parkinson_vol_30[28])).toBe(true);
  });

  it('gives the same rows for a day whatever chunk it is computed in', () => {
    const days = syntheticCandles('BTC-USD', Date.UTC(2024, 0, 14), Date.UTC(2024, 0, 17));
    const whole = featuresE.compute(days);
    // The last day computed alone, with only its look-back before it.
    const start = days.ts.findIndex((t) => t >= Date.UTC(2024, 0, 16)) - featuresE.lookbackMinutes;
    const part: CandleColumns = {
      ts: days.ts.subarray(start),
      open: days.open.subarray(start),
      high: days.high.subarray(start),
      low: days.low.subarray(start),
      close: days.close.subarray(start),
      volume: days.volume.subarray(start),
    };
    const alone = featuresE.compute(part);
    for (const column of featuresE.columns) {
      const a = whole[column].subarray(start + featuresE.lookbackMinutes);
      const b = alone[column].subarray(featuresE.lookbackMinutes);
      expect(Array.from(b)).toEqual(Array.from(a));
      expect(b.some(Number.isFinite)).toBe(true);
    }
  });
});
