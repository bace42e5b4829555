/** Flows B and C's activity: compute one algorithm's features over a range, one partition per transaction. */
import { Context } from '@temporalio/activity';
import { FeaturesInput, type FeatureRef } from '../contracts';
import { partitionChecksum } from '../checksum';
import { DAY_MS, dayOf, dayStartMs, daysOf, MINUTE_MS } from '../dates';
import { checksumsByDay, listMaterializations } from '../db/ledger';
import { replacePartition } from '../db/partitions';
import { readCandlesVerified } from '../db/reads';
import { getAlgorithm } from '../features';
import { sliceBounds } from '../arrays';
import { checkpoint } from './cancellation';
import { callerRun, type ActivityDeps } from './deps';
import { daySlices } from './slices';
import { PartitionTally } from './tally';
import { parseInput, upstreamMissing } from '../failures';

/** The table of an algorithm's features: `b` -> `features_b`. */
export function featureTable(algorithm: 'b' | 'c'): 'features_b' | 'features_c' {
  return algorithm === 'b' ? 'features_b' : 'features_c';
}

/**
 * The ledger checksums of an upstream asset by day over `[from, to]`, and the days of
 * `[checkFrom, to]` it lacks. The checksums let reads use the worker's partition cache.
 */
async function upstreamLedger(deps: ActivityDeps, asset: string, symbol: string, from: string, checkFrom: string, to: string) {
  const checksums = checksumsByDay(await listMaterializations(deps.db.kysely, { symbol, from, to, assets: [asset] }), asset);
  return { checksums, missing: daysOf(checkFrom, to).filter((d) => !checksums.has(d)) };
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
    const lookbackMs = algorithm.lookbackMinutes * MINUTE_MS;
    const readFromMs = dayStartMs(input.from) - lookbackMs;
    const { checksums, missing } = await upstreamLedger(deps, 'candles', input.symbol, dayOf(readFromMs), input.from, input.to);
    if (missing.length) {
      throw upstreamMissing(
        `features-${input.algorithm} needs candles for ${input.symbol} on ${summarizeDays(missing)}, which are not ingested; ` +
          'run ingest for those days first (or backfill with --with-upstream)',
      );
    }
    const { workflowId, runId } = callerRun(ctx.info);
    const tally = new PartitionTally();
    let cachedDays = 0;
    let databaseDays = 0;
    // A slice of days at a time (with its look-back), so memory does not grow with the chunk.
    for (const slice of daySlices(input.from, input.to)) {
      const { candles, ...read } = await readCandlesVerified(deps.db, input.symbol, slice.fromMs - lookbackMs, slice.toMs, checksums);
      cachedDays += read.cachedDays;
      databaseDays += read.databaseDays;
      ctx.heartbeat({ day: slice.days[0], loaded: candles.ts.length });
      const features = algorithm.compute(candles);
      for (const day of slice.days) {
        await checkpoint(ctx, { day });
        const { start, end } = sliceBounds(candles.ts, dayStartMs(day), dayStartMs(day) + DAY_MS);
        const arrays: Record<string, Float64Array> = { ts: candles.ts.subarray(start, end) };
        for (const column of algorithm.columns) arrays[column] = features[column].subarray(start, end);
        const checksum = partitionChecksum([input.symbol, day, algorithm.version], Object.entries(arrays));
        const written = replacePartition(deps.db, {
          table,
          symbol: input.symbol,
          partition: day,
          batch: { constants: { symbol: input.symbol }, arrays },
          ledger: { code_version: algorithm.version, workflow_id: workflowId, run_id: runId, checksum, materialized_at: Date.now() },
        });
        await tally.add(checksum, written);
      }
    }
    await tally.flush();
    ctx.log.info('computed features', { algorithm: input.algorithm, version: algorithm.version, rows: tally.rows, partitions: tally.partitions, cachedDays, databaseDays });
    return {
      table,
      algorithm: input.algorithm,
      version: algorithm.version,
      ...tally.summary(input),
    };
  };
}
