/**
 * The daily pipeline schedule on a real dev server: the weekday 09:30 New York calendar across
 * a DST change (as the server computes it), idempotent create-or-update, a triggered run that
 * derives its partition from its scheduled time, and Temporal's own schedule backfill.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Client, ScheduleDescription } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PipelineResult, ingestRefOf } from '../../src/contracts';
import {
  createOrUpdatePipelineSchedule,
  pipelineScheduleId,
  scheduledPartition,
  SCHEDULE_TIMEZONE,
  scheduledWorkflowIdPrefix,
} from '../../src/schedule';
import { startDevServerEnv, startStack, type TestStack } from '../helpers/stack';

const ScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** Wall-clock weekday and time of an instant in New York, e.g. `Mon 09:30`. */
function newYorkClock(d: Date): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: SCHEDULE_TIMEZONE, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
}

/** Polls the schedule until `ready` holds for its description (actions are taken asynchronously). */
async function waitForSchedule(client: Client, scheduleId: string, ready: (d: ScheduleDescription) => boolean): Promise<ScheduleDescription> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const d = await client.schedule.getHandle(scheduleId).describe();
    if (ready(d)) return d;
    if (Date.now() > deadline) throw new Error(`schedule ${scheduleId} did not reach the expected state; recent actions: ${JSON.stringify(d.info.recentActions)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Awaits a scheduled run and returns its typed result and its TemporalScheduledStartTime. */
async function scheduledRun(client: Client, workflowId: string, runId: string) {
  const handle = client.workflow.getHandle(workflowId, runId);
  const result = PipelineResult.parse(await handle.result());
  const scheduledAt = (await handle.describe()).typedSearchAttributes.get(ScheduledStartTime);
  if (!scheduledAt) throw new Error(`${workflowId} has no TemporalScheduledStartTime`);
  return { result, scheduledAt };
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

  it('a triggered run processes the last complete UTC day before its scheduled time', async () => {
    const { handle, scheduleId } = await createOrUpdatePipelineSchedule(stack.client, { symbol: 'BTC-USD', taskQueue: stack.config.taskQueue });
    await handle.trigger();
    const d = await waitForSchedule(stack.client, scheduleId, (x) => x.info.recentActions.length >= 1);
    const action = d.info.recentActions[0].action.workflow;
    expect(action.workflowId.startsWith(`${scheduledWorkflowIdPrefix('BTC-USD')}-`)).toBe(true);

    const { result, scheduledAt } = await scheduledRun(stack.client, action.workflowId, action.firstExecutionRunId);
    expect(result.date).toBe(scheduledPartition(scheduledAt));
    // The rule, spelled out: the UTC day before the scheduled instant's own UTC day.
    const dayBefore = new Date(Date.UTC(scheduledAt.getUTCFullYear(), scheduledAt.getUTCMonth(), scheduledAt.getUTCDate() - 1));
    expect(result.date).toBe(dayBefore.toISOString().slice(0, 10));
    expect(ingestRefOf(result).rows).toBe(1440);
  });

  it('schedule backfill over a past week starts one run per weekday, each on its own partition', async () => {
    const { handle, scheduleId } = await createOrUpdatePipelineSchedule(stack.client, { symbol: 'ETH-USD', taskQueue: stack.config.taskQueue });
    // Monday 2024-01-08 .. Sunday 2024-01-14 (EST: 09:30 New York is 14:30 UTC).
    await handle.backfill({ start: new Date('2024-01-08T00:00:00Z'), end: new Date('2024-01-15T00:00:00Z'), overlap: 'ALLOW_ALL' });
    const d = await waitForSchedule(stack.client, scheduleId, (x) => x.info.recentActions.length >= 5);
    expect(d.info.recentActions).toHaveLength(5);
    expect(d.info.recentActions.map((a) => a.scheduledAt.toISOString()).sort()).toEqual([
      '2024-01-08T14:30:00.000Z',
      '2024-01-09T14:30:00.000Z',
      '2024-01-10T14:30:00.000Z',
      '2024-01-11T14:30:00.000Z',
      '2024-01-12T14:30:00.000Z',
    ]);
    const runs = await Promise.all(d.info.recentActions.map((a) => scheduledRun(stack.client, a.action.workflow.workflowId, a.action.workflow.firstExecutionRunId)));
    for (const r of runs) expect(r.result.date).toBe(scheduledPartition(r.scheduledAt));
    // Monday's run does Sunday, ..., Friday's does Thursday.
    expect(runs.map((r) => r.result.date).sort()).toEqual(['2024-01-07', '2024-01-08', '2024-01-09', '2024-01-10', '2024-01-11']);
  });
});
