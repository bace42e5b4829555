/**
 * What the weekday schedule starts: one run that materializes every complete UTC day since the
 * previous slot's days (Monday → Fri, Sat, Sun; Tuesday → Mon), plus any day of its catch-up
 * window the ledger still lacks (after an outage, a pause, a failed day), each through the
 * daily `pipeline` as a child workflow, and reports what became of every day.
 *
 * The days come from the run's scheduled time alone (`TemporalScheduledStartTime`, fixed when
 * the run starts), and the window from its input, so a late, retried or replayed run computes
 * the same days. Which of them still need work is an activity's answer, recorded in history.
 * Each day's child has the business ID `pipeline/<symbol>/<day>`, the one a manual
 * `featureflow run` of that day uses: two runs can never work on one day at once, and the one
 * that starts second waits (durable timers), then skips the day if the other made it current.
 */
import {
  ChildWorkflowCancellationType,
  executeChild,
  isCancellation,
  log,
  ParentClosePolicy,
  proxyActivities,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ScheduledRunInput, type PipelineResult, type ScheduledDayOutcome, type ScheduledRunResult } from '../contracts';
import { parseInput } from '../core/failures';
import { pipelineWorkflowId } from '../core/ids';
import { flowSearchAttributes, runSummary } from '../core/run-metadata';
import { backfillCommand, catchUpWindow, dayLabel, daysIn, ownDays } from '../schedule/days';
import { PartitionKey, ScheduledStartTimeKey } from '../core/search-attributes';
import { rootCauseLine } from './root-cause';
import { DEFAULT_CONFLICT_WAIT_SECONDS, PIPELINE_WAIT_FOR_CHILD_ID_CONFLICT, runChildWaitingOutConflicts } from './child-conflict';
import { ACTIVITY_OPTIONS } from './common';
import { pipeline } from './pipeline';

const { scheduledDaysStatus, dayIsCurrent } = proxyActivities<Activities>({ ...ACTIVITY_OPTIONS, startToCloseTimeout: '5 minutes' });

/** What a person reads when a day's pipeline ID stayed taken too long. */
const CONFLICT_ADVICE = 'The next scheduled run retries the day if it is still missing, or run it by hand once that run has closed.';

/** The day's outcome while the run is still going: also pending and running. */
type LiveOutcome = Omit<ScheduledDayOutcome, 'outcome'> & { outcome: ScheduledDayOutcome['outcome'] | 'pending' | 'running' };

