/** The pipeline's lineage check: feature sets must cover exactly what the run's ingest stored. */
import { ApplicationFailure } from '@temporalio/common';
import type { FeatureRef, PartitionRef } from '../../src/contracts';
import { checkLineage } from '../../src/workflows/lineage';

const sha = (c: string) => c.repeat(64);
const candles: PartitionRef = { table: 'candles', symbol: 'BTC-USD', from: '2024-01-15', to: '2024-01-15', partitions: 1, rows: 1440, checksum: sha('a'), source: 'synthetic' };
const feature = (algorithm: 'b' | 'c', overrides: Partial<FeatureRef> = {}): FeatureRef => ({
  table: algorithm === 'b' ? 'features_b' : 'features_c',
  algorithm,
  version: `${algorithm}-1.0.0`,
  symbol: 'BTC-USD',
  from: '2024-01-15',
  to: '2024-01-15',
  partitions: 1,
  rows: 1440,
  checksum: sha(algorithm === 'b' ? 'b' : 'c'),
  ...overrides,
});

describe('checkLineage', () => {
  it('returns the lineage (candles, then each feature set) when both cover the ingest', () => {
    expect(checkLineage(candles, [feature('b'), feature('c')])).toEqual({
      candles: { source: 'synthetic', rows: 1440, checksum: sha('a') },
      features: [
        { algorithm: 'b', version: 'b-1.0.0', rows: 1440, checksum: sha('b') },
        { algorithm: 'c', version: 'c-1.0.0', rows: 1440, checksum: sha('c') },
      ],
    });
  });

  it('fails non-retryably, naming the set and both sides, when a set was computed from other rows', () => {
    let error: unknown;
    try {
      checkLineage(candles, [feature('b'), feature('c', { rows: 1439 })]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).type).toBe('LineageMismatch');
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).message).toContain('features c (c-1.0.0) covers BTC-USD 2024-01-15..2024-01-15, 1 partitions, 1439 rows');
    expect((error as ApplicationFailure).message).toContain('ingest stored BTC-USD 2024-01-15..2024-01-15, 1 partitions, 1440 rows');
    expect((error as ApplicationFailure).message).not.toContain('features b');
  });

  it('rejects a set over a different range', () => {
    expect(() => checkLineage(candles, [feature('b', { to: '2024-01-16', partitions: 2, rows: 2880 })])).toThrow(/features b .* covers BTC-USD 2024-01-15\.\.2024-01-16/);
  });
});
