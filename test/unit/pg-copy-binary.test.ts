/**
 * The binary COPY codec of day rows, on its own (exact doubles: -0, subnormals, extremes; NaN
 * as NULL; range clipping; corrupt payloads rejected) and against the real PostgreSQL server
 * when FEATUREFLOW_TEST_PG_URL is set: what it encodes, PostgreSQL stores value for value (the
 * minute view shows it as text), what PostgreSQL sends, it decodes; a column added later reads
 * as NaN; a minute-row table converts to day rows with every value kept.
 */
import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import { decodeCopyDays, encodeCopyDay } from '../../src/db/pg-copy-binary';
import { pgReadColumns } from '../../src/db/pg-fast';
import { addDayColumn, convertToDayLayout, createDayTable, dayTableOf } from '../../src/db/pg-day-layout';
import { dayStartMs } from '../../src/core/dates';

const PG_URL = process.env.FEATUREFLOW_TEST_PG_URL;
if (!PG_URL) console.warn('\n!!! FEATUREFLOW_TEST_PG_URL is not set: the PostgreSQL half of the binary COPY suite is SKIPPED (run scripts/start-postgres.sh) !!!\n');

const DAY = '2024-03-05';
const start = dayStartMs(DAY);
const ts = Float64Array.from([0, 1, 600, 1339, 1439], (m) => start + m * 60_000);
const a = Float64Array.from([-0, Number.MIN_VALUE, Number.MAX_VALUE, Number.NaN, 1 / 3]);
const b = Float64Array.from([Number.NaN, -1e-310, 42, 0.1 + 0.2, -Number.MAX_VALUE]);

/** Same values bit for bit (so -0 differs from 0, and NaN equals NaN). */
const bits = (x: Float64Array): string => Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('hex');

/**
 * What `copy (select ts, a, b ...) to stdout` sends for the day rows in `payload`: the same
 * tuples without their symbol and date fields (the arrays are byte for byte what PostgreSQL's
 * array_send writes).
 */
function asSelectOfArrays(payload: Buffer, symbolBytes: number): Buffer {
  const header = payload.subarray(0, 19);
  const parts: Buffer[] = [header];
  let at = 19;
  while (payload.readInt16BE(at) !== -1) {
    const fields = payload.readInt16BE(at);
    const arraysAt = at + 2 + 4 + symbolBytes + 8;
    let end = arraysAt;
    for (let f = 2; f < fields; f++) end += 4 + Math.max(0, payload.readInt32BE(end));
    const count = Buffer.alloc(2);
    count.writeInt16BE(fields - 2);
    parts.push(count, payload.subarray(arraysAt, end));
    at = end;
  }
  parts.push(payload.subarray(at));
  return Buffer.concat(parts);
}

