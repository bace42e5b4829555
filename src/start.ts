/**
 * `npm start`: the whole product on embedded defaults, offline. Starts a Temporal dev server
 * if none answers (or uses the one that does), migrates the database, runs a worker, runs the
 * pipeline for the last 3 complete UTC days of BTC-USD, prints a summary with Web UI links,
 * then keeps serving until Ctrl-C (`npm start -- --once` exits after the runs).
 *
 * Options: `--once`; `--verbose` (the worker's log lines too, and stack traces);
 * `--port <n>` / `--ui-port <n>` to run the dev server elsewhere than 7233 / 8233.
 * Runs go through the client library, like the CLI's.
 */
import { printUiLink } from './config';
import path from 'node:path';
import type { Connection } from '@temporalio/client';
import { FeatureflowClient } from './api/client';
import { RunFailedError, UsageError } from './api/errors';
import { formatCauseChain, formatRootCause } from './api/failure-format';
import { errorText, exitCodeOf } from './cli/context';
import { formatPipelineSummary } from './cli/format';
import { formatScheduleLine } from './cli/schedule';
import { addDays, lastCompleteDay } from './core/dates';
import { openMigratedDatabase } from './db/connect';
import { startDevServer, temporalAnswers, type DevServer } from './temporal/dev-server';
import { createOrUpdatePipelineSchedule } from './schedule/schedule';
import { ensureSearchAttributes } from './temporal/setup';
import { connectWorker } from './temporal/connection';
import { createIngestWorker, createWorker } from './worker';
import { attachLogStore, installObservability } from './observability/runtime';
import { writeReport } from './report';

const SYMBOL = 'BTC-USD';
const DAYS = 3;

/** The command line of `npm start`. */
interface StartOptions {
  readonly once: boolean;
  readonly verbose: boolean;
  readonly port?: number;
  readonly uiPort?: number;
}

