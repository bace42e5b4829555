/**
 * The ordered list of migrations. Listed statically (not read from the file system) so the
 * same list works under tsx, jest and a compiled build. Add a numbered file and a line here.
 */
import type { Migration } from 'kysely';
import * as m001 from './001_initial';
import * as m002 from './002_logs';
import * as m003 from './003_drop_row_labels';
import * as m004 from './004_lineage';
import * as m005 from './005_partition_quality';

/** Every migration by name; names sort in the order they must run. */
export const migrations: Record<string, Migration> = {
  '001_initial': m001,
  '002_logs': m002,
  '003_drop_row_labels': m003,
  '004_lineage': m004,
  '005_partition_quality': m005,
};
