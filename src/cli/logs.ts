/**
 * `featureflow logs <workflowId> [--follow] [--json]`: the log lines of a workflow and all its
 * descendants (children, grandchildren, their activities), from every worker, in time order.
 * `--follow` streams until the whole tree has finished; the exit code is the tree's outcome.
 */
import type { Command } from 'commander';
import { formatLogLine } from '../observability/format';
import { cliApi, ExitCode } from './context';
import { watchPollers } from './waiting';

/** Prints (and with `follow`, streams) a tree's lines; sets the exit code from its outcome. */
export async function printTreeLogs(workflowId: string, options: { follow: boolean; json: boolean }): Promise<{ lines: number; state: string }> {
  const api = await cliApi();
  const color = Boolean(process.stdout.isTTY);
  const stopWatching = options.follow ? watchPollers(api) : () => undefined;
  try {
    const stream = api.logs(workflowId, { follow: options.follow });
    for await (const record of stream) console.log(options.json ? JSON.stringify(record) : formatLogLine(record, { color }));
    const outcome = await stream.outcome;
    if (outcome.state !== 'running') process.exitCode = outcome.state === 'completed' || outcome.state === 'continued' ? ExitCode.ok : ExitCode.failed;
    return outcome;
  } finally {
    stopWatching();
  }
}

/** Registers the `logs` command. */
export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description('print the log lines of a run tree (the workflow, its children and their activities) in time order')
    .argument('<workflowId>', 'e.g. pipeline/BTC-USD/2024-01-15')
    .option('-f, --follow', 'stream new lines until the whole tree has finished; exit 0 if it completed, 1 if not')
    .option('--json', 'one JSON object per line')
    .action(async (workflowId: string, opts: { follow?: boolean; json?: boolean }) => {
      const api = await cliApi();
      const result = await printTreeLogs(workflowId, { follow: Boolean(opts.follow), json: Boolean(opts.json) });
      if (opts.json) return;
      console.error(`-- ${result.lines} lines from ${api.databaseLocation}; ${workflowId} is ${result.state}`);
      // A finished run always logged something: none means this is not the database its workers wrote to.
      if (!result.lines && result.state !== 'running') console.error(`-- no lines at all: is DATABASE_URL / FEATUREFLOW_DATA_DIR the one the workers write to?`);
    });
}
