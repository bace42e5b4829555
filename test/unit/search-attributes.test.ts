/**
 * `Partition` values: a run is found by exactly the days it covers (a day, or the whole month
 * that day is in), for short ranges and for chunks longer than 100 days, within Temporal's
 * 2 KiB limit per search-attribute value.
 */
import { addDays, daysOf } from '../../src/core/dates';
import { partitionBounds, partitionQuery, partitionValues } from '../../src/core/search-attributes';

/** True when a run with these values matches the filter of `day` (what visibility evaluates). */
const matches = (values: readonly string[], day: string): boolean => values.includes(day) || values.includes(day.slice(0, 7));

describe('Partition search-attribute values', () => {
  it('lists every day of a range up to 100 days', () => {
    const days = daysOf('2024-01-15', addDays('2024-01-15', 99));
    expect(partitionValues(days)).toEqual(days);
  });

  it.each([
    ['2024-01-01', 101],
    ['2024-01-17', 150],
    ['2023-12-31', 366],
    ['2024-02-29', 200],
    ['2015-01-01', 366],
  ])('a %s chunk of %i days is found by each of its days and by no day around it', (from, length) => {
    const to = addDays(from, length - 1);
    const values = partitionValues(daysOf(from, to));
    expect(values.length).toBeLessThan(length);
    expect(Buffer.byteLength(JSON.stringify(values))).toBeLessThan(2048);
    for (const day of daysOf(from, to)) expect(matches(values, day)).toBe(true);
    for (const day of [...daysOf(addDays(from, -40), addDays(from, -1)), ...daysOf(addDays(to, 1), addDays(to, 40))]) expect(matches(values, day)).toBe(false);
    expect(partitionBounds(values)).toEqual({ from, to });
  });

  it('builds the list filter for a day from the day and its month', () => {
    expect(partitionQuery('2024-03-15')).toBe('(`Partition`="2024-03-15" OR `Partition`="2024-03")');
  });
});
