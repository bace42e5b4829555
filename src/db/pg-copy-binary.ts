/**
 * PostgreSQL's binary COPY format for featureflow's day rows (`pg-day-layout.ts`: one row per
 * symbol and day, one array per column), encoded from and decoded into typed arrays directly:
 * no text rendering of each float, and no JavaScript object per minute. Values travel as the 8
 * bytes they are, so -0.0 and every NaN-free double survive exactly; NaN is a NULL element.
 *
 * Layout (PostgreSQL docs, "COPY ... binary format"): an 11-byte signature, flags and
 * header-extension length (int32 each); per tuple an int16 field count, then per field an int32
 * byte length (-1 = NULL) and the value in network byte order; an int16 -1 trailer. A `date` is
 * an int32 of days since 2000-01-01. An array (`array_send`/`array_recv`) is int32 dimensions,
 * int32 has-nulls flag, int32 element type OID, per dimension int32 size and int32 lower bound,
 * then per element an int32 length (-1 = NULL) and the element.
 */

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;
const TWO_32 = 2 ** 32;
/** Element type OIDs PostgreSQL checks an array against its column's type. */
const ELEMENT_OID = { int8: 20, float8: 701 } as const;
/** An array's header: dimensions, flags, element type, size and lower bound of its one dimension. */
const ARRAY_HEADER_BYTES = 20;
/** 2000-01-01, PostgreSQL's date epoch, in days since 1970-01-01. */
const PG_DATE_EPOCH_DAY = 10_957;
const DAY_MS = 86_400_000;

/** How a numeric column's elements travel: `int8` (bigint, e.g. `ts`) or `float8` (double precision). */
export type BinaryColumnKind = keyof typeof ELEMENT_OID;

/** The start of a COPY payload (signature, no flags, no header extension). */
function writeHeader(buffer: Buffer, view: DataView): number {
  SIGNATURE.copy(buffer, 0);
  view.setInt32(SIGNATURE.length, 0);
  view.setInt32(SIGNATURE.length + 4, 0);
  return HEADER_BYTES;
}

/**
 * One COPY FROM STDIN payload holding one day row: (`symbol` text, the UTC day starting at
 * `dayStartMs` as a date, one one-dimensional array per column of `rows` elements). With no
 * rows, a payload of no tuples: an empty day has no row. Integer columns must hold integers
 * within +-2^53 (epoch milliseconds do).
 */
export function encodeCopyDay(symbol: string, dayStartMs: number, columns: ReadonlyArray<ArrayLike<number>>, kinds: readonly BinaryColumnKind[], rows: number): Buffer {
  const text = Buffer.from(symbol, 'utf8');
  const arrayBytes = ARRAY_HEADER_BYTES + rows * 12;
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + 2 + 4 + text.length + 8 + columns.length * (4 + arrayBytes) + 2);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let at = writeHeader(buffer, view);
  if (rows > 0) {
    view.setInt16(at, 2 + columns.length);
    view.setInt32(at + 2, text.length);
    text.copy(buffer, at + 6);
    at += 6 + text.length;
    view.setInt32(at, 4);
    view.setInt32(at + 4, Math.floor(dayStartMs / DAY_MS) - PG_DATE_EPOCH_DAY);
    at += 8;
    for (let c = 0; c < columns.length; c++) at = writeArray(view, at, columns[c], kinds[c], rows);
  }
  view.setInt16(at, -1);
  return buffer.subarray(0, at + 2);
}

/** Writes one array field (its length, header and elements, NaN as NULL) at `at`; returns the offset after it. */
function writeArray(view: DataView, at: number, values: ArrayLike<number>, kind: BinaryColumnKind, rows: number): number {
  const lengthAt = at;
  const hasNullsAt = at + 8;
  view.setInt32(at + 4, 1);
  view.setInt32(at + 12, ELEMENT_OID[kind]);
  view.setInt32(at + 16, rows);
  view.setInt32(at + 20, 1);
  at += 4 + ARRAY_HEADER_BYTES;
  let nulls = 0;
  for (let r = 0; r < rows; r++) {
    const v = values[r];
    if (v !== v) {
      view.setInt32(at, -1);
      at += 4;
      nulls = 1;
      continue;
    }
    view.setInt32(at, 8);
    if (kind === 'int8') {
      const high = Math.floor(v / TWO_32);
      view.setInt32(at + 4, high);
      view.setUint32(at + 8, v - high * TWO_32);
    } else {
      view.setFloat64(at + 4, v);
    }
    at += 12;
  }
  view.setInt32(hasNullsAt, nulls);
  view.setInt32(lengthAt, at - lengthAt - 4);
  return at;
}

