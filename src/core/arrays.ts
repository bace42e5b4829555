/** Small helpers over sorted typed arrays. */

/** First index whose value is >= x in an ascending array (its length when none is). */
export function lowerBound(values: Float64Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index bounds `[start, end)` of the rows of ascending `ts` (epoch ms) with `from <= ts < to`. */
export function sliceBounds(ts: Float64Array, from: number, to: number): { start: number; end: number } {
  return { start: lowerBound(ts, from), end: lowerBound(ts, to) };
}

/**
 * `values` (rows at `valueTs`) aligned to the rows of `ts`: the value at the same timestamp, NaN
 * where there is none. Usually both have exactly the same timestamps: then `values` is returned
 * as it is, saving an allocation.
 */
export function alignTo(ts: Float64Array, valueTs: Float64Array, values: Float64Array): Float64Array {
  if (sameValues(ts, valueTs)) return values;
  const out = new Float64Array(ts.length).fill(Number.NaN);
  let j = 0;
  for (let i = 0; i < ts.length; i++) {
    while (j < valueTs.length && valueTs[j] < ts[i]) j++;
    if (j < valueTs.length && valueTs[j] === ts[i]) out[i] = values[j];
  }
  return out;
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
