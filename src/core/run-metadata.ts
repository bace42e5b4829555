/**
 * How a flow run presents itself: its search attributes (findable by flow, symbol, partition,
 * version, source) and its one-line Web UI summary. Pure; used by workflows and the client.
 */
import type { SearchAttributePair } from '@temporalio/common';
import { daysOf } from './dates';
import { rangeLabel } from './ids';
import { CodeVersionKey, FlowKey, PartitionKey, partitionValues, SourceKey, SymbolKey } from './search-attributes';

/** What a child flow run covers, for its ID, search attributes and summary. */
export interface ChildRun {
  /** A flow of the graph (`features-c`), `pipeline` or `backfill`. */
  readonly flow: string;
  readonly symbol: string;
  readonly from: string;
  readonly to: string;
  readonly codeVersion?: string;
  readonly source?: string;
}

/** Search attributes that make a flow run findable by flow, symbol, partition, version and source. */
export function flowSearchAttributes(run: ChildRun): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: FlowKey, value: run.flow },
    { key: SymbolKey, value: run.symbol },
    { key: PartitionKey, value: partitionValues(daysOf(run.from, run.to)) },
  ];
  if (run.codeVersion) pairs.push({ key: CodeVersionKey, value: run.codeVersion });
  if (run.source) pairs.push({ key: SourceKey, value: run.source });
  return pairs;
}

/** The one-line Web UI summary of a flow run, e.g. `ingest BTC-USD 2024-01-15 (synthetic)`. */
export function runSummary(run: ChildRun): string {
  const extra = run.source ?? run.codeVersion;
  return `${run.flow} ${run.symbol} ${rangeLabel(run.from, run.to)}${extra ? ` (${extra})` : ''}`;
}

