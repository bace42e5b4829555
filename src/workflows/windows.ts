/**
 * Pipelined backfill windows. A backfill over several phases (ingest, features, evaluate) used
 * to run each phase over the whole range before the next: ten years of candles were written,
 * then all read back for the features, which were all read back again for the evaluation, and
 * each phase left the other resources idle (ingest and features wait on the database writer,
 * the evaluation on the CPU).
 *
 * Now the range is cut into windows of a few months that flow through the phases like a
 * pipeline (`lanes.ts`): ingest of one window runs next to the features of the window before
 * and the evaluation of the one before that. Those never touch each other's data (features of
 * a window read its candles and the look-back days before it, all ingested earlier), and each
 * flow reads what was written moments before, while the worker still holds it in its partition
 * cache (`src/db/partition-cache.ts`). A backfill started before this change (patch), and its
 * continue-as-new chain, keeps planning whole-range phases one after another.
 */
import { patched } from '@temporalio/workflow';
import type { BackfillCarry } from '../contracts';
import { daysOf } from '../core/dates';

/** Patch ID: multi-phase backfills run as a pipeline of windows. */
export const WINDOWED_PHASES_PATCH = 'backfill-windowed-phases';

/**
 * Days per window, before rounding to whole chunks (one 62-day chunk per flow by default).
 * With lanes at most one window apart, the partition cache must hold candles of three windows
 * and features of two: ~31 MiB at 62 days of 1-minute candles, within the default 40 MiB, so
 * every read finds what was just written. Measured: 62-day windows were as fast as 124-day ones
 * (`npm run bench -- backfill`) with half the cache.
 */
export const WINDOW_TARGET_DAYS = 62;

/** A window of days. */
export interface Window {
  readonly from: string;
  readonly to: string;
}

/** One phase (an index into PHASES) over one window's days: what a lane plans at a time. */
export interface WindowPart extends Window {
  readonly phase: number;
}

/** Does this run plan in pipelined windows? A continued run does what its chain started with. */
export function runsInWindows(carry: BackfillCarry | undefined): boolean {
  if (carry) return carry.lanes !== undefined;
  return patched(WINDOWED_PHASES_PATCH);
}

/** Days per window for a chunk size: the most whole chunks that fit {@link WINDOW_TARGET_DAYS}, at least one. */
export function windowDays(chunkDays: number): number {
  return Math.max(1, Math.floor(WINDOW_TARGET_DAYS / chunkDays)) * chunkDays;
}

/** `from..to` cut into consecutive windows of `span` days (the last may be shorter). */
export function windowsOf(from: string, to: string, span: number): Window[] {
  const days = daysOf(from, to);
  const out: Window[] = [];
  for (let i = 0; i < days.length; i += span) out.push({ from: days[i], to: days[Math.min(i + span, days.length) - 1] });
  return out;
}
