/** PartitionTally: keeps a bounded number of partition writes in flight, in day order, and reports the first failure. */
import { rangeChecksum } from '../../src/core/checksum';
import { PartitionTally } from '../../src/activities/tally';

/** A write the test finishes by hand. */
function pendingWrite(): { promise: Promise<number>; finish(rows: number): void; fail(err: Error): void } {
  let finish!: (rows: number) => void;
  let fail!: (err: Error) => void;
  const promise = new Promise<number>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return { promise, finish, fail };
}

const range = { symbol: 'BTC-USD', from: '2024-01-01', to: '2024-01-03' };

describe('PartitionTally', () => {
  it('waits for the oldest write only once `maxInFlight` are under way, and sums rows in day order', async () => {
    const tally = new PartitionTally(2);
    const [a, b, c] = [pendingWrite(), pendingWrite(), pendingWrite()];
    await tally.add('sum-a', a.promise);
    let secondAdded = false;
    const second = tally.add('sum-b', b.promise).then(() => (secondAdded = true));
    await new Promise((r) => setImmediate(r));
    expect(secondAdded).toBe(false);
    a.finish(10);
    await second;
    expect(tally.rows).toBe(10);
    const third = tally.add('sum-c', c.promise);
    b.finish(20);
    await third;
    expect(tally.rows).toBe(30);
    expect(() => tally.summary(range)).toThrow(/before flush/);
    c.finish(30);
    await tally.flush();
    expect(tally.summary(range)).toEqual({ ...range, partitions: 3, rows: 60, checksum: rangeChecksum(['sum-a', 'sum-b', 'sum-c']) });
  });

  it('a failed write fails the next add or the flush, and a later failure never goes unhandled', async () => {
    const tally = new PartitionTally(3);
    const [a, b] = [pendingWrite(), pendingWrite()];
    await tally.add('sum-a', a.promise);
    await tally.add('sum-b', b.promise);
    a.fail(new Error('disk full on day 1'));
    b.fail(new Error('disk full on day 2'));
    await expect(tally.flush()).rejects.toThrow('disk full on day 1');
  });
});
