/**
 * The featureflow worker: hosts every workflow and activity on one task queue, or (by
 * FEATUREFLOW_WORKER_ROLE, see {@link createWorkers}) splits ingest onto its own queue.
 * `npm run worker` runs it standalone (production shape: several of these, anywhere);
 * `npm start` and the tests create one in-process with {@link createWorker}.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import os from 'node:os';
import { defaultWorkflowBundle, WORKFLOW_INTERCEPTOR_MODULES } from './bundle';
import { activityLogInterceptors, databaseIdentityInterceptors, type WorkerDatabase } from './activities/interceptors';
import { loadConfig, type Config } from './config';
import { openMigratedDatabase } from './db/connect';
import { readDatabaseIdentity } from './db/identity';
import { attachLogStore, installObservability } from './observability/runtime';
import type { Db } from './db/schema';
import { buildSources } from './sources/registry';
import type { SourceRegistry } from './sources/types';
import { connectWorker } from './temporal/connection';
import { workerAffinityOf } from './temporal/worker-affinity';
import type { WorkerAffinity } from './activities/deps';

/**
 * How a standalone worker's first log line begins once it polls: scripts and tests that start
 * worker processes wait for it (one definition, so rewording the line cannot break them).
 */
export const WORKER_READY_MESSAGE = 'featureflow worker: task queue';

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
  /** This process's own task queue, reported by the planning activity ({@link createWorkers} sets it). */
  readonly affinity?: WorkerAffinity;
}

export { WORKFLOW_INTERCEPTOR_MODULES };

/**
 * The workflow code a worker loads: the given bundle, else FEATUREFLOW_WORKFLOW_BUNDLE, else the
 * bundle `npm run build` made when it matches the code this process runs ({@link defaultWorkflowBundle}),
 * else none (the worker bundles `./workflows` at start). `note` says why no prebuilt bundle is used.
 */
export function chooseWorkflowBundle(config: Config, given?: WorkerOptions['workflowBundle']): { bundle?: WorkerOptions['workflowBundle']; note: string } {
  if (given) return { bundle: given, note: 'given' };
  if (config.workflowBundlePath) return { bundle: { codePath: config.workflowBundlePath }, note: config.workflowBundlePath };
  const prebuilt = defaultWorkflowBundle();
  if (prebuilt.codePath) return { bundle: { codePath: prebuilt.codePath }, note: prebuilt.codePath };
  return { note: `bundled at start (${prebuilt.reason})` };
}

/** Creates (does not run) a worker hosting every featureflow workflow and activity. */
export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const { config } = options;
  const database = await workerDatabase(options);
  // A prebuilt bundle applies to every worker, npm start's too.
  const workflowBundle = chooseWorkflowBundle(config, options.workflowBundle).bundle;
  return Worker.create({
    connection: options.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('./workflows') }),
    activities: activitiesOf(options),
    maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: config.maxConcurrentWorkflowTasks,
    maxCachedWorkflows: config.maxCachedWorkflows,
    shutdownGraceTime: '10 seconds',
    // Heartbeats carry cancellation back to activities: flush them often enough that a
    // cancelled backfill stops within seconds, not the SDK's default 30-60 s.
    maxHeartbeatThrottleInterval: '2 seconds',
    defaultHeartbeatThrottleInterval: '2 seconds',
    // A prebuilt bundle carries its workflow interceptors already (the SDK warns if given twice).
    identity: database.worker,
    interceptors: { activity: [databaseIdentityInterceptors(database), activityLogInterceptors], ...(workflowBundle ? {} : { workflowModules: [...WORKFLOW_INTERCEPTOR_MODULES] }) },
    // Worker versioning (off unless configured): this worker serves one deployment version.
    ...versioningOptions(config),
    ...options.overrides,
  });
}

/** The activities of a worker created from `options`. */
function activitiesOf(options: CreateWorkerOptions) {
  const { config } = options;
  return createActivities({
    db: options.db,
    sources: options.sources ?? buildSources(config),
    quality: config.quality,
    ...(options.affinity ? { affinity: options.affinity } : {}),
  });
}

