/** Reading runs through the client library: a run tree's status, the typed result of any flow run, lists of runs, pollers. */
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { BackfillResult, EvaluationRef, FeatureRef, PartitionRef, PipelineResult, ScheduledRunResult } from '../contracts';
import { daysOf } from '../core/dates';
import { loadRunTree, type NodeState, type RunNode } from '../temporal/run-tree';
import { typed, type ClientContext } from './context';
import { NotFoundError, UsageError } from './errors';
import { RunsFilter } from './requests';
import { usageFromZod } from './translate';

/** The typed result of a run, told apart by its flow (workflow type). */
export type FlowResult =
  | { readonly flow: 'pipeline'; readonly result: PipelineResult }
  | { readonly flow: 'ingest'; readonly result: PartitionRef }
  | { readonly flow: 'features'; readonly result: FeatureRef }
  | { readonly flow: 'evaluate'; readonly result: EvaluationRef }
  | { readonly flow: 'backfill'; readonly result: BackfillResult }
  | { readonly flow: 'scheduledRun'; readonly result: ScheduledRunResult };

const RESULT_SCHEMAS = {
  pipeline: PipelineResult,
  ingest: PartitionRef,
  features: FeatureRef,
  evaluate: EvaluationRef,
  backfill: BackfillResult,
  scheduledRun: ScheduledRunResult,
} as const satisfies Record<FlowResult['flow'], z.ZodTypeAny>;

/** One run as a visibility query lists it. */
export interface RunSummary {
  readonly workflowId: string;
  readonly runId: string;
  /** Workflow type: pipeline, ingest, features, evaluate, backfill. */
  readonly type: string;
  /** The `Flow` search attribute (e.g. features-c), when set. */
  readonly flow?: string;
  readonly symbol?: string;
  /** Days the run covers (`Partition`; very long ranges list only their ends). */
  readonly partitions: readonly string[];
  readonly state: NodeState;
  readonly startedAt: Date;
  readonly closedAt?: Date;
}

const DAY_ID = /^pipeline\/([^/]+)\/(\d{4}-\d{2}-\d{2})$/;

/**
 * The run tree of a workflow: every child and activity with state, duration, attempts and failure.
 * A day's pipeline that never ran says how to list the runs of that day.
 */
export async function runStatus(ctx: ClientContext, workflowId: string): Promise<RunNode> {
  const client = await ctx.temporal();
  try {
    return await typed(ctx, () => loadRunTree(client, workflowId), { workflowId });
  } catch (err) {
    const day = DAY_ID.exec(workflowId);
    if (!(err instanceof NotFoundError) || !day) throw err;
    throw new NotFoundError(`${err.message}; list the runs of that day: featureflow runs --symbol ${day[1]} --from ${day[2]} --to ${day[2]}`, workflowId);
  }
}

/** Waits for any flow run to finish and returns its typed result, told apart by flow. */
export async function runResult(ctx: ClientContext, workflowId: string): Promise<FlowResult> {
  const client = await ctx.temporal();
  const handle = client.workflow.getHandle(workflowId);
  const { type } = await typed(ctx, () => handle.describe(), { workflowId });
  if (!(type in RESULT_SCHEMAS)) throw new UsageError(`${workflowId} is a ${type} run, which has no featureflow result`);
  const flow = type as FlowResult['flow'];
  const result: unknown = await typed(ctx, async () => RESULT_SCHEMAS[flow].parse(await handle.result()), { workflowId, flow });
  return { flow, result } as FlowResult;
}

const STATUS_QUERY: Record<NonNullable<z.infer<typeof RunsFilter>['status']>, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  'timed-out': 'TimedOut',
  continued: 'ContinuedAsNew',
};

const STATE_OF: Record<string, NodeState> = {
  RUNNING: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  CONTINUED_AS_NEW: 'continued',
  TIMED_OUT: 'timed-out',
};

/** The visibility query of a filter (values are validated, so quoting them is safe). */
export function runsQuery(f: z.infer<typeof RunsFilter>): string {
  const parts: string[] = [];
  if (f.flow) parts.push(['pipeline', 'backfill'].includes(f.flow) ? `WorkflowType = '${f.flow}'` : `Flow = '${f.flow}'`);
  if (f.symbol) parts.push(`Symbol = '${f.symbol}'`);
  // A keyword list matches by value only (no ranges), so a day range becomes the list of its days.
  if (f.from || f.to) parts.push(`\`Partition\` IN (${daysOf(f.from ?? f.to!, f.to ?? f.from!).map((d) => `'${d}'`).join(', ')})`);
  if (f.status) parts.push(`ExecutionStatus = '${STATUS_QUERY[f.status]}'`);
  return parts.join(' AND ');
}

/** Runs matching a filter, newest first (scheduled runs included). */
export async function listRuns(ctx: ClientContext, raw: RunsFilter = {}): Promise<RunSummary[]> {
  const parsed = RunsFilter.safeParse(raw);
  if (!parsed.success) throw usageFromZod(parsed.error, 'runs filter');
  const filter = parsed.data;
  const client = await ctx.temporal();
  return typed(ctx, async () => {
    const out: RunSummary[] = [];
    for await (const w of client.workflow.list({ query: runsQuery(filter) || undefined, pageSize: Math.min(filter.limit, 1000) })) {
      const attrs = w.searchAttributes as Record<string, unknown[] | undefined>;
      out.push({
        workflowId: w.workflowId,
        runId: w.runId,
        type: w.type,
        ...(attrs.Flow?.[0] ? { flow: String(attrs.Flow[0]) } : {}),
        ...(attrs.Symbol?.[0] ? { symbol: String(attrs.Symbol[0]) } : {}),
        partitions: (attrs.Partition ?? []).map(String),
        state: STATE_OF[w.status.name] ?? 'running',
        startedAt: w.startTime,
        ...(w.closeTime ? { closedAt: w.closeTime } : {}),
      });
      if (out.length >= filter.limit) break;
    }
    return out;
  });
}

/** Workers polling a task queue right now, by kind. */
export interface TaskQueuePollers {
  readonly taskQueue: string;
  readonly workflowPollers: number;
  readonly activityPollers: number;
}

/** Who polls `taskQueue` (default the configured one), from Temporal's DescribeTaskQueue. */
export async function taskQueuePollers(ctx: ClientContext, taskQueue = ctx.config.taskQueue): Promise<TaskQueuePollers> {
  const client = await ctx.temporal();
  const Type = temporal.api.enums.v1.TaskQueueType;
  const count = async (taskQueueType: temporal.api.enums.v1.TaskQueueType) =>
    (await client.workflowService.describeTaskQueue({ namespace: ctx.config.temporal.namespace, taskQueue: { name: taskQueue }, taskQueueType })).pollers?.length ?? 0;
  return typed(ctx, async () => {
    const [workflowPollers, activityPollers] = await Promise.all([count(Type.TASK_QUEUE_TYPE_WORKFLOW), count(Type.TASK_QUEUE_TYPE_ACTIVITY)]);
    return { taskQueue, workflowPollers, activityPollers };
  });
}
