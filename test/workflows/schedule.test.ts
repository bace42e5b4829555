/**
 * The daily pipeline schedule on a real dev server: the weekday 09:30 New York calendar across
 * a DST change (as the server computes it), idempotent create-or-update and the move of old
 * schedules to the new action, and scheduled runs (triggered, or replayed at chosen times with
 * Temporal's schedule backfill) that materialize every UTC day: Monday's run does Fri-Sun, a run
 * after missed slots fills the gap, a day done by hand is skipped, overlapping runs never do a
 * day twice, and `schedule backfill` over Monday to Monday leaves no day missing.
 */
import { runCli } from '../helpers/run-cli';
import { ApplicationFailure } from '@temporalio/common';
import { ScheduleOverlapPolicy, type Client, type ScheduleDescription, type ScheduleHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { PartitionState } from '../../src/cli/assets';
import { ScheduledRunResult } from '../../src/contracts';
import { pipelineWorkflowId } from '../../src/core/ids';
import { createOrUpdatePipelineSchedule, pipelineScheduleId, SCHEDULE_TIMEZONE, scheduledWorkflowIdPrefix } from '../../src/schedule/schedule';
import { daysIn, ownDays } from '../../src/schedule/days';
import { PartitionKey, ScheduledStartTimeKey } from '../../src/core/search-attributes';
import { defaultSources } from '../../src/sources';
import { TEST_SYMBOLS, testSyntheticSource as syntheticSource } from '../helpers/sources';
import { startDevServerEnv, startStack, type TestStack } from '../helpers/stack';

/** Wall-clock weekday and time of an instant in New York, e.g. `Mon 09:30`. */
function newYorkClock(d: Date): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: SCHEDULE_TIMEZONE, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
}

