/**
 * The daily pipeline schedule: weekdays at 09:30 New York time, defined once here and created
 * or updated idempotently (by `featureflow schedule create` and by `npm start`).
 *
 * Each slot starts a `scheduledRun` (src/workflows/scheduled-run.ts), which derives its days
 * from its scheduled time: every complete UTC day since the previous slot's days (Monday →
 * Fri, Sat, Sun), plus missing days of its catch-up window, each through the daily pipeline.
 * Schedules created before it started `pipeline` for one day per slot, so Fridays and
 * Saturdays were never processed; `createOrUpdatePipelineSchedule` moves them to the new action.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleOptions,
} from '@temporalio/client';
import type { SearchAttributePair, TypedSearchAttributes } from '@temporalio/common';
import { z } from 'zod';
import { MarketSymbol, SourceName, TaskQueueName } from '../contracts';
import { DEFAULT_CATCH_UP_DAYS, MAX_CATCH_UP_DAYS, MIN_CATCH_UP_DAYS, SCHEDULE_TIMEZONE, SLOT_HOUR, SLOT_MINUTE, SLOT_WEEKDAYS } from './days';
import { FlowKey, SourceKey, SymbolKey } from '../core/search-attributes';

export { SCHEDULE_TIMEZONE } from './days';

/** When the schedule fires: 09:30 on Monday to Friday (cron fields: minute hour day month weekday), from the calendar in src/schedule/days.ts. */
export const SCHEDULE_CRON = `${SLOT_MINUTE} ${SLOT_HOUR} * * ${SLOT_WEEKDAYS.first}-${SLOT_WEEKDAYS.last}`;

/** The workflow each slot starts. */
export const SCHEDULED_WORKFLOW_TYPE = 'scheduledRun';

/** The `Flow` search attribute of scheduled runs (their per-day pipelines carry `pipeline`). */
export const SCHEDULED_FLOW = 'scheduled-run';

/**
 * BUFFER_ONE: a run that is still going when the next one is due delays it instead of dropping
 * it, so two scheduled runs never work at once; the delayed run finds the days the first one
 * made current and skips them. Buffering only one keeps an outage from piling up a queue (the
 * next run's catch-up window covers the missed slots' days).
 */
export const SCHEDULE_OVERLAP = ScheduleOverlapPolicy.BUFFER_ONE;

/**
 * Missed runs (server down at 09:30) are still taken when it comes back within a day. Older
 * missed slots are dropped by Temporal, but nothing is lost: the next run catches up on every
 * missing day of its catch-up window.
 */
export const SCHEDULE_CATCHUP_WINDOW = '1 day';

/**
 * Upper bound of one scheduled run. Activities retry for at most a few hours; the bound makes
 * sure a stuck run can never hold the buffered next run back for more than a day.
 */
export const SCHEDULED_RUN_TIMEOUT = '20 hours';

/** ID of a symbol's daily pipeline schedule, e.g. `pipeline-daily-BTC-USD`. */
export function pipelineScheduleId(symbol: string): string {
  return `pipeline-daily-${symbol}`;
}

/**
 * Workflow ID prefix of scheduled runs, e.g. `pipeline/BTC-USD/scheduled`; Temporal appends
 * the scheduled time (`...scheduled-2027-03-08T14:30:00Z`), so each run's ID is unique and stable.
 */
export function scheduledWorkflowIdPrefix(symbol: string): string {
  return `pipeline/${symbol}/scheduled`;
}

/** What can vary between pipeline schedules; validated before anything reaches the server. */
export const PipelineScheduleInput = z.object({
  symbol: MarketSymbol.default('BTC-USD'),
  /** Task queue the worker polls (from configuration). */
  taskQueue: z.string().min(1),
  /** Market source the scheduled runs ingest from (from configuration). */
  source: SourceName.default('synthetic'),
  /** Task queue of the runs' ingest activities (from configuration); the main queue when unset. */
  ingestTaskQueue: TaskQueueName.optional(),
  /**
   * Paused state. Unset: a new schedule starts active and an existing one keeps its state,
   * so `npm start` never resumes a schedule someone paused on purpose.
   */
  paused: z.boolean().optional(),
  /** Note stored with the state (why it is paused, who created it). */
  note: z.string().max(500).optional(),
  /** No run before this instant (tests use it to look at a chosen stretch of the calendar). */
  startAt: z.date().optional(),
  /** How many complete days before its scheduled time a run looks back for missing days (from configuration). */
  catchUpDays: z.number().int().min(MIN_CATCH_UP_DAYS).max(MAX_CATCH_UP_DAYS).default(DEFAULT_CATCH_UP_DAYS),
});
/** Input of {@link createOrUpdatePipelineSchedule}. */
export type PipelineScheduleInput = z.input<typeof PipelineScheduleInput>;

