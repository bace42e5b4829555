/**
 * `npm start`: the whole product on embedded defaults, offline. Starts a Temporal dev server
 * if none answers (or uses the one that does), migrates the database, runs a worker, runs the
 * pipeline for the last 3 complete UTC days of BTC-USD, prints a summary with Web UI links,
 * then keeps serving until Ctrl-C (`npm start -- --once` exits after the runs).
 */
import path from 'node:path';
import { WorkflowFailedError, type Connection } from '@temporalio/client';
import { PipelineResult } from './contracts';
import { startPipeline } from './cli/run';
import { cliClient, cliConfig, closeCliClient } from './cli/context';
import { formatCauseChain, rootCause } from './cli/failure';
import { formatPipelineSummary } from './cli/format';
import { formatScheduleLine } from './cli/schedule';
import { workflowUiUrl } from './config';
import { addDays, lastCompleteDay } from './dates';
import { openMigratedDatabase } from './db/connect';
import { startDevServer, temporalAnswers, type DevServer } from './devserver';
import { createOrUpdatePipelineSchedule } from './schedule';
import { ensureSearchAttributes } from './setup';
import { connectWorker } from './temporal';
import { createIngestWorker, createWorker } from './worker';
import { attachLogStore, installObservability } from './observability/runtime';
import { writeReport } from './report';

const SYMBOL = 'BTC-USD';
const DAYS = 3;

async function main(): Promise<number> {
  const once = process.argv.includes('--once');
  const config = cliConfig();
  // Coloured log lines for a person at a terminal, unless FEATUREFLOW_LOG_FORMAT asks for JSON.
  const logger = installObservability({ ...config.observability, logFormat: process.env.FEATUREFLOW_LOG_FORMAT ? config.observability.logFormat : 'pretty' });
  console.log(`featureflow — market source: ${config.source}${config.source === 'synthetic' ? ' (deterministic synthetic BTC-like candles, offline)' : ''}`);
  console.log(`database: ${config.databaseUrl.startsWith('postgres') ? config.databaseUrl.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@') : config.databaseUrl}`);

  let server: DevServer | undefined;
  if (await temporalAnswers(config.temporal.address)) {
    console.log(`Temporal: using the server already at ${config.temporal.address} (left running on exit)`);
  } else if (config.temporal.isDefaultLocal) {
    console.log(`Temporal: starting the dev server at ${config.temporal.address} (state in ${path.join(config.dataDir, 'temporal.db')})`);
    server = await startDevServer({
      address: config.temporal.address,
      dbFile: path.join(config.dataDir, 'temporal.db'),
      logFile: path.join(config.dataDir, 'temporal-server.log'),
    });
    console.log(`Temporal Web UI: ${server.uiUrl}`);
  } else {
    throw new Error(`Temporal at ${config.temporal.address} does not answer; check TEMPORAL_ADDRESS and the cluster`);
  }

  const db = await openMigratedDatabase({ url: config.databaseUrl, ioThreads: config.dbIoThreads, partitionCacheMb: config.partitionCacheMb });
  const logStore = attachLogStore(logger, db, { retentionDays: config.observability.logRetentionDays });
  const client = await cliClient();
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
    await closeCliClient();
    await db.close();
    if (server) {
      console.log('stopping the dev server...');
      await server.stop();
    }
  };

  try {
    const last = lastCompleteDay(Date.now());
    const days = Array.from({ length: DAYS }, (_, i) => addDays(last, i - DAYS + 1));
    const handles = await Promise.all(days.map((d) => startPipeline(SYMBOL, d, config.source)));
    for (const handle of handles) {
      try {
        const result = PipelineResult.parse(await handle.result());
        console.log(formatPipelineSummary(result));
      } catch (err) {
        if (!(err instanceof WorkflowFailedError)) throw err;
        failures++;
        console.error(`pipeline ${handle.workflowId} FAILED\n${formatCauseChain(err)}\nroot cause: ${rootCause(err)}`);
      }
      console.log(`  Web UI: ${workflowUiUrl(config, handle.workflowId)}`);
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
  (err: Error) => {
    console.error(`featureflow: ${err.message}`);
    process.exit(1);
  },
);
