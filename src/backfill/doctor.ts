/**
 * `featureflow doctor`, pure: finds materializations that were computed from inputs that are not
 * what the ledger holds now, including ones written before lineage was recorded (a feature day
 * computed while its look-back candles were missing, as a failed chunk could leave behind), and
 * says what lineage to record so the planner treats exactly those as stale.
 *
 * For a partition without recorded lineage, its expected inputs are rebuilt from the graph (the
 * day's upstream partitions and their look-back days). An input that is missing now, or was
 * materialized after the partition, was not there when it was computed: recorded as absent
 * (checksum ''), which makes the partition stale ("appeared since"). Inputs that predate it are
 * recorded with their current checksums, adopting the partition as current.
 */
import { addDays } from '../core/dates';
import type { Materialization } from '../db/schema';
import type { LineageFact } from './plan';

/** What a partition reads, by the graph: the assets it depends on, and how many days back. */
export interface ExpectedInputs {
  /** The ledger asset checked (`features_c`, `evaluations/c`). */
  readonly asset: string;
  /** Upstream assets it reads. */
  readonly inputs: readonly string[];
  /** Whole days of look-back before the partition it reads of each input. */
  readonly lookbackDays: number;
}

/** One finding of the doctor. */
export interface DoctorFinding {
  readonly asset: string;
  readonly partition: string;
  /** `ok`: consistent; `stale`: computed from other inputs than the ledger's; `legacy-ok`/`legacy-suspect`: no lineage yet. */
  readonly verdict: 'ok' | 'stale' | 'legacy-ok' | 'legacy-suspect';
  readonly detail?: string;
  /** Lineage to record for a legacy partition (with `--fix`). */
  readonly record?: readonly LineageFact[];
}

/** Examines every partition of `expected` assets in `rows` (which must reach back over the look-back days). */
export function examine(
  rows: readonly Materialization[],
  lineage: ReadonlyMap<string, readonly LineageFact[]>,
  expected: readonly ExpectedInputs[],
  historyStart: string | undefined,
  from: string,
): DoctorFinding[] {
  const byKey = new Map(rows.map((r) => [`${r.asset}/${r.partition}`, r]));
  const out: DoctorFinding[] = [];
  for (const spec of expected) {
    for (const row of rows.filter((r) => r.asset === spec.asset && r.partition >= from)) {
      const recorded = lineage.get(`${row.asset}/${row.partition}`);
      if (recorded?.length) {
        const changed = recorded.find((i) => (byKey.get(`${i.asset}/${i.partition}`)?.checksum ?? '') !== i.checksum);
        out.push(changed ? { asset: row.asset, partition: row.partition, verdict: 'stale', detail: `${changed.asset} ${changed.partition} is not what it read` } : { asset: row.asset, partition: row.partition, verdict: 'ok' });
        continue;
      }
      const record: LineageFact[] = [];
      const absent: string[] = [];
      for (const input of spec.inputs) {
        for (let k = 0; k <= spec.lookbackDays; k++) {
          const day = addDays(row.partition, -k);
          if (k > 0 && historyStart && day < historyStart) continue;
          const now = byKey.get(`${input}/${day}`);
          const there = now !== undefined && Number(now.materialized_at) <= Number(row.materialized_at);
          record.push({ asset: input, partition: day, checksum: there && now ? now.checksum : '' });
          if (!there) absent.push(`${input} ${day}`);
        }
      }
      out.push(
        absent.length
          ? { asset: row.asset, partition: row.partition, verdict: 'legacy-suspect', detail: `computed without ${absent.join(', ')}`, record }
          : { asset: row.asset, partition: row.partition, verdict: 'legacy-ok', record },
      );
    }
  }
  return out;
}
