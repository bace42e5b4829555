/**
 * `featureflow backfill`: start (or re-attach to) a backfill and show its live progress;
 * `backfill list` and `backfill cancel|pause|resume|progress <id>` list, control and watch them.
 * The backfill is a durable workflow: leaving the client (Ctrl-C) does not stop it.
 */
import type { Command } from 'commander';
import type { BackfillRun, OptionDifference } from '../api/backfill';
import type { FeatureflowClient } from '../api/client';
import type { RunFailedError } from '../api/errors';
import { DEFAULT_CHUNK_DAYS, DEFAULT_HEARTBEAT_TIMEOUT_SECONDS, type BackfillResult, type FlowName } from '../contracts';
import { FLOW_GRAPH } from '../flows/registry';
import { CliError, cliApi, ExitCode, optionName } from './context';
import { collect, wholeNumber } from './format';
import { ProgressLine } from './progress';
import { printRunFailure } from './result';
import { formatRuns } from './runs';
import { onInterrupt, watchPollers } from './waiting';

/** Flows a backfill can run (retired ones are not), from the registry. */
const FLOWS = FLOW_GRAPH.active.map((f) => f.id).join(' | ');

/** The result as a short block: counts, then each failed run of partitions with its cause. */
export function formatBackfillResult(workflowId: string, r: BackfillResult): string {
  const lines = [
    `backfill ${workflowId}: ${r.status} in ${(r.elapsedMs / 1000).toFixed(1)} s`,
    `  partitions ${r.total}: done ${r.done}, skipped ${r.skipped}, failed ${r.failed}${r.notAttempted ? `, not attempted ${r.notAttempted}` : ''}`,
    `  child workflows ${r.children}, runs ${r.runs} (continue-as-new)`,
  ];
  for (const f of r.failures.slice(0, 20)) lines.push(`  FAILED ${f.flow} ${f.symbol} ${f.from === f.to ? f.from : `${f.from}..${f.to}`}: ${f.error}`);
  if (r.failures.length > 20) lines.push(`  ... and ${r.failures.length - 20} more failed runs (featureflow result ${workflowId})`);
  if (r.failed || r.notAttempted) lines.push('  run the same command again to retry only what failed or is missing');
  return lines.join('\n');
}

/** `--concurrency 4 (you asked 8)`, for each option a running backfill keeps. */
function describeDifferences(differences: readonly OptionDifference[]): string {
  return differences.map((d) => `${optionName([d.option])} ${JSON.stringify(d.running ?? 'default')} (you asked ${JSON.stringify(d.requested)})`).join(', ');
}

/** Shows progress until the backfill finishes, then its result; Ctrl-C leaves it running. Returns the exit code. */
async function watch(api: FeatureflowClient, run: BackfillRun, json: boolean): Promise<number> {
  const line = new ProgressLine();
  const stopPollers = watchPollers(api, (l) => line.note(l));
  const removeInterrupt = onInterrupt([
    `The backfill keeps running (it is durable). Re-attach: featureflow backfill progress ${run.workflowId}`,
    `Pause/resume/cancel: featureflow backfill pause|resume|cancel ${run.workflowId}`,
  ]);
  try {
    for await (const p of run.progressUpdates({ intervalMs: 250 })) line.update(p);
    line.end();
    const result = await run.result();
    console.log(json ? JSON.stringify({ workflowId: run.workflowId, ...result }, null, 2) : formatBackfillResult(run.workflowId, result));
    return result.failed || result.notAttempted ? ExitCode.failed : ExitCode.ok;
  } catch (err) {
    line.end();
    if ((err as { kind?: string }).kind !== 'run-failed') throw err;
    printRunFailure(err as RunFailedError, json);
    return ExitCode.failed;
  } finally {
    stopPollers();
    removeInterrupt();
  }
}

interface BackfillOptions {
  flow?: string[];
  symbol?: string[];
  from?: string;
  to?: string;
  concurrency?: number;
  chunkDays?: number;
  maxFailures?: number;
  conflictWaitSeconds?: number;
  heartbeatTimeout?: number;
  withUpstream?: boolean;
  force?: boolean;
  detach?: boolean;
  json?: boolean;
}

