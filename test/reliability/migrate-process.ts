/**
 * A process that migrates one database and exits, for tests that SIGKILL it mid-migration:
 * `node --import tsx test/reliability/migrate-process.ts <database url>`. It prints
 * "migrating" just before it starts and "migrated" when the schema is up to date.
 */
import { migrateToLatest, openDatabase } from '../../src/db/connect';

async function main(): Promise<void> {
  const url = process.argv[2];
  if (!url) throw new Error('usage: migrate-process.ts <database url>');
  const db = await openDatabase({ url });
  process.stdout.write('migrating\n');
  await migrateToLatest(db);
  process.stdout.write('migrated\n');
  await db.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
