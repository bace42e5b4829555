/**
 * UTC day arithmetic on `YYYY-MM-DD` strings. Pure and deterministic (no clock reads), so it
 * is safe in workflow code; callers pass "now" explicitly.
 */

/** Milliseconds in one UTC day. */
export const DAY_MS = 86_400_000;
/** Milliseconds in one minute; candles are one minute apart. */
export const MINUTE_MS = 60_000;
/** Candles in one complete UTC day. */
export const MINUTES_PER_DAY = 1440;

/** Start of a UTC day in epoch milliseconds. */
export function dayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

/** The UTC day (`YYYY-MM-DD`) containing an epoch-millisecond instant. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The day `n` days after `day` (negative `n` goes back). */
export function addDays(day: string, n: number): string {
  return dayOf(dayStartMs(day) + n * DAY_MS);
}

/** The days of an inclusive range, in order. */
export function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = dayStartMs(from), end = dayStartMs(to); t <= end; t += DAY_MS) out.push(dayOf(t));
  return out;
}

/** The last complete UTC day before an instant: the partition a run at that instant processes. */
export function lastCompleteDay(nowMs: number): string {
  return dayOf(Math.floor(nowMs / DAY_MS) * DAY_MS - DAY_MS);
}
