/**
 * The SQLite I/O threads workers read and write through: a thread's answer matches the
 * in-process path, a failed write comes back with its cause and rolls back, and a closed pool
 * refuses work with a clear error instead of hanging.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openMigratedDatabase } from '../../src/db/connect';
import { SqliteIoThreads } from '../../src/db/io-threads';
import { replacePartition, type PartitionWrite } from '../../src/db/partitions';
import { readCandles } from '../../src/db/reads';
import type { Db } from '../../src/db/schema';
import { DAY_MS, dayStartMs } from '../../src/core/dates';
import { syntheticCandles } from '../../src/sources/synthetic';

const DAYS = ['2024-03-01', '2024-03-02', '2024-03-03'];

function candles(day: string): PartitionWrite {
  const start = dayStartMs(day);
  const c = syntheticCandles('BTC-USD', start, start + DAY_MS);
  return {
    table: 'candles',
    symbol: 'BTC-USD',
    partition: day,
    batch: { constants: { symbol: 'BTC-USD' }, arrays: { ts: c.ts, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume } },
    ledger: { code_version: 'test', workflow_id: 'w', run_id: 'r', checksum: day, materialized_at: 1 },
  };
}

describe('SQLite I/O threads', () => {
  let dir: string;
  let threaded: Db;
  let inProcess: Db;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-io-'));
    threaded = await openMigratedDatabase({ url: path.join(dir, 'threaded.db'), ioThreads: 2 });
    inProcess = await openMigratedDatabase({ url: path.join(dir, 'in-process.db') });
  });
  afterAll(async () => {
    await threaded?.close();
    await inProcess?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes and reads exactly what the in-process path does, with many writes in flight at once', async () => {
    expect(threaded.io).toBeInstanceOf(SqliteIoThreads);
    expect(inProcess.io).toBeUndefined();
    const written = await Promise.all(DAYS.map((d) => replacePartition(threaded, candles(d))));
    for (const d of DAYS) await replacePartition(inProcess, candles(d));
    expect(written).toEqual([1440, 1440, 1440]);
    const from = dayStartMs(DAYS[0]);
    const to = dayStartMs(DAYS[2]) + DAY_MS;
    const [a, b] = await Promise.all([readCandles(threaded, 'BTC-USD', from, to), readCandles(inProcess, 'BTC-USD', from, to)]);
    expect(a.ts.length).toBe(3 * 1440);
    for (const k of ['ts', 'open', 'high', 'low', 'close', 'volume'] as const) expect(Array.from(a[k])).toEqual(Array.from(b[k]));
  });

  it('writes only the rows of a subarray view and leaves the caller its buffer', async () => {
    // Activities pass views into a whole chunk's arrays; transferring the buffer would detach the
    // caller's data, and cloning the view would ship (and could write) the whole chunk.
    const w = candles('2024-03-04') as PartitionWrite & { table: 'candles' };
    const chunk = new Float64Array(3 * 1440).fill(-1);
    chunk.set(w.batch.arrays.close as Float64Array, 1440);
    const view = chunk.subarray(1440, 2 * 1440);
    await replacePartition(threaded, { ...w, batch: { ...w.batch, arrays: { ...w.batch.arrays, close: view } } });
    expect(view.length).toBe(1440);
    expect(chunk.length).toBe(3 * 1440);
    const start = dayStartMs('2024-03-04');
    const stored = await readCandles(threaded, 'BTC-USD', start, start + DAY_MS);
    expect(Array.from(stored.close)).toEqual(Array.from(view));
  });

  it('a failed write rejects with its cause and leaves the partition as it was', async () => {
    const w = candles(DAYS[0]) as PartitionWrite & { table: 'candles' };
    const open = Float64Array.from(w.batch.arrays.open as Float64Array);
    open[100] = Number.NaN; // NULL in a NOT NULL column, after the delete ran
    await expect(replacePartition(threaded, { ...w, batch: { ...w.batch, arrays: { ...w.batch.arrays, open } } })).rejects.toThrow(
      /candles BTC-USD 2024-03-01 failed \(rolled back\).*NOT NULL.*open/,
    );
    const after = await readCandles(threaded, 'BTC-USD', dayStartMs(DAYS[0]), dayStartMs(DAYS[0]) + DAY_MS);
    expect(after.ts.length).toBe(1440);
    expect(Number.isNaN(after.open[100])).toBe(false);
  });

  it('a thread with nothing to do exits, and the next request starts it again', async () => {
    await replacePartition(threaded, candles(DAYS[0]));
    const pool = new SqliteIoThreads(path.join(dir, 'threaded.db'), 2, 200);
    try {
      const read = () => pool.read('candles', 'BTC-USD', ['close'], dayStartMs(DAYS[0]), dayStartMs(DAYS[0]) + DAY_MS);
      const first = await read();
      expect(first.values[0]).toHaveLength(1440);
      expect(pool.running).toBe(1);
      // Busy: reads keep coming within the idle time, so the thread stays.
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 100));
        await read();
        expect(pool.running).toBe(1);
      }
      await new Promise((r) => setTimeout(r, 600));
      expect(pool.running).toBe(0);
      const again = await read();
      expect(pool.running).toBe(1);
      expect(Array.from(again.values[0])).toEqual(Array.from(first.values[0]));
    } finally {
      await pool.close();
    }
  });

  it('a closed database refuses reads and writes with an error naming it', async () => {
    const db = await openMigratedDatabase({ url: path.join(dir, 'closed.db'), ioThreads: 1 });
    await replacePartition(db, candles(DAYS[0]));
    const io = db.io!;
    await db.close();
    await expect(io.read('candles', 'BTC-USD', ['close'], 0, Date.now())).rejects.toThrow(/closed\.db is closed/);
    await expect(io.replacePartition(candles(DAYS[1]))).rejects.toThrow(/is closed/);
  });
});
