/** Flow A's activity: fetch candles from a market source and upsert them, one partition per transaction. */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { IngestInput, type PartitionRef } from '../contracts';
import { partitionChecksum } from '../core/checksum';
import { addDays, DAY_MS, dayStartMs, daysOf } from '../core/dates';
import { replacePartition } from '../db/partitions';
import { CANDLE_VALUE_COLUMNS, type CandleColumns } from '../features/types';
import { checkpoint, withHeartbeats } from './cancellation';
import { callerRun, type ActivityDeps } from './deps';
import { PartitionTally } from './tally';
import { ingestMissingLookback } from './ingest-lookback';
import { DEFAULT_QUALITY_POLICY, judgeDay } from '../sources/quality';
import { invalidInput, parseInput } from '../core/failures';

/** Rejects candles that are out of the day, unordered or not finite: bad data must not land. */
function checkCandles(symbol: string, day: string, c: CandleColumns): void {
  const start = dayStartMs(day);
  const values = CANDLE_VALUE_COLUMNS.map((k) => c[k]);
  for (let i = 0; i < c.ts.length; i++) {
    const t = c.ts[i];
    let bad = !(t >= start && t < start + DAY_MS) || (i > 0 && t <= c.ts[i - 1]) || !(c.low[i] > 0 && c.high[i] >= c.low[i]);
    // A plain loop: this runs for every candle ingested, and a closure per row showed in profiles.
    for (let j = 0; j < values.length && !bad; j++) bad = !Number.isFinite(values[j][i]);
    if (bad) {
      throw ApplicationFailure.nonRetryable(
        `Source returned an invalid candle for ${symbol} ${day} at index ${i} (ts=${t}); nothing was written for that day`,
        'SourceDataInvalid',
      );
    }
  }
}

/** Creates the ingest activity bound to its dependencies. */
export function makeIngestCandles(deps: ActivityDeps) {
  /** Fetches and stores every day of the range; returns a reference to what was written. */
  return async function ingestCandles(rawInput: IngestInput): Promise<PartitionRef> {
    const input = parseInput(IngestInput, rawInput, 'ingest');
    const ctx = Context.current();
    const source = deps.sources[input.source];
    if (!source) {
      throw invalidInput(`Source '${input.source}' is not configured on this worker (configured: ${Object.keys(deps.sources).join(', ')})`);
    }
    if (source.symbols && !source.symbols.includes(input.symbol)) {
      throw ApplicationFailure.nonRetryable(
        `Unknown symbol ${input.symbol} for source ${source.name}; it serves ${source.symbols.join(', ')}`,
        'UnknownSymbol',
      );
    }
    const lastAllowed = Date.now() - DAY_MS;
    if (dayStartMs(input.to) > lastAllowed) {
      throw invalidInput(`Partition ${input.to} is not a complete UTC day yet; the latest day that can be ingested ends before now`);
    }
    const { workflowId, runId } = callerRun(ctx.info);
    const policy = deps.quality ?? DEFAULT_QUALITY_POLICY;
    const tally = new PartitionTally();
    // The range's data quality, for the reference the flow returns (look-back days are not part of it).
    const quality = { missingMinutes: 0, duplicates: 0, conflictingDuplicates: 0, degradedDays: [] as string[] };
    /**
     * Fetches, checks, judges and writes one day; resolves once its write is under way. A day the
     * quality policy refuses is not written: it throws a non-retryable SourceDataIncomplete.
     */
    const ingestDay = async (day: string, into: PartitionTally): Promise<void> => {
      await checkpoint(ctx, { day });
      // A source's own failure (invalid data, unknown symbol, outage) propagates as it is.
      const fetched = await withHeartbeats(ctx, { day }, () =>
        source.fetchDay(input.symbol, day, { signal: ctx.cancellationSignal, onProgress: (d) => ctx.heartbeat({ day, d }) }),
      );
      const c = fetched.candles;
      checkCandles(input.symbol, day, c);
      const verdict = judgeDay(day, source.name, { ...fetched, rows: c.ts.length }, policy);
      if (!verdict.ok) throw ApplicationFailure.nonRetryable(verdict.reason, 'SourceDataIncomplete');
      const q = verdict.quality;
      if (q.quality !== 'complete' || q.missingMinutes || q.duplicates) {
        ctx.log.warn('source gaps/duplicates', { day, quality: q.quality, missingMinutes: q.missingMinutes, duplicates: q.duplicates, conflictingDuplicates: q.conflictingDuplicates });
      }
      if (into === tally) {
        quality.missingMinutes += q.missingMinutes;
        quality.duplicates += q.duplicates;
        quality.conflictingDuplicates += q.conflictingDuplicates;
        if (q.quality === 'degraded') quality.degradedDays.push(day);
      }
      const checksum = partitionChecksum([input.symbol, day], [['ts', c.ts], ...CANDLE_VALUE_COLUMNS.map((k) => [k, c[k]] as const)]);
      const written = replacePartition(deps.db, {
        table: 'candles',
        symbol: input.symbol,
        partition: day,
        batch: {
          constants: { symbol: input.symbol },
          arrays: { ts: c.ts, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume },
        },
        ledger: {
          code_version: source.version,
          workflow_id: workflowId,
          run_id: runId,
          checksum,
          materialized_at: Date.now(),
          quality: q.quality,
          source: q.source,
          missing_minutes: q.missingMinutes,
          duplicates: q.duplicates,
          conflicting_duplicates: q.conflictingDuplicates,
        },
      });
      await into.add(checksum, written);
    };
    // Days the quality policy refused: reported together once every other day of the range is in.
    const refused: string[] = [];
    for (const day of daysOf(input.from, input.to)) {
      try {
        await ingestDay(day, tally);
      } catch (err) {
        if (!(err instanceof ApplicationFailure) || err.type !== 'SourceDataIncomplete') throw err;
        refused.push(err.message);
      }
    }
    await tally.flush();
    if (refused.length) {
      throw ApplicationFailure.nonRetryable(
        `Ingest of ${input.symbol} refused ${refused.length} day${refused.length === 1 ? '' : 's'} (not materialized, nothing downstream runs on ${refused.length === 1 ? 'it' : 'them'}): ` +
          `${refused.join('; ')}` +
          (tally.partitions ? `; the other ${tally.partitions} day${tally.partitions === 1 ? ' was' : 's were'} ingested` : '') +
          '. See docs/data-quality.md',
        'SourceDataIncomplete',
      );
    }
    // The look-back days come after the range itself: a symbol or day the source refuses fails on
    // the day asked for, before any extra request is made for the days before it.
    if (input.lookbackFrom && input.lookbackFrom < input.from) {
      await ingestMissingLookback(deps, ctx, input.symbol, input.lookbackFrom, addDays(input.from, -1), ingestDay);
    }
    ctx.log.info('ingested candles', { rows: tally.rows, partitions: tally.partitions, source: source.name, ...quality });
    return {
      table: 'candles',
      ...tally.summary(input),
      source: input.source,
      quality,
    };
  };
}
