/** The activity of every feature flow: compute one algorithm's features over a range, one partition per transaction. */
import { Context } from '@temporalio/activity';
import { FeaturesInput, type FeatureRef } from '../contracts';
import { partitionChecksum } from '../core/checksum';
import { addDays, DAY_MS, dayOf, dayStartMs, daysOf, MINUTE_MS, MINUTES_PER_DAY } from '../core/dates';
import { checksumsByDay, firstPartition, listMaterializations } from '../db/ledger';
import { replacePartition, type LineageInput } from '../db/partitions';
import { readCandlesVerified, readColumnsVerified } from '../db/reads';
import type { FeatureColumns } from '../features/types';
import { alignTo, sliceBounds } from '../core/arrays';
import { checkpoint } from './cancellation';
import { callerRun, type ActivityDeps } from './deps';
import { featureFlowOf, flowOf } from './flows';
import { daySlices } from './slices';
import { PartitionTally } from './tally';
import { parseInput, upstreamMissing } from '../core/failures';

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
    const flow = featureFlowOf(deps, input.algorithm);
    const { algorithm, asset: table } = flow;
    const lookbackMs = algorithm.lookbackMinutes * MINUTE_MS;
    const readFromMs = dayStartMs(input.from) - lookbackMs;
    const lookbackDays = Math.ceil(algorithm.lookbackMinutes / MINUTES_PER_DAY);
    // Look-back is upstream too (checked again here, whatever the planner did): every day read
    // must be there, except days before the symbol's candle history starts, which cannot exist.
    const historyStart = (await firstPartition(deps.db.kysely, 'candles', input.symbol)) ?? input.from;
    const checkFrom = [dayOf(readFromMs), historyStart].sort()[1];
    const { checksums, missing } = await upstreamLedger(deps, 'candles', input.symbol, dayOf(readFromMs), checkFrom < input.from ? checkFrom : input.from, input.to);
    if (missing.length) {
      throw upstreamMissing(
        `${flow.id} needs candles for ${input.symbol} on ${summarizeDays(missing)}, which are not ingested` +
          `${missing[0] < input.from ? ' (look-back days before the range)' : ''}; run ingest for those days first (or backfill with --with-upstream)`,
      );
    }
    /** What a day's rows were computed from: each upstream asset on the day and its look-back days. */
    const lineage = (day: string): LineageInput[] =>
      [{ asset: 'candles', checksums }, ...upstreamFeatures.map((u) => ({ asset: u.flow.asset, checksums: u.checksums }))].flatMap(({ asset, checksums: byDay }) =>
        Array.from({ length: lookbackDays + 1 }, (_, k) => addDays(day, -k)).map((d) => ({ asset, partition: d, checksum: byDay.get(d) ?? '' })),
      );
    // Feature flows this one is computed from: their days must be there too, look-back included.
    const upstreamFeatures = await Promise.all(
      (algorithm.upstream ?? []).map(async (id) => {
        const up = flowOf(deps, id);
        const ledger = await upstreamLedger(deps, up.asset, input.symbol, dayOf(readFromMs), input.from, input.to);
        if (ledger.missing.length) {
          throw upstreamMissing(`${flow.id} needs ${id} for ${input.symbol} on ${summarizeDays(ledger.missing)}, which is not materialized; run ${id} first (or backfill with --with-upstream)`);
        }
        return { flow: up, checksums: ledger.checksums };
      }),
    );
    const { workflowId, runId } = callerRun(ctx.info);
    const tally = new PartitionTally();
    let cachedDays = 0;
    let databaseDays = 0;
    // A slice of days at a time (with its look-back), so memory does not grow with the chunk.
    for (const slice of daySlices(input.from, input.to)) {
      const { candles, ...read } = await readCandlesVerified(deps.db, input.symbol, slice.fromMs - lookbackMs, slice.toMs, checksums);
      cachedDays += read.cachedDays;
      databaseDays += read.databaseDays;
      const inputs: Record<string, FeatureColumns> = {};
      for (const up of upstreamFeatures) {
        const cols = await readColumnsVerified(deps.db, up.flow.asset, input.symbol, up.flow.columns, slice.fromMs - lookbackMs, slice.toMs, up.checksums);
        inputs[up.flow.id] = Object.fromEntries(up.flow.columns.map((c) => [c, alignTo(candles.ts, cols.ts, cols.values[c])]));
      }
      ctx.heartbeat({ day: slice.days[0], loaded: candles.ts.length });
      const features = algorithm.compute(candles, inputs);
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
          inputs: lineage(day),
          ledger: { code_version: algorithm.version, workflow_id: workflowId, run_id: runId, checksum, materialized_at: Date.now() },
        });
        await tally.add(checksum, written);
      }
    }
    await tally.flush();
    ctx.log.info('computed features', { flow: flow.id, version: algorithm.version, rows: tally.rows, partitions: tally.partitions, cachedDays, databaseDays });
    return {
      table: table as FeatureRef['table'],
      algorithm: input.algorithm,
      version: algorithm.version,
      ...tally.summary(input),
    };
  };
}
