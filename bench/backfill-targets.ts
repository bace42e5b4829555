/**
 * Where the backfill bench runs: the embedded stack (`dev`: a fresh persistent dev server and a
 * SQLite file per case, as `npm start` runs them) or the production-shaped stack of
 * `npm run stack -- up` (`production`: its Temporal Server on PostgreSQL, and a fresh PostgreSQL
 * data database per case on the same server). Either way the bench starts its own worker
 * processes; a target only says where they connect, which database each case gets, and whose
 * CPU counts as the server's (for `production`, the Temporal Server plus every PostgreSQL process).
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client as PgClient } from 'pg';
import { startDevServerEnv } from '../test/helpers/stack';
import { databaseUrl, loadStackSettings } from '../src/stack/settings';
import { pidWithCommandLine, pidsNamed, processCpuMs } from './proc';

/** Upstream days read from the partition cache and from the database (from the activities' log lines). */
export interface UpstreamReads {
  readonly cachedDays: number;
  readonly databaseDays: number;
}

/** A fresh data database for one case. */
export interface CaseDatabase {
  /** DATABASE_URL for its workers. */
  readonly url: string;
  /** Sums the feature and evaluation activities' `cachedDays` / `databaseDays`, once the workers have stopped. */
  upstreamReads(): Promise<UpstreamReads>;
  /** Removes it. */
  drop(): Promise<void>;
}

/** One stack the bench runs on. */
export interface BenchTarget {
  readonly name: 'dev' | 'production';
  readonly client: Client;
  /** Temporal address and namespace for the workers. */
  readonly address: string;
  readonly namespace: string;
  /** CPU seconds the server side (Temporal, and PostgreSQL on `production`) has used so far. */
  serverCpuSeconds(): number;
  newDatabase(label: string): Promise<CaseDatabase>;
  close(): Promise<void>;
}

/** The measured symbol's reads only: a warm-up runs on another symbol (`bench/backfill.ts`). */
const LOG_QUERY = "select attrs from logs where message in ('computed features', 'evaluated features') and attrs is not null and symbol = 'BTC-USD'";

function sumReads(rows: ReadonlyArray<{ attrs: string }>): UpstreamReads {
  let cachedDays = 0;
  let databaseDays = 0;
  for (const row of rows) {
    const attrs = JSON.parse(row.attrs) as { cachedDays?: number; databaseDays?: number };
    cachedDays += attrs.cachedDays ?? 0;
    databaseDays += attrs.databaseDays ?? 0;
  }
  return { cachedDays, databaseDays };
}

const cpuSeconds = (pids: readonly number[]): number => pids.reduce((sum, pid) => sum + (processCpuMs(pid) ?? 0), 0) / 1000;

/** The embedded stack: a persistent dev server in `dir`, a SQLite file per case. */
export async function devTarget(dir: string): Promise<BenchTarget> {
  const env: TestWorkflowEnvironment = await startDevServerEnv({ dbFilename: path.join(dir, 'temporal.db') });
  const serverPid = pidWithCommandLine(path.join(dir, 'temporal.db'));
  if (!serverPid) throw new Error('bench: cannot find the dev server process');
  return {
    name: 'dev',
    client: env.client,
    address: env.address,
    namespace: 'default',
    serverCpuSeconds: () => cpuSeconds([serverPid]),
    async newDatabase(label) {
      const file = path.join(dir, `${label.replace(/\W+/g, '-')}.db`);
      return {
        url: file,
        async upstreamReads() {
          const db = new SQLite(file, { readonly: true });
          try {
            return sumReads(db.prepare(LOG_QUERY).all() as Array<{ attrs: string }>);
          } finally {
            db.close();
          }
        },
        drop: async () => fs.rmSync(file, { force: true }),
      };
    },
    close: () => env.teardown(),
  };
}

/** The stack of `npm run stack -- up` (which must be running; its workers are not used). */
export async function productionTarget(): Promise<BenchTarget> {
  const settings = loadStackSettings();
  const pidFile = path.join(settings.runDir, 'temporal-server.pid');
  const serverPid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').trim()) : undefined;
  if (!serverPid) throw new Error('bench: the production stack is not up; start it with `npm run stack -- up`');
  const address = `127.0.0.1:${settings.ports.frontend}`;
  const connection = await Connection.connect({ address });
  const admin = async <T>(work: (pg: PgClient) => Promise<T>): Promise<T> => {
    const pg = new PgClient({ connectionString: settings.adminUrl.toString() });
    await pg.connect();
    try {
      return await work(pg);
    } finally {
      await pg.end();
    }
  };
  return {
    name: 'production',
    client: new Client({ connection, namespace: settings.namespace }),
    address,
    namespace: settings.namespace,
    // Every PostgreSQL process of the host: the data path's work lands there (other users of the server count too).
    serverCpuSeconds: () => cpuSeconds([serverPid, ...pidsNamed('postgres')]),
    async newDatabase(label) {
      const name = `${settings.databases.data}_bench_${label.replace(/\W+/g, '_').toLowerCase()}`.slice(0, 60);
      await admin(async (pg) => {
        await pg.query(`drop database if exists "${name}"`);
        await pg.query(`create database "${name}"`);
      });
      const url = databaseUrl(settings, name);
      return {
        url,
        async upstreamReads() {
          const pg = new PgClient({ connectionString: url });
          await pg.connect();
          try {
            return sumReads((await pg.query<{ attrs: string }>(LOG_QUERY)).rows);
          } finally {
            await pg.end();
          }
        },
        // Plain drop: PostgreSQL stops an autovacuum worker on it by itself (WITH (FORCE) needs rights over its backend).
        drop: () =>
          admin(async (pg) => void (await pg.query(`drop database if exists "${name}"`))).catch((err: Error) =>
            console.warn(`bench: could not drop ${name}: ${err.message}`),
          ),
      };
    },
    close: () => connection.close(),
  };
}

