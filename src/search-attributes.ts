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
/** Every daily partition (YYYY-MM-DD) the run covers; `Partition='2024-01-15'` matches chunks too. */
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

/** Longest range whose every day is listed in `Partition`; longer ranges list only their ends (size limits). */
export const MAX_LISTED_PARTITIONS = 100;

/** The `Partition` values for a range: every day, or just the first and last of a very long range. */
export function partitionValues(days: readonly string[]): string[] {
  if (days.length <= MAX_LISTED_PARTITIONS) return [...days];
  return [days[0], days[days.length - 1]];
}

/**
 * Set by Temporal itself on runs a schedule starts: the time the run was scheduled for (a
 * trigger's is the moment of the trigger; a schedule backfill's the time it replays).
 */
export const ScheduledStartTimeKey = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
