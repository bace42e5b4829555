/**
 * What every flow activity reports about the range it materialized: partitions, rows and the
 * range checksum over the per-partition checksums in day order. One place, so the three flows'
 * references (PartitionRef, FeatureRef, EvaluationRef) cannot drift apart.
 */
import { rangeChecksum } from '../checksum';
import type { PartitionRange } from '../contracts';

/** Counts the partitions an activity writes, in day order. */
export class PartitionTally {
  private readonly checksums: string[] = [];
  private rowCount = 0;

  /** Records one written partition. */
  add(checksum: string, rows: number): void {
    this.checksums.push(checksum);
    this.rowCount += rows;
  }

  /** Partitions written so far. */
  get partitions(): number {
    return this.checksums.length;
  }

  /** Rows written so far. */
  get rows(): number {
    return this.rowCount;
  }

  /** The range fields every reference carries. */
  summary(range: PartitionRange): { symbol: string; from: string; to: string; partitions: number; rows: number; checksum: string } {
    return { symbol: range.symbol, from: range.from, to: range.to, partitions: this.partitions, rows: this.rowCount, checksum: rangeChecksum(this.checksums) };
  }
}
