/**
 * `featureflow schedule create|describe|pause|resume|trigger|delete|backfill`: the daily
 * pipeline schedule (weekdays 09:30 America/New_York), one per symbol. The definition lives in
 * `src/schedule/schedule.ts` and the days a run processes in `src/schedule/days.ts`; this file parses
 * options and prints what the server and the ledger say.
 */
import { ScheduleNotFoundError, WorkflowNotFoundError, type Client, type ScheduleDescription, type ScheduleHandle } from '@temporalio/client';
import type { Command } from 'commander';
import { z } from 'zod';
import { IsoDate, MarketSymbol, MAX_RANGE_DAYS, rangeDays, ScheduledRunInput, ScheduledRunResult } from '../contracts';
import { currentDays, missingDaysBefore } from '../activities/schedule';
import { printUiLink, workflowUiUrl } from '../config';
import { DAY_MS, dayStartMs, lastCompleteDay } from '../core/dates';
import { openMigratedDatabase } from '../db/connect';
import { FLOW_GRAPH } from '../flows/registry';
import {
  createOrUpdatePipelineSchedule,
  pipelineScheduleId,
  SCHEDULE_CRON,
  SCHEDULE_TIMEZONE,
  SCHEDULED_WORKFLOW_TYPE,
  type PipelineScheduleResult,
} from '../schedule/schedule';
import { backfillCommand, catchUpWindow, dayLabel, dayRanges, daysIn, ownDays, zonedParts, type DayRange } from '../schedule/days';
import { cliClient, cliConfig, CliError, ExitCode, parseOptions } from './context';

const SymbolOption = z.object({ symbol: MarketSymbol });
const CreateOptions = SymbolOption.extend({ paused: z.boolean().optional(), note: z.string().max(500).optional() });
const NoteOptions = SymbolOption.extend({ note: z.string().max(500).optional() });
const DescribeOptions = SymbolOption.extend({ json: z.boolean().optional() });
const BackfillOptions = SymbolOption.extend({ from: IsoDate, to: IsoDate, overlap: z.enum(['buffer-all', 'allow-all']) })
  .refine((o) => o.from <= o.to, { path: ['to'], message: '--to must not be before --from' })
  .refine((o) => o.from <= lastCompleteDay(Date.now() + DAY_MS), { path: ['from'], message: 'must not be in the future (schedule backfill replays past times only)' })
  .refine((o) => rangeDays(o.from, o.to) <= MAX_RANGE_DAYS, { path: ['to'], message: `the range may span at most ${MAX_RANGE_DAYS} days` });