/** Decoded columns: `ts` and the float8 columns after it, concatenated over the days; NULL is NaN. */
export interface DecodedColumns {
  readonly ts: Float64Array;
  readonly values: Float64Array[];
}

/** Where one tuple's fields are, and which of its elements fall in the requested range. */
interface TupleSpan {
  /** Offset of its first value field (after `ts`). */
  readonly valuesAt: number;
  /** Offset of the first element of `ts`. */
  readonly tsAt: number;
  /** Elements in the day. */
  readonly length: number;
  /** Elements `[start, end)` are kept. */
  readonly start: number;
  readonly end: number;
}

/**
 * Decodes a COPY TO STDOUT (FORMAT binary) result of `select ts, <float8 array columns...>`
 * over day rows in time order into one typed array per column, keeping the elements with
 * `fromMs <= ts < toMs`. A whole column that is NULL (a column added after the day was written)
 * reads as NaN. One pass finds the tuples and their kept elements, a second fills arrays of
 * exactly that length.
 */
export function decodeCopyDays(payload: Buffer, valueColumns: number, fromMs = -Infinity, toMs = Infinity): DecodedColumns {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  if (payload.length < HEADER_BYTES || !payload.subarray(0, SIGNATURE.length).equals(SIGNATURE)) {
    throw new Error('not a PostgreSQL binary COPY payload (bad signature)');
  }
  const fields = 1 + valueColumns;
  const spans: TupleSpan[] = [];
  let total = 0;
  let at = HEADER_BYTES + view.getInt32(SIGNATURE.length + 4);
  for (;;) {
    const count = view.getInt16(at);
    if (count === -1) break;
    if (count !== fields) throw new Error(`binary COPY tuple has ${count} fields, expected ${fields}`);
    const tsLength = view.getInt32(at + 2);
    if (tsLength < ARRAY_HEADER_BYTES && tsLength !== 12) throw new Error('binary COPY: ts must be a non-null bigint array');
    const length = arrayLength(view, at + 6, 'int8');
    const tsAt = at + 6 + (length ? ARRAY_HEADER_BYTES : 12);
    let start = 0;
    while (start < length && int8At(view, tsAt + start * 12) < fromMs) start++;
    let end = start;
    while (end < length && int8At(view, tsAt + end * 12) < toMs) end++;
    at += 6 + tsLength;
    const valuesAt = at;
    for (let f = 1; f < fields; f++) {
      const bytes = view.getInt32(at);
      at += 4 + (bytes > 0 ? bytes : 0);
    }
    spans.push({ valuesAt, tsAt, length, start, end });
    total += end - start;
  }
  const ts = new Float64Array(total);
  const values = Array.from({ length: valueColumns }, () => new Float64Array(total));
  let out = 0;
  for (const span of spans) {
    const kept = span.end - span.start;
    for (let r = 0; r < kept; r++) ts[out + r] = int8At(view, span.tsAt + (span.start + r) * 12);
    at = span.valuesAt;
    for (let c = 0; c < valueColumns; c++) {
      const bytes = view.getInt32(at);
      if (bytes === -1) {
        values[c].fill(Number.NaN, out, out + kept);
        at += 4;
        continue;
      }
      if (arrayLength(view, at + 4, 'float8') !== span.length) throw new Error('binary COPY: a column array is not as long as the day\'s ts');
      let element = at + 4 + ARRAY_HEADER_BYTES;
      const column = values[c];
      for (let r = 0; r < span.end; r++) {
        const length = view.getInt32(element);
        if (r >= span.start) {
          if (length === 8) column[out + r - span.start] = view.getFloat64(element + 4);
          else if (length === -1) column[out + r - span.start] = Number.NaN;
          else throw new Error(`binary COPY: a float8 element of ${length} bytes`);
        }
        element += length === -1 ? 4 : 4 + length;
      }
      at += 4 + bytes;
    }
    out += kept;
  }
  return { ts, values };
}

/** The element count of the array whose header starts at `at`, after checking it is one-dimensional (or empty) of `kind`. */
function arrayLength(view: DataView, at: number, kind: BinaryColumnKind): number {
  const dimensions = view.getInt32(at);
  if (view.getInt32(at + 8) !== ELEMENT_OID[kind]) throw new Error(`binary COPY: expected an array of ${kind}`);
  if (dimensions === 0) return 0;
  if (dimensions !== 1) throw new Error(`binary COPY: an array of ${dimensions} dimensions`);
  return view.getInt32(at + 12);
}

/** A non-null int8 element (its int32 length, then the value) at `at`. */
function int8At(view: DataView, at: number): number {
  if (view.getInt32(at) !== 8) throw new Error('binary COPY: ts elements must be non-null bigints');
  return view.getInt32(at + 4) * TWO_32 + view.getUint32(at + 8);
}