describe('binary COPY codec of day rows', () => {
  const encoded = encodeCopyDay('BTC-USD', start, [ts, a, b], ['int8', 'float8', 'float8'], ts.length);

  it('decodes what it encodes, bit for bit, NaN as NULL', () => {
    const read = decodeCopyDays(asSelectOfArrays(encoded, 'BTC-USD'.length), 2);
    expect(Array.from(read.ts)).toEqual(Array.from(ts));
    expect(bits(read.values[0])).toBe(bits(a));
    expect(bits(read.values[1])).toBe(bits(b));
  });

  it('keeps only the minutes in range, across several days', () => {
    const next = encodeCopyDay('BTC-USD', start + 86_400_000, [ts.map((t) => t + 86_400_000), a, b], ['int8', 'float8', 'float8'], ts.length);
    const both = Buffer.concat([asSelectOfArrays(encoded, 7).subarray(0, -2), asSelectOfArrays(next, 7).subarray(19)]);
    const read = decodeCopyDays(both, 2, ts[2], ts[1] + 86_400_000);
    expect(Array.from(read.ts)).toEqual([ts[2], ts[3], ts[4], ts[0] + 86_400_000]);
    expect(bits(read.values[1])).toBe(bits(Float64Array.from([b[2], b[3], b[4], b[0]])));
  });

  it('writes the symbol and the day as a date, and no tuple for an empty day', () => {
    expect(encoded.subarray(19, 21 + 4 + 7).toString('hex')).toBe('0005' + '00000007' + Buffer.from('BTC-USD').toString('hex'));
    // 2024-03-05 is day 8830 after 2000-01-01.
    expect(encoded.readInt32BE(32 + 4)).toBe(8830);
    expect(encodeCopyDay('BTC-USD', start, [new Float64Array(0)], ['int8'], 0).length).toBe(19 + 2);
  });

  it('refuses a tuple of another shape and a payload without the signature', () => {
    expect(() => decodeCopyDays(encoded, 2)).toThrow(/fields/);
    expect(() => decodeCopyDays(Buffer.from('nope, not binary copy'), 1)).toThrow(/signature/);
  });

  (PG_URL ? describe : describe.skip)('against PostgreSQL', () => {
    let pool: Pool;
    let db: Kysely<unknown>;
    const table = `copy_codec_${process.pid}`;
    const minutes = `copy_rows_${process.pid}`;

    /** COPYs one encoded day row into `table`'s day table. */
    async function copyDay(payload: Buffer): Promise<void> {
      const client = await pool.connect();
      try {
        await pipeline(Readable.from([payload]), client.query(copyFrom(`copy ${dayTableOf(table)} (symbol, day, ts, a, b) from stdin (format binary)`)));
      } finally {
        client.release();
      }
    }

    beforeAll(async () => {
      pool = new Pool({ connectionString: PG_URL, max: 2 });
      db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
      await createDayTable(db, table, ['a', 'b']);
    });
    afterAll(async () => {
      await pool.query(`drop view if exists ${table}; drop table if exists ${dayTableOf(table)}; drop view if exists ${minutes}; drop table if exists ${dayTableOf(minutes)}`);
      await db.destroy();
    });

    it('stores every value exactly and reads it back exactly, a range of minutes at a time', async () => {
      await copyDay(encodeCopyDay("it's-USD", start, [ts, a, b], ['int8', 'float8', 'float8'], ts.length));
      await copyDay(encodeCopyDay("it's-USD", start, [new Float64Array(0), a, b], ['int8', 'float8', 'float8'], 0));
      // The minute view renders the same values as text: the server saw doubles, not just bytes.
      const text = await pool.query(`select ts::text, a::text, b::text from ${table} where symbol = 'it''s-USD' order by ts`);
      expect(text.rows[2]).toEqual({ ts: String(ts[2]), a: '1.7976931348623157e+308', b: '42' });
      expect(text.rows[0].b).toBeNull();
      expect(text.rows).toHaveLength(ts.length);
      const read = await pgReadColumns(pool, table, "it's-USD", ['a', 'b'], start, start + 86_400_000);
      expect(Array.from(read.ts)).toEqual(Array.from(ts));
      expect(bits(read.values[0])).toBe(bits(a));
      expect(bits(read.values[1])).toBe(bits(b));
      const middle = await pgReadColumns(pool, table, "it's-USD", ['b'], ts[1], ts[3]);
      expect(Array.from(middle.ts)).toEqual([ts[1], ts[2]]);
      expect((await pgReadColumns(pool, table, 'other', ['a'], start, start + 86_400_000)).ts.length).toBe(0);
    });

    it('reads a column added after a day was written as NaN on that day', async () => {
      await addDayColumn(db, table, 'c', ['a', 'b', 'c']);
      const read = await pgReadColumns(pool, table, "it's-USD", ['c', 'a'], start, start + 86_400_000);
      expect(Array.from(read.values[0]).every(Number.isNaN)).toBe(true);
      expect(bits(read.values[1])).toBe(bits(a));
      expect((await pool.query(`select count(*)::int as n from ${table} where c is null`)).rows[0].n).toBe(ts.length);
    });

    it('converts a minute-row table into day rows, every value kept, and leaves the view in its place', async () => {
      await pool.query(`create table ${minutes} (symbol text not null, ts bigint not null, a double precision, b double precision, primary key (symbol, ts))`);
      const values = [...ts].map((t, i) => `('ETH-USD', ${t + 86_400_000}, ${i === 3 ? 'null' : i * 1.5}, ${i})`);
      await pool.query(`insert into ${minutes} values ${values.reverse().join(', ')}, ('ETH-USD', ${ts[0]}, 7, 8)`);
      await db.transaction().execute((trx) => convertToDayLayout(trx, minutes, ['a', 'b']));
      const days = await pool.query(`select day::text, cardinality(ts) as n from ${dayTableOf(minutes)} order by day`);
      expect(days.rows).toEqual([
        { day: DAY, n: 1 },
        { day: '2024-03-06', n: ts.length },
      ]);
      const read = await pgReadColumns(pool, minutes, 'ETH-USD', ['b'], start, start + 2 * 86_400_000);
      expect(Array.from(read.values[0])).toEqual([8, 0, 1, 2, 3, 4]);
      expect((await pool.query(`select table_type from information_schema.tables where table_name = '${minutes}'`)).rows[0].table_type).toBe('VIEW');
    });
  });
});