/** Parses `npm start -- [--once] [--verbose] [--port n] [--ui-port n]`; anything else is a usage error. */
export function parseStartArgs(argv: readonly string[]): StartOptions {
  const out: { once: boolean; verbose: boolean; port?: number; uiPort?: number } = { once: false, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--once') out.once = true;
    else if (arg === '--verbose') out.verbose = true;
    else if (arg === '--port' || arg === '--ui-port') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${arg}: expected a port number 1-65535, got ${argv[i] ?? 'nothing'}`);
      if (arg === '--port') out.port = n;
      else out.uiPort = n;
    } else throw new UsageError(`unknown option ${arg}; npm start -- [--once] [--verbose] [--port <n>] [--ui-port <n>]`);
  }
  return out;
}

async function main(): Promise<number> {
  const options = parseStartArgs(process.argv.slice(2));
  const once = options.once;
  // --port moves the embedded dev server (and this process's client) to another local port.
  const env = options.port ? { ...process.env, TEMPORAL_ADDRESS: `localhost:${options.port}` } : process.env;
  if (options.uiPort && !env.FEATUREFLOW_UI_URL) env.FEATUREFLOW_UI_URL = `http://localhost:${options.uiPort}`;
  const api = FeatureflowClient.lazy({ env });
  const config = api.config;
  // The worker's log lines go to the log store (`featureflow logs`) always, and to the terminal
  // with --verbose (coloured, unless FEATUREFLOW_LOG_FORMAT asks for JSON): the summary stays readable.
  const logFormat = !options.verbose ? 'none' : process.env.FEATUREFLOW_LOG_FORMAT ? config.observability.logFormat : 'pretty';
  const logger = installObservability({ ...config.observability, logFormat });
  console.log(`featureflow — market source: ${config.source}${config.source === 'synthetic' ? ' (deterministic synthetic BTC-like candles, offline)' : ''}`);
  console.log(`database: ${config.databaseUrl.startsWith('postgres') ? config.databaseUrl.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@') : config.databaseUrl}`);

  let server: DevServer | undefined;
  if (await temporalAnswers(config.temporal.address)) {
    console.log(`Temporal: using the server already at ${config.temporal.address} (left running on exit)`);
  } else if (config.temporal.isDefaultLocal || (options.port && !process.env.TEMPORAL_ADDRESS)) {
    console.log(`Temporal: starting the dev server at ${config.temporal.address} (state in ${path.join(config.dataDir, 'temporal.db')})`);
    server = await startDevServer({
      address: config.temporal.address,
      ...(options.uiPort ? { uiPort: options.uiPort } : {}),
      dbFile: path.join(config.dataDir, 'temporal.db'),
      logFile: path.join(config.dataDir, 'temporal-server.log'),
    });
    console.log(`Temporal Web UI: ${server.uiUrl}`);
  } else {
    const { TemporalUnreachableError } = await import('./api/errors');
    throw new TemporalUnreachableError(
      `Temporal at ${config.temporal.address} does not answer; check TEMPORAL_ADDRESS and the cluster (npm start starts a dev server only for the default local address or --port)`,
      config.temporal.address,
      config.temporal.namespace,
    );
  }

  const db = await openMigratedDatabase({
    url: config.databaseUrl,
    ioThreads: config.dbIoThreads,
    partitionCacheMb: config.partitionCacheMb,
    pgSynchronousCommit: config.pgSynchronousCommit,
  });
  const logStore = attachLogStore(logger, db, { retentionDays: config.observability.logRetentionDays });
  const client = await api.temporal();
  const added = await ensureSearchAttributes(client.connection as Connection, config.temporal.namespace);
  if (added.length) console.log(`registered search attributes: ${added.join(', ')}`);
  const connection = await connectWorker(config);
  const worker = await createWorker({ config, connection, db });
  const running = worker.run();
  console.log(`worker: polling task queue ${config.taskQueue}`);
  // Runs started here route ingest to FEATUREFLOW_INGEST_TASK_QUEUE when it is set: poll it too.
  const ingestWorker = config.ingestTaskQueue ? await createIngestWorker({ config, connection, db }, config.ingestTaskQueue) : undefined;
  const ingestRunning = ingestWorker?.run();
  if (ingestWorker) console.log(`worker: polling ingest task queue ${config.ingestTaskQueue}`);

  let failures = 0;
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('shutting down: draining the worker...');
    worker.shutdown();
    ingestWorker?.shutdown();
    await running.catch(() => undefined);
    await ingestRunning?.catch(() => undefined);
    await logStore.close();
    await connection.close();
    await api.close();
    await db.close();
    if (server) {
      console.log('stopping the dev server...');
      await server.stop();
    }
  };

  try {
    const last = lastCompleteDay(Date.now());
    const days = Array.from({ length: DAYS }, (_, i) => addDays(last, i - DAYS + 1));
    const handles = await Promise.all(days.map((date) => api.startPipeline({ symbol: SYMBOL, date })));
    for (const handle of handles) {
      try {
        console.log(formatPipelineSummary(await handle.result()));
      } catch (err) {
        if (!(err instanceof RunFailedError)) throw err;
        failures++;
        console.error(`pipeline ${handle.workflowId} FAILED\n${formatCauseChain(err.chain)}\nroot cause: ${formatRootCause(err.rootCause)}`);
      }
      printUiLink(handle.webUiUrl);
      console.log(`  logs:   featureflow logs ${handle.workflowId}`);
    }
    const report = await writeReport(db, config, { symbol: SYMBOL, from: days[0], to: days[days.length - 1] });
    console.log(`report: ${report.path} (open it in a browser; works offline)`);
    // The weekday 09:30 New York schedule; an existing one is updated and keeps its paused state.
    console.log(formatScheduleLine(await createOrUpdatePipelineSchedule(client, { symbol: SYMBOL, taskQueue: config.taskQueue, source: config.source, ingestTaskQueue: config.ingestTaskQueue, catchUpDays: config.scheduleCatchUpDays })));
  } catch (err) {
    await shutdown();
    throw err;
  }

  if (once) {
    await shutdown();
    return failures ? 1 : 0;
  }
  console.log('serving; press Ctrl-C to stop');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await shutdown();
  return failures ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(errorText(err));
    process.exit(exitCodeOf(err));
  },
);
