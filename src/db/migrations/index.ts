/**
 * The ordered list of migration steps. Listed statically (not read from the file system) so
 * the same list works under tsx, jest and a compiled build. Add a numbered file and a line
 * here; `runner.ts` applies each step atomically.
 */
import * as m001 from './001_initial';
import * as m002 from './002_logs';
import * as m003 from './003_drop_row_labels';
import * as m004 from './004_lineage';
import * as m005 from './005_partition_quality';
import * as m006 from './006_database_identity';
import * as m007 from './007_postgres_day_rows';
import type { MigrationStep } from './runner';

export type { MigrationStep } from './runner';

/** Every migration step, in the order they run. */
export const MIGRATIONS: readonly MigrationStep[] = [
  { name: '001_initial', up: m001.up },
  { name: '002_logs', up: m002.up },
  { name: '003_drop_row_labels', up: m003.up },
  { name: '004_lineage', up: m004.up },
  { name: '005_partition_quality', up: m005.up },
  { name: '006_database_identity', up: m006.up },
  { name: '007_postgres_day_rows', up: m007.up },
];
