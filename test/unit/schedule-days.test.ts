/**
 * The days a scheduled run owns, from its scheduled time alone: every weekday slot, across both
 * DST changes of New York, holidays, triggers at odd times, and the catch-up window's bound.
 */
import { lastCompleteDay } from '../../src/core/dates';
import { backfillCommand, catchUpWindow, dayRanges, daysIn, ownDays, previousSlotDate } from '../../src/schedule/days';

const at = (iso: string): number => Date.parse(iso);

describe('ownDays: every complete UTC day since the previous slot', () => {
  it('a Monday slot owns Friday, Saturday and Sunday; Tuesday to Friday own the day before', () => {
    // Week of 2024-01-08 (EST: 09:30 New York = 14:30 UTC).
    expect(daysIn(ownDays(at('2024-01-08T14:30:00Z')))).toEqual(['2024-01-05', '2024-01-06', '2024-01-07']);
    expect(daysIn(ownDays(at('2024-01-09T14:30:00Z')))).toEqual(['2024-01-08']);
    expect(daysIn(ownDays(at('2024-01-10T14:30:00Z')))).toEqual(['2024-01-09']);
    expect(daysIn(ownDays(at('2024-01-11T14:30:00Z')))).toEqual(['2024-01-10']);
    expect(daysIn(ownDays(at('2024-01-12T14:30:00Z')))).toEqual(['2024-01-11']);
  });

  it('consecutive slots of a week cover every day exactly once', () => {
    const slots = ['2024-01-08', '2024-01-09', '2024-01-10', '2024-01-11', '2024-01-12', '2024-01-15'].map((d) => at(`${d}T14:30:00Z`));
    const covered = slots.flatMap((s) => daysIn(ownDays(s)));
    expect(covered).toEqual(daysIn({ from: '2024-01-05', to: '2024-01-14' }));
    expect(new Set(covered).size).toBe(covered.length);
  });

  it('across the spring DST change (2024-03-10, EST -> EDT) the slots move to 13:30 UTC and own the same days as their neighbours', () => {
    expect(daysIn(ownDays(at('2024-03-08T14:30:00Z')))).toEqual(['2024-03-07']); // Fri, EST
    expect(daysIn(ownDays(at('2024-03-11T13:30:00Z')))).toEqual(['2024-03-08', '2024-03-09', '2024-03-10']); // Mon, EDT
    expect(daysIn(ownDays(at('2024-03-12T13:30:00Z')))).toEqual(['2024-03-11']);
  });

  it('across the autumn DST change (2024-11-03, EDT -> EST) likewise', () => {
    expect(daysIn(ownDays(at('2024-11-01T13:30:00Z')))).toEqual(['2024-10-31']); // Fri, EDT
    expect(daysIn(ownDays(at('2024-11-04T14:30:00Z')))).toEqual(['2024-11-01', '2024-11-02', '2024-11-03']); // Mon, EST
    expect(daysIn(ownDays(at('2024-11-05T14:30:00Z')))).toEqual(['2024-11-04']);
  });

  it('holidays are not special: the calendar has a slot on Christmas and New Year, and the run after owns the holiday', () => {
    expect(daysIn(ownDays(at('2024-12-25T14:30:00Z')))).toEqual(['2024-12-24']); // Wed, Christmas
    expect(daysIn(ownDays(at('2024-12-26T14:30:00Z')))).toEqual(['2024-12-25']);
    expect(daysIn(ownDays(at('2025-01-02T14:30:00Z')))).toEqual(['2025-01-01']);
  });

  it('a trigger owns the days since the latest slot before it, never a day the next slot also owns', () => {
    // Wednesday 12:00 UTC, before that day's 14:30 UTC slot: owns Tuesday (the Wednesday slot would find it current).
    expect(daysIn(ownDays(at('2024-01-10T12:00:00Z')))).toEqual(['2024-01-09']);
    // Wednesday 20:00 UTC, after the slot: Tuesday belonged to that slot, Wednesday is not complete yet.
    expect(ownDays(at('2024-01-10T20:00:00Z'))).toBeUndefined();
    // Saturday: Friday's data (complete), which Monday's slot would otherwise do along with the weekend.
    expect(daysIn(ownDays(at('2024-01-13T10:00:00Z')))).toEqual(['2024-01-12']);
    // 14:00 UTC is before the slot in winter (14:30) but after it in summer (13:30): DST decides.
    expect(previousSlotDate(at('2024-01-10T14:00:00Z'))).toBe('2024-01-09');
    expect(previousSlotDate(at('2024-07-10T14:00:00Z'))).toBe('2024-07-10');
    // Late evening in New York is already the next UTC day: the slot is still New York's date.
    expect(previousSlotDate(at('2024-01-10T02:00:00Z'))).toBe('2024-01-09');
  });

  it('never owns a day that is not complete before the scheduled time', () => {
    for (let t = at('2024-03-01T00:00:00Z'); t < at('2024-04-01T00:00:00Z'); t += 3_600_000 * 7) {
      const own = ownDays(t);
      if (own) expect(own.to).toBe(lastCompleteDay(t));
    }
  });
});

describe('catchUpWindow', () => {
  it('is the N complete days before the scheduled time and always holds the run’s own days', () => {
    const monday = at('2024-01-08T14:30:00Z');
    expect(catchUpWindow(monday, 14)).toEqual({ from: '2023-12-25', to: '2024-01-07' });
    expect(catchUpWindow(monday, 3)).toEqual({ from: '2024-01-05', to: '2024-01-07' });
    expect(daysIn(catchUpWindow(monday, 3))).toEqual(daysIn(ownDays(monday)));
  });
});

describe('helpers', () => {
  it('groups sorted days into contiguous ranges and names the command that fills them', () => {
    const ranges = dayRanges(['2024-01-01', '2024-01-02', '2024-01-05']);
    expect(ranges).toEqual([
      { from: '2024-01-01', to: '2024-01-02' },
      { from: '2024-01-05', to: '2024-01-05' },
    ]);
    expect(backfillCommand('BTC-USD', ranges)).toBe('featureflow backfill --symbol BTC-USD --flow evaluate --with-upstream --from 2024-01-01 --to 2024-01-05');
    expect(backfillCommand('BTC-USD', [])).toBeUndefined();
  });
});
