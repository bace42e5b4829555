/**
 * Flow D's activity: how well each feature set predicts forward returns, per day.
 * For every feature it stores the day's information coefficient (Pearson) and rank IC
 * (Spearman) against the log return over the next `HORIZON_MINUTES` clock minutes (as-of price
 * where that minute has no candle, see `features/clock.ts`), computed within the day
 * so a partition's result never depends on whether the next day exists yet.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Insertable } from 'kysely';
import { EvaluateInput, type AlgorithmId, type AlgorithmScore, type EvaluationRef } from '../contracts';
import { partitionChecksum } from '../core/checksum';
import { DAY_MS, dayStartMs, daysOf } from '../core/dates';
import { readColumnsVerified } from '../db/reads';
import { replacePartition } from '../db/partitions';
import type { EvaluationsTable } from '../db/schema';
import { EVALUATION_VERSION, forwardReturns, HORIZON_MINUTES, informationCoefficients } from '../features/evaluation';
import { alignTo, sliceBounds } from '../core/arrays';
import { checkpoint } from './cancellation';
import { callerRun, type ActivityDeps } from './deps';
import { featureFlowOf } from './flows';
import { daySlices } from './slices';
import { PartitionTally } from './tally';
import { summarizeDays } from './features';
import { parseInput, upstreamMissing } from '../core/failures';
import { checksumsByDay, isUsableCandles, listMaterializations } from '../db/ledger';

export { EVALUATION_VERSION, HORIZON_MINUTES } from '../features/evaluation';

/**
 * The ledger code version of D's scores of one feature flow: the method plus that flow's version,
 * so a new version of one flow makes only its own evaluation stale.
 */
export function evaluationCodeVersion(flowVersion: string): string {
  return `${EVALUATION_VERSION}+${flowVersion}`;
}

