/**
 * Transient storage errors are waited out at the storage boundary, others fail at once:
 * the classifier on real error shapes, and a real SQLITE_FULL (the database at its page limit,
 * as on a full disk) that clears while a partition write is retrying.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { openMigratedDatabase } from '../../src/db/connect';
import { replacePartition } from '../../src/db/partitions';
import { readCandles } from '../../src/db/reads';
import type { Db } from '../../src/db/schema';
import { isTransientStorageError, withStorageRetry } from '../../src/db/transient';
import { DAY_MS, dayStartMs } from '../../src/core/dates';
import { syntheticCandles } from '../../src/sources/synthetic';
import { upstreamMissing } from '../../src/core/failures';

/** An error as a driver reports it: a message and a code. */
const coded = (code: string, message = code): Error => Object.assign(new Error(message), { code });

describe('transient storage errors', () => {
  it('tells passing storage faults from errors a retry cannot fix', () => {
    for (const err of [
      coded('SQLITE_BUSY'),
      coded('SQLITE_BUSY_SNAPSHOT'),
      coded('SQLITE_FULL', 'database or disk is full'),
      coded('SQLITE_IOERR_WRITE'),
      coded('57P01', 'terminating connection due to administrator command'),
      coded('53100', 'could not extend file: No space left on device'),
      coded('08006'),
      coded('ECONNREFUSED'),
      new Error('Connection terminated unexpectedly'),
    ]) {
      expect([err.message, isTransientStorageError(err)]).toEqual([err.message, true]);
    }
    for (const err of [
      coded('SQLITE_CONSTRAINT_PRIMARYKEY'),
      coded('SQLITE_ERROR', 'no such table: candles'),
      coded('SQLITE_CORRUPT'),
      coded('23505', 'duplicate key value violates unique constraint'),
      coded('42P01', 'relation "candles" does not exist'),
      upstreamMissing('features-b needs candles for 2024-03-01'),
      ApplicationFailure.nonRetryable('bad input', 'InvalidInput'),
      'SQLITE_BUSY',
    ]) {
      expect([String(err), isTransientStorageError(err)]).toEqual([String(err), false]);
    }
  });

  it('retries a transient error until it passes, and rethrows any other error at once', async () => {
    let calls = 0;
    await expect(withStorageRetry('test', async () => (++calls < 3 ? Promise.reject(coded('SQLITE_BUSY')) : 'done'))).resolves.toBe('done');
    expect(calls).toBe(3);
    calls = 0;
    await expect(withStorageRetry('test', async () => Promise.reject(upstreamMissing(`call ${++calls}`)))).rejects.toThrow('call 1');
    expect(calls).toBe(1);
    // Past its budget it gives up with the storage error itself.
    calls = 0;
    await expect(withStorageRetry('test', async () => Promise.reject(coded('SQLITE_FULL', `full ${++calls}`)), 600)).rejects.toThrow(/full [2-4]/);
  });

  describe('a partition write while the SQLite database is full', () => {
    let dir: string;
    let db: Db;
    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-transient-'));
      db = await openMigratedDatabase({ url: path.join(dir, 'full.db') });
    });
    afterAll(async () => {
      await db?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('waits until space is back and then writes the partition whole', async () => {
      const sqlite = db.sqlite!;
      const day = '2024-03-01';
      const start = dayStartMs(day);
      const c = syntheticCandles('BTC-USD', start, start + DAY_MS);
      const write = {
        table: 'candles' as const,
        symbol: 'BTC-USD',
        partition: day,
        batch: { constants: { symbol: 'BTC-USD' }, arrays: { ts: c.ts, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume } },
        ledger: { code_version: 'test-1', workflow_id: 'w', run_id: 'r', checksum: 'x', materialized_at: 1 },
      };
      // The file may not grow: SQLite answers SQLITE_FULL exactly as on a full disk.
      sqlite.pragma(`max_page_count = ${sqlite.pragma('page_count', { simple: true }) as number}`);
      expect(() => replacePartitionNow(sqlite)).toThrow(expect.objectContaining({ code: 'SQLITE_FULL' }));
      const freed = setTimeout(() => sqlite.pragma('max_page_count = 1073741823'), 1500);
      try {
        expect(await replacePartition(db, write)).toBe(1440);
      } finally {
        clearTimeout(freed);
      }
      expect(Array.from((await readCandles(db, 'BTC-USD', start, start + DAY_MS)).close)).toEqual(Array.from(c.close));
    });
  });
});

/** A plain write that needs new pages, to show the limit bites before the test relies on it. */
function replacePartitionNow(sqlite: NonNullable<Db['sqlite']>): void {
  sqlite.exec(`create table filler (x blob); insert into filler values (zeroblob(1000000)); drop table filler;`);
}