/** An instant as wall-clock time in the schedule's zone, e.g. `Mon 2027-03-08 09:30 EST`. */
export function formatInZone(d: Date): string {
  const parts = zonedParts(d.getTime());
  return `${parts.weekday} ${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}

/** A range of days in words: `Fri 2024-01-05 .. Sun 2024-01-07 (3 days)` or `Mon 2024-01-08`. */
export function formatDays(range: DayRange | undefined): string {
  if (!range) return 'no day of its own';
  const n = daysIn(range).length;
  return n === 1 ? dayLabel(range.from) : `${dayLabel(range.from)} .. ${dayLabel(range.to)} (${n} days)`;
}

/** One upcoming or past run: New York time, UTC time, and the days it owns. */
function formatRunTime(d: Date): string {
  return `${formatInZone(d)}  =  ${d.toISOString().slice(0, 16).replace('T', ' ')} UTC  -> ${formatDays(ownDays(d.getTime()))}`;
}

/** Ranges of a calendar field as text: `9`, `MONDAY-FRIDAY`, `0-59/5`. */
function rangesText(ranges: ReadonlyArray<{ start: number | string; end: number | string; step: number }>): string {
  return ranges.map((r) => `${r.start}${r.end !== r.start ? `-${r.end}` : ''}${r.step > 1 ? `/${r.step}` : ''}`).join(',');
}

/** The server's calendar spec in words, e.g. `09:30 on MONDAY-FRIDAY`. */
function formatCalendars(d: ScheduleDescription): string[] {
  return (d.spec.calendars ?? []).map((c) => {
    const single = (rs: ReadonlyArray<{ start: number; end: number }>) => rs.length === 1 && rs[0].start === rs[0].end;
    const time =
      single(c.hour) && single(c.minute)
        ? `${String(c.hour[0].start).padStart(2, '0')}:${String(c.minute[0].start).padStart(2, '0')}`
        : `hour ${rangesText(c.hour)} minute ${rangesText(c.minute)}`;
    return `${time} on ${rangesText(c.dayOfWeek)} (day of month ${rangesText(c.dayOfMonth)}, month ${rangesText(c.month)})${c.comment ? ` # ${c.comment}` : ''}`;
  });
}

/** The one line `schedule create` and `npm start` print about the schedule. */
export function formatScheduleLine(r: PipelineScheduleResult): string {
  const next = r.description.info.nextActionTimes[0];
  const state = r.description.state.paused ? `PAUSED${r.description.state.note ? ` (${r.description.state.note})` : ''}` : 'active';
  const line =
    `schedule ${r.scheduleId}: ${r.outcome}, ${state} — weekdays 09:30 ${SCHEDULE_TIMEZONE} (cron '${SCHEDULE_CRON}'), every UTC day` +
    (next ? `; next run ${formatInZone(next)} (${next.toISOString().slice(0, 16).replace('T', ' ')} UTC) -> ${formatDays(ownDays(next.getTime()))}` : '');
  if (!r.migratedFrom) return line;
  return (
    `${line}\n  migrated: its runs started workflow ${r.migratedFrom} for one day each (Fridays and Saturdays were never processed); ` +
    `they now start ${SCHEDULED_WORKFLOW_TYPE}, which processes every day since the previous slot and catches up missing days. Runs already started finish as they began.`
  );
}

/** The catch-up window a schedule's action gives its runs, or undefined for an action of the old kind. */
function actionCatchUpDays(d: ScheduleDescription): number | undefined {
  if (d.action.workflowType !== SCHEDULED_WORKFLOW_TYPE) return undefined;
  const parsed = ScheduledRunInput.safeParse(d.action.args?.[0]);
  return parsed.success ? parsed.data.catchUpDays : undefined;
}

/** What the ledger says the next run will catch up on and what lies beyond its window, as lines for `describe`. */
async function formatLedgerOutlook(symbol: string, next: Date, catchUpDays: number): Promise<string[]> {
  const window = catchUpWindow(next.getTime(), catchUpDays);
  const db = await openMigratedDatabase({ url: cliConfig().databaseUrl });
  try {
    const current = new Set(await currentDays(db, FLOW_GRAPH, symbol, window.from, window.to));
    const older = await missingDaysBefore(db, FLOW_GRAPH, symbol, window.from);
    const own = new Set(daysIn(ownDays(next.getTime())));
    const catchUp = older.firstDay === undefined ? [] : daysIn(window).filter((d) => d >= (older.firstDay ?? d) && !own.has(d) && !current.has(d));
    const lines = [`  ledger (${db.description}), catch-up window of the next run ${window.from} .. ${window.to} (${catchUpDays} days):`];
    lines.push(
      catchUp.length
        ? `    the next run also catches up on: ${dayRanges(catchUp).map((r) => formatDays(r)).join(', ')}`
        : '    no missing day in the window besides the next run\'s own',
    );
    if (older.spans.length) {
      lines.push(`    missing before the window (${older.days} day${older.days === 1 ? '' : 's'}; no run will do them):`);
      for (const span of older.spans) lines.push(`      ${formatDays(span)}`);
      lines.push(`    fill them with: ${backfillCommand(symbol, older.spans)}`);
    } else lines.push('    no missing day before the window');
    return lines;
  } finally {
    await db.close();
  }
}

/** A finished scheduled run's outcome per day (and what lies beyond its window), one line each; undefined for other runs. */
export async function scheduledRunDayLines(client: Client, workflowId: string, runId?: string): Promise<string[] | undefined> {
  const parsed = ScheduledRunResult.safeParse(await client.workflow.getHandle(workflowId, runId).result());
  if (!parsed.success) return undefined;
  const r = parsed.data;
  const lines = r.days.map((d) => `${dayLabel(d.day)}${d.own ? '' : ' (catch-up)'}  ${d.outcome}${d.error ? `  — ${d.error}` : ''}`);
  if (!lines.length) lines.push('no day to process (the days up to the last complete one belong to earlier slots)');
  if (r.missingBeforeWindowDays) lines.push(`${r.missingBeforeWindowDays} missing day(s) before its window ${r.window.from}; fill them with: ${r.backfillCommand}`);
  return lines;
}

/** Status of a workflow a schedule started, or `unknown` when it is gone (retention). */
async function runStatus(client: Client, workflowId: string, runId: string): Promise<string> {
  try {
    return (await client.workflow.getHandle(workflowId, runId).describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'unknown (expired)';
    throw err;
  }
}

/** The full description `schedule describe` prints. */
async function formatDescription(client: Client, d: ScheduleDescription, symbol: string): Promise<string> {
  const config = cliConfig();
  const lines = [
    `schedule ${d.scheduleId}  [${d.state.paused ? 'PAUSED' : 'active'}]${d.state.note ? `  note: ${d.state.note}` : ''}`,
    `  spec (time zone ${d.spec.timezone ?? 'UTC'}):`,
    ...formatCalendars(d).map((c) => `    ${c}`),
  ];
  if (d.spec.startAt) lines.push(`    not before ${d.spec.startAt.toISOString()}`);
  if (d.spec.endAt) lines.push(`    not after ${d.spec.endAt.toISOString()}`);
  lines.push(
    `  action: start workflow ${d.action.workflowType} ${JSON.stringify(d.action.args)} as ${d.action.workflowId}-<scheduled time> on task queue ${d.action.taskQueue}`,
    `  policies: overlap ${d.policies.overlap}, catch-up window ${Math.round(d.policies.catchupWindow / 3_600_000)} h, pause on failure ${d.policies.pauseOnFailure ? 'yes' : 'no'}`,
    `  actions taken ${d.info.numActionsTaken}, skipped for overlap ${d.info.numActionsSkippedOverlap}, missed the catch-up window ${d.info.numActionsMissedCatchupWindow}`,
    `  next runs (${SCHEDULE_TIMEZONE} = UTC -> the days each owns; each also catches up on missing days of its window):`,
    ...d.info.nextActionTimes.map((t) => `    ${formatRunTime(t)}`),
  );
  if (!d.info.nextActionTimes.length) lines.push('    none');
  const catchUpDays = actionCatchUpDays(d);
  if (catchUpDays === undefined) {
    lines.push(`  the action is of the old kind (one day per run); \`featureflow schedule create --symbol ${symbol}\` moves it to ${SCHEDULED_WORKFLOW_TYPE}`);
  } else if (d.info.nextActionTimes[0]) lines.push(...(await formatLedgerOutlook(symbol, d.info.nextActionTimes[0], catchUpDays)));
  lines.push('  recent actions:');
  if (!d.info.recentActions.length) lines.push('    none yet');
  for (const a of d.info.recentActions) {
    const w = a.action.workflow;
    const status = await runStatus(client, w.workflowId, w.firstExecutionRunId);
    lines.push(
      `    scheduled ${formatRunTime(a.scheduledAt)}  taken ${a.takenAt.toISOString()}`,
      `      ${w.workflowId}  [${status}]  ${workflowUiUrl(config, w.workflowId, w.firstExecutionRunId) ?? ''}`.trimEnd(),
    );
    const days = status === 'COMPLETED' ? await scheduledRunDayLines(client, w.workflowId, w.firstExecutionRunId) : undefined;
    for (const day of days ?? []) lines.push(`      ${day}`);
  }
  return lines.join('\n');
}