/** One line per day for the Web UI's details, e.g. `Fri 2024-01-05 materialized`. */
function details(symbol: string, scheduledAt: Date, days: readonly LiveOutcome[]): string {
  const head = `${symbol}, scheduled ${scheduledAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  if (!days.length) return `${head}: no day to process (every day up to the last complete one belongs to an earlier slot)`;
  return [
    `${head}: ${days.length} day${days.length === 1 ? '' : 's'}`,
    ...days.map((d) => `${dayLabel(d.day)}${d.own ? '' : ' (catch-up)'}: ${d.outcome}${d.error ? ` — ${d.error}` : ''}`),
  ].join('\n');
}

/** Runs the daily pipeline for each of the scheduled run's days that still needs it, in day order. */
export async function scheduledRun(rawInput: ScheduledRunInput): Promise<ScheduledRunResult> {
  const input = parseInput(ScheduledRunInput, rawInput, 'scheduledRun');
  const info = workflowInfo();
  // Started by hand (not by the schedule), a run is scheduled for its start.
  const scheduledAt = info.typedSearchAttributes.get(ScheduledStartTimeKey) ?? info.startTime;
  const own = ownDays(scheduledAt.getTime());
  const window = catchUpWindow(scheduledAt.getTime(), input.catchUpDays);
  const waitSeconds = input.conflictWaitSeconds ?? DEFAULT_CONFLICT_WAIT_SECONDS;

  const ledger = await scheduledDaysStatus({ symbol: input.symbol, ...window });
  const current = new Set(ledger.current);
  const owned = new Set(daysIn(own));
  // Catch-up starts at the symbol's first ledger day: on an empty ledger the first run does its
  // own days, not two weeks of history nobody asked for.
  const days: LiveOutcome[] = daysIn(window)
    .filter((d) => owned.has(d) || (ledger.firstDay !== undefined && d >= ledger.firstDay && !current.has(d)))
    .map((day) => ({ day, own: owned.has(day), outcome: current.has(day) ? 'already-current' : 'pending' }));

  if (days.length) upsertSearchAttributes([{ key: PartitionKey, value: days.map((d) => d.day) }]);
  setCurrentDetails(details(input.symbol, scheduledAt, days));
  log.info('scheduled run: days', { scheduledAt: scheduledAt.toISOString(), days: days.map((d) => `${d.day}:${d.outcome}`).join(',') });

  let firstFailure: string | undefined;
  for (const d of days) {
    if (d.outcome !== 'pending') continue;
    if (firstFailure) {
      // A day's features read the previous day's candles as look-back; running on after a
      // failure would store features computed without them. The next run retries in order.
      Object.assign(d, { outcome: 'not-attempted', error: `${firstFailure} failed first; the next scheduled run retries both in order` });
      continue;
    }
    // Asked again right before the start: another run (an overlapping trigger, a manual run)
    // may have finished the day since the window was read, and its pipeline ID is free again.
    if (await dayIsCurrent({ symbol: input.symbol, from: d.day, to: d.day })) {
      d.outcome = 'already-current';
      continue;
    }
    const workflowId = pipelineWorkflowId(input.symbol, d.day);
    const run = { flow: 'pipeline' as const, symbol: input.symbol, from: d.day, to: d.day, source: input.source };
    d.outcome = 'running';
    d.workflowId = workflowId;
    setCurrentDetails(details(input.symbol, scheduledAt, days));
    try {
      const outcome = await runChildWaitingOutConflicts<PipelineResult>(
        () =>
          executeChild(pipeline, {
            args: [
              {
                symbol: input.symbol,
                date: d.day,
                source: input.source,
                ...(input.ingestTaskQueue ? { ingestTaskQueue: input.ingestTaskQueue } : {}),
                ...(input.conflictWaitSeconds !== undefined ? { conflictWaitSeconds: input.conflictWaitSeconds } : {}),
              },
            ],
            workflowId,
            typedSearchAttributes: flowSearchAttributes(run),
            staticSummary: runSummary(run),
            cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
            parentClosePolicy: ParentClosePolicy.TERMINATE,
          }),
        {
          maxWaitSeconds: waitSeconds,
          stillNeeded: async () => !(await dayIsCurrent({ symbol: input.symbol, from: d.day, to: d.day })),
          // The same behaviour as the pipeline's own wait; a new workflow type, so no old history to keep.
          patchId: PIPELINE_WAIT_FOR_CHILD_ID_CONFLICT,
          advice: CONFLICT_ADVICE,
        },
      );
      d.outcome = outcome.status === 'ran' ? 'materialized' : 'already-current';
    } catch (err) {
      if (isCancellation(err)) throw err;
      Object.assign(d, { outcome: 'failed', error: rootCauseLine(err) });
      firstFailure = d.day;
    }
    setCurrentDetails(details(input.symbol, scheduledAt, days));
  }

  // Every day was decided by the loop above; the guard only narrows the type.
  const outcomes = days.map((d): ScheduledDayOutcome => (d.outcome === 'pending' || d.outcome === 'running' ? { ...d, outcome: 'not-attempted' } : { ...d, outcome: d.outcome }));
  const command = backfillCommand(input.symbol, ledger.missingBefore);
  return {
    status: outcomes.some((o) => o.outcome === 'failed') ? 'completed-with-failures' : 'completed',
    symbol: input.symbol,
    scheduledAt: scheduledAt.toISOString(),
    ownDays: own ?? null,
    window,
    days: outcomes,
    missingBeforeWindow: ledger.missingBefore,
    missingBeforeWindowDays: ledger.missingBeforeDays,
    ...(command ? { backfillCommand: command } : {}),
  };
}
