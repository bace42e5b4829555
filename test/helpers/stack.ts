/**
 * A real, isolated featureflow stack for one test file: a Temporal dev server (the provisioned
 * CLI binary, via @temporalio/testing), a temporary SQLite file (or the CI PostgreSQL), and a
 * running worker with the real activities. Nothing here is mocked.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, type Worker } from '@temporalio/worker';
import { loadConfig, type Config } from '../../src/config';
import { openMigratedDatabase } from '../../src/db/connect';
import type { Db } from '../../src/db/schema';
import { FlowKey, SymbolKey, PartitionKey, CodeVersionKey, SourceKey } from '../../src/core/search-attributes';
import { defaultSources } from '../../src/sources';
import { TEST_SYMBOLS } from './sources';
import type { SourceRegistry } from '../../src/sources/types';
import { sqlitePragmaArgs } from '../../src/temporal/dev-server';
import { temporalCliPath } from '../../src/temporal/cli-binary';
import { createWorker } from '../../src/worker';
import { attachLogStore, installedLogger, installObservability, type AttachedLogStore } from '../../src/observability/runtime';

let runtimeInstalled = false;

/** Silences the SDK's own INFO chatter in test output (warnings and errors still show). */
function quietRuntime(): void {
  if (runtimeInstalled || installedLogger()) return;
  runtimeInstalled = true;
  try {
    Runtime.install({
      logger: {
        log: () => undefined,
        trace: () => undefined,
        debug: () => undefined,
        info: () => undefined,
        warn: (m, meta) => console.warn(m, meta ?? ''),
        error: (m, meta) => console.error(m, meta ?? ''),
      },
    });
  } catch {
    // Already installed by an earlier file in this process: keep it.
  }
}

/**
 * Installs featureflow's own Runtime logger (quiet stdout, lines still reach attached log
 * stores) instead of the quiet one; call it first in a test file, before any server starts.
 * Stacks started with `logStore: true` then write their workers' lines to their database.
 */
export function installTestObservability(options: { metricsAddress?: string } = {}): void {
  installObservability({ logLevel: 'info', logFormat: 'none', metricsAddress: options.metricsAddress });
}

/** Options of {@link startDevServerEnv}. */
export interface DevServerEnvOptions {
  /** Persistent state file (default: in memory). */
  readonly dbFilename?: string;
  /** Serve the Web UI on this port (default: no UI). */
  readonly uiPort?: number;
}

/** Starts a real Temporal dev server from the provisioned CLI, with featureflow's search attributes. */
export async function startDevServerEnv(options: DevServerEnvOptions = {}): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: [FlowKey, SymbolKey, PartitionKey, CodeVersionKey, SourceKey],
      ...(options.dbFilename ? { dbFilename: options.dbFilename } : {}),
      ...(options.uiPort ? { ui: true, uiPort: options.uiPort } : {}),
      // A persistent server uses the SQLite settings `npm start` gives it.
      extraArgs: ['--log-level', 'error', ...(options.dbFilename ? sqlitePragmaArgs() : [])],
    },
  });
}

/** Which database a stack uses. */
export type TestDatabase = 'sqlite' | 'postgres';

/** Options of {@link startStack}. */
export interface StackOptions {
  readonly sources?: SourceRegistry;
  readonly database?: TestDatabase;
  /** Extra environment for the config (e.g. FEATUREFLOW_MAX_CONCURRENT_ACTIVITIES). */
  readonly env?: Record<string, string>;
  /** Reuse a running environment instead of starting a server. */
  readonly server?: TestWorkflowEnvironment;
  /** Store this stack's workflow and activity log lines in its database (needs {@link installTestObservability}). */
  readonly logStore?: boolean;
}

/** A running stack; call {@link TestStack.stop} in afterAll. */
export interface TestStack {
  readonly env: TestWorkflowEnvironment;
  readonly client: Client;
  readonly db: Db;
  readonly config: Config;
  readonly worker: Worker;
  readonly dataDir: string;
  /** The log store, when started with `logStore: true`. */
  readonly logs?: AttachedLogStore;
  /** Stops the worker, closes the database, shuts the server down, removes temp files. */
  stop(): Promise<void>;
}

/** The PostgreSQL URL the CI provides (scripts/start-postgres.sh), if any. */
export function testPostgresUrl(): string | undefined {
  return process.env.FEATUREFLOW_TEST_PG_URL;
}

/** Creates a fresh, empty PostgreSQL schema-less database state by dropping featureflow's tables. */
async function resetPostgres(url: string): Promise<void> {
  const db = await openMigratedDatabase({ url });
  const { sql } = await import('kysely');
  await sql`drop schema public cascade`.execute(db.kysely);
  await sql`create schema public`.execute(db.kysely);
  await db.close();
}

/** The workflow bundle built once by the global setup. */
export function testWorkflowBundle(): { codePath: string } {
  const codePath = process.env.FEATUREFLOW_TEST_WORKFLOW_BUNDLE;
  if (!codePath) throw new Error('FEATUREFLOW_TEST_WORKFLOW_BUNDLE is not set: run tests through jest (global setup bundles the workflows)');
  return { codePath };
}

let queueCounter = 0;

/** Starts a dev server (unless given one), a database and a worker on a unique task queue. */
export async function startStack(options: StackOptions = {}): Promise<TestStack> {
  const env = options.server ?? (await startDevServerEnv());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-test-'));
  const pgUrl = testPostgresUrl();
  if (options.database === 'postgres' && !pgUrl) throw new Error('FEATUREFLOW_TEST_PG_URL is not set: run scripts/start-postgres.sh (CI does)');
  const databaseUrl = options.database === 'postgres' ? pgUrl! : path.join(dataDir, 'featureflow.db');
  if (options.database === 'postgres') await resetPostgres(databaseUrl);
  const config = loadConfig({
    FEATUREFLOW_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    FEATUREFLOW_TASK_QUEUE: `test-${process.pid}-${++queueCounter}-${Date.now()}`,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_NAMESPACE: env.namespace ?? 'default',
    ...options.env,
  });
  const db = await openMigratedDatabase({ url: config.databaseUrl, ioThreads: config.dbIoThreads, partitionCacheMb: config.partitionCacheMb });
  let logs: AttachedLogStore | undefined;
  if (options.logStore) {
    const logger = installedLogger();
    if (!logger) throw new Error('startStack({ logStore: true }) needs installTestObservability() first in the test file');
    logs = attachLogStore(logger, db, { retentionDays: config.observability.logRetentionDays, taskQueue: config.taskQueue });
  }
  const worker = await createWorker({
    config,
    connection: env.nativeConnection,
    db,
    sources: options.sources ?? defaultSources({ symbols: TEST_SYMBOLS }),
    workflowBundle: testWorkflowBundle(),
  });
  const running = worker.run();
  return {
    env,
    client: env.client,
    db,
    config,
    worker,
    dataDir,
    logs,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await logs?.close();
      await db.close();
      if (!options.server) await env.teardown();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
