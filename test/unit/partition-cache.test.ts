/**
 * The worker's partition cache: the LRU itself, and reads through it on a real SQLite file
 * (with the I/O threads workers use), which must return exactly what the database holds —
 * whether a day comes from the cache, from the database, or a range mixes both — and must
 * never hand out a day the ledger no longer vouches for.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { partitionChecksum } from '../../src/core/checksum';
import { openMigratedDatabase } from '../../src/db/connect';
import { listMaterializations } from '../../src/db/ledger';
import { PartitionCache } from '../../src/db/partition-cache';
import { replacePartition } from '../../src/db/partitions';
import { readColumns, readColumnsVerified } from '../../src/db/reads';
import type { Db } from '../../src/db/schema';
import { DAY_MS, dayStartMs, daysOf, MINUTE_MS } from '../../src/core/dates';
import { syntheticCandles } from '../../src/sources/synthetic';

const COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;

describe('PartitionCache', () => {
  const day = (values: number[]) => ({ ts: values.map((_, i) => i * MINUTE_MS), columns: { x: values } });

  it('hands a day back only under the checksum it was written with, and only with every column asked for', () => {
    const cache = new PartitionCache(1 << 20, true);
    const d = day([1, 2, 3]);
    cache.remember('features_b', 'BTC-USD', '2024-01-01', 'sum-1', d.ts, d.columns);
    expect(Array.from(cache.recall('features_b', 'BTC-USD', '2024-01-01', 'sum-1', ['x'])?.columns.get('x') ?? [])).toEqual([1, 2, 3]);
    expect(cache.recall('features_b', 'BTC-USD', '2024-01-01', 'sum-2', ['x'])).toBeUndefined();
    expect(cache.recall('features_b', 'BTC-USD', '2024-01-01', 'sum-1', ['x', 'y'])).toBeUndefined();
    expect(cache.recall('features_c', 'BTC-USD', '2024-01-01', 'sum-1', ['x'])).toBeUndefined();
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 3, days: 1 });
    cache.forget('features_b', 'BTC-USD', '2024-01-01');
    expect(cache.recall('features_b', 'BTC-USD', '2024-01-01', 'sum-1', ['x'])).toBeUndefined();
    expect(cache.stats()).toMatchObject({ days: 0, bytes: 0 });
  });

  it('keeps its own copy, stores -0 as SQLite returns it (+0), and keeps -0 for PostgreSQL', () => {
    const values = new Float64Array([-0, 1, Number.NaN]);
    const sqliteLike = new PartitionCache(1 << 20, false);
    const pgLike = new PartitionCache(1 << 20, true);
    for (const cache of [sqliteLike, pgLike]) cache.remember('features_b', 'BTC-USD', '2024-01-01', 's', [0, 1, 2], { x: values });
    values[1] = 99;
    const fromSqlite = sqliteLike.recall('features_b', 'BTC-USD', '2024-01-01', 's', ['x'])?.columns.get('x');
    const fromPg = pgLike.recall('features_b', 'BTC-USD', '2024-01-01', 's', ['x'])?.columns.get('x');
    expect(Object.is(fromSqlite?.[0], 0)).toBe(true);
    expect(Object.is(fromPg?.[0], -0)).toBe(true);
    expect(fromSqlite?.[1]).toBe(1);
    expect(Number.isNaN(fromPg?.[2])).toBe(true);
  });

  it('evicts the least recently used days once over its byte bound', () => {
    // Each day: 2 arrays (ts + x) x 4 values x 8 bytes = 64 bytes; room for three.
    const cache = new PartitionCache(3 * 64, true);
    const d = day([1, 2, 3, 4]);
    const xOf = (name: string) => Array.from(cache.recall('candles', 'BTC-USD', name, name, ['x'])?.columns.get('x') ?? []);
    for (const name of ['a', 'b', 'c']) cache.remember('candles', 'BTC-USD', name, name, d.ts, d.columns);
    expect(xOf('a')).toEqual([1, 2, 3, 4]);
    cache.remember('candles', 'BTC-USD', 'd', 'd', d.ts, d.columns);
    // 'b' was the least recently used ('a' was just read).
    expect(cache.recall('candles', 'BTC-USD', 'b', 'b', ['x'])).toBeUndefined();
    for (const name of ['a', 'c', 'd']) expect([name, xOf(name)]).toEqual([name, [1, 2, 3, 4]]);
    expect(cache.stats()).toMatchObject({ days: 3, bytes: 192 });
    // A day larger than the whole bound is not kept at all.
    cache.remember('candles', 'BTC-USD', 'huge', 'h', new Array(100).fill(0), { x: new Array(100).fill(1) });
    expect(cache.recall('candles', 'BTC-USD', 'huge', 'h', ['x'])).toBeUndefined();
  });

  it('stages a day in shared memory before its write, keeps it only once adopted, and reuses the buffers of an evicted day', () => {
    const cache = new PartitionCache(2 * 64, false);
    const staged = cache.stage([0, 1, 2, 3], { x: [-0, 5, 6, 7] });
    expect(staged?.ts.buffer).toBeInstanceOf(SharedArrayBuffer);
    // Staged as SQLite will store it (-0 as +0), and not cached before its write committed.
    expect(Object.is(staged?.columns.get('x')?.[0], 0)).toBe(true);
    expect(cache.recall('candles', 'BTC-USD', 'a', 'a', ['x'])).toBeUndefined();
    cache.adopt('candles', 'BTC-USD', 'a', 'a', staged!);
    const a = cache.recall('candles', 'BTC-USD', 'a', 'a', ['x'])?.columns.get('x');
    expect(Array.from(a ?? [])).toEqual([0, 5, 6, 7]);
    // A failed write gives its staged copy back: nothing is kept.
    cache.discard(cache.stage([0, 1, 2, 3], { x: [1, 1, 1, 1] })!);
    expect(cache.stats()).toMatchObject({ days: 1 });
    // 'a' is evicted by 'b' and 'c'; the next day staged gets its buffers (no new memory, no garbage).
    cache.remember('candles', 'BTC-USD', 'b', 'b', [0, 1, 2, 3], { x: [1, 2, 3, 4] });
    cache.remember('candles', 'BTC-USD', 'c', 'c', [0, 1, 2, 3], { x: [2, 3, 4, 5] });
    expect(cache.recall('candles', 'BTC-USD', 'a', 'a', ['x'])).toBeUndefined();
    const d = cache.stage([0, 1, 2, 3], { x: [9, 9, 9, 9] });
    expect([d?.ts, d?.columns.get('x')].some((array) => array === a)).toBe(true);
    expect(Array.from(a ?? [])).not.toEqual([0, 5, 6, 7]);
  });
});

describe('reads through the partition cache (SQLite with I/O threads)', () => {
  const DAYS = daysOf('2024-03-01', '2024-03-06');
  let tmp: string;
  let writer: Db;
  let other: Db;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-cache-'));
    const url = path.join(tmp, 'cache.db');
    writer = await openMigratedDatabase({ url, ioThreads: 2, partitionCacheMb: 8 });
    // A second process's view of the same file, without a cache: its writes bypass the writer's cache.
    other = await openMigratedDatabase({ url });
  });
  afterAll(async () => {
    await writer?.close();
    await other?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const write = (db: Db, day: string, scale = 1) => {
    const start = dayStartMs(day);
    const c = syntheticCandles('BTC-USD', start, start + DAY_MS);
    const arrays = { ts: c.ts, ...Object.fromEntries(COLUMNS.map((k) => [k, c[k].map((v) => v * scale)])) };
    return replacePartition(db, {
      table: 'candles',
      symbol: 'BTC-USD',
      partition: day,
      batch: { constants: { symbol: 'BTC-USD' }, arrays },
      ledger: { code_version: 't', workflow_id: 'w', run_id: 'r', checksum: partitionChecksum(['BTC-USD', day], Object.entries(arrays)), materialized_at: Date.now() },
    });
  };
  const checksums = async (db: Db) =>
    new Map((await listMaterializations(db.kysely, { symbol: 'BTC-USD', from: DAYS[0], to: DAYS[DAYS.length - 1], assets: ['candles'] })).map((m) => [m.partition, m.checksum]));

  it('returns what the database holds: all cached, mixed with database days, and clipped to a part of a day', async () => {
    for (const d of DAYS) await write(writer, d);
    const from = dayStartMs(DAYS[0]) + 90 * MINUTE_MS;
    const to = dayStartMs(DAYS[5]) + 30 * MINUTE_MS;
    const fromDb = await readColumns(writer, 'candles', 'BTC-USD', COLUMNS, from, to);
    const cached = await readColumnsVerified(writer, 'candles', 'BTC-USD', COLUMNS, from, to, await checksums(writer));
    expect([cached.cachedDays, cached.databaseDays]).toEqual([6, 0]);
    expect(cached.ts.length).toBe(fromDb.ts.length);
    expect(Array.from(cached.ts)).toEqual(Array.from(fromDb.ts));
    for (const c of COLUMNS) expect(Array.from(cached.values[c])).toEqual(Array.from(fromDb.values[c]));
    // Days 2 and 5 lack a ledger checksum here: those come from the database, the rest from the cache.
    const partial = new Map(await checksums(writer));
    partial.delete(DAYS[1]);
    partial.delete(DAYS[4]);
    const mixed = await readColumnsVerified(writer, 'candles', 'BTC-USD', COLUMNS, from, to, partial);
    expect([mixed.cachedDays, mixed.databaseDays]).toEqual([4, 2]);
    for (const c of COLUMNS) expect(Array.from(mixed.values[c])).toEqual(Array.from(fromDb.values[c]));
  });

  it('a cached day evicted (and its buffers reused) while the database part of a read runs is read again, not copied from reused memory', async () => {
    for (const d of DAYS) await write(writer, d);
    const sums = await checksums(writer);
    // Day 1 from the database (no checksum given), days 2-3 from the cache.
    const partial = new Map(sums);
    partial.delete(DAYS[0]);
    const from = dayStartMs(DAYS[0]);
    const to = dayStartMs(DAYS[3]);
    const reading = readColumnsVerified(writer, 'candles', 'BTC-USD', COLUMNS, from, to, partial);
    // While its database read is in flight, other days fill the cache (8 MiB, ~120 days of candles) and evict days 2-3.
    const filler = syntheticCandles('BTC-USD', 0, DAY_MS);
    for (let i = 0; i < 200; i++) writer.recent?.remember('candles', 'OTHER', `f${i}`, 'x', filler.ts, { open: filler.open, high: filler.high, low: filler.low, close: filler.close, volume: filler.volume });
    expect(writer.recent?.recall('candles', 'BTC-USD', DAYS[1], sums.get(DAYS[1]) ?? '', COLUMNS)).toBeUndefined();
    const read = await reading;
    const fromDb = await readColumns(writer, 'candles', 'BTC-USD', COLUMNS, from, to);
    for (const c of COLUMNS) expect(Array.from(read.values[c])).toEqual(Array.from(fromDb.values[c]));
    expect(read.databaseDays).toBe(3);
  });

  it('a day rewritten by another process is read from the database, never from the stale cached copy', async () => {
    await write(writer, DAYS[2]);
    await write(other, DAYS[2], 2);
    const fresh = await checksums(writer);
    const start = dayStartMs(DAYS[2]);
    const read = await readColumnsVerified(writer, 'candles', 'BTC-USD', COLUMNS, start, start + DAY_MS, fresh);
    const expected = syntheticCandles('BTC-USD', start, start + DAY_MS).close.map((v) => v * 2);
    expect([read.cachedDays, read.databaseDays]).toEqual([0, 1]);
    expect(Array.from(read.values.close)).toEqual(Array.from(expected));
  });
});
