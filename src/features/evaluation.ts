/**
 * Pure evaluation of features against future returns (flow D): information coefficients.
 *
 * The IC of a feature is the correlation between its value at t and the forward return from t;
 * the rank IC (Spearman) is the same on ranks, which is robust to the heavy tails of returns and
 * to monotone rescalings of the feature. No I/O here so the math can be unit-tested directly.
 */
import { hasGaps, lastAtOrBefore, MAX_CARRY_MINUTES } from './clock';

const MINUTE_MS = 60_000;

/** Forward-return horizon the evaluation scores features against, in minutes. */
export const HORIZON_MINUTES = 15;
/** Version of the evaluation method; combined with each scored flow's version in the ledger. */
export const EVALUATION_VERSION = 'eval-1.1.0';

/** A correlation estimate and the number of (finite, finite) pairs it was computed from. */
export interface Correlation {
  /** The coefficient in [-1, 1]; NaN when n < 3 or one side has zero variance. */
  readonly value: number;
  /** Number of pairs where both values are finite. */
  readonly n: number;
}

/** The information coefficients of one feature against a forward return series. */
export interface InformationCoefficient {
  readonly feature: string;
  /** Pearson correlation of feature_t with the forward return from t. */
  readonly ic: number;
  /** Spearman (rank) correlation of the same pairs. */
  readonly rankIc: number;
  /** Number of pairs used (both values finite). */
  readonly n: number;
}

/** Fewer pairs than this give a correlation that is either trivial (+-1 for n = 2) or undefined. */
const MIN_PAIRS = 3;

/**
 * Forward log returns on wall-clock minutes: `fwd_t = ln(price(t + h) / close_t)`, where
 * `price(t + h)` is the close of the last candle at or before the minute `h` clock minutes after
 * t (as-of, the policy of `clock.ts`; the candle of t itself qualifies, so with h below the carry
 * limit the price is always known). NaN where `t + h` is not before `endMs` (the future is not
 * known yet, or belongs to the next partition). Aligned with `close`, so row t pairs a feature
 * known at t with what happens next.
 *
 * @param candles the candles' open times (ascending whole minutes) and closes.
 * @param horizon h, a positive integer number of clock minutes.
 * @param endMs exclusive end of the candles' range (e.g. the end of their UTC day).
 */
export function forwardReturns(candles: { readonly ts: Float64Array; readonly close: Float64Array }, horizon: number, endMs: number): Float64Array {
  if (!Number.isInteger(horizon) || horizon < 1) throw new Error(`forwardReturns: horizon must be a positive integer, got ${horizon}`);
  if (horizon > MAX_CARRY_MINUTES) throw new Error(`forwardReturns: horizon ${horizon} exceeds the ${MAX_CARRY_MINUTES}-minute carry limit`);
  const { ts, close } = candles;
  checkLengths('forwardReturns', ts, close);
  const n = close.length;
  const out = new Float64Array(n);
  const h = horizon * MINUTE_MS;
  if (!hasGaps(ts)) {
    // One candle per minute: the as-of candle is `horizon` rows ahead, or the last one (candles may end before endMs).
    for (let t = 0; t < n; t++) out[t] = ts[t] + h < endMs ? Math.log(close[Math.min(t + horizon, n - 1)] / close[t]) : NaN;
    return out;
  }
  let j = 0;
  for (let t = 0; t < n; t++) {
    const target = ts[t] + h;
    if (target >= endMs) {
      out[t] = NaN;
      continue;
    }
    // Both t and target only grow, so the as-of candle index only moves forward: O(n) overall.
    j = lastAtOrBefore(ts, Math.max(j, t), target);
    out[t] = Math.log(close[j] / close[t]);
  }
  return out;
}

function checkLengths(name: string, x: Float64Array, y: Float64Array): void {
  if (x.length !== y.length) throw new Error(`${name}: length mismatch (${x.length} vs ${y.length})`);
}

/**
 * Indexes of the pairs where both x and y are finite (NaN/Infinity pairs are ignored), written
 * into `into` when given (flow D reuses one buffer for every feature of every day).
 */
function finitePairs(x: Float64Array, y: Float64Array, into: Uint32Array = new Uint32Array(x.length)): Uint32Array {
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) into[n++] = i;
  }
  return into.subarray(0, n);
}

/**
 * Pearson correlation over the selected pairs, two-pass (means first, then centred sums) to avoid
 * the cancellation of the one-pass formula:
 * `r = sum((x - mx)(y - my)) / sqrt(sum((x - mx)^2) * sum((y - my)^2))`, clamped to [-1, 1]
 * against rounding. `idx` selects the pairs; without it the first `n` pairs are all selected
 * (ranks are dense, and an identity index would only cost an array).
 */
