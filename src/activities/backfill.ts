/**
 * The backfill's planning activity: reads the materialization ledger once per symbol for a
 * phase and returns compact runs (no per-row data), so the workflow's history stays small.
 */
import { z } from 'zod';
import { AssetName, FailedPartitions, FlowName, IsoDate, MarketSymbol, type AlgorithmId } from '../contracts';
import { MINUTES_PER_DAY } from '../dates';
import { FLOW_ASSET, FLOW_UPSTREAM, planPhase, type PlannedRun } from '../backfill/plan';
import type { Db } from '../db/schema';
import { getAlgorithm } from '../features';
import { parseInput } from '../failures';
import type { ActivityDeps } from './deps';
import { evaluationCodeVersion } from './evaluate';

/** The algorithms a backfilled evaluation compares (the evaluate flow's default). */
export const BACKFILL_EVALUATION_ALGORITHMS: readonly AlgorithmId[] = ['b', 'c'];

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
});
export type PlanBackfillInput = z.infer<typeof PlanBackfillInput>;

/** What planning returns: runs to start, and counts; small whatever the range. */
export interface BackfillPlan {
  readonly runs: PlannedRun[];
  readonly skipped: number;
  readonly stale: number;
  readonly upstreamMissing: FailedPartitions[];
}

/** The code version every asset is at in this build; candles have none (any ingest counts). */
export function currentVersions(): Partial<Record<AssetName, string>> {
  return {
    features_b: getAlgorithm('b').version,
    features_c: getAlgorithm('c').version,
    evaluations: evaluationCodeVersion(BACKFILL_EVALUATION_ALGORITHMS),
  };
}

/** The ledger facts of one symbol for some assets over a range: one query. */
export async function readLedgerFacts(db: Db, symbol: string, from: string, to: string, assets: readonly string[]) {
  const rows = await db.kysely
    .selectFrom('materializations')
    .select(['asset', 'partition', 'code_version', 'materialized_at'])
    .where('symbol', '=', symbol)
    .where('partition', '>=', from)
    .where('partition', '<=', to)
    .where('asset', 'in', [...assets])
    .execute();
  return rows.map((r) => ({ asset: r.asset, partition: r.partition, codeVersion: r.code_version, materializedAt: Number(r.materialized_at) }));
}

/** Whole days of candles before a partition that each feature flow reads. */
const LOOKBACK_DAYS = (): Partial<Record<FlowName, number>> => ({
  'features-b': Math.ceil(getAlgorithm('b').lookbackMinutes / MINUTES_PER_DAY),
  'features-c': Math.ceil(getAlgorithm('c').lookbackMinutes / MINUTES_PER_DAY),
});

/** Creates the planning activity bound to its dependencies. */
export function makePlanBackfill(deps: ActivityDeps) {
  /** Plans one phase of a backfill for every symbol from the ledger as it is now. */
  return async function planBackfill(rawInput: PlanBackfillInput): Promise<BackfillPlan> {
    const input = parseInput(PlanBackfillInput, rawInput, 'planBackfill');
    const assets = new Set<string>();
    for (const f of input.flows) {
      assets.add(FLOW_ASSET[f]);
      for (const up of FLOW_UPSTREAM[f]) assets.add(FLOW_ASSET[up]);
    }
    const versions = currentVersions();
    const out: BackfillPlan = { runs: [], skipped: 0, stale: 0, upstreamMissing: [] };
    let skipped = 0;
    let stale = 0;
    for (const symbol of input.symbols) {
      const facts = await readLedgerFacts(deps.db, symbol, input.from, input.to, [...assets]);
      const plan = planPhase({ ...input, symbol, currentVersions: versions, lookbackDays: LOOKBACK_DAYS(), facts });
      out.runs.push(...plan.runs);
      out.upstreamMissing.push(...plan.upstreamMissing);
      skipped += plan.skipped;
      stale += plan.stale;
    }
    return { ...out, skipped, stale };
  };
}