/** Polls the schedule until `ready` holds for its description (actions are taken asynchronously). */
async function waitForSchedule(client: Client, scheduleId: string, ready: (d: ScheduleDescription) => boolean, ms = 30_000): Promise<ScheduleDescription> {
  const deadline = Date.now() + ms;
  for (;;) {
    const d = await client.schedule.getHandle(scheduleId).describe();
    if (ready(d)) return d;
    if (Date.now() > deadline) throw new Error(`schedule ${scheduleId} did not reach the expected state; recent actions: ${JSON.stringify(d.info.recentActions)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A finished scheduled run: its TemporalScheduledStartTime and typed result. */
interface FinishedRun {
  readonly scheduledAt: Date;
  readonly result: ScheduledRunResult;
}

/** Awaits a scheduled run and returns its typed result and its TemporalScheduledStartTime. */
async function finishedRun(client: Client, workflowId: string, runId: string): Promise<FinishedRun> {
  const handle = client.workflow.getHandle(workflowId, runId);
  const result = ScheduledRunResult.parse(await handle.result());
  const scheduledAt = (await handle.describe()).typedSearchAttributes.get(ScheduledStartTimeKey);
  if (!scheduledAt) throw new Error(`${workflowId} has no TemporalScheduledStartTime`);
  return { result, scheduledAt };
}

/** Waits until the schedule has taken `count` actions in all, and returns those runs finished, oldest scheduled time first. */
async function runsOf(client: Client, handle: ScheduleHandle, count: number): Promise<FinishedRun[]> {
  const d = await waitForSchedule(client, handle.scheduleId, (x) => x.info.recentActions.length >= count, 60_000);
  const runs = await Promise.all(d.info.recentActions.map((a) => finishedRun(client, a.action.workflow.workflowId, a.action.workflow.firstExecutionRunId)));
  return runs.sort((a, b) => a.scheduledAt.getTime() - b.scheduledAt.getTime());
}

/** A run's days as `day outcome` (catch-up days marked), for readable assertions. */
const outcomes = (r: FinishedRun): string[] => r.result.days.map((d) => `${d.day} ${d.outcome}${d.own ? '' : ' (catch-up)'}`);

/** Takes the schedule's runs of exactly the given scheduled instants (a schedule backfill of a one-minute span each). */
async function takeSlots(handle: ScheduleHandle, slots: readonly string[]): Promise<void> {
  for (const slot of slots) {
    const t = new Date(slot);
    await handle.backfill({ start: t, end: new Date(t.getTime() + 60_000), overlap: ScheduleOverlapPolicy.BUFFER_ALL });
  }
}

describe('daily pipeline schedule on a real dev server', () => {
  let server: TestWorkflowEnvironment;
  let stack: TestStack;

  beforeAll(async () => {
    server = await startDevServerEnv();
    stack = await startStack({ server });
  });
  afterAll(async () => {
    await stack?.stop();
    await server?.teardown();
  });

  it('next action times are 09:30 New York on weekdays, across the March 2027 DST change', async () => {
    // Starting on Monday 2027-03-08, the next ten runs straddle Sunday 2027-03-14 (EST -> EDT).
    const { description } = await createOrUpdatePipelineSchedule(stack.client, {
      symbol: 'SOL-USD',
      taskQueue: stack.config.taskQueue,
      startAt: new Date('2027-03-08T00:00:00Z'),
    });
    const times = description.info.nextActionTimes;
    expect(times.length).toBeGreaterThanOrEqual(10);
    for (const t of times) expect(newYorkClock(t)).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:30$/);
    const firstTen = times.slice(0, 10).map((t) => t.toISOString());
    expect(firstTen).toEqual([
      '2027-03-08T14:30:00.000Z',
      '2027-03-09T14:30:00.000Z',
      '2027-03-10T14:30:00.000Z',
      '2027-03-11T14:30:00.000Z',
      '2027-03-12T14:30:00.000Z',
      // Daylight saving time from 2027-03-14: 09:30 EDT is 13:30 UTC.
      '2027-03-15T13:30:00.000Z',
      '2027-03-16T13:30:00.000Z',
      '2027-03-17T13:30:00.000Z',
      '2027-03-18T13:30:00.000Z',
      '2027-03-19T13:30:00.000Z',
    ]);
    expect(description.spec.timezone).toBe(SCHEDULE_TIMEZONE);
    expect(description.policies.overlap).toBe('BUFFER_ONE');
    expect(description.policies.catchupWindow).toBe(86_400_000);
    expect(description.action.workflowId).toBe(scheduledWorkflowIdPrefix('SOL-USD'));
  });

  it('create is idempotent: twice gives one schedule with the same spec; a changed option updates it', async () => {
    const options = { symbol: 'ADA-USD', taskQueue: stack.config.taskQueue, startAt: new Date('2027-03-08T00:00:00Z') };
    const first = await createOrUpdatePipelineSchedule(stack.client, options);
    const second = await createOrUpdatePipelineSchedule(stack.client, options);
    expect(first.outcome).toBe('created');
    expect(second.outcome).toBe('unchanged');
    expect(second.description.spec).toEqual(first.description.spec);
    expect(second.description.info.nextActionTimes).toEqual(first.description.info.nextActionTimes);

    // Listing is eventually consistent: wait until the schedule shows, then count it.
    let listed: string[] = [];
    for (let i = 0; i < 50 && !listed.length; i++) {
      listed = [];
      for await (const s of stack.client.schedule.list()) if (s.scheduleId === pipelineScheduleId('ADA-USD')) listed.push(s.scheduleId);
      if (!listed.length) await new Promise((r) => setTimeout(r, 200));
    }
    expect(listed).toHaveLength(1);

    // Pausing and moving the start are changes of the definition: the same schedule is updated.
    const third = await createOrUpdatePipelineSchedule(stack.client, { ...options, startAt: new Date('2027-04-05T00:00:00Z'), paused: true, note: 'test' });
    expect(third.outcome).toBe('updated');
    expect(third.description.state.paused).toBe(true);
    expect(third.description.spec.startAt?.toISOString()).toBe('2027-04-05T00:00:00.000Z');
    // Unset `paused` keeps the state someone chose.
    const fourth = await createOrUpdatePipelineSchedule(stack.client, { ...options, startAt: new Date('2027-04-05T00:00:00Z') });
    expect(fourth.outcome).toBe('unchanged');
    expect(fourth.description.state.paused).toBe(true);
  });

  it('an old schedule that started pipeline for one day is moved to scheduledRun in place, saying so', async () => {
    const symbol = 'XLM-USD';
    const scheduleId = pipelineScheduleId(symbol);
    // The definition as released before: the pipeline itself, one day per slot.
    await stack.client.schedule.create({
      scheduleId,
      spec: { cronExpressions: ['30 9 * * 1-5'], timezone: SCHEDULE_TIMEZONE },
      action: { type: 'startWorkflow', workflowType: 'pipeline', args: [{ symbol, source: 'synthetic' }], workflowId: scheduledWorkflowIdPrefix(symbol), taskQueue: stack.config.taskQueue },
      state: { paused: true, note: 'paused on purpose' },
    });
    // `featureflow schedule create` (as `npm start` does) moves it and says so.
    const created = await runCli(stack, ['schedule', 'create', '--symbol', symbol]);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`schedule ${scheduleId}: updated, PAUSED (paused on purpose)`);
    expect(created.stdout).toContain('migrated: its runs started workflow pipeline for one day each (Fridays and Saturdays were never processed); they now start scheduledRun');
    const moved = await stack.client.schedule.getHandle(scheduleId).describe();
    expect(moved.action.workflowType).toBe('scheduledRun');
    expect(moved.action.args).toEqual([{ symbol, source: 'synthetic', catchUpDays: 14 }]);
    expect(moved.state.paused).toBe(true);
    const again = await createOrUpdatePipelineSchedule(stack.client, { symbol, taskQueue: stack.config.taskQueue });
    expect(again.outcome).toBe('unchanged');
    expect(again.migratedFrom).toBeUndefined();
  });

  it('a Monday run materializes Friday, Saturday and Sunday; a run after two missed slots fills the gap and skips a day done by hand', async () => {
    const symbol = 'LTC-USD';
    const { handle } = await createOrUpdatePipelineSchedule(stack.client, { symbol, taskQueue: stack.config.taskQueue, paused: true });
    // Monday 2024-01-08 09:30 EST on an empty ledger: its own three days, nothing else.
    await takeSlots(handle, ['2024-01-08T14:30:00Z']);
    const [monday] = await runsOf(stack.client, handle, 1);
    expect(monday.result.ownDays).toEqual({ from: '2024-01-05', to: '2024-01-07' });
    expect(outcomes(monday)).toEqual(['2024-01-05 materialized', '2024-01-06 materialized', '2024-01-07 materialized']);
    expect(monday.result.days.map((d) => d.workflowId)).toEqual(['2024-01-05', '2024-01-06', '2024-01-07'].map((d) => pipelineWorkflowId(symbol, d)));
    expect(monday.result.status).toBe('completed');

    // Tuesday's and Wednesday's slots are missed (server down); Wednesday's day is run by hand meanwhile.
    await stack.client.workflow.execute('pipeline', { taskQueue: stack.config.taskQueue, workflowId: pipelineWorkflowId(symbol, '2024-01-10'), args: [{ symbol, date: '2024-01-10' }] });
    await takeSlots(handle, ['2024-01-11T14:30:00Z']);
    const thursday = (await runsOf(stack.client, handle, 2))[1];
    expect(thursday.result.ownDays).toEqual({ from: '2024-01-10', to: '2024-01-10' });
    expect(outcomes(thursday)).toEqual(['2024-01-08 materialized (catch-up)', '2024-01-09 materialized (catch-up)', '2024-01-10 already-current']);
    expect(thursday.result.window).toEqual({ from: '2023-12-28', to: '2024-01-10' });
    // Days before the symbol's first ledger day are not "missing": nothing was ever asked for them.
    expect(thursday.result.missingBeforeWindowDays).toBe(0);
    // The run names its days: in the Partition search attribute and in the Web UI's details.
    const action = (await handle.describe()).info.recentActions.find((a) => a.scheduledAt.toISOString() === '2024-01-11T14:30:00.000Z')!.action.workflow;
    const described = await stack.client.workflow.getHandle(action.workflowId, action.firstExecutionRunId).describe();
    expect(described.typedSearchAttributes.get(PartitionKey)).toEqual(['2024-01-08', '2024-01-09', '2024-01-10']);
    expect(await described.staticSummary()).toContain('every UTC day since the previous weekday 09:30');
    // The Web UI shows a run's current details from this built-in query.
    const metadata = await stack.client.workflow.getHandle(action.workflowId, action.firstExecutionRunId).query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails?.split('\n').slice(1)).toEqual(['Mon 2024-01-08 (catch-up): materialized', 'Tue 2024-01-09 (catch-up): materialized', 'Wed 2024-01-10: already-current']);
    // `featureflow status` lists the per-day outcomes under the run tree.
    const status = await runCli(stack, ['status', action.workflowId]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('days:\n  Mon 2024-01-08 (catch-up)  materialized\n  Tue 2024-01-09 (catch-up)  materialized\n  Wed 2024-01-10  already-current\n');
  });

  it('runs on either side of the March 2024 DST change own the same days as their neighbours', async () => {
    const symbol = 'BNB-USD';
    const { handle } = await createOrUpdatePipelineSchedule(stack.client, { symbol, taskQueue: stack.config.taskQueue, paused: true });
    // Friday 2024-03-08 .. Tuesday 2024-03-12: the clocks change on Sunday 2024-03-10 (EST -> EDT).
    await handle.backfill({ start: new Date('2024-03-08T00:00:00Z'), end: new Date('2024-03-12T23:59:00Z'), overlap: ScheduleOverlapPolicy.BUFFER_ALL });
    const runs = await runsOf(stack.client, handle, 3);
    expect(runs.map((r) => r.scheduledAt.toISOString())).toEqual(['2024-03-08T14:30:00.000Z', '2024-03-11T13:30:00.000Z', '2024-03-12T13:30:00.000Z']);
    expect(runs.map((r) => newYorkClock(r.scheduledAt))).toEqual(['Fri 09:30', 'Mon 09:30', 'Tue 09:30']);
    expect(runs.map(outcomes)).toEqual([
      ['2024-03-07 materialized'],
      ['2024-03-08 materialized', '2024-03-09 materialized', '2024-03-10 materialized'],
      ['2024-03-11 materialized'],
    ]);
  });

  it('a triggered run owns the days since the latest slot before now: the next slot will find them current', async () => {
    const symbol = 'BTC-USD';
    const { handle } = await createOrUpdatePipelineSchedule(stack.client, { symbol, taskQueue: stack.config.taskQueue, paused: true });
    await handle.trigger();
    const [run] = await runsOf(stack.client, handle, 1);
    // Which days depends on when the test runs (none right after a slot); the rule does not.
    const own = ownDays(run.scheduledAt.getTime());
    expect(run.result.ownDays).toEqual(own ?? null);
    expect(run.result.days.map((d) => `${d.day} ${d.outcome}`)).toEqual(daysIn(own).map((d) => `${d} materialized`));
  });

  it('overlapping runs never run a day twice at once: a day two runs want is materialized by one, the other waits and finds it current', async () => {
    const symbol = 'DOT-USD';
    const { handle } = await createOrUpdatePipelineSchedule(stack.client, { symbol, taskQueue: stack.config.taskQueue, paused: true });
    // Monday done by hand, so Tuesday onwards is a gap every later run wants to fill.
    await stack.client.workflow.execute('pipeline', { taskQueue: stack.config.taskQueue, workflowId: pipelineWorkflowId(symbol, '2024-01-08'), args: [{ symbol, date: '2024-01-08' }] });
    // Wednesday's, Thursday's and Friday's slots all at once (ALLOW_ALL): all three start with Tuesday.
    await handle.backfill({ start: new Date('2024-01-10T00:00:00Z'), end: new Date('2024-01-12T23:59:00Z'), overlap: ScheduleOverlapPolicy.ALLOW_ALL });
    const runs = await runsOf(stack.client, handle, 3);
    expect(runs.map((r) => r.result.days.filter((d) => d.own).map((d) => d.day))).toEqual([['2024-01-09'], ['2024-01-10'], ['2024-01-11']]);
    // Which run gets a shared gap day first is a race; that each day is done exactly once is not.
    const byDay = new Map<string, string[]>();
    for (const d of runs.flatMap((r) => r.result.days)) byDay.set(d.day, [...(byDay.get(d.day) ?? []), d.outcome]);
    expect([...byDay.keys()].sort()).toEqual(['2024-01-09', '2024-01-10', '2024-01-11']);
    for (const [day, seen] of byDay) {
      expect([day, seen.filter((o) => o === 'materialized').length]).toEqual([day, 1]);
      expect([day, seen.filter((o) => o !== 'materialized' && o !== 'already-current')]).toEqual([day, []]);
    }
  });

  it('days older than the catch-up window are listed as missing with the backfill command, not run', async () => {
    const symbol = 'AVAX-USD';
    const { handle } = await createOrUpdatePipelineSchedule(stack.client, { symbol, taskQueue: stack.config.taskQueue, paused: true, catchUpDays: 3 });
    // The symbol's history starts on 2024-01-01; nothing after it until Monday 2024-01-15's slot.
    await stack.client.workflow.execute('pipeline', { taskQueue: stack.config.taskQueue, workflowId: pipelineWorkflowId(symbol, '2024-01-01'), args: [{ symbol, date: '2024-01-01' }] });
    await takeSlots(handle, ['2024-01-15T14:30:00Z']);
    const [run] = await runsOf(stack.client, handle, 1);
    expect(run.result.window).toEqual({ from: '2024-01-12', to: '2024-01-14' });
    expect(outcomes(run)).toEqual(['2024-01-12 materialized', '2024-01-13 materialized', '2024-01-14 materialized']);
    expect(run.result.missingBeforeWindow).toEqual([{ from: '2024-01-02', to: '2024-01-11', days: 10 }]);
    expect(run.result.missingBeforeWindowDays).toBe(10);
    expect(run.result.backfillCommand).toBe(`featureflow backfill --symbol ${symbol} --flow evaluate --with-upstream --from 2024-01-02 --to 2024-01-11`);

    // `schedule describe` says which days the next runs own and what lies beyond the window (next runs from March 2027).
    await createOrUpdatePipelineSchedule(stack.client, { symbol, taskQueue: stack.config.taskQueue, paused: false, catchUpDays: 3, startAt: new Date('2027-03-08T00:00:00Z') });
    const described = await runCli(stack, ['schedule', 'describe', '--symbol', symbol]);
    expect(described.code).toBe(0);
    expect(described.stdout).toContain('Mon 2027-03-08 09:30 EST  =  2027-03-08 14:30 UTC  -> Fri 2027-03-05 .. Sun 2027-03-07 (3 days)');
    expect(described.stdout).toContain('Tue 2027-03-09 09:30 EST  =  2027-03-09 14:30 UTC  -> Mon 2027-03-08');
    expect(described.stdout).toContain('Mon 2027-03-15 09:30 EDT  =  2027-03-15 13:30 UTC  -> Fri 2027-03-12 .. Sun 2027-03-14 (3 days)');
    expect(described.stdout).toMatch(/missing before the window \(\d+ days; no run will do them\)/);
    expect(described.stdout).toContain(`fill them with: featureflow backfill --symbol ${symbol} --flow evaluate --with-upstream --from 2024-01-02 --to 2027-03-04`);
    expect(described.stdout).toContain('Fri 2024-01-12  materialized');
  });

  it('a failed day is reported with its root cause, and later days wait for the next run (they need its candles)', async () => {
    const broken = await startStack({
      server,
      sources: {
        ...defaultSources({ symbols: TEST_SYMBOLS }),
        synthetic: {
          ...syntheticSource,
          async fetchDay() {
            throw ApplicationFailure.nonRetryable('exchange returned a malformed page (test fault)', 'SourceDataInvalid');
          },
        },
      },
    });
    try {
      const symbol = 'ATOM-USD';
      const { handle } = await createOrUpdatePipelineSchedule(broken.client, { symbol, taskQueue: broken.config.taskQueue, paused: true });
      await takeSlots(handle, ['2024-01-08T14:30:00Z']);
      const [run] = await runsOf(broken.client, handle, 1);
      expect(run.result.status).toBe('completed-with-failures');
      expect(run.result.days.map((d) => d.outcome)).toEqual(['failed', 'not-attempted', 'not-attempted']);
      // The root cause line names the path down to the failing activity.
      expect(run.result.days[0].error).toBe('pipeline › ingest › ingestCandles › SourceDataInvalid: exchange returned a malformed page (test fault)');
      expect(run.result.days[1].error).toContain('2024-01-05 failed first');
    } finally {
      await broken.stop();
    }
  });

  it("done when: `schedule backfill` over Monday to Monday on an empty database leaves every day materialized and `assets` shows none missing", async () => {
    const symbol = 'ETH-USD';
    const { handle } = await createOrUpdatePipelineSchedule(stack.client, { symbol, taskQueue: stack.config.taskQueue, paused: true });
    const backfill = await runCli(stack, ['schedule', 'backfill', '--symbol', symbol, '--from', '2024-01-08', '--to', '2024-01-15']);
    expect(backfill.stderr).toBe('');
    expect(backfill.code).toBe(0);
    const runs = await runsOf(stack.client, handle, 6);
    expect(runs.map((r) => newYorkClock(r.scheduledAt))).toEqual(['Mon 09:30', 'Tue 09:30', 'Wed 09:30', 'Thu 09:30', 'Fri 09:30', 'Mon 09:30']);
    expect(runs.flatMap((r) => r.result.days.map((d) => d.outcome))).toEqual(Array(10).fill('materialized'));

    const assets = await runCli(stack, ['assets', '--symbol', symbol, '--from', '2024-01-08', '--to', '2024-01-14', '--json']);
    expect(assets.code).toBe(0);
    const states = JSON.parse(assets.stdout) as PartitionState[];
    // Every asset of the flow graph (candles, each feature table, D's scores of each) on every day.
    const assetNames = new Set(states.map((s) => s.asset));
    expect(assetNames).toEqual(new Set(['candles', 'features_b', 'features_c', 'features_e', 'evaluations/b', 'evaluations/c', 'evaluations/e']));
    expect(states).toHaveLength(assetNames.size * 7);
    expect(states.filter((s) => s.state !== 'materialized')).toEqual([]);
  });
});
