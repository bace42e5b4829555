/**
 * What a flow is, as data. Every flow of featureflow is one {@link FlowDefinition} in the
 * registry (`registry.ts`); the pipeline's fan-out, the backfill's phases, staleness, D's
 * evaluated set, tables, CLI values, the report and search-attribute values derive from it.
 * Pure and deterministic: safe to bundle into workflow code (workflows still never read the
 * registry directly; they use the graph a run fixed when it started, see `snapshot.ts`).
 */
import type { FeatureAlgorithm } from '../features/types';

/** The flow kinds, in the order a graph's levels usually run them. */
export const FLOW_KINDS = ['ingest', 'features', 'evaluate'] as const;

/** What a flow does: fetch candles, compute a feature set, or score feature sets. */
export type FlowKind = (typeof FLOW_KINDS)[number];

/** One flow: everything the rest of the system needs to know about it. */
export interface FlowDefinition<Id extends string = string> {
  /** Flow name used in workflow IDs, the `Flow` search attribute and the CLI: `features-c`. */
  readonly id: Id;
  readonly kind: FlowKind;
  /** One line for `featureflow flows`, logs and the Web UI. */
  readonly description: string;
  /**
   * Flows whose output this one reads. Evaluate's are derived: every active feature flow.
   * Ingest has none.
   */
  readonly upstream: readonly string[];
  /**
   * Code version written to the ledger with each partition; bumping it makes every partition
   * (and everything downstream of it) stale. Ingest's is informational: candles are current at
   * any source version.
   */
  readonly version: string;
  /** Minutes of upstream history before a partition that computing it reads. */
  readonly lookbackMinutes: number;
  /** The table it materializes (a valid SQL identifier). */
  readonly asset: string;
  /** Its value columns, in table order (besides `symbol` and `ts`); empty for evaluate. */
  readonly columns: readonly string[];
  /** Retired: no longer run by pipelines or backfills; its tables, ledger rows and scores stay readable. */
  readonly retired: boolean;
  /** The pure algorithm of a feature flow. */
  readonly algorithm?: FeatureAlgorithm;
}
