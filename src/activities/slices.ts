/**
 * Activities work through a chunk a few days at a time. A backfill child materializes up to
 * K = 62 days (or more, with `--chunk-days`); reading, computing and keeping all of them at once
 * held tens of MiB of typed arrays per activity, most of a worker's peak memory with four
 * activities running. Features and evaluations of a day depend only on that day and its
 * look-back (the chunk-invariance tests in test/unit/features.test.ts), so slices give exactly
 * the same rows; the look-back days are read again per slice (from the partition cache).
 */
import { DAY_MS, dayStartMs, daysOf } from '../core/dates';

/** Days an activity reads, computes and writes at once. */
export const SLICE_DAYS = 8;

/** Consecutive days of a range and the time span they cover, `fromMs <= ts < toMs`. */
export interface DaySlice {
  readonly days: readonly string[];
  readonly fromMs: number;
  readonly toMs: number;
}

/** The days `from..to` cut into consecutive slices of at most `size` days, in order. */
export function daySlices(from: string, to: string, size: number = SLICE_DAYS): DaySlice[] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`daySlices: size must be a positive integer, got ${size}`);
  const all = daysOf(from, to);
  const out: DaySlice[] = [];
  for (let i = 0; i < all.length; i += size) {
    const days = all.slice(i, i + size);
    out.push({ days, fromMs: dayStartMs(days[0]), toMs: dayStartMs(days[days.length - 1]) + DAY_MS });
  }
  return out;
}
