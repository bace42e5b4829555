/**
 * Drops the per-row copies of partition-level labels from the time-series tables: `partition`
 * and `source` from `candles`, `partition` and `code_version` from the feature tables.
 *
 * Every one of them is a property of a whole partition, which is replaced atomically together
 * with its ledger row, and the ledger (`materializations`) already records it once per partition:
 * the day, the code version and (for candles) the source's version. Repeating them on each of the
 * 1,440 rows of a day made SQLite encode, store and compare three text values per row: about a
 * third of the cost of a partition write, the bottleneck of a long backfill (docs/backfill.md).
 * The day of a row is its `ts` (UTC); `featureflow assets` and the ledger give the rest.
 */
import type { Kysely } from 'kysely';
import type { DialectKind } from '../schema';
import { columnsOf } from './existing';
import { rebuildSqliteTable } from './sqlite-rebuild';

const DROPPED: ReadonlyArray<readonly [table: string, columns: readonly string[]]> = [
  ['candles', ['partition', 'source']],
  ['features_b', ['partition', 'code_version']],
  ['features_c', ['partition', 'code_version']],
];

/**
 * Drops the columns that are still there (the old runner could stop after any one of them):
 * on SQLite by copying each table once into its new shape, on PostgreSQL with ALTER TABLE.
 */
export async function up(db: Kysely<unknown>, dialect: DialectKind): Promise<void> {
  for (const [table, columns] of DROPPED) {
    const present = await columnsOf(db, dialect, table);
    const drop = columns.filter((c) => present.includes(c));
    if (!drop.length) continue;
    if (dialect === 'sqlite') {
      await rebuildSqliteTable(db, table, drop);
    } else {
      for (const column of drop) await db.schema.alterTable(table).dropColumn(column).execute();
    }
  }
}
