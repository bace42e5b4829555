/** `featureflow ui <workflowId>`: prints the Web UI address of a run (its latest run), to open or paste. */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { workflowUiUrl } from '../config';
import { cliClient, cliConfig, CliError, ExitCode } from './context';

/** Registers the `ui` command. */
export function registerUi(program: Command): void {
  program
    .command('ui')
    .description('print the Temporal Web UI address of a run (base address from FEATUREFLOW_UI_URL)')
    .argument('<workflowId>', 'e.g. pipeline/BTC-USD/2024-01-15')
    .option('--offline', 'do not look the run up; print the address of its latest run')
    .action(async (workflowId: string, opts: { offline?: boolean }) => {
      const config = cliConfig();
      if (opts.offline) {
        console.log(workflowUiUrl(config, workflowId));
        return;
      }
      const client = await cliClient();
      try {
        const { runId } = await client.workflow.getHandle(workflowId).describe();
        console.log(workflowUiUrl(config, workflowId, runId));
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new CliError(`No workflow with id ${workflowId}`, ExitCode.usage);
        throw err;
      }
    });
}
