/**
 * The materialization ledger: what exists, at which code version, made by which run.
 * Written in the same transaction as the data (see the writers in this folder).
 */
import type { Insertable, Kysely, Transaction } from 'kysely';
import type { Database, Materialization, MaterializationsTable } from './schema';
import { withStorageRetry } from './transient';

/** The ledger asset of D's scores of one feature flow (`evaluations/c`): each flow's evaluation is current on its own. */
export function evaluationAsset(algorithmId: string): string {
  return `evaluations/${algorithmId}`;
}

/** A ledger row to write: the quality columns are optional (null for assets other than candles). */
export type LedgerRow = Insertable<MaterializationsTable>;

/** The ledger's quality columns of a row, null where absent: a re-materialization replaces them all. */
export function qualityColumns(row: Pick<LedgerRow, 'quality' | 'source' | 'missing_minutes' | 'duplicates' | 'conflicting_duplicates'>) {
  return {
    quality: row.quality ?? null,
    source: row.source ?? null,
    missing_minutes: row.missing_minutes ?? null,
    duplicates: row.duplicates ?? null,
    conflicting_duplicates: row.conflicting_duplicates ?? null,
  };
}

/** Records (or replaces) the ledger row of one asset partition. Call inside the data's transaction. */
export async function recordMaterialization(trx: Transaction<Database>, row: LedgerRow): Promise<void> {
  const quality = qualityColumns(row);
  await trx
    .insertInto('materializations')
    .values({ ...row, ...quality })
    .onConflict((oc) =>
      oc.columns(['asset', 'symbol', 'partition']).doUpdateSet({
        code_version: row.code_version,
        workflow_id: row.workflow_id,
        run_id: row.run_id,
        rows: row.rows,
        checksum: row.checksum,
        materialized_at: row.materialized_at,
        ...quality,
      }),
    )
    .execute();
}

/** Replaces the lineage of one partition (what it read). Call inside the data's transaction. */
export async function recordLineage(
  trx: Transaction<Database>,
  asset: string,
  symbol: string,
  partition: string,
  inputs: ReadonlyArray<{ asset: string; partition: string; checksum: string }>,
): Promise<void> {
  await trx.deleteFrom('materialization_inputs').where('asset', '=', asset).where('symbol', '=', symbol).where('partition', '=', partition).execute();
  if (!inputs.length) return;
  await trx
    .insertInto('materialization_inputs')
    .values(inputs.map((i) => ({ asset, symbol, partition, input_asset: i.asset, input_partition: i.partition, input_checksum: i.checksum })))
    .execute();
}

/**
 * Whether a candles ledger row can feed downstream flows: not one an earlier release recorded
 * with no candles (`empty`), which is no data at all. `degraded` days are usable (flagged).
 */
export function isUsableCandles(row: Pick<Materialization, 'asset' | 'quality'>): boolean {
  return row.asset !== 'candles' || row.quality !== 'empty';
}

/** Filter for {@link listMaterializations}. */
export interface LedgerQuery {
  readonly symbol: string;
  readonly from: string;
  readonly to: string;
  /** Only these assets; all when omitted. */
  readonly assets?: readonly string[];
}

/**
 * Ledger rows for a symbol and inclusive day range, ordered by asset then partition. Transient
 * storage errors are waited out, so call it outside transactions.
 */
export async function listMaterializations(db: Kysely<Database>, q: LedgerQuery): Promise<Materialization[]> {
  let query = db
    .selectFrom('materializations')
    .selectAll()
    .where('symbol', '=', q.symbol)
    .where('partition', '>=', q.from)
    .where('partition', '<=', q.to);
  if (q.assets?.length) query = query.where('asset', 'in', [...q.assets]);
  const ordered = query.orderBy('asset').orderBy('partition');
  return withStorageRetry(`read the ledger of ${q.symbol}`, () => ordered.execute());
}

/** Day -> checksum of the ledger rows of one asset (e.g. from {@link listMaterializations}), for reads through the partition cache. */
export function checksumsByDay(rows: readonly Materialization[], asset: string): Map<string, string> {
  // An empty candles day is as good as missing: callers that check for missing days see it so.
  return new Map(rows.filter((m) => m.asset === asset && isUsableCandles(m)).map((m) => [m.partition, m.checksum]));
}

/**
 * The first day an asset has for a symbol (undefined when none): where its history starts. A
 * look-back day before it cannot exist at the source, so it is not "missing"; any later day is.
 */
export async function firstPartition(db: Kysely<Database>, asset: string, symbol: string): Promise<string | undefined> {
  const row = await db.selectFrom('materializations').select((eb) => eb.fn.min('partition').as('first')).where('asset', '=', asset).where('symbol', '=', symbol).executeTakeFirst();
  return row?.first ?? undefined;
}
