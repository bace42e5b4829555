/** The market sources a worker can serve, built from configuration. */
import { syntheticSource, type SyntheticSourceOptions } from './synthetic-source';
import type { SourceRegistry } from './types';

export type { MarketSource, SourceRegistry, SourceDay, FetchOptions } from './types';
export { syntheticSource, DEFAULT_SYNTHETIC_SYMBOLS } from './synthetic-source';

/** The default registry: every source that needs no configuration (the synthetic one, with these options). */
export function defaultSources(synthetic: SyntheticSourceOptions = {}): SourceRegistry {
  return { synthetic: syntheticSource(synthetic) };
}
