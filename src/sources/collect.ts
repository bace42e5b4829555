/**
 * Turns the candles a live or file source returned into one clean day: only the day's minutes,
 * sorted ascending, one candle per minute (duplicates dropped and counted), and missing minutes
 * counted but never filled in — inventing prices would corrupt features silently.
 */
import { MINUTE_MS } from '../dates';
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

/**
 * The candles of `[dayStartMs, dayStartMs + minutes)` from `raw` (any order), as columns.
 * When a minute appears more than once the first occurrence wins and the rest count as duplicates.
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
  for (const { c } of inDay) {
    if (kept.length && kept[kept.length - 1].ts === c.ts) duplicates++;
    else kept.push(c);
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
  };
}
