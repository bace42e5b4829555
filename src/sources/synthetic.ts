/**
 * A deterministic synthetic market: 1-minute candles for any symbol and any range, with no
 * network and no randomness, for tests, demos and benchmarks.
 *
 * The key property is that a minute's candle is a pure function of (symbol, minute): there is no
 * sequential state (no random walk accumulated from the range start), so any sub-range is
 * bit-identical to the same minutes of a larger range, exactly like a real exchange's history.
 *
 * Price model: the log price is a sum of "value noise" octaves,
 *
 *   ln P(m) = ln base(symbol) + sum_{k=0..8} A_k * N_k(m / S_k),   S_k = 4^k minutes, A_k = SIGMA * 2^k
 *
 * where m is the absolute minute number (ms since epoch / 60,000) and N_k is value noise: an
 * integer-hash value in [-1, 1] at every integer grid point, smoothstep-interpolated in between
 * (`N(u) = a + (b - a) * f^2 (3 - 2f)` with a, b the grid values around u and f its fractional part).
 * Scales run from 1 minute to 65,536 minutes (~45 days). Amplitudes growing like sqrt(scale)
 * make the variance of a move over h minutes roughly proportional to h, as for a random walk:
 * with SIGMA = 0.0007 the per-minute log-return std is ~0.0007 and the daily one ~2.5%
 * (BTC-like), while the price stays within about exp(+-0.36) of its base.
 */
import type { CandleColumns } from '../features/types';

/** Version of the synthetic generator; bump it whenever its output changes. */
export const SYNTHETIC_SOURCE_VERSION = 'synthetic-1';

const MINUTE_MS = 60_000;
const DAY_MINUTES = 1440;
/** Number of noise octaves; scale of octave k is 4^k minutes. */
const OCTAVES = 9;
/** Amplitude unit of the octaves (log-price units); see the module comment. */
const SIGMA = 0.0007;
/** 2^32, to map 32-bit hashes to floats. */
const TWO_POW_32 = 4294967296;

const SCALES = new Float64Array(OCTAVES);
const AMPLITUDES = new Float64Array(OCTAVES);
for (let k = 0; k < OCTAVES; k++) {
  SCALES[k] = Math.pow(4, k);
  AMPLITUDES[k] = SIGMA * Math.pow(2, k);
}

/**
 * Intraday volume seasonality: `1 + 0.35 * cos(2 pi (minuteOfDay - 14:00) / 1 day)`, peaking at
 * 14:00 UTC (US open) and bottoming at 02:00 UTC, as crypto volume roughly does. Tabulated
 * because it only depends on the minute of the day.
 */
const SEASONALITY = new Float64Array(DAY_MINUTES);
for (let i = 0; i < DAY_MINUTES; i++) SEASONALITY[i] = 1 + 0.35 * Math.cos((2 * Math.PI * (i - 14 * 60)) / DAY_MINUTES);

/** Reference prices (USD) of the well-known symbols, so the synthetic series look familiar. */
const BASE_PRICES: Readonly<Record<string, number>> = { 'BTC-USD': 60_000, 'ETH-USD': 3_000, 'SOL-USD': 150 };

/** MurmurHash3's 32-bit finaliser: a bijective avalanche mix of a 32-bit integer. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Hash of (seed, integer grid index) to a uniform 32-bit unsigned integer. The index is split in
 * low and high 32-bit halves so that indexes beyond 2^31 (or negative) stay distinct; each half is
 * spread by an odd multiplier (Weyl sequence) before the finaliser.
 */
function hashGrid(seed: number, g: number): number {
  const lo = g | 0;
  const hi = Math.floor(g / TWO_POW_32) | 0;
  return fmix32((seed + Math.imul(lo, 0x9e3779b1) + Math.imul(hi, 0x85ebca77)) | 0);
}

/** Uniform in [-1, 1): the value of a noise grid point. */
function signedUnit(h: number): number {
  return h * (2 / TWO_POW_32) - 1;
}

/** Uniform in (0, 1]: safe to take the log of. */
function openUnit(h: number): number {
  return (h + 1) / TWO_POW_32;
}

