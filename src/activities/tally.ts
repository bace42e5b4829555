/**
 * What every flow activity reports about the range it materialized: partitions, rows and the
 * range checksum over the per-partition checksums in day order. One place, so the three flows'
 * references (PartitionRef, FeatureRef, EvaluationRef) cannot drift apart.
 *
 * It also keeps a few partition writes in flight: with SQLite I/O threads a write is a round
 * trip to another thread, and awaiting each before preparing the next day left both threads
 * idle half the time. Each day is still its own transaction; a failed write fails the activity
 * at the next `add` or at `flush` (days queued after it may commit: a retry rewrites them anyway).
 */
import { rangeChecksum } from '../core/checksum';
import type { PartitionRange } from '../contracts';

/** Partition writes an activity keeps under way at once. */
export const WRITES_IN_FLIGHT = 4;

/** Counts the partitions an activity writes, in day order. */
export class PartitionTally {
  private readonly checksums: string[] = [];
  private readonly pending: Array<Promise<number>> = [];
  private rowCount = 0;

  constructor(private readonly maxInFlight = WRITES_IN_FLIGHT) {}

  /** Records one partition whose write is under way; first waits for the oldest write if `maxInFlight` are. */
  async add(checksum: string, written: Promise<number>): Promise<void> {
    // A rejection waiting its turn in the queue is not "unhandled": `next()` reports it.
    written.catch(() => undefined);
    this.checksums.push(checksum);
    this.pending.push(written);
    while (this.pending.length >= this.maxInFlight) await this.next();
  }

  /** Waits for every write under way; throws the first failure. */
  async flush(): Promise<void> {
    while (this.pending.length) await this.next();
  }

  /** Partitions recorded so far. */
  get partitions(): number {
    return this.checksums.length;
  }

  /** Rows written so far (by the writes that finished). */
  get rows(): number {
    return this.rowCount;
  }

  /** The range fields every reference carries; call after {@link flush}. */
  summary(range: PartitionRange): { symbol: string; from: string; to: string; partitions: number; rows: number; checksum: string } {
    if (this.pending.length) throw new Error('PartitionTally.summary() before flush(): writes are still under way');
    return { symbol: range.symbol, from: range.from, to: range.to, partitions: this.partitions, rows: this.rowCount, checksum: rangeChecksum(this.checksums) };
  }

  private async next(): Promise<void> {
    const oldest = this.pending.shift();
    if (oldest) this.rowCount += await oldest;
  }
}
