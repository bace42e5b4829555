/**
 * Constructors of flow definitions: the registry lists flows with these, so a feature
 * algorithm becomes a flow in one line and every derived name (`features-<id>`, table
 * `features_<id>`) follows one rule.
 */
import { CANDLE_VALUE_COLUMNS, type FeatureAlgorithm } from '../features/types';
import type { FlowDefinition } from './types';

/** Options of a registry line. */
export interface FlowOptions {
  /** Retire the flow: pipelines and backfills stop running it; its data stays readable. */
  readonly retired?: boolean;
}

/** The flow name of a feature algorithm id: `c` -> `features-c`. */
export type FeatureFlowId<AlgorithmId extends string> = `features-${AlgorithmId}`;

/** Flow A: fetches 1-minute candles from a market source into `candles`. */
export function ingestFlow(): FlowDefinition<'ingest'> {
  return {
    id: 'ingest',
    kind: 'ingest',
    description: '1-minute candles from a market source (synthetic, csv, coinbase)',
    upstream: [],
    version: 'source',
    lookbackMinutes: 0,
    asset: 'candles',
    columns: CANDLE_VALUE_COLUMNS,
    retired: false,
  };
}

/** A feature flow computing `algorithm` from candles (and the feature flows it declares). */
export function featureFlow<Id extends string>(
  algorithm: FeatureAlgorithm<string, Id>,
  options: FlowOptions = {},
): FlowDefinition<FeatureFlowId<Id>> {
  return {
    id: `features-${algorithm.id}`,
    kind: 'features',
    description: algorithm.description,
    upstream: ['ingest', ...(algorithm.upstream ?? [])],
    version: algorithm.version,
    lookbackMinutes: algorithm.lookbackMinutes,
    asset: `features_${algorithm.id}`,
    columns: algorithm.columns,
    retired: options.retired ?? false,
    algorithm,
  };
}

/**
 * Flow D: scores every active feature flow against forward returns. Its upstream is derived
 * when the graph is built (every active feature flow), so adding or retiring a feature flow
 * changes what D evaluates without touching this line.
 */
export function evaluateFlow(version: string): FlowDefinition<'evaluate'> {
  return {
    id: 'evaluate',
    kind: 'evaluate',
    description: 'information coefficients of every active feature set vs 15-minute forward returns; names the winner',
    upstream: [],
    version,
    lookbackMinutes: 0,
    asset: 'evaluations',
    columns: [],
    retired: false,
  };
}
