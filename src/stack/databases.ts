/**
 * The stack's PostgreSQL databases: Temporal's persistence and SQL visibility (schemas applied
 * with the server's own schema tool, idempotently) and featureflow's data database (migrated by
 * featureflow). Created with the admin URL's role, which needs CREATEDB.
 */
import path from 'node:path';
import { Client } from 'pg';
import { maskUrl } from '../db/connect';
import type { StackBinaries } from './build';
import { runLogged } from './processes';
import type { StackSettings } from './settings';

/** Creates `name` unless it exists; returns true when it was created. */
async function ensureDatabase(admin: Client, name: string): Promise<boolean> {
  const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
  if (found.rowCount) return false;
  // Identifiers cannot be bound; the name comes from validated settings ([a-z0-9_] only).
  await admin.query(`create database "${name}"`);
  return true;
}

/** Creates the three databases if missing. */
export async function ensureDatabases(settings: StackSettings): Promise<void> {
  const admin = new Client({ connectionString: settings.adminUrl.toString(), connectionTimeoutMillis: 10_000 });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(
      `cannot connect to PostgreSQL at ${maskUrl(settings.adminUrl.toString())}: ${(err as Error).message}. ` +
        'Start it (bash scripts/start-postgres.sh) or set FEATUREFLOW_STACK_PG_URL to a role with CREATEDB.',
    );
  }
  try {
    for (const name of Object.values(settings.databases)) {
      if (await ensureDatabase(admin, name)) console.log(`stack: created database ${name}`);
    }
  } finally {
    await admin.end();
  }
}

/** True when Temporal's schema tool has set `database` up before (it keeps a schema_version table). */
async function hasSchema(settings: StackSettings, database: string): Promise<boolean> {
  const url = new URL(settings.adminUrl.toString());
  url.pathname = `/${database}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const res = await client.query("select 1 from information_schema.tables where table_name = 'schema_version'");
    return (res.rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

/** Applies (or updates) Temporal's persistence and visibility schemas with its SQL tool. */
export async function applyTemporalSchemas(settings: StackSettings, binaries: StackBinaries): Promise<void> {
  const u = settings.adminUrl;
  const connection = ['--plugin', 'postgres12', '--ep', u.hostname, '-p', u.port || '5432', '-u', decodeURIComponent(u.username), '-pw', decodeURIComponent(u.password)];
  const logFile = path.join(settings.logDir, 'schema.log');
  const steps: Array<{ database: string; dir: string }> = [
    { database: settings.databases.temporal, dir: path.join(binaries.schemaDir, 'temporal', 'versioned') },
    { database: settings.databases.visibility, dir: path.join(binaries.schemaDir, 'visibility', 'versioned') },
  ];
  for (const { database, dir } of steps) {
    const run = async (args: string[]): Promise<void> => {
      const code = await runLogged(binaries.sql, [...connection, '--db', database, ...args], { logFile });
      if (code !== 0) throw new Error(`Temporal schema tool failed on ${database} (${args[0]} exited ${code}); see ${logFile}`);
    };
    if (!(await hasSchema(settings, database))) await run(['setup-schema', '-v', '0.0']);
    await run(['update-schema', '-d', dir]);
  }
}
