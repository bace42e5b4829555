/**
 * The synthetic market as a source: the offline default. It serves a configured list of symbols
 * (so a typo such as `FOO-BAR` is refused instead of producing realistic-looking data) and can
 * omit minutes like a real exchange (deterministic per symbol and minute; none by default).
 */
import { ApplicationFailure } from '@temporalio/common';
import { DAY_MS, dayStartMs, MINUTES_PER_DAY } from '../core/dates';
import type { CandleColumns } from '../features/types';
import { syntheticCandles, syntheticMissingMinutes, SYNTHETIC_SOURCE_VERSION } from './synthetic';
import type { MarketSource } from './types';

/** The symbols the synthetic source serves unless configured otherwise (FEATUREFLOW_SYNTHETIC_SYMBOLS). */
export const DEFAULT_SYNTHETIC_SYMBOLS: readonly string[] = ['BTC-USD'];

/** Options of {@link syntheticSource}. */
export interface SyntheticSourceOptions {
  /** Symbols served; others fail with a non-retryable UnknownSymbol (default {@link DEFAULT_SYNTHETIC_SYMBOLS}). */
  readonly symbols?: readonly string[];
  /** About this % of minutes are omitted, as an exchange omits minutes without trades (default 0). */
  readonly missingPct?: number;
}

/** Keeps the columns' entries where `missing` is 0. */
function withoutMissing(c: CandleColumns, missing: Uint8Array): CandleColumns {
  let kept = 0;
  for (let i = 0; i < missing.length; i++) if (!missing[i]) kept++;
  const pick = (a: Float64Array): Float64Array => {
    const out = new Float64Array(kept);
    for (let i = 0, k = 0; i < a.length; i++) if (!missing[i]) out[k++] = a[i];
    return out;
  };
  return { ts: pick(c.ts), open: pick(c.open), high: pick(c.high), low: pick(c.low), close: pick(c.close), volume: pick(c.volume) };
}

/** Creates the synthetic source. */
export function syntheticSource(options: SyntheticSourceOptions = {}): MarketSource {
  const symbols = [...(options.symbols ?? DEFAULT_SYNTHETIC_SYMBOLS)];
  const missingPct = options.missingPct ?? 0;
  return {
    name: 'synthetic',
    version: SYNTHETIC_SOURCE_VERSION,
    symbols,
    async fetchDay(symbol, day) {
      // Also checked by the ingest activity; here so the source is safe on its own.
      if (!symbols.includes(symbol)) {
        throw ApplicationFailure.nonRetryable(
          `Unknown symbol ${symbol} for the synthetic source; it serves ${symbols.join(', ')} (set FEATUREFLOW_SYNTHETIC_SYMBOLS to serve others)`,
          'UnknownSymbol',
        );
      }
      const start = dayStartMs(day);
      const candles = syntheticCandles(symbol, start, start + DAY_MS);
      const missing = syntheticMissingMinutes(symbol, start, start + DAY_MS, missingPct);
      const kept = missingPct > 0 ? withoutMissing(candles, missing) : candles;
      return { candles: kept, missingMinutes: MINUTES_PER_DAY - kept.ts.length, duplicates: 0, conflictingDuplicates: 0 };
    },
  };
}
