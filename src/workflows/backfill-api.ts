/**
 * The backfill's public surface, defined once and shared by the workflow and the client:
 * its signals, its progress query, its business ID, search attributes and summary.
 * Workflow-safe (no I/O); importing it from Node code does not need a workflow context.
 */
import type { SearchAttributePair } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { BackfillProgress, FlowName } from '../contracts';
import { rangeLabel } from '../core/ids';
import { FLOW_IDS } from '../flows/registry';
import { flowSearchAttributes } from '../core/run-metadata';

/** Pauses a backfill: no new child workflow starts; running ones finish. */
export const pauseBackfillSignal = defineSignal('pauseBackfill');
/** Resumes a paused backfill. */
export const resumeBackfillSignal = defineSignal('resumeBackfill');
/** Live progress: partition counts, rate, ETA, phase. */
export const backfillProgressQuery = defineQuery<BackfillProgress>('backfillProgress');

/** What names a backfill: same selection, same ID, so starting it again re-attaches while it runs. */
export interface BackfillSelection {
  readonly symbols: readonly string[];
  readonly flows: readonly FlowName[];
  readonly from: string;
  readonly to: string;
}

/** Flows in dependency order, symbols sorted: the ID does not depend on how options were typed. */
function canonical(sel: BackfillSelection): { flows: FlowName[]; symbols: string[] } {
  // Registry order is topological: stable across releases for the flows that exist today.
  const order: readonly string[] = FLOW_IDS;
  const flows = [...new Set(sel.flows)].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return { flows, symbols: [...new Set(sel.symbols)].sort() };
}

/** Business ID of a backfill, e.g. `backfill/features-c/BTC-USD/2024-01-01..2024-12-31`. */
export function backfillWorkflowId(sel: BackfillSelection): string {
  const { flows, symbols } = canonical(sel);
  return `backfill/${flows.join('+')}/${symbols.join('+')}/${rangeLabel(sel.from, sel.to)}`;
}

/** Search attributes: Flow=backfill, Symbol (the first, when several), Partition (the range's days or its ends). */
export function backfillSearchAttributes(sel: BackfillSelection): SearchAttributePair[] {
  const { symbols } = canonical(sel);
  return flowSearchAttributes({ flow: 'backfill', symbol: symbols[0], from: sel.from, to: sel.to });
}

/** The Web UI summary, e.g. `backfill features-c BTC-USD 2024-01-01..2024-12-31`. */
export function backfillSummary(sel: BackfillSelection): string {
  const { flows, symbols } = canonical(sel);
  return `backfill ${flows.join('+')} ${symbols.join('+')} ${rangeLabel(sel.from, sel.to)}`;
}
