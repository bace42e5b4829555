/**
 * PostgreSQL's binary COPY format for featureflow's time-series rows, encoded from and decoded
 * into typed arrays directly: no text rendering of each float (node-postgres turned float
 * arrays into text parameters, which the server then parsed back), and no JavaScript object
 * per row. Values travel as the 8 bytes they are, so -0.0 and every NaN-free double survive
 * exactly; NaN is NULL. Layout (PostgreSQL docs, "COPY ... binary format"): an 11-byte
 * signature, flags and header-extension length (int32 each); per tuple an int16 field count,
 * then per field an int32 byte length (-1 = NULL) and the value in network byte order; an int16
 * -1 trailer.
 */

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;
const TWO_32 = 2 ** 32;

/** How a numeric column travels: `int8` (bigint, e.g. `ts`) or `float8` (double precision). */
export type BinaryColumnKind = 'int8' | 'float8';

/**
 * Encodes `rows` tuples of (text constant, ...numeric columns) as one COPY FROM STDIN payload;
 * without a constant, tuples of the numeric columns only. Integer columns must hold integers
 * within +-2^53 (epoch milliseconds do).
 */
export function encodeCopyRows(constant: string | undefined, columns: ReadonlyArray<ArrayLike<number>>, kinds: readonly BinaryColumnKind[], rows: number): Buffer {
  const text = constant === undefined ? undefined : Buffer.from(constant, 'utf8');
  const fields = (text ? 1 : 0) + columns.length;
  const rowBytes = 2 + (text ? 4 + text.length : 0) + columns.length * 12;
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + rows * rowBytes + 2);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  SIGNATURE.copy(buffer, 0);
  view.setInt32(SIGNATURE.length, 0);
  view.setInt32(SIGNATURE.length + 4, 0);
  let at = HEADER_BYTES;
  const integer = kinds.map((k) => k === 'int8');
  for (let r = 0; r < rows; r++) {
    view.setInt16(at, fields);
    at += 2;
    if (text) {
      view.setInt32(at, text.length);
      at += 4;
      for (let i = 0; i < text.length; i++) buffer[at + i] = text[i];
      at += text.length;
    }
    for (let c = 0; c < columns.length; c++) {
      const v = columns[c][r];
      if (v !== v) {
        // NaN: NULL.
        view.setInt32(at, -1);
        at += 4;
        continue;
      }
      view.setInt32(at, 8);
      if (integer[c]) {
        const high = Math.floor(v / TWO_32);
        view.setInt32(at + 4, high);
        view.setUint32(at + 8, v - high * TWO_32);
      } else {
        view.setFloat64(at + 4, v);
      }
      at += 12;
    }
  }
  view.setInt16(at, -1);
  return buffer.subarray(0, at + 2);
}

/** Decoded columns: the first (`ts`, int8) and the float8 columns after it; NULL is NaN. */
export interface DecodedColumns {
  readonly ts: Float64Array;
  readonly values: Float64Array[];
}

/**
 * Decodes a COPY TO STDOUT (FORMAT binary) result of `select ts, <float8 columns...>` into
 * typed arrays: one pass counts the tuples, a second fills arrays of exactly that length.
 */
export function decodeCopyColumns(payload: Buffer, valueColumns: number): DecodedColumns {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  if (payload.length < HEADER_BYTES || !payload.subarray(0, SIGNATURE.length).equals(SIGNATURE)) {
    throw new Error('not a PostgreSQL binary COPY payload (bad signature)');
  }
  const start = HEADER_BYTES + view.getInt32(SIGNATURE.length + 4);
  const fields = 1 + valueColumns;
  let rows = 0;
  let at = start;
  for (;;) {
    const count = view.getInt16(at);
    if (count === -1) break;
    if (count !== fields) throw new Error(`binary COPY tuple has ${count} fields, expected ${fields}`);
    at += 2;
    for (let f = 0; f < fields; f++) {
      const length = view.getInt32(at);
      at += 4 + (length > 0 ? length : 0);
    }
    rows++;
  }
  const ts = new Float64Array(rows);
  const values = Array.from({ length: valueColumns }, () => new Float64Array(rows));
  at = start;
  for (let r = 0; r < rows; r++) {
    at += 2;
    if (view.getInt32(at) !== 8) throw new Error('binary COPY: ts must be a non-null bigint');
    ts[r] = view.getInt32(at + 4) * TWO_32 + view.getUint32(at + 8);
    at += 12;
    for (let c = 0; c < valueColumns; c++) {
      const length = view.getInt32(at);
      if (length === 8) {
        values[c][r] = view.getFloat64(at + 4);
        at += 12;
      } else if (length === -1) {
        values[c][r] = Number.NaN;
        at += 4;
      } else {
        throw new Error(`binary COPY: a float8 field of ${length} bytes`);
      }
    }
  }
  return { ts, values };
}