/** A handle of the symbol's schedule that exists; a missing one is a usage error saying how to create it. */
async function existingSchedule(symbol: string): Promise<{ client: Client; handle: ScheduleHandle; description: ScheduleDescription }> {
  const client = await cliClient();
  const handle = client.schedule.getHandle(pipelineScheduleId(symbol));
  try {
    return { client, handle, description: await handle.describe() };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) {
      throw new CliError(`No schedule ${pipelineScheduleId(symbol)}; create it with \`featureflow schedule create --symbol ${symbol}\``, ExitCode.usage);
    }
    throw err;
  }
}

/** Waits (up to `ms`) for the schedule to record an action it had not taken before `since`; returns its workflow id. */
async function waitForNewAction(handle: ScheduleHandle, known: number, ms: number): Promise<{ workflowId: string; runId: string } | undefined> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const d = await handle.describe();
    if (d.info.numActionsTaken > known && d.info.recentActions.length) {
      const w = d.info.recentActions[d.info.recentActions.length - 1].action.workflow;
      return { workflowId: w.workflowId, runId: w.firstExecutionRunId };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return undefined;
}

/** Registers `schedule` and its subcommands. */
export function registerSchedule(program: Command): void {
  const schedule = program
    .command('schedule')
    .description(`the daily pipeline schedule: weekdays 09:30 ${SCHEDULE_TIMEZONE}, one per symbol`);

  schedule
    .command('create')
    .description('create the daily schedule, or update it to the current definition (idempotent)')
    .option('--symbol <symbol>', 'market symbol', 'BTC-USD')
    .option('--paused', 'create (or set) it paused; without it an existing schedule keeps its paused state')
    .option('--note <text>', 'note stored with the state, e.g. why it is paused')
    .action(async (raw: Record<string, unknown>) => {
      const opts = parseOptions(CreateOptions, raw);
      const config = cliConfig();
      const result = await createOrUpdatePipelineSchedule(await cliClient(), {
        symbol: opts.symbol,
        taskQueue: config.taskQueue,
        source: config.source,
        ingestTaskQueue: config.ingestTaskQueue,
        paused: opts.paused,
        note: opts.note,
        catchUpDays: config.scheduleCatchUpDays,
      });
      console.log(formatScheduleLine(result));
      console.log(`  details: featureflow schedule describe --symbol ${opts.symbol}   (or: npm run temporal -- schedule describe --schedule-id ${result.scheduleId})`);
    });

  schedule
    .command('describe')
    .description('show the spec, state, next run times (New York and UTC) with the days each processes, missing days, and recent runs')
    .option('--symbol <symbol>', 'market symbol', 'BTC-USD')
    .option('--json', 'print the description as JSON')
    .action(async (raw: Record<string, unknown>) => {
      const opts = parseOptions(DescribeOptions, raw);
      const { client, description } = await existingSchedule(opts.symbol);
      if (opts.json) {
        const { raw: _raw, ...rest } = description;
        console.log(JSON.stringify(rest, null, 2));
      } else console.log(await formatDescription(client, description, opts.symbol));
    });

  schedule
    .command('pause')
    .description('stop taking scheduled runs until resumed (running ones continue)')
    .option('--symbol <symbol>', 'market symbol', 'BTC-USD')
    .option('--note <text>', 'why it is paused (shown by describe and the Web UI)')
    .action(async (raw: Record<string, unknown>) => {
      const opts = parseOptions(NoteOptions, raw);
      const { handle } = await existingSchedule(opts.symbol);
      await handle.pause(opts.note ?? `paused with featureflow at ${new Date().toISOString()}`);
      console.log(`schedule ${handle.scheduleId}: paused`);
    });

  schedule
    .command('resume')
    .description('take scheduled runs again (missed ones within the catch-up window are taken)')
    .option('--symbol <symbol>', 'market symbol', 'BTC-USD')
    .option('--note <text>', 'note stored with the state')
    .action(async (raw: Record<string, unknown>) => {
      const opts = parseOptions(NoteOptions, raw);
      const { handle } = await existingSchedule(opts.symbol);
      await handle.unpause(opts.note ?? `resumed with featureflow at ${new Date().toISOString()}`);
      const next = (await handle.describe()).info.nextActionTimes[0];
      console.log(`schedule ${handle.scheduleId}: active${next ? `; next run ${formatRunTime(next)}` : ''}`);
    });

  schedule
    .command('trigger')
    .description('start one scheduled run now (the days since the latest slot before now, and missing days of its window; days already current are skipped)')
    .option('--symbol <symbol>', 'market symbol', 'BTC-USD')
    .action(async (raw: Record<string, unknown>) => {
      const opts = parseOptions(SymbolOption, raw);
      const { handle, description } = await existingSchedule(opts.symbol);
      // The schedule's overlap policy applies: while a run is going, this one waits for it.
      await handle.trigger();
      console.log(`schedule ${handle.scheduleId}: this run owns ${formatDays(ownDays(Date.now()))}; days already current are skipped, so the next slot does not redo them`);
      const started = await waitForNewAction(handle, description.info.numActionsTaken, 10_000);
      if (!started) {
        console.log(`schedule ${handle.scheduleId}: triggered; the run will show in \`featureflow schedule describe --symbol ${opts.symbol}\``);
        return;
      }
      console.log(`schedule ${handle.scheduleId}: triggered ${started.workflowId}`);
      console.log(`  status: featureflow status ${started.workflowId}`);
      printUiLink(workflowUiUrl(cliConfig(), started.workflowId, started.runId));
    });

  schedule
    .command('delete')
    .description('delete the schedule (runs it started are kept)')
    .option('--symbol <symbol>', 'market symbol', 'BTC-USD')
    .action(async (raw: Record<string, unknown>) => {
      const opts = parseOptions(SymbolOption, raw);
      const { handle } = await existingSchedule(opts.symbol);
      await handle.delete();
      console.log(`schedule ${handle.scheduleId}: deleted`);
    });

  schedule
    .command('backfill')
    .description("Temporal's schedule backfill: take every run the schedule would have taken on these days (each processes its days that are not current)")
    .requiredOption('--from <YYYY-MM-DD>', 'first day whose scheduled runs to take (UTC)')
    .requiredOption('--to <YYYY-MM-DD>', 'last day whose scheduled runs to take (UTC)')
    .option('--symbol <symbol>', 'market symbol', 'BTC-USD')
    .option('--overlap <policy>', 'buffer-all: one after another, days in order (default); allow-all: all runs start at once', 'buffer-all')
    .action(async (raw: Record<string, unknown>) => {
      const opts = parseOptions(BackfillOptions, raw);
      const { handle } = await existingSchedule(opts.symbol);
      const start = new Date(dayStartMs(opts.from));
      // 09:30 New York always falls inside the same UTC day, so UTC day bounds select whole days' runs.
      const end = new Date(Math.min(dayStartMs(opts.to) + DAY_MS - 1, Date.now()));
      await handle.backfill({ start, end, overlap: opts.overlap === 'allow-all' ? 'ALLOW_ALL' : 'BUFFER_ALL' });
      console.log(`schedule ${handle.scheduleId}: backfill requested for scheduled times ${start.toISOString()} .. ${end.toISOString()} (${opts.overlap})`);
      console.log('  one run per weekday 09:30 New York in the range; each processes every UTC day since the previous slot (Monday -> Fri, Sat, Sun;');
      console.log('  Tuesday -> Mon) and missing days of its window, skipping days already current. `featureflow backfill` is the tool for long history.');
      console.log(`  watch: featureflow schedule describe --symbol ${opts.symbol}   or   npm run temporal -- workflow list --query "TemporalScheduledById='${handle.scheduleId}'"`);
    });
}
