/**
 * Turns the candles a live or file source returned into one clean day: only the day's minutes,
 * sorted ascending, one candle per minute (duplicates dropped and counted), and missing minutes
 * counted but never filled in — inventing prices would corrupt features silently.
 */
import { MINUTE_MS } from '../core/dates';
import type { SourceDay } from './types';

/** One candle as a source parsed it (ts in epoch ms, a whole minute). */
export interface RawCandle {
  readonly ts: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** Whether two candles of the same minute agree on every value (a harmless repeat). */
function sameCandle(a: RawCandle, b: RawCandle): boolean {
  return a.open === b.open && a.high === b.high && a.low === b.low && a.close === b.close && a.volume === b.volume;
}

/**
 * The candles of `[dayStartMs, dayStartMs + minutes)` from `raw` (any order), as columns.
 * When a minute appears more than once the first occurrence wins and the rest count as duplicates
 * (and as conflicting when their values differ from the first's).
 */
export function collectCandles(raw: readonly RawCandle[], dayStartMs: number, minutes: number): SourceDay {
  const endMs = dayStartMs + minutes * MINUTE_MS;
  const inDay = raw
    .map((c, order) => ({ c, order }))
    .filter(({ c }) => c.ts >= dayStartMs && c.ts < endMs)
    // Stable on ties by original order, so "first occurrence wins" is well defined.
    .sort((a, b) => a.c.ts - b.c.ts || a.order - b.order);
  const kept: RawCandle[] = [];
  let duplicates = 0;
  let conflictingDuplicates = 0;
  for (const { c } of inDay) {
    const last = kept[kept.length - 1];
    if (last && last.ts === c.ts) {
      duplicates++;
      if (!sameCandle(last, c)) conflictingDuplicates++;
    } else kept.push(c);
  }
  const n = kept.length;
  const column = (pick: (c: RawCandle) => number) => Float64Array.from(kept, pick);
  return {
    candles: {
      ts: column((c) => c.ts),
      open: column((c) => c.open),
      high: column((c) => c.high),
      low: column((c) => c.low),
      close: column((c) => c.close),
      volume: column((c) => c.volume),
    },
    missingMinutes: minutes - n,
    duplicates,
    conflictingDuplicates,
  };
}
