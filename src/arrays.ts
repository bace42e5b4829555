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
