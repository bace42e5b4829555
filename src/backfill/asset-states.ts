/**
 * What `featureflow assets` shows, pure: for every flow of the registry (retired ones too) and
 * every day, whether its partition is materialized, stale (another code version, or an upstream
 * partition rewritten after it), missing, or retired. The same rules as the planner's, so
 * `assets` never says "materialized" where a backfill would redo the day.
 */
import type { Materialization } from '../db/schema';
import { daysOf } from '../core/dates';
import type { FlowGraph } from '../flows/graph';
import { evaluationAsset } from '../db/ledger';
import { staleReason, type LedgerFact, type LineageFact } from './plan';

/** The state of one asset partition. */
export interface PartitionState {
  /** The ledger asset: a table (`features_c`), or D's scores of one flow (`evaluations/c`). */
  readonly asset: string;
  /** The flow that materializes it. */
  readonly flow: string;
  readonly partition: string;
  readonly state: 'materialized' | 'stale' | 'missing' | 'retired';
  /** Why a stale partition is stale. */
  readonly reason?: string;
  readonly version?: string;
  readonly currentVersion?: string;
  readonly rows?: number;
  readonly materializedAt?: number;
  /** Candles only: `complete`, `degraded` or `empty` (docs/data-quality.md). */
  readonly quality?: string;
  /** Candles only: the source that delivered the day. */
  readonly source?: string;
  /** Candles only: minutes of the day without a candle. */
  readonly missingMinutes?: number;
  /** Candles only: duplicates dropped, and how many of them conflicted. */
  readonly duplicates?: number;
  readonly conflictingDuplicates?: number;
}

/** The data-quality fields of a ledger row, only those it has (assets other than candles have none). */
function qualityOf(r: Materialization): Pick<PartitionState, 'quality' | 'source' | 'missingMinutes' | 'duplicates' | 'conflictingDuplicates'> {
  const out: { -readonly [K in 'quality' | 'source' | 'missingMinutes' | 'duplicates' | 'conflictingDuplicates']?: PartitionState[K] } = {};
  if (r.quality !== null) out.quality = r.quality;
  if (r.source !== null) out.source = r.source;
  if (r.missing_minutes !== null) out.missingMinutes = Number(r.missing_minutes);
  if (r.duplicates !== null) out.duplicates = Number(r.duplicates);
  if (r.conflicting_duplicates !== null) out.conflictingDuplicates = Number(r.conflicting_duplicates);
  return out;
}

/** One asset of the graph: which flow writes it, at which version, from which assets. */
interface AssetLine {
  readonly asset: string;
  readonly flow: string;
  readonly version?: string;
  readonly inputs: readonly string[];
  readonly retired: boolean;
}

/** Every asset of the graph, in topological order; D contributes one per feature flow it scores (or scored). */
export function assetLines(graph: FlowGraph, evaluationVersion: (flowVersion: string) => string): AssetLine[] {
  const out: AssetLine[] = [];
  for (const flow of graph.flows) {
    if (flow.kind === 'evaluate') {
      for (const f of graph.flows.filter((g) => g.kind === 'features' && g.algorithm)) {
        const id = f.algorithm?.id ?? '';
        out.push({ asset: evaluationAsset(id), flow: flow.id, version: evaluationVersion(f.version), inputs: ['candles', f.asset], retired: flow.retired || f.retired });
      }
      continue;
    }
    const inputs = flow.upstream.map((u) => graph.get(u)?.asset ?? u);
    out.push({ asset: flow.asset, flow: flow.id, version: flow.kind === 'ingest' ? undefined : flow.version, inputs, retired: flow.retired });
  }
  return out;
}

/** A ledger row as the planner's fact. */
const toFact = (r: Materialization): LedgerFact => ({ asset: r.asset, partition: r.partition, codeVersion: r.code_version, materializedAt: Number(r.materialized_at), checksum: r.checksum });

/**
 * Classifies every asset x day of the range from the ledger rows (which should reach back over
 * the look-back days before `from`) and the recorded lineage, with the planner's rules.
 */
export function classify(
  rows: readonly Materialization[],
  from: string,
  to: string,
  lines: readonly AssetLine[],
  lineage: ReadonlyMap<string, readonly LineageFact[]> = new Map(),
): PartitionState[] {
  const byKey = new Map(rows.map((r) => [`${r.asset}/${r.partition}`, r]));
  const lookup = (asset: string, partition: string): LedgerFact | undefined => {
    const r = byKey.get(`${asset}/${partition}`);
    return r ? toFact(r) : undefined;
  };
  const out: PartitionState[] = [];
  for (const line of lines) {
    for (const partition of daysOf(from, to)) {
      const r = byKey.get(`${line.asset}/${partition}`);
      const base = { asset: line.asset, flow: line.flow, partition, currentVersion: line.version };
      if (!r) {
        out.push({ ...base, state: line.retired ? 'retired' : 'missing' });
        continue;
      }
      const at = Number(r.materialized_at);
      const reason = staleReason(
        toFact(r),
        line.version,
        lineage.get(`${line.asset}/${partition}`),
        lookup,
        line.inputs.map((i) => lookup(i, partition)),
      );
      out.push({
        ...base,
        state: line.retired ? 'retired' : reason ? 'stale' : 'materialized',
        ...(reason && !line.retired ? { reason } : {}),
        version: r.code_version,
        rows: Number(r.rows),
        materializedAt: at,
        ...qualityOf(r),
      });
    }
  }
  return out;
}
