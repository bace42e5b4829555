/**
 * Lineage: which upstream partitions (and their checksums) each materialization read, written in
 * the same transaction as the partition. A partition whose recorded inputs no longer match the
 * ledger (an input recomputed, corrected, or missing when it was computed and present now) is
 * stale, whatever its code version says.
 */
import type { Kysely } from 'kysely';

/** Creates `materialization_inputs`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('materialization_inputs')
    .addColumn('asset', 'text', (c) => c.notNull())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('partition', 'text', (c) => c.notNull())
    .addColumn('input_asset', 'text', (c) => c.notNull())
    .addColumn('input_partition', 'text', (c) => c.notNull())
    /** The input's ledger checksum when it was read; '' when it was not materialized then. */
    .addColumn('input_checksum', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('materialization_inputs_pk', ['asset', 'symbol', 'partition', 'input_asset', 'input_partition'])
    .execute();
}

/** Drops it. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('materialization_inputs').ifExists().execute();
}
