/**
 * Business workflow IDs. Deterministic and readable, so a person (or `temporal workflow list`)
 * can find a run from what it did: `pipeline/BTC-USD/2024-01-15`, `ingest/BTC-USD/2024-01-15`,
 * a chunk reads `features-c/BTC-USD/2024-01-01..2024-01-31`. Pure: used by workflows and the client.
 */
/** The date part of an ID: one day, or `from..to` for a longer range. */
export function rangeLabel(from: string, to: string): string {
  return from === to ? from : `${from}..${to}`;
}

/** ID of one flow's child workflow over a range, e.g. `features-b/BTC-USD/2024-01-15`. */
export function flowWorkflowId(flow: string, symbol: string, from: string, to: string): string {
  return `${flow}/${symbol}/${rangeLabel(from, to)}`;
}

/** ID of the daily parent pipeline for one day, e.g. `pipeline/BTC-USD/2024-01-15`. */
export function pipelineWorkflowId(symbol: string, date: string): string {
  return `pipeline/${symbol}/${date}`;
}
