/**
 * Lineage of a pipeline run: which ingested candles the two feature sets were computed from.
 * Pure and deterministic (bundled into workflow code).
 *
 * B and C read candles from the database, not from the ingest's result, so a concurrent ingest
 * of the same day (another source, a manual re-run) could change the rows between A and B/C.
 * The pipeline checks that both feature sets cover exactly what its own ingest stored before
 * it scores them, and records the lineage on the run so anyone can see what produced a score.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { FeatureRef, PartitionRef } from '../contracts';

/** The patch that introduced the lineage check in the pipeline (see docs/changing-workflows.md). */
export const LINEAGE_PATCH = 'pipeline-lineage-check';

/** What the pipeline records in its memo under `lineage`: small, and readable in the Web UI. */
export interface Lineage {
  readonly candles: { readonly source: string; readonly rows: number; readonly checksum: string };
  readonly features: ReadonlyArray<{ readonly algorithm: string; readonly version: string; readonly rows: number; readonly checksum: string }>;
}

/** Why a feature set does not match the ingest, or undefined when it does. */
function mismatch(candles: PartitionRef, ref: FeatureRef): string | undefined {
  const expected = `${candles.symbol} ${candles.from}..${candles.to}, ${candles.partitions} partitions, ${candles.rows} rows`;
  const actual = `${ref.symbol} ${ref.from}..${ref.to}, ${ref.partitions} partitions, ${ref.rows} rows`;
  return expected === actual ? undefined : `features ${ref.algorithm} (${ref.version}) covers ${actual} but the ingest stored ${expected}`;
}

/**
 * Checks that every feature set was computed over the candles this run ingested (same symbol,
 * range, partition and row counts) and returns the lineage. Throws a non-retryable
 * `LineageMismatch` naming each set that differs: scoring it would mix data from two ingests.
 */
export function checkLineage(candles: PartitionRef, features: readonly FeatureRef[]): Lineage {
  const problems = features.map((ref) => mismatch(candles, ref)).filter((p): p is string => p !== undefined);
  if (problems.length) {
    throw ApplicationFailure.nonRetryable(
      `${problems.join('; ')}. The candles changed between ingest and features (a concurrent ingest of the same day?); re-run the pipeline`,
      'LineageMismatch',
    );
  }
  return {
    candles: { source: candles.source, rows: candles.rows, checksum: candles.checksum },
    features: features.map((ref) => ({ algorithm: ref.algorithm, version: ref.version, rows: ref.rows, checksum: ref.checksum })),
  };
}
