/**
 * The scheduled run's ledger check: which of its days the ledger already has at this build's
 * code versions, and which older days are missing. "Current" is decided by the same rules as
 * `featureflow assets` and the backfill planner (`src/backfill/asset-states.ts` over the
 * worker's flow graph), so the three never disagree about a day. `schedule describe` calls the
 * same functions directly.
 */
import { z } from 'zod';
import { IsoDate, MarketSymbol, type DaySpan } from '../contracts';
import { assetLines, classify } from '../backfill/asset-states';
import { addDays, daysOf } from '../core/dates';
import { listMaterializations } from '../db/ledger';
import type { Db } from '../db/schema';
import { parseInput } from '../core/failures';
import type { FlowGraph } from '../flows/graph';
import { dayRanges } from '../schedule/days';
import type { ActivityDeps } from './deps';
import { evaluationCodeVersion } from './evaluate';
import { graphOf } from './flows';

/** The assets a day needs to count as materialized: every one the graph's active flows write. */
function activeLines(graph: FlowGraph) {
  return assetLines(graph, evaluationCodeVersion).filter((l) => !l.retired);
}

/** Most spans of older missing days a result lists; the day count covers the rest. */
export const MAX_MISSING_SPANS = 20;

/** Input of the ledger check. */
export const ScheduledDaysInput = z
  .object({ symbol: MarketSymbol, from: IsoDate, to: IsoDate })
  .refine((r) => r.from <= r.to, { message: 'from must not be after to', path: ['to'] });
export type ScheduledDaysInput = z.infer<typeof ScheduledDaysInput>;

/** What the ledger says about a scheduled run's window. */
export interface ScheduledDaysStatus {
  /** Days of the window whose every asset is materialized at this build's code version. */
  readonly current: string[];
  /** The first day the ledger has anything for the symbol; undefined on an empty ledger. */
  readonly firstDay?: string;
  /** Days before the window, since {@link firstDay}, with some asset not materialized (at most {@link MAX_MISSING_SPANS} spans). */
  readonly missingBefore: DaySpan[];
  /** How many such days there are in total. */
  readonly missingBeforeDays: number;
}

/** Days of `from..to` on which every active asset is materialized and not stale, as `featureflow assets` would show them. */
export async function currentDays(db: Db, graph: FlowGraph, symbol: string, from: string, to: string): Promise<string[]> {
  const lines = activeLines(graph);
  const rows = await listMaterializations(db.kysely, { symbol, from, to });
  const good = new Map<string, number>();
  for (const s of classify(rows, from, to, lines)) if (s.state === 'materialized') good.set(s.partition, (good.get(s.partition) ?? 0) + 1);
  return daysOf(from, to).filter((d) => good.get(d) === lines.length);
}

/**
 * The first day anything beyond candles was materialized for `symbol`: where the days someone
 * asked for start. Candles alone do not count, because the daily pipeline also ingests the
 * look-back days before its day; counting them would push the history back by that much on
 * every run and make each catch-up redo the days before it.
 */
async function firstLedgerDay(db: Db, symbol: string): Promise<string | undefined> {
  const row = await db.kysely
    .selectFrom('materializations')
    .select((eb) => eb.fn.min('partition').as('first'))
    .where('symbol', '=', symbol)
    .where('asset', '!=', 'candles')
    .executeTakeFirst();
  return row?.first ?? undefined;
}

/**
 * Days from the symbol's first ledger day up to the day before `before` on which some active
 * asset has no partition at all (stale ones are a backfill's decision, not a gap). Counted in
 * SQL: years of history stay one small query.
 */
export async function missingDaysBefore(db: Db, graph: FlowGraph, symbol: string, before: string): Promise<{ firstDay?: string; spans: DaySpan[]; days: number }> {
  const firstDay = await firstLedgerDay(db, symbol);
  if (!firstDay || firstDay >= before) return { firstDay, spans: [], days: 0 };
  const assets = activeLines(graph).map((l) => l.asset);
  const last = addDays(before, -1);
  const rows = await db.kysely
    .selectFrom('materializations')
    .select(['partition'])
    .select((eb) => eb.fn.countAll<number>().as('assets'))
    .where('symbol', '=', symbol)
    .where('partition', '>=', firstDay)
    .where('partition', '<=', last)
    .where('asset', 'in', assets)
    .groupBy('partition')
    .execute();
  const complete = new Set(rows.filter((r) => Number(r.assets) === assets.length).map((r) => r.partition));
  const missing = daysOf(firstDay, last).filter((d) => !complete.has(d));
  const spans = dayRanges(missing).map((r) => ({ ...r, days: daysOf(r.from, r.to).length }));
  // The most recent gaps matter most: keep those when the list is cut.
  return { firstDay, spans: spans.slice(-MAX_MISSING_SPANS), days: missing.length };
}

/** Creates the scheduled run's activities bound to their dependencies. */
export function makeScheduleActivities(deps: ActivityDeps) {
  return {
    /** The ledger's view of a scheduled run's window: current days, and missing days before it. */
    async scheduledDaysStatus(rawInput: ScheduledDaysInput): Promise<ScheduledDaysStatus> {
      const input = parseInput(ScheduledDaysInput, rawInput, 'scheduledDaysStatus');
      const current = await currentDays(deps.db, graphOf(deps), input.symbol, input.from, input.to);
      const before = await missingDaysBefore(deps.db, graphOf(deps), input.symbol, input.from);
      return { current, firstDay: before.firstDay, missingBefore: before.spans, missingBeforeDays: before.days };
    },
    /** Whether one day is current in the ledger: asked after waiting out another run that held the day. */
    async dayIsCurrent(rawInput: ScheduledDaysInput): Promise<boolean> {
      const input = parseInput(ScheduledDaysInput, rawInput, 'dayIsCurrent');
      return (await currentDays(deps.db, graphOf(deps), input.symbol, input.from, input.to)).length === daysOf(input.from, input.to).length;
    },
  };
}
