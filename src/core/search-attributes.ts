/**
 * Custom search attributes set on every featureflow workflow, so runs can be found in the
 * Web UI and with `temporal workflow list --query "Flow='ingest' AND Partition='2024-01-15'"`.
 * Workflow-safe (no I/O): imported by workflows, the client and the dev-server launcher.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Flow name: pipeline, backfill, or a flow of the registry (ingest, features-b, ..., evaluate). */
export const FlowKey = defineSearchAttributeKey('Flow', SearchAttributeType.KEYWORD);
/** Market symbol, e.g. BTC-USD. */
export const SymbolKey = defineSearchAttributeKey('Symbol', SearchAttributeType.KEYWORD);
/** The daily partitions (YYYY-MM-DD) the run covers, whole months as YYYY-MM in ranges over 100 days; see {@link partitionQuery}. */
export const PartitionKey = defineSearchAttributeKey('Partition', SearchAttributeType.KEYWORD_LIST);
/** Code version of what the run materializes, e.g. c-1.0.0 (empty for parents). */
export const CodeVersionKey = defineSearchAttributeKey('CodeVersion', SearchAttributeType.KEYWORD);
/** Market data source, e.g. synthetic or coinbase. */
export const SourceKey = defineSearchAttributeKey('Source', SearchAttributeType.KEYWORD);

/** Name and type of every custom search attribute, for registering them on a server. */
export const SEARCH_ATTRIBUTES: ReadonlyArray<{ name: string; type: 'Keyword' | 'KeywordList' }> = [
  { name: FlowKey.name, type: 'Keyword' },
  { name: SymbolKey.name, type: 'Keyword' },
  { name: PartitionKey.name, type: 'KeywordList' },
  { name: CodeVersionKey.name, type: 'Keyword' },
  { name: SourceKey.name, type: 'Keyword' },
];

/** Longest range whose every day is listed in `Partition`; longer ranges fold whole months (size limits). */
export const MAX_LISTED_PARTITIONS = 100;

/**
 * The `Partition` values for a range of days (in order): every day, or for a range longer than
 * {@link MAX_LISTED_PARTITIONS} days each calendar month it covers whole as `YYYY-MM` and the
 * days of its partial first and last months (at most ~72 values, well inside Temporal's 2 KiB
 * per value). Every day of the range is then found by {@link partitionQuery}, and no other day is.
 */
export function partitionValues(days: readonly string[]): string[] {
  if (days.length <= MAX_LISTED_PARTITIONS) return [...days];
  const byMonth = new Map<string, string[]>();
  for (const day of days) {
    const month = day.slice(0, 7);
    byMonth.set(month, [...(byMonth.get(month) ?? []), day]);
  }
  const out: string[] = [];
  for (const [month, monthDays] of byMonth) out.push(...(monthDays.length === daysInMonth(month) ? [month] : monthDays));
  return out;
}

/** Days in a `YYYY-MM` month (UTC calendar). */
function daysInMonth(month: string): number {
  const [year, m] = month.split('-').map(Number);
  return new Date(Date.UTC(year, m, 0)).getUTCDate();
}

/** The first and last day a run's `Partition` values cover (a month value stands for all its days). */
export function partitionBounds(values: readonly string[]): { from: string; to: string } | undefined {
  if (!values.length) return undefined;
  const first = values[0];
  const last = values[values.length - 1];
  return { from: first.length === 7 ? `${first}-01` : first, to: last.length === 7 ? `${last}-${String(daysInMonth(last)).padStart(2, '0')}` : last };
}

/** A list filter matching every run whose range covers `day`: `(\`Partition\`="day" OR \`Partition\`="month")`. */
export function partitionQuery(day: string): string {
  return `(\`Partition\`="${day}" OR \`Partition\`="${day.slice(0, 7)}")`;
}

/**
 * Set by Temporal itself on runs a schedule starts: the time the run was scheduled for (a
 * trigger's is the moment of the trigger; a schedule backfill's the time it replays).
 */
export const ScheduledStartTimeKey = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
