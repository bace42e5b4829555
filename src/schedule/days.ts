/**
 * Which UTC days a run of the weekday schedule processes, from its scheduled time alone.
 *
 * The schedule's calendar (weekdays 09:30 New York) is declared here, and `src/schedule/schedule.ts`
 * builds its cron from it, so the days a run computes can never disagree with the times the
 * server fires. Pure and deterministic (no clock reads; time zone rules from `Intl`), so it is
 * safe in workflow code and a retried, late or replayed run computes the same days.
 *
 * A run scheduled at T owns every complete UTC day after the previous slot's days, up to the
 * last complete UTC day before T. 09:30 New York is 13:30 or 14:30 UTC, always inside the same
 * calendar day, so the previous slot's days end the day before that slot's date, and a run
 * owns the days from the previous slot's date to the day before T: Monday → Fri, Sat, Sun;
 * Tuesday → Mon. Public holidays are not special: crypto trades every day, and the calendar
 * has no holiday rule.
 */
import { addDays, daysOf, lastCompleteDay } from '../core/dates';

/** Time zone of the schedule; its DST rules keep the run at 09:30 local all year. */
export const SCHEDULE_TIMEZONE = 'America/New_York';
/** Local hour and minute of every slot. */
export const SLOT_HOUR = 9;
export const SLOT_MINUTE = 30;
/** Days of the week with a slot, as a range (0 = Sunday): Monday (1) to Friday (5). */
export const SLOT_WEEKDAYS = { first: 1, last: 5 } as const;

/** Whether a weekday (0 = Sunday) has a slot. */
function hasSlot(weekday: number): boolean {
  return weekday >= SLOT_WEEKDAYS.first && weekday <= SLOT_WEEKDAYS.last;
}

/** Default catch-up window: how many complete days before its scheduled time a run looks back for missing days. */
export const DEFAULT_CATCH_UP_DAYS = 14;
/**
 * Smallest window allowed: a Monday run owns three days (Fri, Sat, Sun), and a window shorter
 * than a run's own days would leave some of them to nobody.
 */
export const MIN_CATCH_UP_DAYS = 3;
/** Largest window: a run materializes its days one after another, so a long window means a long run. */
export const MAX_CATCH_UP_DAYS = 62;

/** An inclusive range of UTC days. */
export interface DayRange {
  readonly from: string;
  readonly to: string;
}

const WEEKDAY_INDEX: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

const zoneFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: SCHEDULE_TIMEZONE,
  weekday: 'short',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
});

/** The parts of an instant as the schedule's zone shows it: weekday, year..second, timeZoneName (`EST`/`EDT`). */
export function zonedParts(ms: number): Readonly<Record<string, string>> {
  return Object.fromEntries(zoneFormat.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
}

/** Local calendar date, weekday and second of the day of an instant in the schedule's zone. */
function localTime(ms: number): { date: string; weekday: number; secondOfDay: number } {
  const p = zonedParts(ms);
  return {
    date: `${p.year}-${p.month}-${p.day}`,
    weekday: WEEKDAY_INDEX[p.weekday],
    secondOfDay: Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second),
  };
}

/** Weekday (0 = Sunday) of a `YYYY-MM-DD` calendar date. */
function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** The local (New York) date of the latest slot strictly before `ms`. */
export function previousSlotDate(ms: number): string {
  const local = localTime(ms);
  const slotSecond = SLOT_HOUR * 3600 + SLOT_MINUTE * 60;
  let date = local.secondOfDay > slotSecond && hasSlot(local.weekday) ? local.date : addDays(local.date, -1);
  while (!hasSlot(weekdayOf(date))) date = addDays(date, -1);
  return date;
}

/**
 * The days a run scheduled at `ms` owns: from the previous slot's date to the last complete
 * UTC day before `ms`; undefined when there is none (a trigger after today's slot: the days up
 * to yesterday belong to earlier slots, today's is not complete).
 */
export function ownDays(ms: number): DayRange | undefined {
  const from = previousSlotDate(ms);
  const to = lastCompleteDay(ms);
  return from <= to ? { from, to } : undefined;
}

/** The catch-up window of a run scheduled at `ms`: the `catchUpDays` complete UTC days before it. */
export function catchUpWindow(ms: number, catchUpDays: number): DayRange {
  const to = lastCompleteDay(ms);
  return { from: addDays(to, -(catchUpDays - 1)), to };
}

/** Every day of a range, or none. */
export function daysIn(range: DayRange | undefined): string[] {
  return range ? daysOf(range.from, range.to) : [];
}

/** Contiguous runs of days (sorted input), e.g. `[05, 06, 09]` → `05..06`, `09`. */
export function dayRanges(days: readonly string[]): DayRange[] {
  const out: { from: string; to: string }[] = [];
  for (const day of days) {
    const last = out[out.length - 1];
    if (last && addDays(last.to, 1) === day) last.to = day;
    else out.push({ from: day, to: day });
  }
  return out;
}

/** Short label of a day with its weekday, e.g. `Fri 2024-01-05`. */
export function dayLabel(day: string): string {
  return `${Object.keys(WEEKDAY_INDEX)[weekdayOf(day)]} ${day}`;
}

/** The `featureflow backfill` command that fills missing days older than a run's window, or undefined when there are none. */
export function backfillCommand(symbol: string, missing: readonly DayRange[]): string | undefined {
  if (!missing.length) return undefined;
  // One command over the whole stretch: the backfill skips whatever is already materialized.
  return `featureflow backfill --symbol ${symbol} --flow evaluate --with-upstream --from ${missing[0].from} --to ${missing[missing.length - 1].to}`;
}
