/**
 * Lineage: which upstream partitions (and their checksums) each materialization read, written in
 * the same transaction as the partition. A partition whose recorded inputs no longer match the
 * ledger (an input recomputed, corrected, or missing when it was computed and present now) is
 * stale, whatever its code version says.
 */
import type { Kysely } from 'kysely';
import type { DialectKind } from '../schema';
import { tableExists } from './existing';

const COLUMNS = ['asset', 'symbol', 'partition', 'input_asset', 'input_partition', 'input_checksum'] as const;

/** Creates `materialization_inputs` (kept if the old runner created it without recording the step). */
export async function up(db: Kysely<unknown>, dialect: DialectKind): Promise<void> {
  if (await tableExists(db, dialect, 'materialization_inputs', COLUMNS)) return;
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
