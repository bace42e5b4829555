/** `featureflow status <workflowId>`: the run tree with each child and activity's state, duration, attempts and failure. */
import type { Command } from 'commander';
import { cliApi, ExitCode } from './context';
import { formatRunTree } from './format';

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
      if (opts.json) console.log(JSON.stringify(tree, null, 2));
      else {
        console.log(formatRunTree(tree, { all: opts.all }));
        // A scheduled run covers several days: say what became of each (loaded here: it reads the ledger).
        if (tree.workflowType === 'scheduledRun' && tree.state === 'completed') {
          const { scheduledRunDayLines } = await import('./schedule');
          const days = await scheduledRunDayLines(await api.temporal(), workflowId, tree.runId);
          if (days) console.log(['days:', ...days.map((d) => `  ${d}`)].join('\n'));
        }
        console.log(`Web UI: ${api.webUiUrl(tree.workflowId, tree.runId)}`);
      }
      if (tree.state === 'failed' || tree.state === 'timed-out' || tree.state === 'terminated') process.exitCode = ExitCode.failed;
    });
}
