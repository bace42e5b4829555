/** Evaluation math (flow D): forward returns, Pearson/Spearman with NaN handling, ICs. */
import { forwardReturns, informationCoefficients, pearson, spearman } from '../../src/features/evaluation';

const f = (values: number[]): Float64Array => Float64Array.from(values);

const MIN = 60_000;
/** Candles at the given minutes (offsets from 0) with the given closes. */
const at = (minutes: number[], close: number[]) => ({ ts: Float64Array.from(minutes, (m) => m * MIN), close: f(close) });

describe('forwardReturns (clock minutes)', () => {
  test('ln(close_{t+h} / close_t), NaN where t + h reaches the end', () => {
    const fwd = forwardReturns(at([0, 1, 2, 3], [100, 101, 105, 99]), 2, 4 * MIN);
    expect(fwd[0]).toBeCloseTo(0.04879016416943205, 15); // ln(105/100)
    expect(fwd[1]).toBeCloseTo(-0.020000666706669543, 15); // ln(99/101)
    expect(fwd[2]).toBeNaN();
    expect(fwd[3]).toBeNaN();
  });

  test('over holes: the price h clock minutes later is the last close at or before that minute', () => {
    // Minutes 0, 1, 4, 5, 9 of a 12-minute range; h = 3.
    const fwd = forwardReturns(at([0, 1, 4, 5, 9], [100, 102, 104, 99, 110]), 3, 12 * MIN);
    expect(fwd[0]).toBe(Math.log(102 / 100)); // minute 3 is missing: as of minute 1
    expect(fwd[1]).toBe(Math.log(104 / 102)); // minute 4
    expect(fwd[2]).toBe(Math.log(99 / 104)); // minute 7 missing: as of minute 5
    expect(fwd[3]).toBe(Math.log(99 / 99)); // minute 8 missing: as of minute 5 itself, a 0 return
    expect(fwd[4]).toBeNaN(); // minute 12 is past the end
    // A row-count horizon would have paired minute 0 with minute 5 (3 rows later): the old error.
    expect(fwd[0]).not.toBe(Math.log(99 / 100));
  });

  test("candles that stop before the day's end: the last candle is the price of the minutes after it", () => {
    const fwd = forwardReturns(at([0, 1, 2, 3], [1, 2, 4, 8]), 2, 6 * MIN);
    expect(Array.from(fwd)).toEqual([Math.log(4), Math.log(4), Math.log(2), 0]);
  });

  test('the end is exclusive: a target on the end is unknown even when the data goes on', () => {
    const fwd = forwardReturns(at([0, 1, 2, 3], [1, 2, 3, 4]), 2, 3 * MIN);
    expect(Array.from(fwd)).toEqual([Math.log(3), NaN, NaN, NaN]);
  });

  test('horizon longer than the series gives all NaN; invalid horizons throw', () => {
    expect(Array.from(forwardReturns(at([0, 1], [1, 2]), 5, 2 * MIN))).toEqual([NaN, NaN]);
    expect(() => forwardReturns(at([0, 1], [1, 2]), 0, 2 * MIN)).toThrow(/horizon/);
    expect(() => forwardReturns(at([0, 1], [1, 2]), 1.5, 2 * MIN)).toThrow(/horizon/);
    expect(() => forwardReturns(at([0, 1], [1, 2]), 61, 2 * MIN)).toThrow(/carry limit/);
  });
});

