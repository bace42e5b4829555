/**
 * The backfill's planning activity: reads the materialization ledger once per symbol for a
 * phase and returns compact runs (no per-row data), so the workflow's history stays small.
 */
import { z } from 'zod';
import { FailedPartitions, FlowGraphSnapshot, FlowName, IsoDate, MarketSymbol } from '../contracts';
import { addDays, MINUTES_PER_DAY } from '../core/dates';
import { assetsOf, planPhase, type LedgerFact, type LineageFact, type PlanGraph, type PlannedRun } from '../backfill/plan';
import { firstPartition } from '../db/ledger';
import type { Db } from '../db/schema';
import { evaluatedFlows, LEGACY_GRAPH } from '../flows/snapshot';
import { parseInput } from '../core/failures';
import type { ActivityDeps, WorkerAffinity } from './deps';
import { evaluationCodeVersion } from './evaluate';
import { evaluationAsset, featureFlowOf, flowOf, graphOf } from './flows';
import type { FlowGraph } from '../flows/graph';

/** Input of {@link makePlanBackfill}'s activity: one phase of a backfill over every symbol. */
export const PlanBackfillInput = z.object({
  symbols: z.array(MarketSymbol).min(1),
  flows: z.array(FlowName).min(1),
  selected: z.array(FlowName).min(1),
  from: IsoDate,
  to: IsoDate,
  chunkDays: z.number().int().min(1),
  force: z.boolean(),
  forceBefore: z.number(),
  exclude: z.array(FailedPartitions),
  /** Upstream runs still in flight that the plan may count as materialized (`PhasePlanRequest.assumed`). */
  assumed: z.array(z.object({ flow: FlowName, symbol: MarketSymbol, from: IsoDate, to: IsoDate })).optional(),
  /** The backfill's graph (absent from backfills started before graphs were recorded: the legacy graph). */
  graph: FlowGraphSnapshot.optional(),
});
export type PlanBackfillInput = z.infer<typeof PlanBackfillInput>;

/** What planning returns: runs to start, and counts; small whatever the range. */
export interface BackfillPlan {
  readonly runs: PlannedRun[];
  readonly skipped: number;
  readonly stale: number;
  readonly upstreamMissing: FailedPartitions[];
  /** The planning worker's own task queue, if it has one: where the backfill may route a window's work. */
  readonly worker?: WorkerAffinity;
}

/**
 * The planner's graph: the shape (flows, upstreams, what D scores) from the run's recorded graph,
 * tables, look-backs and current versions from this worker's registry (the code that will write).
 */
export function planGraphOf(flows: FlowGraph, snapshot: FlowGraphSnapshot): PlanGraph {
  const deps = { flows };
  return {
    nodes: snapshot.flows.map((node) => {
      const def = flowOf(deps, node.id);
      const base = {
        id: node.id,
        kind: node.kind,
        upstream: node.upstream,
        asset: def.asset,
        lookbackDays: Math.ceil(def.lookbackMinutes / MINUTES_PER_DAY),
      };
      if (node.kind === 'ingest') return base;
      if (node.kind === 'features') return { ...base, version: def.version };
      const targets = evaluatedFlows(snapshot, node).map((f) => {
        const feature = featureFlowOf(deps, f.id.replace(/^features-/, ''));
        const algorithm = feature.algorithm.id;
        return { algorithm, flow: f.id, asset: evaluationAsset(algorithm), version: evaluationCodeVersion(feature.version) };
      });
      return { ...base, version: def.version, targets };
    }),
  };
}

/** The ledger facts of one symbol for some assets over a range: one query. */
export async function readLedgerFacts(db: Db, symbol: string, from: string, to: string, assets: readonly string[]): Promise<LedgerFact[]> {
  const rows = await db.kysely
    .selectFrom('materializations')
    .select(['asset', 'partition', 'code_version', 'materialized_at', 'checksum', 'quality'])
    .where('symbol', '=', symbol)
    .where('partition', '>=', from)
    .where('partition', '<=', to)
    .where('asset', 'in', [...assets])
    .execute();
  return rows.map((r) => ({ asset: r.asset, partition: r.partition, codeVersion: r.code_version, materializedAt: Number(r.materialized_at), checksum: r.checksum, quality: r.quality }));
}

/** The recorded inputs of one symbol's partitions of some assets over a range, by `asset/partition`. */
export async function readLineage(db: Db, symbol: string, from: string, to: string, assets: readonly string[]): Promise<Map<string, LineageFact[]>> {
  if (!assets.length) return new Map();
  const rows = await db.kysely
    .selectFrom('materialization_inputs')
    .select(['asset', 'partition', 'input_asset', 'input_partition', 'input_checksum'])
    .where('symbol', '=', symbol)
    .where('partition', '>=', from)
    .where('partition', '<=', to)
    .where('asset', 'in', [...assets])
    .execute();
  const out = new Map<string, LineageFact[]>();
  for (const r of rows) {
    const key = `${r.asset}/${r.partition}`;
    const list = out.get(key) ?? [];
    list.push({ asset: r.input_asset, partition: r.input_partition, checksum: r.input_checksum });
    out.set(key, list);
  }
  return out;
}

/** Creates the planning activity bound to its dependencies. */
export function makePlanBackfill(deps: ActivityDeps) {
  /** Plans one phase of a backfill for every symbol from the ledger as it is now. */
  return async function planBackfill(rawInput: PlanBackfillInput): Promise<BackfillPlan> {
    const input = parseInput(PlanBackfillInput, rawInput, 'planBackfill');
    const graph = planGraphOf(graphOf(deps), input.graph ?? LEGACY_GRAPH);
    const assets = new Set(input.flows.flatMap((f) => assetsOf(graph, f)));
    const out: BackfillPlan = { runs: [], skipped: 0, stale: 0, upstreamMissing: [] };
    let skipped = 0;
    let stale = 0;
    // Look-back days before the range are read too: a day's inputs reach back that far.
    const lookback = Math.max(0, ...graph.nodes.map((n) => n.lookbackDays));
    const readFrom = addDays(input.from, -lookback);
    for (const symbol of input.symbols) {
      const facts = await readLedgerFacts(deps.db, symbol, readFrom, input.to, [...assets]);
      const lineage = await readLineage(deps.db, symbol, input.from, input.to, [...assets]);
      const historyStart = await firstPartition(deps.db.kysely, 'candles', symbol);
      const plan = planPhase({ ...input, symbol, graph, facts, lineage, ...(historyStart ? { historyStart } : {}) });
      out.runs.push(...plan.runs);
      out.upstreamMissing.push(...plan.upstreamMissing);
      skipped += plan.skipped;
      stale += plan.stale;
    }
    return { ...out, skipped, stale, ...(deps.affinity ? { worker: deps.affinity } : {}) };
  };
}
