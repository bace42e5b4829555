/**
 * Activities work through a chunk a few days at a time. A backfill child materializes up to
 * K = 62 days (or more, with `--chunk-days`); reading, computing and keeping all of them at once
 * held tens of MiB of typed arrays per activity, most of a worker's peak memory with four
 * activities running. Features and evaluations of a day depend only on that day and its
 * look-back (the chunk-invariance tests in test/unit/features.test.ts), so slices give exactly
 * the same rows; the look-back days are read again per slice (from the partition cache).
 */

/** Days an activity reads, computes and writes at once. */
export const SLICE_DAYS = 8;

/** `days` cut into consecutive slices of at most `size` days, in order. */
export function slicesOf<T>(days: readonly T[], size: number = SLICE_DAYS): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`slicesOf: size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < days.length; i += size) out.push(days.slice(i, i + size));
  return out;
}