function pearsonOn(x: ArrayLike<number>, y: ArrayLike<number>, idx: ArrayLike<number> | undefined, n = idx?.length ?? 0): number {
  if (n < MIN_PAIRS) return NaN;
  let sx = 0;
  let sy = 0;
  for (let k = 0; k < n; k++) {
    const i = idx ? idx[k] : k;
    sx += x[i];
    sy += y[i];
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let k = 0; k < n; k++) {
    const i = idx ? idx[k] : k;
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  const r = sxy / Math.sqrt(sxx * syy);
  return Math.max(-1, Math.min(1, r));
}

/** Pearson correlation of x and y, ignoring pairs where either value is NaN (or infinite). */
export function pearson(x: Float64Array, y: Float64Array): Correlation {
  checkLengths('pearson', x, y);
  const idx = finitePairs(x, y);
  return { value: pearsonOn(x, y, idx), n: idx.length };
}

/** Which 32-bit half of a float64 holds the low mantissa bits on this machine (0 on little-endian ones). */
const LOW_WORD = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;

/** Scratch space of {@link averageRanks}, grown on demand: it runs for every feature of every day. */
let scratch = { packed: new Float64Array(0), words: new Uint32Array(0), keys: new Float64Array(0), order: new Uint32Array(0) };

function scratchFor(n: number): typeof scratch {
  if (scratch.keys.length < n) {
    const packed = new Float64Array(n);
    scratch = { packed, words: new Uint32Array(packed.buffer), keys: new Float64Array(n), order: new Uint32Array(n) };
  }
  return scratch;
}

/** Buffers {@link informationCoefficients} reuses for every feature: the pairs it selects and a feature's ranks. */
let icScratch = { pairs: new Uint32Array(0), ranks: new Float64Array(0) };

function icScratchFor(n: number): typeof icScratch {
  if (icScratch.pairs.length < n) icScratch = { pairs: new Uint32Array(n), ranks: new Float64Array(n) };
  return icScratch;
}

/**
 * Ranks (1-based) of `values[idx[k]]`, returned at position k; ties get the average of the ranks
 * they span (positions p+1..q share rank (p + 1 + q) / 2), so a tie never creates a spurious
 * ordering.
 *
 * Flow D ranks every feature of every day (millions of values in a backfill), and a sort that
 * carries a permutation along is its main cost: written in JavaScript, every merge or insertion
 * step is a branch the CPU mispredicts half the time. The engine's own typed-array sort is
 * faster but sorts bare numbers, so each value travels with its position k written over the
 * lowest `positionBits` bits of its mantissa (in its low 32-bit word). That moves a finite
 * value only within the run of doubles sharing its other bits, and such runs are contiguous in
 * numeric order, so the sort orders values correctly except among those that agree in all other
 * bits, and never makes NaN or infinity (those need an exponent of all ones, which finite values
 * do not have). One insertion pass over the exact values then restores the exact order, almost
 * always without a single move. The ranks are identical to an exact comparison sort's.
 */
function averageRanks(values: Float64Array, idx: Uint32Array, ranks: Float64Array = new Float64Array(idx.length)): Float64Array {
  const n = idx.length;
  const positionBits = Math.max(1, Math.ceil(Math.log2(Math.max(2, n))));
  if (positionBits > 31) throw new Error(`averageRanks: cannot rank ${n} values at once (at most 2^31)`);
  const mask = 2 ** positionBits - 1;
  const keep = ~mask >>> 0;
  const s = scratchFor(n);
  const packed = s.packed.subarray(0, n);
  const { words, keys, order } = s;
  for (let k = 0; k < n; k++) packed[k] = values[idx[k]];
  for (let k = 0; k < n; k++) words[2 * k + LOW_WORD] = ((words[2 * k + LOW_WORD] & keep) | k) >>> 0;
  packed.sort();
  for (let k = 0; k < n; k++) {
    const position = words[2 * k + LOW_WORD] & mask;
    order[k] = position;
    keys[k] = values[idx[position]];
  }
  // Values that agree in all but their position bits may be out of order: put them in order.
  for (let i = 1; i < n; i++) {
    const key = keys[i];
    if (!(keys[i - 1] > key)) continue;
    const position = order[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > key) {
      keys[j + 1] = keys[j];
      order[j + 1] = order[j];
      j--;
    }
    keys[j + 1] = key;
    order[j + 1] = position;
  }
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && keys[end] === keys[start]) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

/** Whether two index lists select the same pairs. */
function sameIndexes(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * Spearman over precomputed pairs, reusing the y ranks when they were computed for the same
 * pairs; the x ranks go to `xRanks` (scratch) when given.
 */
function spearmanOn(x: Float64Array, idx: Uint32Array, yRanks: Float64Array, xRanks?: Float64Array): number {
  const n = idx.length;
  if (n < MIN_PAIRS) return NaN;
  return pearsonOn(averageRanks(x, idx, xRanks?.subarray(0, n)), yRanks, undefined, n);
}

/**
 * Spearman rank correlation: the Pearson correlation of the average ranks of x and y over the
 * pairs where both are finite (NaN pairs ignored). NaN when n < 3 or either side is constant.
 */
export function spearman(x: Float64Array, y: Float64Array): Correlation {
  checkLengths('spearman', x, y);
  const idx = finitePairs(x, y);
  const n = idx.length;
  if (n < MIN_PAIRS) return { value: NaN, n };
  return { value: spearmanOn(x, idx, averageRanks(y, idx)), n };
}

/**
 * IC (Pearson) and rank IC (Spearman) of every feature column against the forward returns, in
 * the key order of `features`. Each feature uses its own set of finite pairs, so a column with a
 * longer warm-up simply has a smaller n.
 */
export function informationCoefficients(
  features: Record<string, Float64Array>,
  fwd: Float64Array,
): InformationCoefficient[] {
  // Most features are finite wherever the forward return is, so they share one set of pairs and
  // the forward returns need ranking once per set, not once per feature.
  let rankedIdx: Uint32Array = new Uint32Array(0);
  let fwdRanks: Float64Array = new Float64Array(0);
  const buffers = icScratchFor(fwd.length);
  return Object.keys(features).map((feature) => {
    const values = features[feature];
    checkLengths(`informationCoefficients(${feature})`, values, fwd);
    const idx = finitePairs(values, fwd, buffers.pairs);
    if (idx.length >= MIN_PAIRS && !sameIndexes(idx, rankedIdx)) {
      rankedIdx = idx.slice();
      fwdRanks = averageRanks(fwd, idx);
    }
    return { feature, ic: pearsonOn(values, fwd, idx), rankIc: spearmanOn(values, idx, fwdRanks, buffers.ranks), n: idx.length };
  });
}
