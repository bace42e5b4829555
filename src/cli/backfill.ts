/**
 * `featureflow backfill`: start (or re-attach to) a backfill and show its live progress;
 * `backfill cancel|pause|resume|progress <id>` control and watch a running one.
 * The backfill is a durable workflow: leaving the client (Ctrl-C) does not stop it.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Command } from 'commander';
import { z } from 'zod';
import {
  BackfillInput,
  BackfillProgress,
  BackfillResult,
  DEFAULT_CHUNK_DAYS,
  DEFAULT_HEARTBEAT_TIMEOUT_SECONDS,
  FlowName,
  IsoDate,
  MarketSymbol,
  type BackfillInput as BackfillInputType,
} from '../contracts';
import { workflowUiUrl } from '../config';
import { FLOW_GRAPH } from '../flows/registry';

/** Flows a backfill can run (retired ones are not). */
const ACTIVE_FLOW_IDS = FLOW_GRAPH.active.map((f) => f.id);
import { lastCompleteDay } from '../dates';
import {
  backfillProgressQuery,
  backfillSearchAttributes,
  backfillSummary,
  backfillWorkflowId,
  pauseBackfillSignal,
  resumeBackfillSignal,
} from '../workflows/backfill-api';
import { cliClient, cliConfig, CliError, ExitCode, parseOptions } from './context';
import { formatCauseChain, rootCause } from './failure';

const int = z.coerce.number().int();

const BackfillOptions = z
  .object({
    flow: z
      .array(FlowName)
      .min(1, `give at least one --flow (${ACTIVE_FLOW_IDS.join(', ')})`)
      .refine((flows) => flows.every((f) => !FLOW_GRAPH.get(f)?.retired), {
        message: `retired flows are not run any more; active flows: ${ACTIVE_FLOW_IDS.join(', ')}`,
      }),
    symbol: z.array(MarketSymbol).min(1),
    from: IsoDate,
    to: IsoDate,
    concurrency: int.optional(),
    chunkDays: int.optional(),
    maxFailures: int.optional(),
    conflictWaitSeconds: int.optional(),
    heartbeatTimeout: int.optional(),
    withUpstream: z.boolean().optional(),
    force: z.boolean().optional(),
    detach: z.boolean().optional(),
  })
  .superRefine((o, ctx) => {
    const latest = lastCompleteDay(Date.now());
    if (o.to > latest) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['to'], message: `${o.to} is not a complete UTC day yet (latest: ${latest})` });
  });

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `12s`, `3m04s`, `1h02m`. */
function formatSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '?';
  const t = Math.round(s);
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
}

/** One line of progress: a bar of finished partitions (done + skipped + failed), rate and ETA. */
export function formatProgress(p: BackfillProgress, width = 30): string {
  const finished = p.done + p.skipped + p.failed;
  const ratio = p.total ? finished / p.total : 1;
  const filled = Math.round(ratio * width);
  const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
  const state = p.paused ? ' PAUSED' : '';
  return (
    `[${bar}] ${finished}/${p.total} (${Math.floor(ratio * 100)}%)  done ${p.done}  skipped ${p.skipped}  failed ${p.failed}  running ${p.running}` +
    `  ${p.partitionsPerSecond.toFixed(1)} partitions/s  ETA ${formatSeconds(p.etaSeconds)}  ${p.phase}${state}`
  );
}

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

