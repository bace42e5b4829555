/**
 * Bench section `throughput`: the data path without Temporal, in candles per second.
 * - ingest: synthetic generation, then `replacePartition` (delete + bulk insert + ledger row in
 *   one transaction) day by day into SQLite, and into PostgreSQL when FEATUREFLOW_TEST_PG_URL is set;
 * - `readCandles` of the whole range back into typed arrays;
 * - each feature algorithm's pure `compute` over the range (plus its look-back).
 * Prints figures only; nothing here asserts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { partitionChecksum } from '../src/core/checksum';
import { addDays, DAY_MS, dayStartMs, daysOf, MINUTE_MS } from '../src/core/dates';
import { openMigratedDatabase } from '../src/db/connect';
import { replacePartition } from '../src/db/partitions';
import { readCandles } from '../src/db/reads';
import type { Db } from '../src/db/schema';
import { algorithmIds, getAlgorithm } from '../src/features';
import { syntheticCandles, SYNTHETIC_SOURCE_VERSION } from '../src/sources/synthetic';
import type { BenchSection } from './sections';

const SYMBOL = 'BTC-USD';
const FROM = '2024-01-01';
const DAYS = Number(process.env.BENCH_THROUGHPUT_DAYS ?? 30);
const TO = addDays(FROM, DAYS - 1);
const COMPUTE_REPEATS = 5;

/** One row of the printed table. */
interface Row {
  readonly what: string;
  readonly candles: number;
  readonly ms: number;
}

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const t0 = nowMs();
  const value = await fn();
  return { value, ms: nowMs() - t0 };
}

/** Generates and writes every day of the range the way the ingest activity does; returns generation and write times. */
async function ingestRange(db: Db): Promise<{ candles: number; generateMs: number; writeMs: number }> {
  let candles = 0;
  let generateMs = 0;
  let writeMs = 0;
  for (const day of daysOf(FROM, TO)) {
    const start = dayStartMs(day);
    const gen = await timed(() => syntheticCandles(SYMBOL, start, start + DAY_MS));
    generateMs += gen.ms;
    const c = gen.value;
    const write = await timed(() =>
      replacePartition(db, {
        table: 'candles',
        symbol: SYMBOL,
        partition: day,
        batch: {
          constants: { symbol: SYMBOL },
          arrays: { ts: c.ts, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume },
        },
        ledger: {
          code_version: SYNTHETIC_SOURCE_VERSION,
          workflow_id: 'bench',
          run_id: 'bench',
          checksum: partitionChecksum([SYMBOL, day], [['ts', c.ts], ['close', c.close]]),
          materialized_at: Date.now(),
        },
      }),
    );
    writeMs += write.ms;
    candles += c.ts.length;
  }
  return { candles, generateMs, writeMs };
}

/** Ingest then read back, on one database; the second ingest pass measures replacing existing partitions. */
async function storageRows(label: string, db: Db): Promise<Row[]> {
  const first = await ingestRange(db);
  const again = await ingestRange(db);
  const read = await timed(() => readCandles(db, SYMBOL, dayStartMs(FROM), dayStartMs(TO) + DAY_MS));
  return [
    { what: 'synthetic generation', candles: first.candles, ms: first.generateMs },
    { what: `${label}: replacePartition (empty)`, candles: first.candles, ms: first.writeMs },
    { what: `${label}: replacePartition (replace)`, candles: again.candles, ms: again.writeMs },
    { what: `${label}: ingest total (gen + write)`, candles: first.candles, ms: first.generateMs + first.writeMs },
    { what: `${label}: readCandles (${DAYS} days at once)`, candles: read.value.ts.length, ms: read.ms },
  ];
}

/** A private database next to the test one, so the bench never touches what tests use; dropped afterwards. */
async function withBenchPostgres<T>(testUrl: string, fn: (url: string) => Promise<T>): Promise<T> {
  const url = new URL(testUrl);
  const name = `${url.pathname.slice(1) || 'featureflow'}_bench_${process.pid}`;
  const admin = new PgClient({ connectionString: testUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
    url.pathname = `/${name}`;
    try {
      return await fn(url.toString());
    } finally {
      await admin.query(`drop database if exists "${name}" with (force)`);
    }
  } finally {
    await admin.end();
  }
}

/** Pure compute of every feature algorithm over the range plus its look-back (median of a few repeats). */
function computeRows(): Row[] {
  return algorithmIds.map((id) => {
    const algorithm = getAlgorithm(id);
    const fromMs = dayStartMs(FROM) - algorithm.lookbackMinutes * MINUTE_MS;
    const candles = syntheticCandles(SYMBOL, fromMs, dayStartMs(TO) + DAY_MS);
    const times: number[] = [];
    for (let i = 0; i < COMPUTE_REPEATS; i++) {
      const t0 = nowMs();
      algorithm.compute(candles);
      times.push(nowMs() - t0);
    }
    times.sort((a, b) => a - b);
    return { what: `compute ${id} (${algorithm.version}, ${algorithm.columns.length} columns)`, candles: candles.ts.length, ms: times[Math.floor(times.length / 2)] };
  });
}

function printTable(rows: readonly Row[]): void {
  const width = Math.max(...rows.map((r) => r.what.length), 10);
  console.log(`${'what'.padEnd(width)}  ${'candles'.padStart(9)}  ${'ms'.padStart(9)}  ${'candles/s'.padStart(12)}`);
  for (const r of rows) {
    const rate = r.ms > 0 ? Math.round((r.candles / r.ms) * 1000) : Number.POSITIVE_INFINITY;
    console.log(`${r.what.padEnd(width)}  ${String(r.candles).padStart(9)}  ${r.ms.toFixed(1).padStart(9)}  ${rate.toLocaleString('en-US').padStart(12)}`);
  }
}

async function run(): Promise<void> {
  console.log(`${DAYS} days of 1-minute candles (${FROM}..${TO}), ${SYMBOL}; set BENCH_THROUGHPUT_DAYS to change`);
  const rows: Row[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-bench-'));
  try {
    const db = await openMigratedDatabase({ url: path.join(dir, 'bench.db') });
    try {
      rows.push(...(await storageRows('SQLite', db)));
    } finally {
      await db.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const pgUrl = process.env.FEATUREFLOW_TEST_PG_URL;
  if (pgUrl) {
    await withBenchPostgres(pgUrl, async (url) => {
      const db = await openMigratedDatabase({ url });
      try {
        rows.push(...(await storageRows('PostgreSQL', db)).filter((r) => r.what !== 'synthetic generation'));
      } finally {
        await db.close();
      }
    });
  } else {
    console.log('(PostgreSQL skipped: set FEATUREFLOW_TEST_PG_URL to include it)');
  }
  rows.push(...computeRows());
  printTable(rows);
}

/** The `throughput` bench section. */
export const throughputSection: BenchSection = {
  name: 'throughput',
  description: 'ingest (generate + write), read and feature-compute throughput, in candles/s',
  run,
};