/** Creates the evaluation activity bound to its dependencies. */
export function makeEvaluateFeatures(deps: ActivityDeps) {
  /** Scores every feature of the chosen algorithms for each day of the range and stores the rows. */
  return async function evaluateFeatures(rawInput: EvaluateInput): Promise<EvaluationRef> {
    const input = parseInput(EvaluateInput, rawInput, 'evaluate');
    const ctx = Context.current();
    const algorithms = [...new Set(input.algorithms)].sort();
    const flows = new Map(algorithms.map((a) => [a, featureFlowOf(deps, a)]));
    const tableOf = (a: AlgorithmId): string => flows.get(a)?.asset ?? '';
    const ledger = await listMaterializations(deps.db.kysely, {
      symbol: input.symbol,
      from: input.from,
      to: input.to,
      assets: ['candles', ...algorithms.map(tableOf)],
    });
    // A candles day recorded empty by an earlier release is no data: as good as missing.
    const present = new Set(ledger.filter(isUsableCandles).map((m) => `${m.asset}/${m.partition}`));
    for (const asset of ['candles', ...algorithms.map(tableOf)]) {
      const missing = daysOf(input.from, input.to).filter((d) => !present.has(`${asset}/${d}`));
      if (missing.length) {
        throw upstreamMissing(
          `evaluate needs ${asset} for ${input.symbol} on ${summarizeDays(missing)}, which are not materialized; ` +
            'run the upstream flows first (or backfill with --with-upstream)',
        );
      }
    }
    const { workflowId, runId } = callerRun(ctx.info);
    const tally = new PartitionTally();
    const perFeature = new Map<string, { algorithm: AlgorithmId; feature: string; rankIcs: number[] }>();
    // Upstream days read from the partition cache and from the database (logged: the bench sums them).
    let cachedDays = 0;
    let databaseDays = 0;
    // A slice of days at a time, so memory does not grow with the chunk (a day's scores use only that day).
    // The ledger's checksums let days this worker just wrote come from its partition cache.
    const candleChecksums = checksumsByDay(ledger, 'candles');
    const featureChecksums = new Map(algorithms.map((a) => [a, checksumsByDay(ledger, tableOf(a))]));
    for (const { days, fromMs, toMs } of daySlices(input.from, input.to)) {
      // Only the close matters here (forward returns); reading one column instead of five saves a third of D's reads.
      const closeRead = await readColumnsVerified(deps.db, 'candles', input.symbol, ['close'], fromMs, toMs, candleChecksums);
      const candles = { ts: closeRead.ts, close: closeRead.values.close };
      cachedDays += closeRead.cachedDays;
      databaseDays += closeRead.databaseDays;
      const featureData = new Map<AlgorithmId, Record<string, Float64Array>>();
      for (const a of algorithms) {
        const algorithm = flows.get(a)?.algorithm;
        if (!algorithm) continue;
        const read = await readColumnsVerified(deps.db, tableOf(a), input.symbol, algorithm.columns, fromMs, toMs, featureChecksums.get(a) ?? new Map());
        cachedDays += read.cachedDays;
        databaseDays += read.databaseDays;
        const aligned: Record<string, Float64Array> = {};
        for (const c of algorithm.columns) aligned[c] = alignTo(candles.ts, read.ts, read.values[c]);
        featureData.set(a, aligned);
      }
      for (const day of days) {
        await checkpoint(ctx, { day });
        const { start, end } = sliceBounds(candles.ts, dayStartMs(day), dayStartMs(day) + DAY_MS);
        // Clock minutes, within the day: the horizon of a late row is not in this partition.
        const fwd = forwardReturns({ ts: candles.ts.subarray(start, end), close: candles.close.subarray(start, end) }, HORIZON_MINUTES, dayStartMs(day) + DAY_MS);
        let scorable = 0;
        for (let i = 0; i < fwd.length; i++) if (fwd[i] === fwd[i]) scorable++;
        if (scorable < 3) {
          // Nothing to compare on this day: stored rows of nulls would let D name a winner from nothing.
          await tally.flush();
          throw ApplicationFailure.nonRetryable(
            `evaluate found nothing to score for ${input.symbol} on ${day}: ${scorable} ${HORIZON_MINUTES}-minute forward returns (a correlation needs 3); ` +
              'the day is not evaluated and no winner is named (check its candles with `featureflow assets`)',
            'NoEvaluationData',
          );
        }
        // One partition per scored flow: each flow's evaluation is current (or stale) on its own.
        for (const a of algorithms) {
          const codeVersion = evaluationCodeVersion(flows.get(a)?.version ?? '');
          const columns = featureData.get(a) ?? {};
          const sliced: Record<string, Float64Array> = {};
          for (const [name, values] of Object.entries(columns)) sliced[name] = values.subarray(start, end);
          const dayRows: Array<Insertable<EvaluationsTable>> = [];
          for (const ic of informationCoefficients(sliced, fwd)) {
            dayRows.push({
              symbol: input.symbol,
              partition: day,
              algorithm: a,
              feature: ic.feature,
              code_version: codeVersion,
              horizon_minutes: HORIZON_MINUTES,
              ic: Number.isFinite(ic.ic) ? ic.ic : null,
              rank_ic: Number.isFinite(ic.rankIc) ? ic.rankIc : null,
              n: ic.n,
            });
            const key = `${a}/${ic.feature}`;
            const entry = perFeature.get(key) ?? { algorithm: a, feature: ic.feature, rankIcs: [] };
            if (Number.isFinite(ic.rankIc)) entry.rankIcs.push(ic.rankIc);
            perFeature.set(key, entry);
          }
          const checksum = partitionChecksum(
            [input.symbol, day, codeVersion, ...dayRows.map((r) => `${r.algorithm}/${r.feature}`)],
            [
              ['ic', dayRows.map((r) => r.ic ?? Number.NaN)],
              ['rank_ic', dayRows.map((r) => r.rank_ic ?? Number.NaN)],
              ['n', dayRows.map((r) => r.n)],
            ],
          );
          const written = replacePartition(deps.db, {
            table: 'evaluations',
            algorithm: a,
            symbol: input.symbol,
            partition: day,
            rows: dayRows,
            // Scored from the day's candles (forward returns) and the flow's features of that day.
            inputs: [
              { asset: 'candles', partition: day, checksum: candleChecksums.get(day) ?? '' },
              { asset: tableOf(a), partition: day, checksum: featureChecksums.get(a)?.get(day) ?? '' },
            ],
            ledger: { code_version: codeVersion, workflow_id: workflowId, run_id: runId, checksum, materialized_at: Date.now() },
          });
          await tally.add(checksum, written);
        }
      }
    }
    await tally.flush();
    const scores = algorithms.map((a) => scoreAlgorithm(a, flows.get(a)?.version ?? '', [...perFeature.values()].filter((f) => f.algorithm === a)));
    const winner = scores.reduce((best, s) => (s.meanAbsRankIc > best.meanAbsRankIc ? s : best), scores[0]).algorithm;
    ctx.log.info('evaluated features', { rows: tally.rows, partitions: tally.partitions, winner, cachedDays, databaseDays });
    return {
      table: 'evaluations',
      ...tally.summary(input),
      horizonMinutes: HORIZON_MINUTES,
      scores,
      winner,
    };
  };
}

const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);

/** Headline numbers of one algorithm: its best feature by |mean rank IC|, and the set's mean |rank IC|. */
function scoreAlgorithm(algorithm: AlgorithmId, version: string, features: ReadonlyArray<{ feature: string; rankIcs: number[] }>): AlgorithmScore {
  let bestFeature = '';
  let bestRankIc = 0;
  for (const f of features) {
    const m = mean(f.rankIcs);
    if (!bestFeature || Math.abs(m) > Math.abs(bestRankIc)) {
      bestFeature = f.feature;
      bestRankIc = m;
    }
  }
  return {
    algorithm,
    version,
    bestFeature,
    bestRankIc,
    meanAbsRankIc: mean(features.flatMap((f) => f.rankIcs.map(Math.abs))),
  };
}
