/** `featureflow result <workflowId>`: the typed result of a run as JSON (waits for it to finish). */
import type { Command } from 'commander';
import type { RunFailedError } from '../api/errors';
import { formatCauseChain, formatRootCause } from '../api/failure-format';
import { cliApi, ExitCode } from './context';

/** Prints a failed run: the chain (stderr) and the root cause on one line; as JSON on stdout with `json`. */
export function printRunFailure(err: RunFailedError, json: boolean): void {
  if (json) console.log(JSON.stringify({ workflowId: err.workflowId, failed: true, rootCause: err.rootCause, chain: err.chain }, null, 2));
  console.error(`${err.workflowId} FAILED`);
  console.error(formatCauseChain(err.chain));
  console.error(`root cause: ${formatRootCause(err.rootCause)}`);
}

/** Registers the `result` command. */
export function registerResult(program: Command): void {
  program
    .command('result')
    .description("print a run's typed result as JSON (waits until it finishes)")
    .argument('<workflowId>', 'e.g. pipeline/BTC-USD/2024-01-15')
    .action(async (workflowId: string) => {
      const api = await cliApi();
      try {
        console.log(JSON.stringify((await api.result(workflowId)).result, null, 2));
      } catch (err) {
        if ((err as { kind?: string }).kind !== 'run-failed') throw err;
        printRunFailure(err as RunFailedError, false);
        process.exitCode = ExitCode.failed;
      }
    });
}
