/** The market sources a worker can serve, built from configuration. */
import { dayStartMs, DAY_MS } from '../dates';
import { syntheticCandles, SYNTHETIC_SOURCE_VERSION } from './synthetic';
import type { MarketSource, SourceRegistry } from './types';

export type { MarketSource, SourceRegistry, SourceDay, FetchOptions } from './types';

/** The offline default: deterministic candles per symbol and minute (see `synthetic.ts`). */
export const syntheticSource: MarketSource = {
  name: 'synthetic',
  version: SYNTHETIC_SOURCE_VERSION,
  async fetchDay(symbol, day) {
    const start = dayStartMs(day);
    return { candles: syntheticCandles(symbol, start, start + DAY_MS), missingMinutes: 0, duplicates: 0 };
  },
};

/** The default registry: every source that needs no configuration. */
export function defaultSources(): SourceRegistry {
  return { synthetic: syntheticSource };
}
