/**
 * The flow graph as the client library shows it: each flow of the registry (`src/flows/`, the one
 * declaration), the asset it materializes, the flows it reads, its code version and whether it
 * is retired, in topological order. A projection, so the public shape stays put when the
 * registry's internals change.
 */
import { FLOW_GRAPH } from '../flows/registry';
import type { FlowName } from '../contracts';

/** One flow of the graph. */
export interface FlowInfo {
  /** Flow name as the CLI and backfills take it, e.g. `features-c`. */
  readonly id: FlowName;
  /** The kind of workflow that runs it. */
  readonly kind: 'ingest' | 'features' | 'evaluate';
  /** What it computes, in a sentence. */
  readonly description: string;
  /** The asset (table) it materializes. */
  readonly asset: string;
  /** Flows whose assets it reads. */
  readonly upstream: readonly string[];
  /** Code version of what it materializes now. */
  readonly version: string;
  /** A retired flow is kept for its data but no longer run. */
  readonly retired: boolean;
}

/** The flows in topological order (upstreams first). */
export interface FlowGraphInfo {
  readonly flows: readonly FlowInfo[];
}

/** The flow graph of this build. */
export function flowGraph(): FlowGraphInfo {
  return {
    flows: FLOW_GRAPH.flows.map((f) => ({
      id: f.id,
      kind: f.kind,
      description: f.description,
      asset: f.asset,
      upstream: [...f.upstream],
      version: f.version,
      retired: f.retired,
    })),
  };
}
