/**
 * The daily pipeline's look-back ingest: before a day is ingested, the days its features read
 * (the graph's look-back) are ingested too where the ledger lacks them, so a pipeline on a day
 * after a gap (or the first run on an empty database, or several days run in parallel) computes
 * features over their full history instead of failing or, worse, computing without it.
 * Best effort: a look-back day the source cannot serve is skipped and named in the log; the
 * feature activity then decides (a day before the symbol's history is not required).
 */
import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { daysOf } from '../core/dates';
import { listMaterializations } from '../db/ledger';
import type { ActivityDeps } from './deps';
import { PartitionTally } from './tally';

/** Ingests the days of `from..to` that the ledger lacks through `ingestDay`, skipping days the source refuses. */
export async function ingestMissingLookback(
  deps: ActivityDeps,
  ctx: Context,
  symbol: string,
  from: string,
  to: string,
  ingestDay: (day: string, into: PartitionTally) => Promise<void>,
): Promise<void> {
  const present = new Set((await listMaterializations(deps.db.kysely, { symbol, from, to, assets: ['candles'] })).map((m) => m.partition));
  const missing = daysOf(from, to).filter((d) => !present.has(d));
  if (!missing.length) return;
  const tally = new PartitionTally(1);
  for (const day of missing) {
    try {
      await ingestDay(day, tally);
      await tally.flush();
    } catch (err) {
      // Only the source's refusal of a day is skipped; cancellation, storage and transient errors propagate.
      if (!(err instanceof ApplicationFailure) || !err.nonRetryable) throw err;
      ctx.log.warn('look-back day not ingested', { day, error: err.message });
    }
  }
  ctx.log.info('ingested missing look-back days', { days: missing.length, from, to });
}
