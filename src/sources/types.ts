/**
 * A market data source: where ingest gets one day of 1-minute candles for a symbol.
 * Implementations do the I/O; they run only inside activities.
 */
import type { SourceName } from '../contracts';
import type { CandleColumns } from '../features/types';

/** Options passed on every fetch. */
export interface FetchOptions {
  /** Aborted when the activity is cancelled or times out. */
  readonly signal?: AbortSignal;
  /** Called between pages/retries so long fetches keep heartbeating. */
  readonly onProgress?: (detail: string) => void;
}

/** One day of candles plus what the source noticed about it. */
export interface SourceDay {
  readonly candles: CandleColumns;
  /** Minutes of the day with no candle (live sources have gaps). */
  readonly missingMinutes: number;
  /** Duplicate candles the source returned and were dropped (the first of a minute is kept). */
  readonly duplicates: number;
  /** Of those, how many disagreed with the kept candle in some value: the source contradicts itself. */
  readonly conflictingDuplicates: number;
}

/** A market data source. */
export interface MarketSource {
  readonly name: SourceName;
  /** Version of the source's data/code, recorded with the candles in the ledger. */
  readonly version: string;
  /** Symbols it serves; undefined means any symbol. */
  readonly symbols?: readonly string[];
  /** Candles with open time in `[dayStart, dayStart + 1 day)`, sorted, one per minute at most. */
  fetchDay(symbol: string, day: string, options?: FetchOptions): Promise<SourceDay>;
}

/** The sources a worker is configured with, by name. */
export type SourceRegistry = Readonly<Partial<Record<SourceName, MarketSource>>>;
