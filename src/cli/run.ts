/** `featureflow run`: start the daily pipeline for one symbol and day, and (by default) wait for it. */
import type { Command } from 'commander';
import type { RunFailedError } from '../api/errors';
import { cliApi, ExitCode } from './context';
import { formatPipelineSummary } from './format';
import { printTreeLogs } from './logs';
import { onInterrupt, watchPollers } from './waiting';
import { printRunFailure } from './result';

interface RunOptions {
  symbol: string;
  date?: string;
  source?: string;
  wait: boolean;
  follow?: boolean;
  json?: boolean;
}

/** Registers the `run` command. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the daily pipeline (ingest -> features b, c -> evaluate) for one symbol and day')
    .option('--symbol <symbol>', 'market symbol', 'BTC-USD')
    .option('--date <YYYY-MM-DD>', 'UTC day to process (default: the last complete day)')
    .option('--source <name>', 'market source: synthetic | coinbase | csv (default: FEATUREFLOW_SOURCE)')
    .option('--no-wait', 'start and return at once, printing the workflow id')
    .option('-f, --follow', 'stream the log lines of the whole run tree while waiting')
    .option('--json', 'print the typed result (or the failure) as JSON on stdout')
    .action(async (o: RunOptions) => {
      const api = await cliApi();
      // The request goes to the library as typed; it validates and names the fields (--symbol, --date, --source).
      const run = await api.startPipeline({ symbol: o.symbol, date: o.date, source: o.source as 'synthetic' | undefined });
      const say = o.json ? (l: string) => console.error(l) : (l: string) => console.log(l);
      say(`started ${run.workflowId}`);
      if (run.webUiUrl) say(`  Web UI: ${run.webUiUrl}`);
      if (!o.wait) {
        if (o.json) console.log(JSON.stringify({ workflowId: run.workflowId, webUiUrl: run.webUiUrl }));
        return;
      }
      const stopWatching = watchPollers(api);
      const removeInterrupt = onInterrupt([
        `The run keeps going (it is durable). Re-attach: featureflow logs ${run.workflowId} --follow`,
        `Status: featureflow status ${run.workflowId}   Result: featureflow result ${run.workflowId}`,
      ]);
      try {
        if (o.follow) await printTreeLogs(run.workflowId, { follow: true, json: false });
        const result = await run.result();
        if (o.json) console.log(JSON.stringify(result, null, 2));
        else console.log(formatPipelineSummary(result));
      } catch (err) {
        if ((err as { kind?: string }).kind !== 'run-failed') throw err;
        printRunFailure(err as RunFailedError, Boolean(o.json));
        process.exitCode = ExitCode.failed;
      } finally {
        stopWatching();
        removeInterrupt();
      }
    });
}
