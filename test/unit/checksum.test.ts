/** Partition checksums: the same numbers hash the same whatever holds them, NaN payloads included; any change shows. */
import { partitionChecksum } from '../../src/core/checksum';

describe('partitionChecksum', () => {
  const values = [1.5, -0, 3.25, Number.NaN, 1e-300];
  const sum = (column: ArrayLike<number>) => partitionChecksum(['BTC-USD', '2024-01-01'], [['x', column]]);

  it('is the same for a plain array, a Float64Array and a view into a larger buffer', () => {
    const inBuffer = new Float64Array(values.length + 3);
    inBuffer.set(values, 2);
    const view = inBuffer.subarray(2, 2 + values.length);
    expect(sum(Float64Array.from(values))).toBe(sum(values));
    expect(sum(view)).toBe(sum(values));
    // Without NaN too (the path that hashes a Float64Array where it lies).
    const finite = [1, 2, 3];
    const wide = new Float64Array([9, 1, 2, 3, 9]);
    expect(sum(wide.subarray(1, 4))).toBe(sum(finite));
  });

  it('treats every NaN bit pattern as one NaN, and notices any changed value or column order', () => {
    const other = Float64Array.from(values);
    // A NaN with a different payload (as another engine or a division might produce).
    new DataView(other.buffer).setUint32(3 * 8 + 4, 0x7ff80001, true);
    expect(Number.isNaN(other[3])).toBe(true);
    expect(sum(other)).toBe(sum(values));
    const changed = Float64Array.from(values);
    changed[4] = 2e-300;
    expect(sum(changed)).not.toBe(sum(values));
    expect(sum([0, 1])).not.toBe(sum([-0, 1]));
    expect(partitionChecksum(['k'], [['a', [1]], ['b', [2]]])).not.toBe(partitionChecksum(['k'], [['b', [2]], ['a', [1]]]));
  });
});
