/**
 * `featureflow logs <workflowId> [--follow] [--json]`: the log lines of a workflow and all its
 * descendants (children, grandchildren, their activities), from every worker, in time order.
 * `--follow` streams until the whole tree has finished; the exit code is the tree's outcome.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { openMigratedDatabase } from '../db/connect';
import type { Db } from '../db/schema';
import { formatLogLine } from '../observability/format';
import { storedToRecord, type StoredLog } from '../observability/log-store';
import { outcomeExitCode, streamTreeLogs, type TreeLogsResult } from '../observability/tree-logs';
import { cliClient, cliConfig, CliError, ExitCode } from './context';

/** Opens the featureflow database the workers write their log lines to. */
export async function openCliDb(): Promise<Db> {
  try {
    return await openMigratedDatabase({ url: cliConfig().databaseUrl });
  } catch (err) {
    throw new CliError(`${(err as Error).message} (the log store lives in the featureflow database: check DATABASE_URL)`, ExitCode.unavailable);
  }
}

/** How lines are printed: coloured lines for a terminal, or one JSON object per line. */
export function linePrinter(json: boolean): (line: StoredLog) => void {
  const color = Boolean(process.stdout.isTTY);
  return (line) => {
    const record = storedToRecord(line);
    console.log(json ? JSON.stringify(record) : formatLogLine(record, { color }));
  };
}

/** Prints (and with `follow`, streams) a tree's lines; sets the exit code from its outcome. */
export async function printTreeLogs(workflowId: string, options: { follow: boolean; json: boolean }): Promise<TreeLogsResult> {
  const client = await cliClient();
  const db = await openCliDb();
  try {
    const result = await streamTreeLogs({ client, db, workflowId, follow: options.follow, onLine: linePrinter(options.json) });
    if (result.state !== 'running') process.exitCode = outcomeExitCode(result.state);
    return result;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new CliError(`No workflow with id ${workflowId}`, ExitCode.usage);
    throw err;
  } finally {
    await db.close();
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
      const result = await printTreeLogs(workflowId, { follow: Boolean(opts.follow), json: Boolean(opts.json) });
      if (!opts.json) console.error(`-- ${result.lines} lines; ${workflowId} is ${result.state}`);
    });
}
