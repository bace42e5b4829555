/**
 * The binary COPY codec against the real PostgreSQL server when FEATUREFLOW_TEST_PG_URL is set
 * (what it encodes, PostgreSQL stores value for value; what PostgreSQL sends, it decodes), and
 * on its own: exact doubles (-0, subnormals, extremes), NULL as NaN, and corrupt payloads rejected.
 */
import { Pool } from 'pg';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import { decodeCopyColumns, encodeCopyRows } from '../../src/db/pg-copy-binary';
import { pgReadColumns } from '../../src/db/pg-fast';

const PG_URL = process.env.FEATUREFLOW_TEST_PG_URL;
if (!PG_URL) console.warn('\n!!! FEATUREFLOW_TEST_PG_URL is not set: the PostgreSQL half of the binary COPY suite is SKIPPED (run scripts/start-postgres.sh) !!!\n');

const ts = Float64Array.from([0, 1, 1_700_000_000_000, 2 ** 53 - 1, -86_400_000]);
const a = Float64Array.from([-0, Number.MIN_VALUE, Number.MAX_VALUE, Number.NaN, 1 / 3]);
const b = Float64Array.from([Number.NaN, -1e-310, 42, 0.1 + 0.2, -Number.MAX_VALUE]);

/** Same values bit for bit (so -0 differs from 0, and NaN equals NaN). */
const bits = (x: Float64Array): string => Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('hex');

describe('binary COPY codec', () => {
  it('decodes what it encodes, bit for bit, NaN as NULL', () => {
    const read = decodeCopyColumns(encodeCopyRows(undefined, [ts, a, b], ['int8', 'float8', 'float8'], ts.length), 2);
    expect(Array.from(read.ts)).toEqual(Array.from(ts));
    expect(bits(read.values[0])).toBe(bits(a));
    expect(bits(read.values[1])).toBe(bits(b));
  });

  it('writes the text constant as a field of every tuple, and the decoder refuses a tuple of another shape', () => {
    const payload = encodeCopyRows('BTC-USD', [ts, a, b], ['int8', 'float8', 'float8'], ts.length);
    const bare = encodeCopyRows(undefined, [ts, a, b], ['int8', 'float8', 'float8'], ts.length);
    expect(payload.length - bare.length).toBe(ts.length * (4 + 'BTC-USD'.length));
    expect(payload.subarray(19, 27).toString('hex')).toBe('0004' + '00000007' + Buffer.from('BT').toString('hex'));
    expect(() => decodeCopyColumns(payload, 2)).toThrow(/fields/);
  });

  it('rejects a payload without the signature', () => {
    expect(() => decodeCopyColumns(Buffer.from('nope, not binary copy'), 1)).toThrow(/signature/);
  });

  (PG_URL ? describe : describe.skip)('against PostgreSQL', () => {
    let pool: Pool;
    const table = `copy_codec_${process.pid}`;
    beforeAll(async () => {
      pool = new Pool({ connectionString: PG_URL, max: 2 });
      await pool.query(`create table ${table} (symbol text not null, ts bigint not null, a double precision, b double precision)`);
    });
    afterAll(async () => {
      await pool.query(`drop table if exists ${table}`);
      await pool.end();
    });

    it('stores every value exactly and reads it back exactly, in ts order', async () => {
      const client = await pool.connect();
      try {
        const payload = encodeCopyRows("it's-USD", [ts, a, b], ['int8', 'float8', 'float8'], ts.length);
        await pipeline(Readable.from([payload]), client.query(copyFrom(`copy ${table} (symbol, ts, a, b) from stdin (format binary)`)));
      } finally {
        client.release();
      }
      // Text rendering of the same rows, to check the server saw the values (not just bytes round-tripped).
      const text = await pool.query(`select ts::text, a::text, b::text from ${table} where ts = 1700000000000`);
      expect(text.rows[0]).toEqual({ ts: '1700000000000', a: '1.7976931348623157e+308', b: '42' });
      const read = await pgReadColumns(pool, table, "it's-USD", ['a', 'b'], -1e15, 1e16);
      const order = [...ts.keys()].sort((i, j) => ts[i] - ts[j]);
      expect(Array.from(read.ts)).toEqual(order.map((i) => ts[i]));
      expect(bits(read.values[0])).toBe(bits(Float64Array.from(order, (i) => a[i])));
      expect(bits(read.values[1])).toBe(bits(Float64Array.from(order, (i) => b[i])));
      expect((await pgReadColumns(pool, table, 'other', ['a'], -1e15, 1e16)).ts.length).toBe(0);
    });
  });
});