describe('pearson', () => {
  test('hand examples', () => {
    expect(pearson(f([1, 2, 3, 4, 5]), f([2, 4, 6, 8, 10]))).toEqual({ value: 1, n: 5 });
    expect(pearson(f([1, 2, 3, 4, 5]), f([5, 4, 3, 2, 1])).value).toBeCloseTo(-1, 15);
    // Means 2 and 2; cov sum = (-1)(-1) + 0*1 + 1*0 = 1; var sums 2 and 2 -> 1/2.
    expect(pearson(f([1, 2, 3]), f([1, 3, 2])).value).toBeCloseTo(0.5, 15);
    // y = x^3: linear correlation below 1.
    expect(pearson(f([1, 2, 3, 4, 5]), f([1, 8, 27, 64, 125])).value).toBeCloseTo(0.9431175138077005, 14);
  });

  test('pairs with a NaN (or infinity) on either side are ignored', () => {
    const r = pearson(f([1, NaN, 2, 3, 100, 4]), f([1, 5, 3, 2, NaN, Infinity]));
    expect(r.n).toBe(3);
    expect(r.value).toBeCloseTo(0.5, 15);
  });

  test('NaN value when n < 3 or a side is constant', () => {
    expect(pearson(f([1, 2]), f([3, 4]))).toEqual({ value: NaN, n: 2 });
    expect(pearson(f([1, 2, NaN]), f([3, 4, 5]))).toEqual({ value: NaN, n: 2 });
    expect(pearson(f([1, 1, 1, 1]), f([1, 2, 3, 4]))).toEqual({ value: NaN, n: 4 });
    expect(pearson(f([]), f([]))).toEqual({ value: NaN, n: 0 });
  });

  test('length mismatch throws', () => {
    expect(() => pearson(f([1, 2, 3]), f([1, 2]))).toThrow(/length mismatch/);
  });
});

describe('spearman', () => {
  test('monotone relations give +-1 whatever their shape', () => {
    expect(spearman(f([1, 2, 3, 4, 5]), f([1, 8, 27, 64, 125]))).toEqual({ value: 1, n: 5 });
    expect(spearman(f([1, 2, 3, 4, 5]), f([10, 1, 0.5, -3, -300])).value).toBeCloseTo(-1, 15);
  });

  test('ties get average ranks', () => {
    // Ranks x = [1, 2.5, 2.5, 4], y = [1, 2, 3, 4]: cov sum 4.5, var sums 4.5 and 5 -> sqrt(0.9).
    expect(spearman(f([1, 2, 2, 3]), f([1, 2, 3, 4])).value).toBeCloseTo(0.9486832980505138, 14);
    // Order of input does not matter.
    expect(spearman(f([3, 2, 1, 2]), f([4, 3, 1, 2])).value).toBeCloseTo(0.9486832980505138, 14);
  });

  test('hand example with a non-monotone pair', () => {
    // Ranks equal the values here, so it is Pearson's 0.5 from above.
    expect(spearman(f([1, 2, 3]), f([1, 3, 2])).value).toBeCloseTo(0.5, 15);
  });

  test('equals Pearson on naive average ranks for larger inputs with many ties', () => {
    // Exercises the merge sort beyond its insertion-sorted runs; ties from rounding.
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    const n = 777;
    const x = Float64Array.from({ length: n }, () => Math.round(next() * 50));
    const y = Float64Array.from(x, (v) => v + Math.round(next() * 30));
    x[10] = NaN;
    y[20] = NaN;
    const keep = Array.from({ length: n }, (_, i) => i).filter((i) => !Number.isNaN(x[i]) && !Number.isNaN(y[i]));
    const naiveRanks = (v: Float64Array) =>
      keep.map((i) => {
        let less = 0;
        let equal = 0;
        for (const j of keep) {
          if (v[j] < v[i]) less++;
          else if (v[j] === v[i]) equal++;
        }
        return less + (equal + 1) / 2;
      });
    const expected = pearson(f(naiveRanks(x)), f(naiveRanks(y)));
    const actual = spearman(x, y);
    expect(actual.n).toBe(n - 2);
    expect(actual.value).toBeCloseTo(expected.value, 14);
    expect(actual.value).toBeGreaterThan(0.5);
  });

  test('ranks are exact where values differ only in their lowest bits, across signs, zeros and magnitudes', () => {
    // The ranking sorts values with their position written into the low mantissa bits and then
    // mends the order on the exact values: neighbours one ulp apart must still rank in order.
    const ulp = 2 ** -52;
    const pool = [
      1, 1 + ulp, 1 + 2 * ulp, 1 + 3 * ulp, 1 + 2047 * ulp, 1 + 2048 * ulp, 1 - ulp / 2,
      -1, -1 - 2 * ulp, -1 - ulp * 4096, 0, -0, 5e-324, -5e-324, 2.2250738585072014e-308,
      1e300, -1e300, Number.MAX_VALUE, -Number.MAX_VALUE, 0.1, 0.1 + 0.2, 0.3, 1 + ulp,
    ];
    let seed = 99;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    const n = 3000; // > 2^11: more position bits than a day of minutes needs
    const x = Float64Array.from({ length: n }, () => pool[Math.floor(next() * pool.length)] + (next() < 0.5 ? 0 : ulp));
    const y = Float64Array.from({ length: n }, (_, i) => (i % 3) + next());
    const naiveRanks = (v: Float64Array): number[] => {
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (v[a] < v[b] ? -1 : v[a] > v[b] ? 1 : 0));
      const ranks = new Array<number>(n);
      for (let start = 0; start < n; ) {
        let end = start + 1;
        while (end < n && v[order[end]] === v[order[start]]) end++;
        for (let k = start; k < end; k++) ranks[order[k]] = (start + 1 + end) / 2;
        start = end;
      }
      return ranks;
    };
    // Identical ranks give the identical coefficient, to the bit.
    expect(spearman(x, y)).toEqual({ value: pearson(f(naiveRanks(x)), f(naiveRanks(y))).value, n });
    expect(spearman(y, x).value).toBe(spearman(x, y).value);
  });

  test('NaN handling mirrors pearson', () => {
    const r = spearman(f([1, NaN, 2, 3, 7]), f([1, 5, 3, 2, NaN]));
    expect(r.n).toBe(3);
    expect(r.value).toBeCloseTo(0.5, 15);
    expect(spearman(f([1, 2]), f([1, 2]))).toEqual({ value: NaN, n: 2 });
    expect(spearman(f([4, 4, 4]), f([1, 2, 3]))).toEqual({ value: NaN, n: 3 });
  });
});

