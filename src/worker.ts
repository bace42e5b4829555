/**
 * The featureflow worker: hosts every workflow and activity on one task queue.
 * `npm run worker` runs it standalone (production shape: several of these, anywhere);
 * `npm start` and the tests create one in-process with {@link createWorker}.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import { activityLogInterceptors } from './activities/interceptors';
import { loadConfig, type Config } from './config';
import { openMigratedDatabase } from './db/connect';
import { attachLogStore, installObservability } from './observability/runtime';
import type { Db } from './db/schema';
import { buildSources } from './sources/registry';
import type { SourceRegistry } from './sources/types';
import { connectWorker } from './temporal';

/** What a worker needs; everything but `config` has a default built from it. */
export interface CreateWorkerOptions {
  readonly config: Config;
  readonly connection: NativeConnection;
  readonly db: Db;
  /** Market sources; defaults to {@link buildSources} from the config (synthetic, coinbase, csv when configured). */
  readonly sources?: SourceRegistry;
  /** A prebuilt workflow bundle (tests and production); bundles `./workflows` when omitted. */
  readonly workflowBundle?: WorkerOptions['workflowBundle'];
  /** Overrides of any worker option (e.g. a different task queue). */
  readonly overrides?: Partial<WorkerOptions>;
}

/**
 * Workflow interceptor modules (log attributes, log-context header). A prebuilt bundle must be
 * made with `bundleWorkflowCode({ workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES })`.
 */
export const WORKFLOW_INTERCEPTOR_MODULES: readonly string[] = [require.resolve('./workflows/interceptors')];

/** Creates (does not run) a worker hosting every featureflow workflow and activity. */
export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const { config } = options;
  return Worker.create({
    connection: options.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: require.resolve('./workflows') }),
    activities: createActivities({ db: options.db, sources: options.sources ?? buildSources(config) }),
    maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: config.maxConcurrentWorkflowTasks,
    maxCachedWorkflows: config.maxCachedWorkflows,
    shutdownGraceTime: '10 seconds',
    // Heartbeats carry cancellation back to activities: flush them often enough that a
    // cancelled backfill stops within seconds, not the SDK's default 30-60 s.
    maxHeartbeatThrottleInterval: '2 seconds',
    defaultHeartbeatThrottleInterval: '2 seconds',
    // A prebuilt bundle carries its workflow interceptors already (the SDK warns if given twice).
    interceptors: { activity: [activityLogInterceptors], ...(options.workflowBundle ? {} : { workflowModules: [...WORKFLOW_INTERCEPTOR_MODULES] }) },
    // Worker versioning (off unless configured): this worker serves one deployment version.
    ...(config.versioning
      ? {
          workerDeploymentOptions: {
            version: { deploymentName: config.versioning.deploymentName, buildId: config.versioning.buildId },
            useWorkerVersioning: true,
            defaultVersioningBehavior: config.versioning.defaultBehavior,
          },
        }
      : {}),
    ...options.overrides,
  });
}

/** Standalone worker process: connects, migrates, runs until SIGINT/SIGTERM, then drains and exits. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = installObservability(config.observability);
  const db = await openMigratedDatabase({ url: config.databaseUrl });
  const logStore = attachLogStore(logger, db, { retentionDays: config.observability.logRetentionDays });
  const connection = await connectWorker(config);
  const worker = await createWorker({
    config,
    connection,
    db,
    ...(config.workflowBundlePath ? { workflowBundle: { codePath: config.workflowBundlePath } } : {}),
  });
  logger.info(`featureflow worker: task queue ${config.taskQueue} on ${config.temporal.address}, database ${db.description}`, {
    metrics: config.observability.metricsAddress ?? 'off',
    workflowBundle: config.workflowBundlePath ?? 'bundled at start',
    version: config.versioning ? `${config.versioning.deploymentName}.${config.versioning.buildId} (${config.versioning.defaultBehavior})` : 'unversioned',
  });
  // Worker.run() handles SIGINT/SIGTERM itself: it stops polling, lets running tasks finish, then resolves.
  await worker.run();
  await logStore.close();
  if (logStore.stats.dropped) logger.warn(`log store dropped ${logStore.stats.dropped} lines (${logStore.stats.lastError ?? 'buffer full'})`);
  await connection.close();
  await db.close();
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`featureflow worker: ${(err as Error).message}`);
    process.exit(1);
  });
}