/** The worker's database identity and Temporal identity, for the database check of every activity. */
async function workerDatabase(options: CreateWorkerOptions): Promise<WorkerDatabase> {
  return {
    identity: await readDatabaseIdentity(options.db),
    description: options.db.description,
    worker: workerIdentity(options),
  };
}

/** The worker's Temporal identity: the SDK's default, set explicitly so the database check's message names the same one. */
function workerIdentity(options: CreateWorkerOptions): string {
  return options.overrides?.identity ?? `${process.pid}@${os.hostname()}`;
}

/** Options every activity-only worker shares (ingest queue, a process's own queue): drain, heartbeat flushes, identity, interceptors. */
async function activityWorkerOptions(options: CreateWorkerOptions): Promise<Partial<WorkerOptions>> {
  const database = await workerDatabase(options);
  return {
    connection: options.connection,
    namespace: options.config.temporal.namespace,
    maxConcurrentActivityTaskExecutions: options.config.maxConcurrentActivities,
    shutdownGraceTime: '10 seconds',
    maxHeartbeatThrottleInterval: '2 seconds',
    defaultHeartbeatThrottleInterval: '2 seconds',
    identity: database.worker,
    interceptors: { activity: [databaseIdentityInterceptors(database), activityLogInterceptors] },
  };
}

/** Worker Deployment options of a configured version; none when versioning is off. */
function versioningOptions(config: Config): Pick<WorkerOptions, 'workerDeploymentOptions'> {
  if (!config.versioning) return {};
  return {
    workerDeploymentOptions: {
      version: { deploymentName: config.versioning.deploymentName, buildId: config.versioning.buildId },
      useWorkerVersioning: true,
      defaultVersioningBehavior: config.versioning.defaultBehavior,
    },
  };
}

/**
 * Creates (does not run) a worker polling only the ingest task queue, hosting only the ingest
 * activity: I/O-bound, so it scales and is rate-limited apart from the CPU-bound compute.
 * `maxTaskQueueActivitiesPerSecond` is enforced by the server across every worker of the queue.
 */
export async function createIngestWorker(options: CreateWorkerOptions, ingestTaskQueue: string): Promise<Worker> {
  const { config } = options;
  const { ingestCandles } = createActivities({ db: options.db, sources: options.sources ?? buildSources(config), quality: config.quality });
  return Worker.create({
    ...(await activityWorkerOptions(options)),
    connection: options.connection,
    taskQueue: ingestTaskQueue,
    activities: { ingestCandles },
    ...(config.ingestMaxPerSecond !== undefined ? { maxTaskQueueActivitiesPerSecond: config.ingestMaxPerSecond } : {}),
    ...versioningOptions(config),
    ...options.overrides,
  });
}

/**
 * Creates (does not run) the worker polling this process's own task queue (`affinity`): the
 * same activities, no workflows, its own activity slots. Backfills send a window's children's
 * activities here, so they read what this process wrote (`src/temporal/worker-affinity.ts`).
 */
async function createAffinityWorker(options: CreateWorkerOptions & { readonly affinity: WorkerAffinity }, activities: WorkerOptions['activities']): Promise<Worker> {
  return Worker.create({ ...(await activityWorkerOptions(options)), connection: options.connection, taskQueue: options.affinity.taskQueue, activities });
}

/**
 * Creates (does not run) the workers of the configured role (FEATUREFLOW_WORKER_ROLE):
 * `all` = workflows + every activity on the main queue, plus an ingest worker when an ingest
 * queue is configured; `compute` = workflows + compute activities on the main queue;
 * `ingest` = only the ingest-queue worker. Run them together; they share one connection.
 */
