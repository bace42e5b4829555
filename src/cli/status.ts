/**
 * `featureflow status <workflowId>`: the run tree with each child and activity's state, duration,
 * attempts and failure, and the data quality of the candles its ingest runs wrote.
 */
import { printUiLink } from '../config';
import type { Command } from 'commander';
import type { Materialization } from '../db/schema';
import type { RunNode } from '../temporal/run-tree';
import { cliApi, cliConfig, ExitCode } from './context';
import { formatCandleQuality, formatRunTree } from './format';

/** Every workflow ID in a run tree. */
function workflowIds(node: RunNode): string[] {
  return [node.workflowId, ...node.children.flatMap(workflowIds)];
}

/**
 * The ledger rows of the candles the tree's ingest runs wrote (the ledger names the workflow
 * that wrote each partition), for their data quality. Empty when the database cannot be opened
 * from here: the run tree alone is still worth printing.
 */
async function candlesWrittenBy(tree: RunNode): Promise<Materialization[]> {
  let db;
  try {
    const { openDatabase } = await import('../db/connect');
    db = await openDatabase({ url: cliConfig().databaseUrl, readOnly: true });
  } catch {
    return [];
  }
  try {
    const ids = workflowIds(tree);
    const rows: Materialization[] = [];
    // Chunks keep the IN list far below any bound-parameter limit, even for a long backfill tree.
    for (let i = 0; i < ids.length; i += 500) {
      rows.push(...(await db.kysely.selectFrom('materializations').selectAll().where('asset', '=', 'candles').where('workflow_id', 'in', ids.slice(i, i + 500)).execute()));
    }
    return rows.sort((a, b) => a.symbol.localeCompare(b.symbol) || a.partition.localeCompare(b.partition));
  } finally {
    await db.close();
  }
}

/** Registers the `status` command. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show the run tree: each child workflow and activity with state, duration, attempts, failure (big fan-outs summarised by flow and state)')
    .argument('<workflowId>', 'e.g. pipeline/BTC-USD/2024-01-15')
    .option('--all', 'list every child workflow, also of a large backfill')
    .option('--json', 'print the tree as JSON')
    .action(async (workflowId: string, opts: { json?: boolean; all?: boolean }) => {
      const api = await cliApi();
      const tree = await api.status(workflowId);
      const candles = await candlesWrittenBy(tree);
      if (opts.json) console.log(JSON.stringify({ ...tree, candles }, null, 2));
      else {
        console.log(formatRunTree(tree, { all: opts.all }));
        // A scheduled run covers several days: say what became of each (loaded here: it reads the ledger).
        if (tree.workflowType === 'scheduledRun' && tree.state === 'completed') {
          const { scheduledRunDayLines } = await import('./schedule');
          const days = await scheduledRunDayLines(await api.temporal(), workflowId, tree.runId);
          if (days) console.log(['days:', ...days.map((d) => `  ${d}`)].join('\n'));
        }
        if (candles.length) console.log(`data quality:\n${formatCandleQuality(candles).replace(/^/gm, '  ')}`);
        printUiLink(api.webUiUrl(tree.workflowId, tree.runId), 'Web UI: ');
      }
      if (tree.state === 'failed' || tree.state === 'timed-out' || tree.state === 'terminated') process.exitCode = ExitCode.failed;
    });
}