/** Renders progress on stderr until the backfill finishes; Ctrl-C leaves it running. Returns the exit code. */
async function watch(handle: WorkflowHandle, intervalMs = 250): Promise<number> {
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  let stopped = false;
  const onSigint = (): void => {
    stopped = true;
    process.stderr.write(
      `\nThe backfill keeps running (it is durable). Re-attach: featureflow backfill progress ${handle.workflowId}\n` +
        `Pause/resume/cancel: featureflow backfill pause|resume|cancel ${handle.workflowId}\n`,
    );
    process.exit(ExitCode.ok);
  };
  process.once('SIGINT', onSigint);
  const result = handle.result().then(
    (r: unknown) => ({ ok: true as const, value: BackfillResult.parse(r) }),
    (err: unknown) => ({ ok: false as const, err }),
  );
  let settled: Awaited<typeof result> | undefined;
  void result.then((r) => (settled = r));
  try {
    while (!settled && !stopped) {
      try {
        const p = BackfillProgress.parse(await handle.query(backfillProgressQuery));
        const line = formatProgress(p);
        if (tty) process.stderr.write(`\r\x1b[2K${line}`);
        else if (Date.now() - lastLine > 5000) {
          process.stderr.write(`${line}\n`);
          lastLine = Date.now();
        }
      } catch {
        // The run may be between continue-as-new runs or just closed; the next poll or the result tells.
      }
      await Promise.race([result, new Promise((r) => setTimeout(r, intervalMs))]);
    }
    if (tty) process.stderr.write('\n');
    const outcome = await result;
    if (outcome.ok) {
      console.log(formatBackfillResult(handle.workflowId, outcome.value));
      return outcome.value.failed || outcome.value.notAttempted ? ExitCode.failed : ExitCode.ok;
    }
    if (!(outcome.err instanceof WorkflowFailedError)) throw outcome.err;
    console.error(`backfill ${handle.workflowId} did not complete`);
    console.error(formatCauseChain(outcome.err));
    console.error(`root cause: ${rootCause(outcome.err)}`);
    return ExitCode.failed;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** Starts a backfill, or returns the running one with the same selection. */
export async function startBackfill(client: Client, input: BackfillInputType): Promise<{ handle: WorkflowHandle; attached: boolean }> {
  const config = cliConfig();
  const workflowId = backfillWorkflowId(input);
  try {
    const handle = await client.workflow.start('backfill', {
      taskQueue: config.taskQueue,
      workflowId,
      args: [input],
      typedSearchAttributes: backfillSearchAttributes(input),
      staticSummary: backfillSummary(input),
    });
    return { handle, attached: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { handle: client.workflow.getHandle(workflowId), attached: true };
    throw err;
  }
}

/** A handle of an existing backfill, or a usage error naming the ID. */
async function existing(workflowId: string): Promise<WorkflowHandle> {
  const client = await cliClient();
  const handle = client.workflow.getHandle(workflowId);
  try {
    await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new CliError(`No backfill with id ${workflowId}`, ExitCode.usage);
    throw err;
  }
  return handle;
}

/** Registers `backfill` and its `cancel|pause|resume|progress` subcommands. */
export function registerBackfill(program: Command): void {
  const cmd = program
    .command('backfill')
    .description('materialize flows over a date range, skipping what is already current; live progress (Ctrl-C leaves it running)')
    .option('--flow <flow>', `flow to backfill (repeatable): ${ACTIVE_FLOW_IDS.join(' | ')}`, collect, [])
    .option('--symbol <symbol>', 'market symbol (repeatable; default BTC-USD)', collect, [])
    .option('--from <YYYY-MM-DD>', 'first day (UTC)')
    .option('--to <YYYY-MM-DD>', 'last day (UTC), inclusive')
    .option('--concurrency <n>', 'child workflows running at once (1-64)', '4')
    .option('--chunk-days <k>', `days per child workflow (1-366, default ${DEFAULT_CHUNK_DAYS})`)
    .option('--max-failures <n>', 'stop starting children after this many failures', '10')
    .option('--conflict-wait-seconds <s>', 'how long to wait out a child ID held by another run, e.g. the daily pipeline on the same day (default 600; 0 = fail the partition at once)')
    .option('--heartbeat-timeout <s>', `seconds without a heartbeat before a dead worker's activity is retried elsewhere (1-3600, default ${DEFAULT_HEARTBEAT_TIMEOUT_SECONDS})`)
    .option('--with-upstream', 'run missing upstream flows first instead of failing those partitions')
    .option('--force', 'redo selected feature/evaluate partitions even when current (never ingest)')
    .option('--detach', 'start and return at once, printing the workflow id')
    .action(async (raw: Record<string, unknown>) => {
      const opts = parseOptions(BackfillOptions, { ...raw, symbol: (raw.symbol as string[]).length ? raw.symbol : ['BTC-USD'] });
      const input: BackfillInputType = {
        symbols: opts.symbol,
        flows: opts.flow,
        from: opts.from,
        to: opts.to,
        concurrency: opts.concurrency,
        chunkDays: opts.chunkDays,
        maxFailures: opts.maxFailures,
        ...(opts.conflictWaitSeconds !== undefined ? { conflictWaitSeconds: opts.conflictWaitSeconds } : {}),
        ...(opts.heartbeatTimeout !== undefined ? { heartbeatTimeoutSeconds: opts.heartbeatTimeout } : {}),
        withUpstream: opts.withUpstream ?? false,
        force: opts.force ?? false,
        source: cliConfig().source,
        ...(cliConfig().ingestTaskQueue ? { ingestTaskQueue: cliConfig().ingestTaskQueue } : {}),
      };
      parseOptions(BackfillInput, input);
      const client = await cliClient();
      const { handle, attached } = await startBackfill(client, input);
      console.log(`${attached ? 're-attached to running' : 'started'} ${handle.workflowId}`);
      console.log(`  Web UI: ${workflowUiUrl(cliConfig(), handle.workflowId)}`);
      if (opts.detach) return;
      process.exitCode = await watch(handle);
    });

  cmd
    .command('progress')
    .description('re-attach to a backfill: live progress until it finishes (--once: print it once as JSON)')
    .argument('<workflowId>')
    .option('--once', 'print the progress once as JSON and exit')
    .action(async (workflowId: string, o: { once?: boolean }) => {
      const handle = await existing(workflowId);
      if (o.once) console.log(JSON.stringify(BackfillProgress.parse(await handle.query(backfillProgressQuery)), null, 2));
      else process.exitCode = await watch(handle);
    });
  cmd
    .command('pause')
    .description('stop starting new child workflows (running ones finish)')
    .argument('<workflowId>')
    .action(async (workflowId: string) => {
      await (await existing(workflowId)).signal(pauseBackfillSignal);
      console.log(`paused ${workflowId} (resume: featureflow backfill resume ${workflowId})`);
    });
  cmd
    .command('resume')
    .description('resume a paused backfill')
    .argument('<workflowId>')
    .action(async (workflowId: string) => {
      await (await existing(workflowId)).signal(resumeBackfillSignal);
      console.log(`resumed ${workflowId}`);
    });
  cmd
    .command('cancel')
    .description('cancel: running children are cancelled, completed partitions are kept; the next run does the rest')
    .argument('<workflowId>')
    .action(async (workflowId: string) => {
      const handle = await existing(workflowId);
      await handle.cancel();
      const err = await handle.result().then(() => undefined, (e: unknown) => e);
      console.log(err ? `cancelled ${workflowId}; nothing is left running` : `${workflowId} had already finished`);
    });
}
