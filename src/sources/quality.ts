/**
 * What ingest accepts of a day's candles (docs/data-quality.md), pure. A day with no candle, or
 * more than `maxMissingPct` % of its minutes missing, fails ingest: features computed over it
 * would mostly describe the missing-minute policy, not the market. Above `degradedMissingPct` %
 * missing, or with duplicates that contradict each other, the day is ingested but marked
 * `degraded`: shown by `assets`, `status`, the run summary and the report, and retried by the
 * next plain backfill (its data may still arrive).
 */
import { MINUTES_PER_DAY } from '../core/dates';
import type { SourceDay } from './types';

/** Thresholds of the policy, in % of a day's 1,440 minutes. */
export interface QualityPolicy {
  /** More missing than this: the day is `degraded` (FEATUREFLOW_DEGRADED_MISSING_PCT, default 1). */
  readonly degradedMissingPct: number;
  /** More missing than this: ingest of the day fails (FEATUREFLOW_MAX_MISSING_PCT, default 50). */
  readonly maxMissingPct: number;
}

/** The defaults of {@link QualityPolicy}: 1 % (14 minutes) degrades a day, more than half missing fails it. */
export const DEFAULT_QUALITY_POLICY: QualityPolicy = { degradedMissingPct: 1, maxMissingPct: 50 };

/**
 * A candles partition's quality as the ledger records it. `empty` is only ever found on days an
 * earlier release recorded with no candles (migration 004); ingest now fails such a day instead.
 */
export type CandleQuality = 'complete' | 'degraded' | 'empty';

/** What the ledger records about one ingested day besides its rows. */
export interface DayQuality {
  readonly quality: Exclude<CandleQuality, 'empty'>;
  readonly source: string;
  readonly missingMinutes: number;
  readonly duplicates: number;
  readonly conflictingDuplicates: number;
}

/** The policy's verdict on one day: its quality, or why it must not be ingested. */
export type DayVerdict = { readonly ok: true; readonly quality: DayQuality } | { readonly ok: false; readonly reason: string };

const pct = (x: number): string => `${(Math.round(x * 10) / 10).toFixed(1)} %`;

/** Judges one fetched day of `source` by the policy. */
export function judgeDay(day: string, source: string, fetched: Omit<SourceDay, 'candles'> & { readonly rows: number }, policy: QualityPolicy): DayVerdict {
  const { missingMinutes, duplicates, conflictingDuplicates, rows } = fetched;
  const missingPct = (100 * missingMinutes) / MINUTES_PER_DAY;
  if (rows === 0) {
    return { ok: false, reason: `${day} from ${source}: no candles (${MINUTES_PER_DAY} of ${MINUTES_PER_DAY} minutes missing)` };
  }
  if (missingPct > policy.maxMissingPct) {
    return {
      ok: false,
      reason: `${day} from ${source}: ${rows} rows, ${missingMinutes} of ${MINUTES_PER_DAY} minutes missing (${pct(missingPct)}, above FEATUREFLOW_MAX_MISSING_PCT = ${policy.maxMissingPct} %)`,
    };
  }
  const degraded = missingPct > policy.degradedMissingPct || conflictingDuplicates > 0;
  return { ok: true, quality: { quality: degraded ? 'degraded' : 'complete', source, missingMinutes, duplicates, conflictingDuplicates } };
}

/**
 * One line about a candles partition's quality, e.g. `csv-1 1196 rows, 244 missing, 3 duplicates
 * (1 conflicting)`: what `assets`, `status` and the report print.
 */
export function describeQuality(q: { readonly rows: number; readonly missingMinutes: number | null; readonly duplicates: number | null; readonly conflictingDuplicates: number | null }): string {
  const parts = [`${q.rows} rows`];
  if (q.missingMinutes) parts.push(`${q.missingMinutes} missing`);
  if (q.duplicates) parts.push(`${q.duplicates} duplicate${q.duplicates === 1 ? '' : 's'}${q.conflictingDuplicates ? ` (${q.conflictingDuplicates} conflicting)` : ''}`);
  return parts.join(', ');
}
