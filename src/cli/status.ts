/** `featureflow status <workflowId>`: the run tree with each child and activity's state, duration, attempts and failure. */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { workflowUiUrl } from '../config';
import { loadRunTree } from '../run-tree';
import { cliClient, cliConfig, CliError, ExitCode } from './context';
import { formatRunTree } from './format';
import { scheduledRunDayLines } from './schedule';

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
      if (opts.json) console.log(JSON.stringify(tree, null, 2));
      else {
        console.log(formatRunTree(tree));
        // A scheduled run covers several days: say what became of each.
        const days = tree.workflowType === 'scheduledRun' && tree.state === 'completed' ? await scheduledRunDayLines(client, workflowId, tree.runId) : undefined;
        if (days) console.log(['days:', ...days.map((d) => `  ${d}`)].join('\n'));
        console.log(`Web UI: ${workflowUiUrl(cliConfig(), workflowId, tree.runId)}`);
      }
      if (tree.state === 'failed' || tree.state === 'timed-out' || tree.state === 'terminated') process.exitCode = ExitCode.failed;
    });
}
