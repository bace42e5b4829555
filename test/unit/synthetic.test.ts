/** The synthetic market: determinism without sequential state, OHLC invariants, plausible statistics. */
import type { CandleColumns } from '../../src/features/types';
import { SYNTHETIC_SOURCE_VERSION, syntheticCandles } from '../../src/sources/synthetic';

const MINUTE = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

const COLUMNS = ['ts', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Rows [from, to) of every column as plain arrays, for exact (Object.is) comparison. */
function rows(c: CandleColumns, from = 0, to = c.ts.length): Record<string, number[]> {
  return Object.fromEntries(COLUMNS.map((k) => [k, Array.from(c[k].subarray(from, to))]));
}

function std(values: number[]): number {
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1));
}

describe('syntheticCandles', () => {
  test('version constant', () => {
    expect(SYNTHETIC_SOURCE_VERSION).toBe('synthetic-1');
  });

  test('one candle per minute, ts on whole minutes', () => {
    const c = syntheticCandles('BTC-USD', T0, T0 + 90 * MINUTE);
    expect(c.ts.length).toBe(90);
    for (const k of COLUMNS) expect(c[k].length).toBe(90);
    for (let i = 0; i < 90; i++) expect(c.ts[i]).toBe(T0 + i * MINUTE);
  });

  test('any sub-range is identical to the same minutes of a larger range', () => {
    const big = syntheticCandles('BTC-USD', T0, T0 + 3 * DAY);
    // Starts chosen inside cells of the long octaves and across day boundaries.
    for (const [fromMin, toMin] of [
      [0, 1],
      [1234, 2000],
      [1439, 1441],
      [4000, 4320],
      [17, 4320],
    ]) {
      const sub = syntheticCandles('BTC-USD', T0 + fromMin * MINUTE, T0 + toMin * MINUTE);
      expect(rows(sub)).toEqual(rows(big, fromMin, toMin));
    }
  });

  test('same symbol and range -> same values; different symbols -> different values', () => {
    const a = syntheticCandles('BTC-USD', T0, T0 + 500 * MINUTE);
    const b = syntheticCandles('BTC-USD', T0, T0 + 500 * MINUTE);
    expect(rows(a)).toEqual(rows(b));
    const eth = syntheticCandles('ETH-USD', T0, T0 + 500 * MINUTE);
    const btc2 = syntheticCandles('BTC-USDT', T0, T0 + 500 * MINUTE);
    for (const other of [eth, btc2]) {
      const relCloses = Array.from(other.close, (c, i) => c / other.close[0] - a.close[i] / a.close[0]);
      expect(relCloses.filter((d) => d !== 0).length).toBeGreaterThan(490);
      expect(Array.from(other.volume)).not.toEqual(Array.from(a.volume));
    }
  });

  test('OHLC invariants: open = previous close, high/low bracket the body, everything finite and positive', () => {
    for (const symbol of ['BTC-USD', 'ETH-USD', 'SOL-USD', 'SOME-NEW-COIN']) {
      const c = syntheticCandles(symbol, T0, T0 + 2 * DAY);
      const previous = syntheticCandles(symbol, T0 - MINUTE, T0);
      expect(c.open[0]).toBe(previous.close[0]);
      // Collect violations and assert once: one expect per value would make this test slow.
      const violations: string[] = [];
      for (let i = 0; i < c.ts.length; i++) {
        for (const k of COLUMNS) {
          if (!(Number.isFinite(c[k][i]) && c[k][i] > 0)) violations.push(`${symbol} ${k}[${i}] = ${c[k][i]}`);
        }
        if (i > 0 && !Object.is(c.open[i], c.close[i - 1])) violations.push(`${symbol} open[${i}] != close[${i - 1}]`);
        if (!(c.high[i] >= Math.max(c.open[i], c.close[i]))) violations.push(`${symbol} high[${i}] below body`);
        if (!(c.low[i] <= Math.min(c.open[i], c.close[i]))) violations.push(`${symbol} low[${i}] above body`);
      }
      expect(violations).toEqual([]);
    }
  });

  test('plausible BTC-like levels and volatility', () => {
    const days = 120;
    const c = syntheticCandles('BTC-USD', T0, T0 + days * DAY);
    const n = c.close.length;
    const minuteReturns: number[] = [];
    for (let i = 1; i < n; i++) minuteReturns.push(Math.log(c.close[i] / c.close[i - 1]));
    const dailyReturns: number[] = [];
    for (let i = 1440; i < n; i += 1440) dailyReturns.push(Math.log(c.close[i] / c.close[i - 1440]));
    const sdMinute = std(minuteReturns);
    const sdDay = std(dailyReturns);
    expect(sdMinute).toBeGreaterThan(0.0003);
    expect(sdMinute).toBeLessThan(0.0015);
    expect(sdDay).toBeGreaterThan(0.008);
    expect(sdDay).toBeLessThan(0.08);
    // Reduce rather than Math.min(...spread): 172,800 arguments overflow the call stack.
    expect(c.close.reduce((a, b) => Math.min(a, b), Infinity)).toBeGreaterThan(30_000);
    expect(c.close.reduce((a, b) => Math.max(a, b), -Infinity)).toBeLessThan(120_000);
  });

  test('known symbols sit near their reference price, unknown ones in a sane range', () => {
    const near = (symbol: string, ref: number) => {
      const c = syntheticCandles(symbol, T0, T0 + MINUTE);
      expect(c.close[0] / ref).toBeGreaterThan(0.6);
      expect(c.close[0] / ref).toBeLessThan(1.6);
    };
    near('ETH-USD', 3_000);
    near('SOL-USD', 150);
    const unknown = syntheticCandles('FOO-BAR', T0, T0 + MINUTE).close[0];
    expect(unknown).toBeGreaterThan(5);
    expect(unknown).toBeLessThan(20_000);
  });

  test('volume is heavy tailed (positive excess kurtosis, rare large spikes)', () => {
    const c = syntheticCandles('BTC-USD', T0, T0 + 10 * DAY);
    const v = Array.from(c.volume);
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const m2 = v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
    const m4 = v.reduce((a, b) => a + (b - m) ** 4, 0) / v.length;
    expect(m4 / (m2 * m2) - 3).toBeGreaterThan(1);
    expect(Math.max(...v) / m).toBeGreaterThan(10);
  });

  test('empty range gives empty columns; misaligned or reversed bounds throw', () => {
    const empty = syntheticCandles('BTC-USD', T0, T0);
    for (const k of COLUMNS) expect(empty[k].length).toBe(0);
    expect(() => syntheticCandles('BTC-USD', T0 + 1, T0 + MINUTE)).toThrow(/fromMs/);
    expect(() => syntheticCandles('BTC-USD', T0, T0 + 1.5 * MINUTE)).toThrow(/toMsExclusive/);
    expect(() => syntheticCandles('BTC-USD', T0 + MINUTE, T0)).toThrow(/range/);
  });

  test('works before 1970 too (negative minute numbers)', () => {
    const from = Date.UTC(1969, 11, 31, 23, 0);
    const c = syntheticCandles('BTC-USD', from, from + 120 * MINUTE);
    for (let i = 0; i < c.ts.length; i++) expect(Number.isFinite(c.close[i]) && c.close[i] > 0).toBe(true);
    expect(rows(syntheticCandles('BTC-USD', from + 60 * MINUTE, from + 120 * MINUTE))).toEqual(rows(c, 60, 120));
  });
});
