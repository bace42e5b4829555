/**
 * Backfills through the client library: start (or attach to) one, read and follow its progress
 * as an async iterator of snapshots, pause, resume, cancel, await its typed result.
 */
import { WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { BackfillInput, BackfillProgress, BackfillResult, type BackfillInput as BackfillInputType } from '../contracts';
import { workflowUiUrl } from '../config';
import {
  backfillProgressQuery,
  backfillSearchAttributes,
  backfillSummary,
  backfillWorkflowId,
  pauseBackfillSignal,
  resumeBackfillSignal,
} from '../workflows/backfill-api';
import { sleep, typed, type ClientContext } from './context';
import { NotFoundError, UsageError } from './errors';
import { BackfillRequest } from './requests';
import { usageFromZod } from './translate';

/** The options of a backfill that a re-run with the same selection cannot change while it runs. */
const TUNABLE = ['concurrency', 'chunkDays', 'maxFailures', 'conflictWaitSeconds', 'heartbeatTimeoutSeconds', 'withUpstream', 'force', 'source'] as const;

/** One option a request asked differently from the running backfill it attached to. */
export interface OptionDifference {
  /** The request field, e.g. `concurrency`. */
  readonly option: (typeof TUNABLE)[number];
  /** What the running backfill uses. */
  readonly running: unknown;
  /** What the request asked for. */
  readonly requested: unknown;
}

/** How often {@link BackfillRun.progressUpdates} asks, and how long one question may take. */
export interface ProgressOptions {
  /** Milliseconds between snapshots (default 500). */
  readonly intervalMs?: number;
}

/** A backfill started or found by the client. */
export class BackfillRun {
  /** @internal */
  constructor(
    private readonly ctx: ClientContext,
    private readonly handle: WorkflowHandle,
    /** True when a backfill with the same selection was already running and this attached to it. */
    readonly attached: boolean,
    /** Options the request asked differently from the running backfill (empty unless `attached`); the running one keeps its own. */
    readonly differences: readonly OptionDifference[] = [],
  ) {}

  /** The workflow ID, e.g. `backfill/features-c/BTC-USD/2024-01-01..2024-12-31`. */
  get workflowId(): string {
    return this.handle.workflowId;
  }

  /** The Web UI page of the backfill. */
  get webUiUrl(): string | undefined {
    return workflowUiUrl(this.ctx.config, this.handle.workflowId);
  }

  /** One progress snapshot. Without a worker polling, the question fails after `timeoutMs` (default 5 s). */
  async progress(timeoutMs = 5000): Promise<BackfillProgress> {
    const client = await this.ctx.temporal();
    return typed(
      this.ctx,
      async () => BackfillProgress.parse(await client.connection.withDeadline(Date.now() + timeoutMs, () => this.handle.query(backfillProgressQuery))),
      { workflowId: this.workflowId, flow: 'backfill' },
    );
  }

  /**
   * Progress snapshots every `intervalMs` until the backfill closes (completed, failed or
   * cancelled; continue-as-new is followed). A snapshot that cannot be had (between runs of the
   * chain, no worker polling) is skipped; an unreachable server ends the iteration with an error.
   */
  async *progressUpdates(options: ProgressOptions = {}): AsyncGenerator<BackfillProgress, void, undefined> {
    const intervalMs = options.intervalMs ?? 500;
    let closed = false;
    const done = this.handle.result().then(
      () => (closed = true),
      () => (closed = true),
    );
    while (!closed) {
      try {
        yield await this.progress(Math.max(intervalMs * 4, 2000));
      } catch (err) {
        if ((err as { kind?: string }).kind === 'temporal-unreachable') throw err;
      }
      await Promise.race([done, sleep(intervalMs)]);
    }
  }

  /** A signal can only reach a running backfill; a closed one is a usage error saying how it ended. */
  private async ensureRunning(action: string): Promise<void> {
    const { status } = await typed(this.ctx, () => this.handle.describe(), { workflowId: this.workflowId });
    if (status.name !== 'RUNNING') throw new UsageError(`cannot ${action} ${this.workflowId}: it is not running (${status.name.toLowerCase()})`);
  }

  /** Stop starting new child workflows (running ones finish). `UsageError` when it is not running. */
  async pause(): Promise<void> {
    await this.ensureRunning('pause');
    await typed(this.ctx, () => this.handle.signal(pauseBackfillSignal), { workflowId: this.workflowId });
  }

  /** Start children again after {@link pause}. `UsageError` when it is not running. */
  async resume(): Promise<void> {
    await this.ensureRunning('resume');
    await typed(this.ctx, () => this.handle.signal(resumeBackfillSignal), { workflowId: this.workflowId });
  }

  /** Cancels it (running children are cancelled; completed partitions are kept) and waits until it closed. */
  async cancel(): Promise<'cancelled' | 'already-finished'> {
    return typed(this.ctx, async () => {
      await this.handle.cancel();
      const failed = await this.handle.result().then(
        () => false,
        () => true,
      );
      return failed ? 'cancelled' : 'already-finished';
    }, { workflowId: this.workflowId });
  }

  /** Waits until it finishes: the typed result (which lists failed partitions), or a `RunFailedError`. */
  async result(): Promise<BackfillResult> {
    return typed(this.ctx, async () => BackfillResult.parse(await this.handle.result()), { workflowId: this.workflowId, flow: 'backfill' });
  }
}

/** The backfill workflow input of a request, with what configuration decides. */
export function backfillInputOf(ctx: ClientContext, raw: BackfillRequest): BackfillInputType {
  const parsed = BackfillRequest.safeParse(raw);
  if (!parsed.success) throw usageFromZod(parsed.error, 'backfill request');
  const r = parsed.data;
  // Fields left out stay out: the workflow fills their defaults (chunkDays behind a patch).
  const input: BackfillInputType = {
    symbols: r.symbols,
    flows: r.flows,
    from: r.from,
    to: r.to,
    ...Object.fromEntries(TUNABLE.map((k) => [k, r[k]]).filter(([, v]) => v !== undefined)),
    source: r.source ?? ctx.config.source,
    ...(ctx.config.ingestTaskQueue ? { ingestTaskQueue: ctx.config.ingestTaskQueue } : {}),
  };
  const checked = BackfillInput.safeParse(input);
  if (!checked.success) throw usageFromZod(checked.error, 'backfill request');
  return input;
}

/** The input the latest run of a workflow started with (continue-as-new keeps the options). */
async function runningInput(ctx: ClientContext, workflowId: string): Promise<Record<string, unknown> | undefined> {
  const client = await ctx.temporal();
  const { history } = await client.workflowService.getWorkflowExecutionHistory({
    namespace: ctx.config.temporal.namespace,
    execution: { workflowId },
    maximumPageSize: 1,
  });
  const payload = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  return payload ? (defaultPayloadConverter.fromPayload(payload) as Record<string, unknown>) : undefined;
}

/** Starts a backfill, or attaches to the running one with the same selection (saying which options differ). */
export async function startBackfill(ctx: ClientContext, request: BackfillRequest): Promise<BackfillRun> {
  const input = backfillInputOf(ctx, request);
  const workflowId = backfillWorkflowId(input);
  const client = await ctx.temporal();
  return typed(ctx, async () => {
    try {
      const handle = await client.workflow.start('backfill', {
        taskQueue: ctx.config.taskQueue,
        workflowId,
        args: [input],
        typedSearchAttributes: backfillSearchAttributes(input),
        staticSummary: backfillSummary(input),
      });
      return new BackfillRun(ctx, handle, false);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const running = BackfillInput.safeParse(await runningInput(ctx, workflowId));
      const asked = BackfillInput.parse(input);
      const differences = running.success
        ? TUNABLE.filter((k) => input[k] !== undefined && JSON.stringify(running.data[k]) !== JSON.stringify(asked[k])).map((k) => ({
            option: k,
            running: running.data[k],
            requested: asked[k],
          }))
        : [];
      return new BackfillRun(ctx, client.workflow.getHandle(workflowId), true, differences);
    }
  }, { workflowId });
}

/** An existing backfill by ID; {@link NotFoundError} when there is none or the ID is another kind of run. */
export async function attachBackfill(ctx: ClientContext, workflowId: string): Promise<BackfillRun> {
  const client = await ctx.temporal();
  const handle = client.workflow.getHandle(workflowId);
  const description = await typed(ctx, () => handle.describe(), { workflowId });
  if (description.type !== 'backfill') throw new NotFoundError(`${workflowId} is a ${description.type} run, not a backfill`, workflowId);
  return new BackfillRun(ctx, handle, true);
}