/** Registers `backfill` and its `list|cancel|pause|resume|progress` subcommands. */
export function registerBackfill(program: Command): void {
  const cmd = program
    .command('backfill')
    .description('materialize flows over a date range, skipping what is already current; live progress (Ctrl-C leaves it running)')
    .option('--flow <flow>', `flow to backfill (repeatable): ${FLOWS}`, collect)
    .option('--symbol <symbol>', 'market symbol (repeatable; default BTC-USD)', collect)
    .option('--from <YYYY-MM-DD>', 'first day (UTC)')
    .option('--to <YYYY-MM-DD>', 'last day (UTC), inclusive')
    .option('--concurrency <n>', 'child workflows running at once (1-64, default 4)', wholeNumber)
    .option('--chunk-days <k>', `days per child workflow (1-366, default ${DEFAULT_CHUNK_DAYS})`, wholeNumber)
    .option('--max-failures <n>', 'stop starting children after this many failures (default 10)', wholeNumber)
    .option('--conflict-wait-seconds <s>', 'how long to wait out a child ID held by another run, e.g. the daily pipeline on the same day (default 600; 0 = fail the partition at once)', wholeNumber)
    .option('--heartbeat-timeout <s>', `seconds without a heartbeat before a dead worker's activity is retried elsewhere (1-3600, default ${DEFAULT_HEARTBEAT_TIMEOUT_SECONDS})`, wholeNumber)
    .option('--with-upstream', 'run missing upstream flows first instead of failing those partitions')
    .option('--force', 'redo the selected flows even when current (with ingest: re-fetch the days, e.g. corrected data)')
    .option('--detach', 'start and return at once, printing the workflow id')
    .option('--json', 'print the result (or with --detach, the id) as JSON on stdout')
    .action(async (o: BackfillOptions) => {
      const api = await cliApi();
      const run = await api.startBackfill({
        flows: (o.flow ?? []) as FlowName[],
        symbols: o.symbol,
        from: o.from as string,
        to: o.to as string,
        concurrency: o.concurrency,
        chunkDays: o.chunkDays,
        maxFailures: o.maxFailures,
        conflictWaitSeconds: o.conflictWaitSeconds,
        heartbeatTimeoutSeconds: o.heartbeatTimeout,
        withUpstream: o.withUpstream,
        force: o.force,
      });
      if (run.differences.length) {
        throw new CliError(
          `backfill ${run.workflowId} is already running and keeps its options: ${describeDifferences(run.differences)}. ` +
            `Watch it: featureflow backfill progress ${run.workflowId}; or cancel it (completed partitions are kept) and run this command again: featureflow backfill cancel ${run.workflowId}`,
        );
      }
      const say = o.json ? (l: string) => console.error(l) : (l: string) => console.log(l);
      say(`${run.attached ? 're-attached to running' : 'started'} ${run.workflowId}`);
      if (run.webUiUrl) say(`  Web UI: ${run.webUiUrl}`);
      if (o.detach) {
        if (o.json) console.log(JSON.stringify({ workflowId: run.workflowId, attached: run.attached, webUiUrl: run.webUiUrl }));
        return;
      }
      process.exitCode = await watch(api, run, Boolean(o.json));
    });

  cmd
    .command('list')
    .description('list backfills, newest first')
    .option('--running', 'only the running ones')
    .option('--json', 'print them as JSON')
    .action(async (o: { running?: boolean; json?: boolean }) => {
      const api = await cliApi();
      const runs = await api.backfills(o.running ? { status: 'running' } : {});
      console.log(o.json ? JSON.stringify(runs, null, 2) : formatRuns(runs));
    });
  cmd
    .command('progress')
    .description('re-attach to a backfill: live progress until it finishes (--once: print it once as JSON)')
    .argument('<workflowId>')
    .option('--once', 'print the progress once as JSON and exit')
    .action(async (workflowId: string, o: { once?: boolean }) => {
      const api = await cliApi();
      const run = await api.backfill(workflowId);
      if (o.once) console.log(JSON.stringify(await run.progress(), null, 2));
      else process.exitCode = await watch(api, run, false);
    });
  cmd
    .command('pause')
    .description('stop starting new child workflows (running ones finish)')
    .argument('<workflowId>')
    .action(async (workflowId: string) => {
      const run = await (await cliApi()).backfill(workflowId);
      await run.pause();
      console.log(`paused ${workflowId} (resume: featureflow backfill resume ${workflowId})`);
    });
  cmd
    .command('resume')
    .description('resume a paused backfill')
    .argument('<workflowId>')
    .action(async (workflowId: string) => {
      const run = await (await cliApi()).backfill(workflowId);
      await run.resume();
      console.log(`resumed ${workflowId}`);
    });
  cmd
    .command('cancel')
    .description('cancel: running children are cancelled, completed partitions are kept; the next run does the rest')
    .argument('<workflowId>')
    .action(async (workflowId: string) => {
      const run = await (await cliApi()).backfill(workflowId);
      const outcome = await run.cancel();
      console.log(outcome === 'cancelled' ? `cancelled ${workflowId}; nothing is left running` : `${workflowId} had already finished`);
    });
}
