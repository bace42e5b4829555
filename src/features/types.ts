/**
 * Column-oriented candle data, the input of every feature algorithm.
 * All arrays have the same length and are sorted by `ts` ascending, one entry per minute.
 */
export interface CandleColumns {
  /** Candle open time, milliseconds since the Unix epoch (UTC), a whole minute. */
  readonly ts: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** The value columns of {@link CandleColumns} (besides `ts`), in table order. */
export const CANDLE_VALUE_COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;

/**
 * The computed features of one algorithm: one array per feature column, aligned with the
 * candle arrays it was computed from. `NaN` marks "not enough history yet".
 */
export type FeatureColumns<Name extends string = string> = Readonly<Record<Name, Float64Array>>;

/**
 * Columns of upstream feature flows a derived algorithm reads, by flow id (`features-c`), each
 * aligned row for row with the candle arrays passed next to it (NaN where the upstream has no row).
 */
export type UpstreamFeatures = Readonly<Record<string, FeatureColumns>>;

/**
 * A pure feature algorithm: no I/O, O(n) over its input. One file under `src/features/` exports
 * one, and one line in `src/flows/registry.ts` makes it a flow (`features-<id>`, table
 * `features_<id>`): pipeline, backfill, evaluation, CLI, report and storage follow from that.
 *
 * The caller loads `lookbackMinutes` of candles before the range it wants, calls `compute`
 * over the whole array, and keeps only the rows inside the range; with that much history the
 * kept rows are identical whatever range they were computed in (so chunked backfills and the
 * daily run agree to the bit).
 */
export interface FeatureAlgorithm<Name extends string = string, Id extends string = string> {
  /** Short id used in flow names and tables: `b` -> `features-b`, table `features_b`. */
  readonly id: Id;
  /** Code version; bump it when the output changes, and old partitions become stale. */
  readonly version: string;
  /** One-line description for logs and the Web UI. */
  readonly description: string;
  /** Minutes of history before the first output row that `compute` needs. */
  readonly lookbackMinutes: number;
  /** Output column names, in table order (snake_case, valid SQL identifiers). */
  readonly columns: readonly Name[];
  /**
   * Other feature flows this one is computed from (e.g. `['features-c']`); their columns arrive
   * in `compute`'s second argument. Absent: computed from candles alone.
   */
  readonly upstream?: readonly string[];
  /** Computes every column over the candles (and upstream features, if declared). Must not mutate its input. */
  compute(candles: CandleColumns, upstream?: UpstreamFeatures): FeatureColumns<Name>;
}

/**
 * Declares a feature algorithm, keeping its id and column names as literal types (so the
 * registry derives `features-<id>` as a type and a typo is a compile error).
 */
export function defineFeatureAlgorithm<const Id extends string, const Name extends string>(
  algorithm: FeatureAlgorithm<Name, Id>,
): FeatureAlgorithm<Name, Id> {
  return algorithm;
}
