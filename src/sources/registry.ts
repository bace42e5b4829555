/**
 * The market sources a worker serves, built from configuration: `synthetic` always (offline; its
 * symbols and missing-minute rate from config),
 * `coinbase` always (public API, no key; base URL and rate from config), `csv` when
 * FEATUREFLOW_CSV_DIR names a directory of `<SYMBOL>.csv` files.
 */
import type { Config } from '../config';
import { coinbaseSource } from './coinbase';
import { csvSource } from './csv';
import { syntheticSource } from './synthetic-source';
import type { MarketSource, SourceRegistry } from './types';

/** Builds the registry a worker process uses; each live source gets its own rate limiter. */
export function buildSources(config: Pick<Config, 'sources'>): SourceRegistry {
  const registry: { -readonly [K in keyof SourceRegistry]: MarketSource } = {
    synthetic: syntheticSource({ symbols: config.sources.syntheticSymbols, missingPct: config.sources.syntheticMissingPct }),
    coinbase: coinbaseSource({ baseUrl: config.sources.coinbaseUrl, ratePerSecond: config.sources.coinbaseRatePerSecond }),
  };
  if (config.sources.csvDir) registry.csv = csvSource({ dir: config.sources.csvDir });
  return registry;
}
