/** `featureflow runs [--flow] [--symbol] [--from --to] [--status]`: runs by visibility query, scheduled ones included. */
import type { Command } from 'commander';
import type { RunSummary } from '../api/runs';
import { cliApi } from './context';
import { wholeNumber } from './format';

/** One line per run. */
export function formatRuns(runs: readonly RunSummary[]): string {
  if (!runs.length) return 'no runs match';
  return runs
    .map((r) => {
      const days = r.partitions.length ? (r.partitions.length === 1 ? r.partitions[0] : `${r.partitions[0]}..${r.partitions[r.partitions.length - 1]}`) : '';
      return `${r.state.padEnd(10)} ${r.startedAt.toISOString().slice(0, 19).replace('T', ' ')}  ${(r.flow ?? r.type).padEnd(11)} ${days.padEnd(22)} ${r.workflowId}`;
    })
    .join('\n');
}

/** Registers `runs`. */
export function registerRuns(program: Command): void {
  program
    .command('runs')
    .description('list runs, newest first (scheduled ones too): filter by flow, symbol, partition days, state')
    .option('--flow <flow>', 'pipeline | backfill | scheduled-run | or a flow of `featureflow flows`, e.g. features-c')
    .option('--symbol <symbol>', 'market symbol')
    .option('--from <YYYY-MM-DD>', 'runs covering this day or later')
    .option('--to <YYYY-MM-DD>', 'runs covering this day or earlier')
    .option('--status <state>', 'running | completed | failed | cancelled | terminated | timed-out | continued')
    .option('--limit <n>', 'most runs listed', wholeNumber, 50)
    .option('--json', 'print the runs as JSON')
    .action(async (o: { flow?: string; symbol?: string; from?: string; to?: string; status?: string; limit: number; json?: boolean }) => {
      const api = await cliApi();
      const runs = await api.runs({ flow: o.flow, symbol: o.symbol, from: o.from, to: o.to, status: o.status as 'running' | undefined, limit: o.limit });
      console.log(o.json ? JSON.stringify(runs, null, 2) : formatRuns(runs));
    });
}
