/** Flows B and C's activity: compute one algorithm's features over a range, one partition per transaction. */
import { Context } from '@temporalio/activity';
import { FeaturesInput, type FeatureRef } from '../contracts';
import { partitionChecksum } from '../checksum';
import { DAY_MS, dayStartMs, daysOf, MINUTE_MS } from '../dates';
import { listMaterializations } from '../db/ledger';
import { replacePartition } from '../db/partitions';
import { readCandles } from '../db/reads';
import { getAlgorithm } from '../features';
import { sliceBounds } from '../arrays';
import { checkpoint } from './cancellation';
import { callerRun, type ActivityDeps } from './deps';
import { PartitionTally } from './tally';
import { parseInput, upstreamMissing } from '../failures';

/** The table of an algorithm's features: `b` -> `features_b`. */
export function featureTable(algorithm: 'b' | 'c'): 'features_b' | 'features_c' {
  return algorithm === 'b' ? 'features_b' : 'features_c';
}

/** Lists the days of a range whose upstream asset is not materialized. */
async function missingUpstreamDays(deps: ActivityDeps, asset: string, symbol: string, from: string, to: string): Promise<string[]> {
  const present = new Set(
    (await listMaterializations(deps.db.kysely, { symbol, from, to, assets: [asset] })).map((m) => m.partition),
  );
  return daysOf(from, to).filter((d) => !present.has(d));
}

/** Formats a list of days briefly: the first few and a count. */
export function summarizeDays(days: readonly string[]): string {
  return days.length <= 5 ? days.join(', ') : `${days.slice(0, 5).join(', ')} and ${days.length - 5} more`;
}

/** Creates the feature activity bound to its dependencies. */
export function makeComputeFeatures(deps: ActivityDeps) {
  /** Computes and stores the algorithm's features for every day of the range. */
  return async function computeFeatures(rawInput: FeaturesInput): Promise<FeatureRef> {
    const input = parseInput(FeaturesInput, rawInput, 'features');
    const ctx = Context.current();
    const algorithm = getAlgorithm(input.algorithm);
    const table = featureTable(input.algorithm);
    const missing = await missingUpstreamDays(deps, 'candles', input.symbol, input.from, input.to);
    if (missing.length) {
      throw upstreamMissing(
        `features-${input.algorithm} needs candles for ${input.symbol} on ${summarizeDays(missing)}, which are not ingested; ` +
          'run ingest for those days first (or backfill with --with-upstream)',
      );
    }
    const fromMs = dayStartMs(input.from);
    const toMs = dayStartMs(input.to) + DAY_MS;
    const candles = await readCandles(deps.db, input.symbol, fromMs - algorithm.lookbackMinutes * MINUTE_MS, toMs);
    ctx.heartbeat({ loaded: candles.ts.length });
    const features = algorithm.compute(candles);
    const { workflowId, runId } = callerRun(ctx.info);
    const tally = new PartitionTally();
    for (const day of daysOf(input.from, input.to)) {
      checkpoint(ctx, { day });
      const { start, end } = sliceBounds(candles.ts, dayStartMs(day), dayStartMs(day) + DAY_MS);
      const arrays: Record<string, Float64Array> = { ts: candles.ts.subarray(start, end) };
      for (const column of algorithm.columns) arrays[column] = features[column].subarray(start, end);
      const checksum = partitionChecksum([input.symbol, day, algorithm.version], Object.entries(arrays));
      const written = await replacePartition(deps.db, {
        table,
        symbol: input.symbol,
        partition: day,
        batch: { constants: { symbol: input.symbol, partition: day, code_version: algorithm.version }, arrays },
        ledger: { code_version: algorithm.version, workflow_id: workflowId, run_id: runId, checksum, materialized_at: Date.now() },
      });
      tally.add(checksum, written);
    }
    ctx.log.info('computed features', { algorithm: input.algorithm, version: algorithm.version, rows: tally.rows, partitions: tally.partitions });
    return {
      table,
      algorithm: input.algorithm,
      version: algorithm.version,
      ...tally.summary(input),
    };
  };
}