export async function createWorkers(options: CreateWorkerOptions): Promise<Worker[]> {
  const { config } = options;
  const workers: Worker[] = [];
  const affinity = options.affinity ?? workerAffinityOf(config, workerIdentity(options));
  if (config.workerRole !== 'ingest') {
    // Compute workers leave ingestCandles unregistered: ingest runs only where it is rate-limited.
    const { ingestCandles: _ingest, ...compute } = activitiesOf({ ...options, affinity });
    const roleOverrides: Partial<WorkerOptions> = config.workerRole === 'compute' ? { activities: compute } : {};
    workers.push(await createWorker({ ...options, affinity, overrides: { ...roleOverrides, ...options.overrides } }));
    if (affinity) workers.push(await createAffinityWorker({ ...options, affinity }, config.workerRole === 'compute' ? compute : activitiesOf({ ...options, affinity })));
  }
  if (config.ingestTaskQueue && config.workerRole !== 'compute') workers.push(await createIngestWorker(options, config.ingestTaskQueue));
  return workers;
}

/** A worker start that failed, with the process exit code the CLI uses for the same cause (2 configuration, 3 unreachable). */
export class WorkerStartError extends Error {
  override readonly name = 'WorkerStartError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Runs one start step; its failure becomes a {@link WorkerStartError} with `exitCode`. */
async function startStep<T>(exitCode: number, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw new WorkerStartError((err as Error).message, exitCode);
  }
}

/** Standalone worker process: connects, migrates, runs until SIGINT/SIGTERM, then drains and exits. */
export async function runWorkerProcess(): Promise<void> {
  const config = await startStep(2, () => loadConfig());
  const logger = installObservability(config.observability);
  const db = await startStep(3, () =>
    openMigratedDatabase({
      url: config.databaseUrl,
      ioThreads: config.dbIoThreads,
      partitionCacheMb: config.partitionCacheMb,
      pgSynchronousCommit: config.pgSynchronousCommit,
    }),
  );
  const logStore = attachLogStore(logger, db, { retentionDays: config.observability.logRetentionDays });
  const connection = await startStep(3, () => connectWorker(config));
  const workers = await createWorkers({
    config,
    connection,
    db,
  });
  const queues = workers.map((w) => w.options.taskQueue).join(' + ');
  logger.info(`${WORKER_READY_MESSAGE} ${queues} (role ${config.workerRole}) on ${config.temporal.address}, database ${db.description} (${await readDatabaseIdentity(db)})`, {
    ingestMaxPerSecond: config.ingestMaxPerSecond ?? 'unlimited',
    metrics: config.observability.metricsAddress ?? 'off',
    workflowBundle: chooseWorkflowBundle(config).note,
    version: config.versioning ? `${config.versioning.deploymentName}.${config.versioning.buildId} (${config.versioning.defaultBehavior})` : 'unversioned',
  });
  // Worker.run() handles SIGINT/SIGTERM itself (for every worker of the process): each stops
  // polling, lets running tasks finish, then resolves. If one fails, the others are shut down too.
  const runs = workers.map((w) =>
    w.run().catch((err: unknown) => {
      for (const other of workers) if (other.getState() === 'RUNNING') other.shutdown();
      throw err;
    }),
  );
  const failure = (await Promise.allSettled(runs)).find((r) => r.status === 'rejected');
  if (failure) throw failure.reason;
  await logStore.close();
  if (logStore.stats.dropped) logger.warn(`log store dropped ${logStore.stats.dropped} lines (${logStore.stats.lastError ?? 'buffer full'})`);
  await connection.close();
  await db.close();
}

/**
 * Runs {@link runWorkerProcess}; a failure is printed on one line and exits with the README's
 * codes: 2 invalid configuration, 3 Temporal or the database unreachable, 1 anything else.
 */
export function runWorkerProcessOrExit(): void {
  runWorkerProcess().catch((err: unknown) => {
    console.error(`featureflow worker: ${(err as Error).message}`);
    process.exit(err instanceof WorkerStartError ? err.exitCode : 1);
  });
}

if (require.main === module) runWorkerProcessOrExit();
