/**
 * Column-oriented reads of time-series tables into typed arrays, the shape the pure feature
 * algorithms take. NULL comes back as NaN.
 */
import type { CandleColumns } from '../features/types';
import type { Db } from './schema';
import { sqliteReadColumns } from './sqlite-fast';

const toNumber = (v: number | null): number => (v === null ? Number.NaN : Number(v));

/** Candles of `symbol` with `fromMs <= ts < toMs`, in time order. */
export async function readCandles(db: Db, symbol: string, fromMs: number, toMs: number): Promise<CandleColumns> {
  if (db.sqlite) {
    const columns = ['open', 'high', 'low', 'close', 'volume'];
    const { ts, values } = db.io
      ? await db.io.read('candles', symbol, columns, fromMs, toMs)
      : sqliteReadColumns(db.sqlite, 'candles', symbol, columns, fromMs, toMs);
    const [open, high, low, close, volume] = values;
    return { ts, open, high, low, close, volume };
  }
  const rows = await db.kysely
    .selectFrom('candles')
    .select(['ts', 'open', 'high', 'low', 'close', 'volume'])
    .where('symbol', '=', symbol)
    .where('ts', '>=', fromMs)
    .where('ts', '<', toMs)
    .orderBy('ts')
    .execute();
  const n = rows.length;
  const out = {
    ts: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    out.ts[i] = Number(r.ts);
    out.open[i] = r.open;
    out.high[i] = r.high;
    out.low[i] = r.low;
    out.close[i] = r.close;
    out.volume[i] = r.volume;
  }
  return out;
}

/** Chosen columns of a time-series table (candles or a feature table) for `fromMs <= ts < toMs`, with their timestamps. */
export async function readColumns(
  db: Db,
  table: 'candles' | 'features_b' | 'features_c',
  symbol: string,
  columns: readonly string[],
  fromMs: number,
  toMs: number,
): Promise<{ ts: Float64Array; values: Record<string, Float64Array> }> {
  if (db.sqlite) {
    const read = db.io ? await db.io.read(table, symbol, columns, fromMs, toMs) : sqliteReadColumns(db.sqlite, table, symbol, columns, fromMs, toMs);
    return { ts: read.ts, values: Object.fromEntries(columns.map((c, i) => [c, read.values[i]])) };
  }
  // Column names come from the algorithm registry, never from input; Kysely quotes them.
  const rows = (await db.kysely
    .selectFrom(table)
    .select(['ts', ...columns] as never[])
    .where('symbol', '=', symbol)
    .where('ts', '>=', fromMs)
    .where('ts', '<', toMs)
    .orderBy('ts')
    .execute()) as unknown as Array<Record<string, number | null>>;
  const ts = new Float64Array(rows.length);
  const values: Record<string, Float64Array> = {};
  for (const c of columns) values[c] = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    ts[i] = Number(r.ts);
    for (const c of columns) values[c][i] = toNumber(r[c]);
  });
  return { ts, values };
}
