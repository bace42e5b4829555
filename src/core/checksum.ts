/**
 * Content checksums of partitions: sha256 over the key and every column's float64 bytes, so
 * a re-run that writes the same numbers yields the same checksum (and any change shows).
 */
import { createHash } from 'node:crypto';

const CANONICAL_NAN = new Float64Array([Number.NaN]);

/** sha256 (hex) of a partition: its key strings, then each named column in the given order. */
export function partitionChecksum(key: readonly string[], columns: ReadonlyArray<readonly [string, ArrayLike<number>]>): string {
  const hash = createHash('sha256');
  hash.update(key.join('\u0000'));
  for (const [name, values] of columns) {
    hash.update(`\u0000${name}\u0000`);
    hash.update(float64Bytes(values));
  }
  return hash.digest('hex');
}

/**
 * The float64 bytes of `values` with every NaN in one bit pattern (NaN has many; equal data must
 * hash equally). A Float64Array without NaN is hashed where it lies: no copy for the common case,
 * which runs for every column of every partition written.
 */
function float64Bytes(values: ArrayLike<number>): Uint8Array {
  if (values instanceof Float64Array && !hasNaN(values)) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const copy = Float64Array.from(values);
  for (let i = 0; i < copy.length; i++) if (Number.isNaN(copy[i])) copy[i] = CANONICAL_NAN[0];
  return new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength);
}

function hasNaN(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] !== values[i]) return true;
  return false;
}

/** sha256 (hex) of a range: the per-partition checksums in day order. */
export function rangeChecksum(partitionChecksums: readonly string[]): string {
  return createHash('sha256').update(partitionChecksums.join('\n')).digest('hex');
}
