/** `featureflow result <workflowId>`: the typed result of a run as JSON (waits for it to finish). */
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { cliClient, CliError, ExitCode } from './context';
import { formatCauseChain, rootCause } from './failure';

/** Registers the `result` command. */
export function registerResult(program: Command): void {
  program
    .command('result')
    .description("print a run's typed result as JSON (waits until it finishes)")
    .argument('<workflowId>', 'e.g. pipeline/BTC-USD/2024-01-15')
    .action(async (workflowId: string) => {
      const client = await cliClient();
      try {
        const result: unknown = await client.workflow.getHandle(workflowId).result();
        console.log(JSON.stringify(result, null, 2));
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new CliError(`No workflow with id ${workflowId}`, ExitCode.usage);
        if (!(err instanceof WorkflowFailedError)) throw err;
        console.error(formatCauseChain(err));
        console.error(`root cause: ${rootCause(err)}`);
        process.exitCode = ExitCode.failed;
      }
    });
}
