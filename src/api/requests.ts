/**
 * What a caller asks the client library for, as zod schemas: the flow contracts of
 * `src/contracts.ts` plus what only a client knows (today's last complete day). Validated before
 * anything reaches Temporal; a failure is a {@link UsageError} with each issue's field path.
 */
import { z } from 'zod';
import { FlowName, IsoDate, MarketSymbol, rangeDays, SourceName } from '../contracts';
import { lastCompleteDay } from '../core/dates';

/** A day must be complete (in UTC) before the pipeline can process it. */
function completeDay(day: string | undefined, ctx: z.RefinementCtx, path: string): void {
  const latest = lastCompleteDay(Date.now());
  if (day !== undefined && day > latest) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message: `${day} is not a complete UTC day yet (latest: ${latest})` });
}

/** Run the daily pipeline for one symbol and day. */
export const PipelineRequest = z
  .object({
    /** Market symbol, default BTC-USD. */
    symbol: MarketSymbol.default('BTC-USD'),
    /** UTC day, default the last complete one. */
    date: IsoDate.optional(),
    /** Market source; default the configured FEATUREFLOW_SOURCE. */
    source: SourceName.optional(),
  })
  .strict()
  .superRefine((r, ctx) => completeDay(r.date, ctx, 'date'));
export type PipelineRequest = z.input<typeof PipelineRequest>;

/**
 * Materialize flows over a date range. The fields are {@link BackfillInput}'s, minus what the
 * client fills in from configuration (source, ingest task queue) and what the workflow sets itself.
 */
export const BackfillRequest = z
  .object({
    symbols: z.array(MarketSymbol).min(1).max(50).default(['BTC-USD']),
    flows: z.array(FlowName).min(1, 'give at least one flow'),
    from: IsoDate,
    to: IsoDate,
    concurrency: z.number().int().optional(),
    chunkDays: z.number().int().optional(),
    maxFailures: z.number().int().optional(),
    conflictWaitSeconds: z.number().int().optional(),
    /** Seconds without a heartbeat before a dead worker's activity is retried elsewhere (default 10). */
    heartbeatTimeoutSeconds: z.number().int().optional(),
    withUpstream: z.boolean().optional(),
    force: z.boolean().optional(),
    source: SourceName.optional(),
  })
  .strict()
  .superRefine((r, ctx) => completeDay(r.to, ctx, 'to'));
export type BackfillRequest = z.input<typeof BackfillRequest>;

/** Which materializations to list: one symbol, an inclusive day range. */
export const AssetsRequest = z
  .object({ symbol: MarketSymbol.default('BTC-USD'), from: IsoDate, to: IsoDate })
  .strict()
  .refine((r) => r.from <= r.to, { path: ['to'], message: 'must not be before from' });
export type AssetsRequest = z.input<typeof AssetsRequest>;

/** A filter of runs (visibility query); every field optional. */
export const RunsFilter = z
  .object({
    /** Workflow flow: pipeline, ingest, features-b, features-c, evaluate, backfill. */
    flow: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a flow name like features-c').optional(),
    symbol: MarketSymbol.optional(),
    /** Runs covering a day from `from` to `to` (either alone: that one day); at most 366 days. */
    from: IsoDate.optional(),
    /** See `from`. */
    to: IsoDate.optional(),
    status: z.enum(['running', 'completed', 'failed', 'cancelled', 'terminated', 'timed-out', 'continued']).optional(),
    /** Most runs returned, newest first (default 100). */
    limit: z.number().int().min(1).max(10_000).default(100),
  })
  .strict()
  .refine((r) => !r.from || !r.to || r.from <= r.to, { path: ['to'], message: 'must not be before from' })
  .refine((r) => !r.from || !r.to || rangeDays(r.from, r.to) <= 366, { path: ['to'], message: 'list runs of at most 366 days at a time' });
export type RunsFilter = z.input<typeof RunsFilter>;
