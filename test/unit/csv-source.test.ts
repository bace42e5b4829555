/** The CSV source over real files in a temporary directory: time formats, day filtering, gaps, duplicates, errors with file and line. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { csvSource, parseCsvTime } from '../../src/sources/csv';
import { dayStartMs } from '../../src/core/dates';

const DAY = '2024-05-01';
const START = dayStartMs(DAY);

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('csv source', () => {
  let dir: string;
  const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-csv-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('parses ISO (UTC when no offset), epoch seconds and epoch milliseconds', () => {
    expect(parseCsvTime('2024-05-01T00:01:00Z')).toBe(START + 60_000);
    expect(parseCsvTime('2024-05-01 00:01:00')).toBe(START + 60_000);
    expect(parseCsvTime('2024-05-01T02:01:00+02:00')).toBe(START + 60_000);
    expect(parseCsvTime(String(START / 1000 + 60))).toBe(START + 60_000);
    expect(parseCsvTime(String(START + 60_000))).toBe(START + 60_000);
    expect(parseCsvTime('yesterday')).toBeUndefined();
  });

  it("returns only the requested day's candles, sorted, counting gaps and duplicates", async () => {
    const rows = [
      'time,open,high,low,close,volume',
      // The previous day's last minute and the next day's first: outside the day.
      `${new Date(START - 60_000).toISOString()},1,1,1,1,1`,
      `${(START + 86_400_000) / 1000},1,1,1,1,1`,
      // Out of order, mixed formats, one duplicate minute (the first row wins).
      `${(START + 120_000) / 1000},102,103,101,102.5,7`,
      `${new Date(START).toISOString()},100,101,99,100.5,5`,
      `${START + 60_000},100.5,102,100,101,6`,
      `${new Date(START + 60_000).toISOString()},999,999,999,999,999`,
      '',
    ];
    write('BTC-USD.csv', rows.join('\r\n'));
    const day = await csvSource({ dir }).fetchDay('BTC-USD', DAY);
    expect(Array.from(day.candles.ts)).toEqual([START, START + 60_000, START + 120_000]);
    expect(Array.from(day.candles.close)).toEqual([100.5, 101, 102.5]);
    expect(Array.from(day.candles.volume)).toEqual([5, 6, 7]);
    expect(day.duplicates).toBe(1);
    expect(day.missingMinutes).toBe(1440 - 3);
  });

  it('re-reads a file after it changes', async () => {
    write('ETH-USD.csv', `time,open,high,low,close,volume\n${START / 1000},1,2,1,2,3\n`);
    const source = csvSource({ dir });
    expect((await source.fetchDay('ETH-USD', DAY)).candles.ts.length).toBe(1);
    write('ETH-USD.csv', `time,open,high,low,close,volume\n${START / 1000},1,2,1,2,3\n${START / 1000 + 60},2,3,2,3,4\n`);
    expect((await source.fetchDay('ETH-USD', DAY)).candles.ts.length).toBe(2);
  });

  it('names the file and line of a malformed row', async () => {
    write('BTC-USD.csv', `time,open,high,low,close,volume\n${START / 1000},1,2,1,2,3\n${START / 1000 + 60},1,2,abc,2,3\n`);
    const failure = await failureOf(csvSource({ dir }).fetchDay('BTC-USD', DAY));
    expect(failure.type).toBe('SourceDataInvalid');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(`${path.join(dir, 'BTC-USD.csv')}:3`);
    expect(failure.message).toContain("low 'abc' is not a number");
  });

  it.each([
    ['a bad header', 'ts,o,h,l,c,v\n', ':1', 'expected the header'],
    ['a missing field', `time,open,high,low,close,volume\n${START / 1000},1,2,1,2\n`, ':2', 'expected 6 fields'],
    ['a bad time', 'time,open,high,low,close,volume\nyesterday,1,2,1,2,3\n', ':2', "time 'yesterday'"],
    ['a time inside a minute', `time,open,high,low,close,volume\n${START / 1000 + 30},1,2,1,2,3\n`, ':2', 'not a whole minute'],
    ['high below low', `time,open,high,low,close,volume\n${START / 1000},1,1,2,1,3\n`, ':2', 'inconsistent candle'],
  ])('rejects %s', async (_what, text, line, message) => {
    write('BTC-USD.csv', text);
    const failure = await failureOf(csvSource({ dir }).fetchDay('BTC-USD', DAY));
    expect(failure.type).toBe('SourceDataInvalid');
    expect(failure.message).toContain(`BTC-USD.csv${line}`);
    expect(failure.message).toContain(message);
  });

  it('reports an unknown symbol with the symbols that exist', async () => {
    write('BTC-USD.csv', 'time,open,high,low,close,volume\n');
    write('SOL-USD.csv', 'time,open,high,low,close,volume\n');
    const failure = await failureOf(csvSource({ dir }).fetchDay('DOGE-USD', DAY));
    expect(failure.type).toBe('UnknownSymbol');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('DOGE-USD.csv');
    expect(failure.message).toContain('BTC-USD, SOL-USD');
  });
});