describe('informationCoefficients', () => {
  test('one row per feature in key order, with IC, rank IC and pair count', () => {
    const fwd = f([0.1, 0.2, 0.3, 0.4, NaN]);
    const result = informationCoefficients(
      {
        good: f([1, 2, 3, 4, 5]),
        inverse: f([NaN, 3, 2, 1, 0]),
        flat: f([1, 1, 1, 1, 1]),
      },
      fwd,
    );
    expect(result.map((r) => r.feature)).toEqual(['good', 'inverse', 'flat']);
    expect(result[0].n).toBe(4);
    expect(result[0].ic).toBeCloseTo(1, 14);
    expect(result[0].rankIc).toBe(1);
    expect(result[1].n).toBe(3);
    expect(result[1].ic).toBeCloseTo(-1, 14);
    expect(result[1].rankIc).toBeCloseTo(-1, 14);
    expect(result[2]).toEqual({ feature: 'flat', ic: NaN, rankIc: NaN, n: 4 });
  });

  test('length mismatch names the feature', () => {
    expect(() => informationCoefficients({ x: f([1, 2]) }, f([1, 2, 3]))).toThrow(/informationCoefficients\(x\)/);
  });

  test('features with different finite pairs get exactly the coefficients computed one by one', () => {
    // The forward-return ranks are reused across features that share their finite pairs; a
    // feature with a warm-up (leading NaN) or a hole must get its own ranking, not a stale one.
    const n = 400;
    const fwd = Float64Array.from({ length: n }, (_, i) => (i >= n - 15 ? NaN : Math.sin(i * 0.7) + ((i * 37) % 11) / 10));
    const smooth = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.3) + (i % 7));
    const warm = Float64Array.from({ length: n }, (_, i) => (i < 60 ? NaN : Math.sin(i * 0.11) * 3));
    const holes = Float64Array.from({ length: n }, (_, i) => (i % 9 === 0 ? NaN : ((i * 13) % 17) - 8));
    const zeros = Float64Array.from({ length: n }, (_, i) => (i % 2 ? 0 : -0) + (i % 5));
    const features = { smooth, warm, smooth2: smooth.map((v) => v * 2), holes, zeros };
    const got = informationCoefficients(features, fwd);
    expect(got.map((g) => g.feature)).toEqual(Object.keys(features));
    for (const g of got) {
      const values = features[g.feature as keyof typeof features];
      expect(g).toEqual({ feature: g.feature, ic: pearson(values, fwd).value, rankIc: spearman(values, fwd).value, n: pearson(values, fwd).n });
    }
    expect(got.find((g) => g.feature === 'warm')!.n).toBe(n - 15 - 60);
  });
});
