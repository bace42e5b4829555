/**
 * The production-shaped stack (`npm run stack -- up`) as the production suite sees it: its
 * variables from `.stack/env`, a client configured from them the way the CLI configures one,
 * its data database, and the stack's own processes (to kill and restart them).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { sql } from 'kysely';
import { loadConfig, PROJECT_ROOT, type Config } from '../../src/config';
import { openDatabase } from '../../src/db/connect';
import { dayTableOf } from '../../src/db/pg-day-layout';
import { FLOW_GRAPH } from '../../src/flows/registry';
import type { Db } from '../../src/db/schema';
import { recordedServices } from '../../src/stack/processes';
import { loadStackSettings } from '../../src/stack/settings';
import { connectClient } from '../../src/temporal/connection';

const run = promisify(execFile);

/**
 * The synthetic symbols the suite runs (each test its own, so they never share partitions); the
 * stack's workers must serve them: FEATUREFLOW_SYNTHETIC_SYMBOLS as below when running
 * `npm run stack -- up` and the suite (.ci/run does).
 */
export const PRODUCTION_SYMBOLS = 'BTC-USD,SOL-USD,ADA-USD,LTC-USD,XRP-USD,DOT-USD,AVAX-USD';

/** Set by .ci/run once the stack is up; the suite skips without it. */
export const PRODUCTION_ENV_FLAG = 'FEATUREFLOW_PRODUCTION_STACK';

/** True when the suite should run; otherwise prints why it is skipped. */
export function productionStackEnabled(): boolean {
  if (process.env[PRODUCTION_ENV_FLAG] === '1') return true;
  console.warn(
    `\n!!! ${PRODUCTION_ENV_FLAG} is not 1: the production-stack suite is SKIPPED (export FEATUREFLOW_SYNTHETIC_SYMBOLS=${PRODUCTION_SYMBOLS}; ` +
      `npm run stack -- up --workers 2; ${PRODUCTION_ENV_FLAG}=1 npx jest --runInBand test/production; .ci/run does) !!!\n`,
  );
  return false;
}

/** The variables `npm run stack -- up` wrote to `.stack/env`. */
export function stackEnv(): Record<string, string> {
  const file = path.join(loadStackSettings().dir, 'env');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: the stack is not up (npm run stack -- up --workers 2)`);
  return Object.fromEntries(
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** What a production test works with. */
export interface ProductionStack {
  readonly config: Config;
  readonly client: Client;
  readonly db: Db;
  close(): Promise<void>;
}

/** Connects to the running stack as the CLI would (the client stamps the data database's identity). */
export async function connectProductionStack(): Promise<ProductionStack> {
  const config = loadConfig({ ...process.env, ...stackEnv() });
  const client = await connectClient(config);
  const db = await openDatabase({ url: config.databaseUrl });
  return {
    config,
    client,
    db,
    async close() {
      await client.connection.close();
      await db.close();
    },
  };
}

/** Runs `npm run stack -- <args>` (e.g. `up --workers 2`, which restarts whatever is missing). */
export async function stackCommand(...args: string[]): Promise<string> {
  const { stdout } = await run('npm', ['run', '--silent', 'stack', '--', ...args], { cwd: PROJECT_ROOT, timeout: 300_000 });
  return stdout;
}

/** The pid of one of the stack's services (`temporal-server`, `worker-1`, ...). */
export function servicePid(name: string): number {
  const settings = loadStackSettings();
  const service = recordedServices(settings.runDir, settings.logDir).find((s) => s.name === name);
  if (!service) throw new Error(`stack service ${name} is not recorded as running`);
  return service.pid;
}

/** Polls `probe` every 250 ms until it returns a value, up to `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Candles and every feature flow's table (from the flow registry). */
const SERIES_TABLES = ['candles', ...FLOW_GRAPH.flows.filter((f) => f.kind === 'features').map((f) => f.asset)];

/**
 * What a clean run of `symbol` must equal: per series table the md5 of every row in time order,
 * of the evaluations, of the ledger's checksums and of the lineage (what each partition read).
 */
export async function fingerprintOf(db: Db, symbol: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of SERIES_TABLES) {
    const r = await sql<{ h: string | null }>`select md5(string_agg(t::text, ',' order by t.ts)) as h from ${sql.table(table)} t where t.symbol = ${symbol}`.execute(db.kysely);
    out[table] = r.rows[0]?.h ?? '';
  }
  const e = await sql<{ h: string | null }>`select md5(string_agg(t::text, ',' order by t.partition, t.algorithm, t.feature, t.horizon_minutes)) as h from evaluations t where t.symbol = ${symbol}`.execute(db.kysely);
  out.evaluations = e.rows[0]?.h ?? '';
  const l = await sql<{ h: string | null }>`select md5(string_agg(asset || partition || checksum || rows, ',' order by asset, partition)) as h from materializations where symbol = ${symbol}`.execute(db.kysely);
  out.ledger = l.rows[0]?.h ?? '';
  const i = await sql<{ h: string | null }>`select md5(string_agg(asset || partition || input_asset || input_partition || input_checksum, ','
    order by asset, partition, input_asset, input_partition)) as h from materialization_inputs where symbol = ${symbol}`.execute(db.kysely);
  out.lineage = i.rows[0]?.h ?? '';
  return out;
}

/** Deletes everything stored for `symbol` (a series' rows live in its day table; its own name is the minute view). */
export async function wipeSymbol(db: Db, symbol: string): Promise<void> {
  for (const table of [...SERIES_TABLES.map(dayTableOf), 'evaluations', 'materializations', 'materialization_inputs']) {
    await sql`delete from ${sql.table(table)} where symbol = ${symbol}`.execute(db.kysely);
  }
}