/** The full schedule definition for a validated input: spec, policies and the scheduled-run action. */
export function pipelineScheduleOptions(raw: PipelineScheduleInput): ScheduleOptions {
  const input = PipelineScheduleInput.parse(raw);
  return {
    scheduleId: pipelineScheduleId(input.symbol),
    spec: {
      cronExpressions: [SCHEDULE_CRON],
      timezone: SCHEDULE_TIMEZONE,
      ...(input.startAt ? { startAt: input.startAt } : {}),
    },
    action: {
      type: 'startWorkflow',
      workflowType: SCHEDULED_WORKFLOW_TYPE,
      // No days on purpose: the run derives them from its scheduled time (see module comment).
      args: [
        {
          symbol: input.symbol,
          source: input.source,
          catchUpDays: input.catchUpDays,
          ...(input.ingestTaskQueue ? { ingestTaskQueue: input.ingestTaskQueue } : {}),
        },
      ],
      workflowId: scheduledWorkflowIdPrefix(input.symbol),
      taskQueue: input.taskQueue,
      workflowExecutionTimeout: SCHEDULED_RUN_TIMEOUT,
      // No Partition yet: the run sets it to its days once it has worked them out.
      typedSearchAttributes: [
        { key: FlowKey, value: SCHEDULED_FLOW },
        { key: SymbolKey, value: input.symbol },
        { key: SourceKey, value: input.source },
      ],
      staticSummary:
        `scheduled pipeline ${input.symbol}: every UTC day since the previous weekday 09:30 ${SCHEDULE_TIMEZONE} slot ` +
        `(Monday: Fri, Sat, Sun) and missing days of the last ${input.catchUpDays}; details name the days`,
    },
    policies: {
      overlap: SCHEDULE_OVERLAP,
      catchupWindow: SCHEDULE_CATCHUP_WINDOW,
      // A failed day must not stop the next days; failures are visible and a backfill redoes them.
      pauseOnFailure: false,
    },
    state: {
      paused: input.paused ?? false,
      ...(input.note !== undefined ? { note: input.note } : {}),
    },
  };
}

/** What {@link createOrUpdatePipelineSchedule} did. */
export type ScheduleOutcome = 'created' | 'updated' | 'unchanged';

/** Result of {@link createOrUpdatePipelineSchedule}. */
export interface PipelineScheduleResult {
  readonly scheduleId: string;
  readonly outcome: ScheduleOutcome;
  readonly handle: ScheduleHandle;
  /** The schedule as the server has it now. */
  readonly description: ScheduleDescription;
  /** The workflow type the schedule started before this update, when it was another one (an old definition moved over). */
  readonly migratedFrom?: string;
}

/** The pairs of either form of typed search attributes. */
function searchAttributePairs(attrs: SearchAttributePair[] | TypedSearchAttributes | undefined): SearchAttributePair[] {
  if (!attrs) return [];
  return Array.isArray(attrs) ? attrs : attrs.getAll();
}

/** The parts of a description that the definition controls, in a comparable form. */
export function definitionFingerprint(d: ScheduleDescription): string {
  return JSON.stringify({
    spec: d.spec,
    policies: d.policies,
    paused: d.state.paused,
    action: {
      workflowType: d.action.workflowType,
      workflowId: d.action.workflowId,
      taskQueue: d.action.taskQueue,
      args: d.action.args,
      workflowExecutionTimeout: d.action.workflowExecutionTimeout,
      staticSummary: d.action.staticSummary,
      searchAttributes: searchAttributePairs(d.action.typedSearchAttributes).map((p) => [p.key.name, p.value]).sort(),
    },
  });
}

/**
 * Creates the symbol's daily schedule, or, if it exists, updates it to exactly this definition
 * (idempotent: running it twice leaves one schedule with the same spec). The outcome says
 * whether the server's definition changed.
 */
export async function createOrUpdatePipelineSchedule(client: Client, raw: PipelineScheduleInput): Promise<PipelineScheduleResult> {
  const input = PipelineScheduleInput.parse(raw);
  const options = pipelineScheduleOptions(input);
  try {
    const handle = await client.schedule.create(options);
    return { scheduleId: options.scheduleId, outcome: 'created', handle, description: await handle.describe() };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(options.scheduleId);
  const before = await handle.describe();
  await handle.update((previous) => ({
    spec: options.spec,
    action: options.action,
    policies: options.policies,
    state: {
      paused: input.paused ?? previous.state.paused,
      note: input.note ?? previous.state.note,
      remainingActions: previous.state.remainingActions,
    },
  }));
  const description = await handle.describe();
  const outcome = definitionFingerprint(before) === definitionFingerprint(description) ? 'unchanged' : 'updated';
  const migratedFrom = before.action.workflowType !== SCHEDULED_WORKFLOW_TYPE ? before.action.workflowType : undefined;
  return { scheduleId: options.scheduleId, outcome, handle, description, ...(migratedFrom ? { migratedFrom } : {}) };
}
