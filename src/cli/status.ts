/**
 * `featureflow status <workflowId>`: the run tree with each child and activity's state, duration,
 * attempts and failure, and the data quality of the candles its ingest runs wrote.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { workflowUiUrl } from '../config';
import { openMigratedDatabase } from '../db/connect';
import type { Materialization } from '../db/schema';
import { loadRunTree, type RunNode } from '../run-tree';
import { cliClient, cliConfig, CliError, ExitCode } from './context';
import { formatCandleQuality, formatRunTree } from './format';
import { scheduledRunDayLines } from './schedule';

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
    db = await openMigratedDatabase({ url: cliConfig().databaseUrl });
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
    .description('show the run tree: each child workflow and activity with state, duration, attempts, failure')
    .argument('<workflowId>', 'e.g. pipeline/BTC-USD/2024-01-15')
    .option('--json', 'print the tree as JSON')
    .action(async (workflowId: string, opts: { json?: boolean }) => {
      const client = await cliClient();
      let tree;
      try {
        tree = await loadRunTree(client, workflowId);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new CliError(`No workflow with id ${workflowId}`, ExitCode.usage);
        throw err;
      }
      const candles = await candlesWrittenBy(tree);
      if (opts.json) console.log(JSON.stringify({ ...tree, candles }, null, 2));
      else {
        console.log(formatRunTree(tree));
        // A scheduled run covers several days: say what became of each.
        const days = tree.workflowType === 'scheduledRun' && tree.state === 'completed' ? await scheduledRunDayLines(client, workflowId, tree.runId) : undefined;
        if (days) console.log(['days:', ...days.map((d) => `  ${d}`)].join('\n'));
        if (candles.length) console.log(`data quality:\n${formatCandleQuality(candles).replace(/^/gm, '  ')}`);
        console.log(`Web UI: ${workflowUiUrl(cliConfig(), workflowId, tree.runId)}`);
      }
      if (tree.state === 'failed' || tree.state === 'timed-out' || tree.state === 'terminated') process.exitCode = ExitCode.failed;
    });
}
