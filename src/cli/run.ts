/** `featureflow run`: start the daily pipeline for one symbol and day, and (by default) wait for it. */
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import type { Command } from 'commander';
import { z } from 'zod';
import { IsoDate, MarketSymbol, PipelineResult, SourceName } from '../contracts';
import { workflowUiUrl } from '../config';
import { lastCompleteDay } from '../dates';
import { pipelineWorkflowId } from '../ids';
import { flowSearchAttributes, runSummary } from '../run-metadata';
import { cliClient, cliConfig, CliError, ExitCode, parseOptions } from './context';
import { rootCause, formatCauseChain } from './failure';
import { formatPipelineSummary } from './format';
import { printTreeLogs } from './logs';

const RunOptions = z
  .object({
    symbol: MarketSymbol,
    date: IsoDate.optional(),
    source: SourceName.optional(),
    wait: z.boolean(),
    follow: z.boolean().optional(),
  })
  .transform((o, ctx) => {
    const date = o.date ?? lastCompleteDay(Date.now());
    if (date > lastCompleteDay(Date.now())) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['date'], message: `${date} is not a complete UTC day yet (latest: ${lastCompleteDay(Date.now())})` });
    }
    return { ...o, date };
  });

/** Starts a pipeline run and returns its handle; shared with `npm start`. */
export async function startPipeline(symbol: string, date: string, source: z.infer<typeof SourceName>) {
  const config = cliConfig();
  const client = await cliClient();
  const workflowId = pipelineWorkflowId(symbol, date);
  try {
    return await client.workflow.start('pipeline', {
      taskQueue: config.taskQueue,
      workflowId,
      args: [{ symbol, date, source, ...(config.ingestTaskQueue ? { ingestTaskQueue: config.ingestTaskQueue } : {}) }],
      typedSearchAttributes: flowSearchAttributes({ flow: 'pipeline', symbol, from: date, to: date, source }),
      staticSummary: runSummary({ flow: 'pipeline', symbol, from: date, to: date, source }),
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new CliError(`A pipeline for ${symbol} ${date} is already running (${workflowId}); watch it with \`featureflow status ${workflowId}\``, ExitCode.usage);
    }
    throw err;
  }
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
    .action(async (raw: Record<string, unknown>) => {
      const opts = parseOptions(RunOptions, raw);
      const config = cliConfig();
      const handle = await startPipeline(opts.symbol, opts.date, opts.source ?? config.source);
      console.log(`started ${handle.workflowId}`);
      console.log(`  Web UI: ${workflowUiUrl(config, handle.workflowId)}`);
      if (!opts.wait) return;
      if (opts.follow) await printTreeLogs(handle.workflowId, { follow: true, json: false });
      try {
        const result = PipelineResult.parse(await handle.result());
        console.log(formatPipelineSummary(result));
      } catch (err) {
        if (!(err instanceof WorkflowFailedError)) throw err;
        console.error(`pipeline ${handle.workflowId} FAILED`);
        console.error(formatCauseChain(err));
        console.error(`root cause: ${rootCause(err)}`);
        process.exitCode = ExitCode.failed;
      }
    });
}
