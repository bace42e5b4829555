/**
 * `featureflow flows [--json]`: the flow graph as this build declares it (src/flows/registry.ts):
 * every flow's kind, upstreams, version, table, columns and whether it is active or retired.
 */
import type { Command } from 'commander';
import { FLOW_GRAPH } from '../flows/registry';
import { levelsOf } from '../flows/graph';

/** One flow as `flows --json` prints it. */
export interface FlowListing {
  readonly id: string;
  readonly kind: string;
  readonly status: 'active' | 'retired';
  readonly upstream: readonly string[];
  readonly version: string;
  readonly asset: string;
  readonly columns: readonly string[];
  readonly lookbackMinutes: number;
  readonly level: number;
  readonly description: string;
}

/** Every declared flow, in topological order, with its level in the active graph (-1 when retired). */
export function listFlows(): FlowListing[] {
  const levels = levelsOf(FLOW_GRAPH.active);
  const levelOf = (id: string): number => levels.findIndex((l) => l.some((n) => n.id === id));
  return FLOW_GRAPH.flows.map((f) => ({
    id: f.id,
    kind: f.kind,
    status: f.retired ? 'retired' : 'active',
    upstream: f.upstream,
    version: f.version,
    asset: f.asset,
    columns: f.columns,
    lookbackMinutes: f.lookbackMinutes,
    level: levelOf(f.id),
    description: f.description,
  }));
}

/** The graph as text: one block per flow, upstreams first. */
export function formatFlows(flows: readonly FlowListing[]): string {
  return flows
    .map((f) =>
      [
        `${f.id}  [${f.kind}, ${f.status}${f.level >= 0 ? `, level ${f.level}` : ''}]  ${f.version}`,
        `    reads:   ${f.upstream.length ? f.upstream.join(', ') : '(market source)'}${f.lookbackMinutes ? `  (look-back ${f.lookbackMinutes} min)` : ''}`,
        `    writes:  ${f.kind === 'evaluate' ? `${f.asset} (per scored flow: evaluations/<id>)` : f.asset}${f.columns.length ? `: ${f.columns.join(', ')}` : ''}`,
        `    ${f.description}`,
      ].join('\n'),
    )
    .join('\n');
}

/** Registers the `flows` command. */
export function registerFlows(program: Command): void {
  program
    .command('flows')
    .description('the flow graph: every flow, its kind, upstreams, version, table and columns, active or retired')
    .option('--json', 'print the flows as JSON')
    .action((opts: { json?: boolean }) => {
      const flows = listFlows();
      console.log(opts.json ? JSON.stringify(flows, null, 2) : formatFlows(flows));
    });
}
