/** The daily pipeline schedule (weekdays 09:30 America/New_York, one per symbol) through the client library. */
import type { ScheduleDescription, ScheduleHandle } from '@temporalio/client';
import { z } from 'zod';
import { IsoDate, MarketSymbol, MAX_RANGE_DAYS, rangeDays } from '../contracts';
import { DAY_MS, dayStartMs, lastCompleteDay } from '../core/dates';
import { createOrUpdatePipelineSchedule, pipelineScheduleId, type PipelineScheduleResult } from '../schedule/schedule';
import { sleep, typed, type ClientContext } from './context';
import { NotFoundError } from './errors';
import { usageFromZod } from './translate';

/** Create or update a symbol's schedule. */
export const ScheduleRequest = z
  .object({
    symbol: MarketSymbol.default('BTC-USD'),
    /** Create (or set) it paused; unset keeps an existing schedule's state. */
    paused: z.boolean().optional(),
    /** Note stored with the state. */
    note: z.string().max(500).optional(),
  })
  .strict();
export type ScheduleRequest = z.input<typeof ScheduleRequest>;

/** Take every run the schedule would have taken on these days (Temporal's schedule backfill). */
export const ScheduleBackfillRequest = z
  .object({
    symbol: MarketSymbol.default('BTC-USD'),
    from: IsoDate,
    to: IsoDate,
    /** buffer-all (default): one after another, so days run in order; allow-all: every run starts at once. */
    overlap: z.enum(['buffer-all', 'allow-all']).default('buffer-all'),
  })
  .strict()
  .refine((o) => o.from <= o.to, { path: ['to'], message: 'must not be before from' })
  .refine((o) => o.from <= lastCompleteDay(Date.now() + DAY_MS), { path: ['from'], message: 'must not be in the future (schedule backfill replays past times only)' })
  .refine((o) => rangeDays(o.from, o.to) <= MAX_RANGE_DAYS, { path: ['to'], message: `the range may span at most ${MAX_RANGE_DAYS} days` });
export type ScheduleBackfillRequest = z.input<typeof ScheduleBackfillRequest>;

/** One schedule as listed. */
export interface ScheduleSummary {
  readonly scheduleId: string;
  readonly paused: boolean;
  readonly nextRun?: Date;
}

/** Parses a request or throws a usage error. */
function parse<S extends z.ZodTypeAny>(schema: S, raw: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw usageFromZod(parsed.error, what);
  return parsed.data;
}

/** Schedule operations of one client. */
export class Schedules {
  /** @internal */
  constructor(private readonly ctx: ClientContext) {}

  /** The handle and description of a symbol's schedule; {@link NotFoundError} saying how to create it. */
  private async existing(symbol: string): Promise<{ handle: ScheduleHandle; description: ScheduleDescription }> {
    const id = pipelineScheduleId(parse(MarketSymbol, symbol, 'symbol'));
    const client = await this.ctx.temporal();
    const handle = client.schedule.getHandle(id);
    try {
      return { handle, description: await typed(this.ctx, () => handle.describe()) };
    } catch (err) {
      if (err instanceof NotFoundError) throw new NotFoundError(`no schedule ${id}; create it with \`featureflow schedule create --symbol ${symbol}\``, id);
      throw err;
    }
  }

  /** Creates the schedule, or updates it to the current definition (idempotent). */
  async create(raw: ScheduleRequest = {}): Promise<PipelineScheduleResult> {
    const r = parse(ScheduleRequest, raw, 'schedule request');
    const { config } = this.ctx;
    const client = await this.ctx.temporal();
    return typed(this.ctx, () =>
      createOrUpdatePipelineSchedule(client, {
        symbol: r.symbol,
        taskQueue: config.taskQueue,
        source: config.source,
        ingestTaskQueue: config.ingestTaskQueue,
        catchUpDays: config.scheduleCatchUpDays,
        paused: r.paused,
        note: r.note,
      }),
    );
  }

  /** The server's description: spec, state, next and recent runs. */
  async describe(symbol = 'BTC-USD'): Promise<ScheduleDescription> {
    return (await this.existing(symbol)).description;
  }

  /** Every featureflow pipeline schedule in the namespace. */
  async list(): Promise<ScheduleSummary[]> {
    const client = await this.ctx.temporal();
    return typed(this.ctx, async () => {
      const out: ScheduleSummary[] = [];
      for await (const s of client.schedule.list()) {
        if (!s.scheduleId.startsWith(pipelineScheduleId(''))) continue;
        out.push({ scheduleId: s.scheduleId, paused: s.state.paused, ...(s.info.nextActionTimes[0] ? { nextRun: s.info.nextActionTimes[0] } : {}) });
      }
      return out;
    });
  }

  /** Stops taking scheduled runs until resumed. */
  async pause(symbol = 'BTC-USD', note?: string): Promise<void> {
    const { handle } = await this.existing(symbol);
    await typed(this.ctx, () => handle.pause(note ?? `paused with featureflow at ${new Date().toISOString()}`));
  }

  /** Takes scheduled runs again; returns the next run time. */
  async resume(symbol = 'BTC-USD', note?: string): Promise<Date | undefined> {
    const { handle } = await this.existing(symbol);
    await typed(this.ctx, () => handle.unpause(note ?? `resumed with featureflow at ${new Date().toISOString()}`));
    return (await typed(this.ctx, () => handle.describe())).info.nextActionTimes[0];
  }

  /** Starts one scheduled run now; resolves with its IDs once the schedule recorded it (undefined after `waitMs`). */
  async trigger(symbol = 'BTC-USD', waitMs = 10_000): Promise<{ workflowId: string; runId: string } | undefined> {
    const { handle, description } = await this.existing(symbol);
    const known = description.info.numActionsTaken;
    await typed(this.ctx, () => handle.trigger());
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      const d = await typed(this.ctx, () => handle.describe());
      if (d.info.numActionsTaken > known && d.info.recentActions.length) {
        const w = d.info.recentActions[d.info.recentActions.length - 1].action.workflow;
        return { workflowId: w.workflowId, runId: w.firstExecutionRunId };
      }
      await sleep(250);
    }
    return undefined;
  }

  /** Deletes the schedule (runs it started are kept). */
  async delete(symbol = 'BTC-USD'): Promise<void> {
    const { handle } = await this.existing(symbol);
    await typed(this.ctx, () => handle.delete());
  }

  /** Temporal's schedule backfill over whole UTC days; returns the scheduled-time window requested. */
  async backfill(raw: ScheduleBackfillRequest): Promise<{ start: Date; end: Date }> {
    const r = parse(ScheduleBackfillRequest, raw, 'schedule backfill request');
    const { handle } = await this.existing(r.symbol);
    const start = new Date(dayStartMs(r.from));
    // 09:30 New York always falls inside the same UTC day, so UTC day bounds select whole days' runs.
    const end = new Date(Math.min(dayStartMs(r.to) + DAY_MS - 1, Date.now()));
    await typed(this.ctx, () => handle.backfill({ start, end, overlap: r.overlap === 'allow-all' ? 'ALLOW_ALL' : 'BUFFER_ALL' }));
    return { start, end };
  }
}