/** 32-bit seed of a symbol: FNV-1a over its UTF-16 code units, then finalised. */
function symbolSeed(symbol: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < symbol.length; i++) {
    h ^= symbol.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** Derives independent sub-seeds (one per octave / candle attribute) from the symbol seed. */
function subSeed(seed: number, stream: number): number {
  return fmix32(seed ^ Math.imul(stream + 1, 0x27d4eb2f));
}

/**
 * The log-price function of one symbol. It memoises, per octave, the two grid values around the
 * last queried minute: consecutive minutes share a grid cell in every octave but the first, so a
 * query costs ~one hash instead of ~18. The cache only avoids recomputation; every value is
 * still a pure function of the minute, whatever the query order.
 */
class LogPriceField {
  private readonly seeds = new Int32Array(OCTAVES);
  private readonly cells = new Float64Array(OCTAVES).fill(NaN);
  private readonly left = new Float64Array(OCTAVES);
  private readonly right = new Float64Array(OCTAVES);

  constructor(
    seed: number,
    private readonly lnBase: number,
  ) {
    for (let k = 0; k < OCTAVES; k++) this.seeds[k] = subSeed(seed, k);
  }

  /** ln P(m) per the module formula. */
  at(m: number): number {
    // Octave 0 has a 1-minute scale: m is always on the grid, so it is the grid value itself.
    let lp = this.lnBase + AMPLITUDES[0] * signedUnit(hashGrid(this.seeds[0], m));
    for (let k = 1; k < OCTAVES; k++) {
      const scale = SCALES[k];
      const cell = Math.floor(m / scale);
      if (cell !== this.cells[k]) {
        this.left[k] = cell === this.cells[k] + 1 ? this.right[k] : signedUnit(hashGrid(this.seeds[k], cell));
        this.right[k] = signedUnit(hashGrid(this.seeds[k], cell + 1));
        this.cells[k] = cell;
      }
      const f = (m - cell * scale) / scale;
      const a = this.left[k];
      lp += AMPLITUDES[k] * (a + (this.right[k] - a) * (f * f * (3 - 2 * f)));
    }
    return lp;
  }
}

/**
 * Base price of a symbol: the reference price for known symbols, otherwise
 * `10^(1 + 3u)` USD (10 to 10,000) with u in (0, 1] from the symbol's hash.
 */
function basePrice(symbol: string, seed: number): number {
  const known = BASE_PRICES[symbol];
  if (known !== undefined) return known;
  return Math.pow(10, 1 + 3 * openUnit(hashGrid(subSeed(seed, 100), 0)));
}

/**
 * Synthetic 1-minute candles of `symbol` for the minutes in `[fromMs, toMsExclusive)`.
 *
 * Per minute m (close(m) = P(m) of the module formula):
 * - `open = close(m - 1)`, evaluated from the same pure function, so candles chain exactly;
 * - `high = max(open, close) * exp(0.5 * SIGMA * E1)`, `low = min(open, close) * exp(-0.5 * SIGMA * E2)`,
 *   with E1, E2 standard exponentials (`-ln u`) from the minute's hash: wicks beyond the body;
 * - `volume = (300,000 / base) * u^(-0.4) * (0.4 + 0.6 * |r| / SIGMA) * seasonality(minute of day)`:
 *   a Pareto(alpha = 2.5) heavy tail, more volume on bigger moves (r = ln(close/open)), and an
 *   intraday cycle; the base scale is ~300,000 USD of notional per minute.
 *
 * All values are finite and positive. Both bounds must be whole minutes; an empty range gives
 * empty columns. Deterministic across ranges: any sub-range equals the same minutes of a larger one.
 */
export function syntheticCandles(symbol: string, fromMs: number, toMsExclusive: number): CandleColumns {
  if (!Number.isSafeInteger(fromMs) || fromMs % MINUTE_MS !== 0) {
    throw new Error(`syntheticCandles: fromMs must be a whole minute in ms, got ${fromMs}`);
  }
  if (!Number.isSafeInteger(toMsExclusive) || toMsExclusive % MINUTE_MS !== 0) {
    throw new Error(`syntheticCandles: toMsExclusive must be a whole minute in ms, got ${toMsExclusive}`);
  }
  if (toMsExclusive < fromMs) {
    throw new Error(`syntheticCandles: negative range [${fromMs}, ${toMsExclusive})`);
  }
  const n = (toMsExclusive - fromMs) / MINUTE_MS;
  const ts = new Float64Array(n);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);

  const seed = symbolSeed(symbol);
  const base = basePrice(symbol, seed);
  const field = new LogPriceField(seed, Math.log(base));
  const highSeed = subSeed(seed, 200);
  const lowSeed = subSeed(seed, 201);
  const volumeSeed = subSeed(seed, 202);
  const baseVolume = 300_000 / base;
  const wick = 0.5 * SIGMA;

  const m0 = fromMs / MINUTE_MS;
  let prevLogPrice = field.at(m0 - 1);
  let prevClose = Math.exp(prevLogPrice);
  let minuteOfDay = ((m0 % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
  for (let i = 0; i < n; i++) {
    const m = m0 + i;
    const logPrice = field.at(m);
    const c = Math.exp(logPrice);
    const o = prevClose;
    const top = o > c ? o : c;
    const bottom = o < c ? o : c;
    ts[i] = m * MINUTE_MS;
    open[i] = o;
    close[i] = c;
    high[i] = top * Math.exp(-wick * Math.log(openUnit(hashGrid(highSeed, m))));
    low[i] = bottom * Math.exp(wick * Math.log(openUnit(hashGrid(lowSeed, m))));
    const pareto = Math.exp(-0.4 * Math.log(openUnit(hashGrid(volumeSeed, m))));
    const activity = 0.4 + (0.6 * Math.abs(logPrice - prevLogPrice)) / SIGMA;
    volume[i] = baseVolume * pareto * activity * SEASONALITY[minuteOfDay];
    prevLogPrice = logPrice;
    prevClose = c;
    minuteOfDay = minuteOfDay === DAY_MINUTES - 1 ? 0 : minuteOfDay + 1;
  }
  return { ts, open, high, low, close, volume };
}

/** Longest run of consecutive missing minutes {@link syntheticMissingMinutes} makes. */
const MAX_RUN = 15;

/**
 * Which minutes of `[fromMs, toMsExclusive)` a synthetic exchange omits, 1 = missing: about
 * `missingPct` % of the minutes, like a real exchange's holes: 70 % of them single quiet minutes,
 * 30 % in runs of 2 to 15 minutes (a short outage). A pure function of (symbol, minute), like the
 * candles themselves, so any sub-range agrees with a larger one and a day is the same on every run.
 *
 * A minute m is missing when its own hash falls below `0.7 p`, or when a run started at one of the
 * 15 minutes before it (start hash below `0.3 p / 8.5`, 8.5 being the mean run length) still
 * covers it (length 2 + start's second hash mod 14).
 */
export function syntheticMissingMinutes(symbol: string, fromMs: number, toMsExclusive: number, missingPct: number): Uint8Array {
  if (!(missingPct >= 0 && missingPct <= 100)) throw new Error(`syntheticMissingMinutes: missingPct must be in [0, 100], got ${missingPct}`);
  const n = Math.max(0, (toMsExclusive - fromMs) / MINUTE_MS);
  const out = new Uint8Array(n);
  if (missingPct === 0) return out;
  const seed = symbolSeed(symbol);
  const singleSeed = subSeed(seed, 300);
  const runSeed = subSeed(seed, 301);
  const lengthSeed = subSeed(seed, 302);
  const p = missingPct / 100;
  const single = 0.7 * p * TWO_POW_32;
  const start = ((0.3 * p) / 8.5) * TWO_POW_32;
  const m0 = fromMs / MINUTE_MS;
  for (let i = 0; i < n; i++) {
    const m = m0 + i;
    if (hashGrid(singleSeed, m) < single) {
      out[i] = 1;
      continue;
    }
    for (let s = m - MAX_RUN + 1; s <= m; s++) {
      if (hashGrid(runSeed, s) < start && m - s < 2 + (hashGrid(lengthSeed, s) % (MAX_RUN - 1))) {
        out[i] = 1;
        break;
      }
    }
  }
  return out;
}
