/**
 * Configuration from the environment, validated once with zod. Defaults are the embedded,
 * zero-infrastructure stack (a SQLite file and a local Temporal dev server); production points
 * the same code elsewhere with `DATABASE_URL` and the standard `TEMPORAL_*` variables or a
 * Temporal profile (`@temporalio/envconfig`: address, namespace, TLS, API key).
 */
import path from 'node:path';
import { loadClientConnectConfig, type ClientConnectConfig } from '@temporalio/envconfig';
import { z } from 'zod';
import { describeIssues, MarketSymbol, SourceName } from './contracts';
import { DEFAULT_CATCH_UP_DAYS, MAX_CATCH_UP_DAYS, MIN_CATCH_UP_DAYS } from './schedule/days';
import type { QualityPolicy } from './sources/quality';

/** The project root (where package.json lives). */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

const intFromEnv = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const EnvSchema = z.object({
  FEATUREFLOW_DATA_DIR: z.string().min(1).default(path.join(PROJECT_ROOT, '.data')),
  DATABASE_URL: z
    .string()
    .min(1)
    .refine(
      // Anything with another scheme (mysql://, http:, ...) would otherwise be taken as a SQLite
      // file path and create a file named after the URL in the working directory.
      (url) => /^(postgres(ql)?:\/\/|sqlite:)/i.test(url) || !/^[a-z][a-z0-9+.-]+:/i.test(url),
      'expected a file path, sqlite:<path> or postgres(ql)://user:pass@host:5432/db',
    )
    .optional(),
  FEATUREFLOW_TASK_QUEUE: z.string().min(1).default('featureflow'),
  FEATUREFLOW_SOURCE: SourceName.default('synthetic'),
  FEATUREFLOW_UI_URL: z.string().url().optional(),
  FEATUREFLOW_MAX_CONCURRENT_ACTIVITIES: intFromEnv(8, 1, 1000),
  FEATUREFLOW_MAX_CONCURRENT_WORKFLOW_TASKS: intFromEnv(16, 1, 1000),
  FEATUREFLOW_MAX_CACHED_WORKFLOWS: intFromEnv(500, 0, 100_000),
  FEATUREFLOW_DB_IO_THREADS: intFromEnv(2, 0, 64),
  FEATUREFLOW_PARTITION_CACHE_MB: intFromEnv(40, 0, 65_536),
  FEATUREFLOW_PG_SYNCHRONOUS_COMMIT: z.enum(['on', 'off']).default('off'),
  FEATUREFLOW_COINBASE_URL: z.string().url().default('https://api.exchange.coinbase.com'),
  FEATUREFLOW_COINBASE_RATE: z.coerce.number().positive().max(100).default(3),
  FEATUREFLOW_CSV_DIR: z.string().min(1).optional(),
  FEATUREFLOW_SYNTHETIC_SYMBOLS: z
    .string()
    .default('BTC-USD')
    .transform((v) => [...new Set(v.split(',').map((s) => s.trim()).filter(Boolean))])
    .pipe(z.array(MarketSymbol).min(1, 'name at least one symbol, e.g. BTC-USD,ETH-USD')),
  FEATUREFLOW_SYNTHETIC_MISSING_PCT: z.coerce.number().min(0).max(100).default(0),
  FEATUREFLOW_DEGRADED_MISSING_PCT: z.coerce.number().min(0).max(100).default(1),
  FEATUREFLOW_MAX_MISSING_PCT: z.coerce.number().min(0).max(100).default(50),
  FEATUREFLOW_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  FEATUREFLOW_LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  FEATUREFLOW_LOG_RETENTION_DAYS: intFromEnv(14, 1, 3650),
  FEATUREFLOW_METRICS_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:9464')
    .optional(),
  FEATUREFLOW_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  FEATUREFLOW_DEPLOYMENT_NAME: z.string().min(1).optional(),
  FEATUREFLOW_BUILD_ID: z.string().min(1).optional(),
  FEATUREFLOW_VERSIONING_BEHAVIOR: z.enum(['auto-upgrade', 'pinned']).default('auto-upgrade'),
  FEATUREFLOW_INGEST_TASK_QUEUE: z.string().min(1).max(200).optional(),
  FEATUREFLOW_WORKER_ROLE: z.enum(['all', 'compute', 'ingest']).default('all'),
  FEATUREFLOW_WORKER_AFFINITY: z.enum(['on', 'off']).default('on'),
  FEATUREFLOW_INGEST_MAX_PER_SECOND: z.coerce.number().positive().max(10_000).optional(),
  FEATUREFLOW_SCHEDULE_CATCH_UP_DAYS: intFromEnv(DEFAULT_CATCH_UP_DAYS, MIN_CATCH_UP_DAYS, MAX_CATCH_UP_DAYS),
});

/** What a worker process polls: everything (default), workflows + compute only, or only the ingest queue. */
export type WorkerRole = 'all' | 'compute' | 'ingest';

/** Everything featureflow reads from its environment. */
export interface Config {
  /** Folder for embedded state: the SQLite database, the dev server's file, reports. */
  readonly dataDir: string;
  /** `postgres://...` or a SQLite file path. */
  readonly databaseUrl: string;
  /** Task queue the worker polls and the client starts workflows on. */
  readonly taskQueue: string;
  /** Market source ingest uses when a run does not name one. */
  readonly source: z.infer<typeof SourceName>;
  /**
   * Base address of the Temporal Web UI, for links: FEATUREFLOW_UI_URL, else the local dev
   * server's (localhost:8233) when no Temporal address is configured; none otherwise, so no
   * link points at another cluster's UI on a shared host.
   */
  readonly uiUrl?: string;
  readonly maxConcurrentActivities: number;
  readonly maxConcurrentWorkflowTasks: number;
  readonly maxCachedWorkflows: number;
  /** SQLite I/O threads a worker reads and writes partitions on (0 = its main thread); see `src/db/io-threads.ts`. */
  readonly dbIoThreads: number;
  /** MiB of recently written days a worker keeps for the next flow to read (0 = off); see `src/db/partition-cache.ts`. */
  readonly partitionCacheMb: number;
  /**
   * PostgreSQL data only: whether a worker's commits wait for the WAL flush (`on`) or not
   * (`off`, the default: SQLite's WAL + NORMAL guarantee — a server crash may lose the last
   * ~0.2 s of commits, always a consistent prefix with their ledger rows, never a half partition).
   */
  readonly pgSynchronousCommit: boolean;
  /** Market sources: Coinbase base URL and request rate (per worker process), CSV directory (csv source off when unset). */
  readonly sources: {
    readonly coinbaseUrl: string;
    readonly coinbaseRatePerSecond: number;
    readonly csvDir?: string;
    /** Symbols the synthetic source serves (default BTC-USD); others are refused. */
    readonly syntheticSymbols: readonly string[];
    /** About this % of synthetic minutes are omitted, like an exchange's holes (default 0). */
    readonly syntheticMissingPct: number;
  };
  /** What ingest accepts of a day's candles; see docs/data-quality.md. */
  readonly quality: QualityPolicy;
  /** Observability: log level and format of the worker's stdout, log-store retention, metrics endpoint. */
  readonly observability: {
    /** Lowest level written to stdout and the log store (default info). */
    readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
    /** `json` (pino, one object per line; default) or `pretty` (coloured lines for a terminal). */
    readonly logFormat: 'json' | 'pretty';
    /** Days of log lines kept in the database's `logs` table (default 14). */
    readonly logRetentionDays: number;
    /** `host:port` of the SDK's Prometheus endpoint; off when unset. */
    readonly metricsAddress?: string;
  };
  /** A prebuilt workflow bundle (`bundleWorkflowCode` output) the standalone worker loads instead of bundling at start. */
  readonly workflowBundlePath?: string;
  /**
   * Worker versioning (Worker Deployments), on when FEATUREFLOW_DEPLOYMENT_NAME and
   * FEATUREFLOW_BUILD_ID are both set; off by default. See docs/changing-workflows.md.
   */
  readonly versioning?: {
    readonly deploymentName: string;
    readonly buildId: string;
    /** What runs do when a newer version becomes current: move to it (default) or stay on theirs. */
    readonly defaultBehavior: 'AUTO_UPGRADE' | 'PINNED';
  };
  /**
   * Separate ingest task queue (opt-in): clients put it in pipeline/backfill inputs so ingest
   * activities run there, on rate-limited ingest workers. Unset: everything on `taskQueue`.
   */
  readonly ingestTaskQueue?: string;
  /** Which workers this process runs; see docs/deploying.md. */
  readonly workerRole: WorkerRole;
  /**
   * Does a standalone worker also poll a task queue of its own, so backfills send each window's
   * work to one worker and its partition cache (`src/temporal/worker-affinity.ts`)? Default on.
   */
  readonly workerAffinity: boolean;
  /** Server-side limit of ingest activities started per second across every ingest worker; none when unset. */
  readonly ingestMaxPerSecond?: number;
  /** Catch-up window of the daily schedule's runs, in days (default 14); `schedule create` writes it into the schedule's action. */
  readonly scheduleCatchUpDays: number;
  /** Temporal connection (address, namespace, TLS, API key) from `TEMPORAL_*` / profiles. */
  readonly temporal: {
    readonly address: string;
    readonly namespace: string;
    readonly connect: ClientConnectConfig;
    /** True when no address was configured, i.e. the embedded local dev server is meant. */
    readonly isDefaultLocal: boolean;
  };
}

/** The embedded dev server's Web UI. */
const DEFAULT_UI_URL = 'http://localhost:8233';

/** Default Temporal frontend address of the embedded dev server. */
export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';

/** Worker versioning from its three variables: both name and Build ID, or neither. */
function versioningFromEnv(deploymentName: string | undefined, buildId: string | undefined, behavior: 'auto-upgrade' | 'pinned'): Config['versioning'] {
  if (!deploymentName && !buildId) return undefined;
  if (!deploymentName || !buildId) {
    throw new Error(
      'Invalid configuration: worker versioning needs both FEATUREFLOW_DEPLOYMENT_NAME and FEATUREFLOW_BUILD_ID ' +
        `(got only ${deploymentName ? 'FEATUREFLOW_DEPLOYMENT_NAME' : 'FEATUREFLOW_BUILD_ID'}); set both, or neither to run unversioned`,
    );
  }
  return { deploymentName, buildId, defaultBehavior: behavior === 'pinned' ? 'PINNED' : 'AUTO_UPGRADE' };
}

/** Reads and validates the configuration; throws one readable error listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid configuration: ${describeIssues(parsed.error)}`);
  const e = parsed.data;
  if (e.FEATUREFLOW_WORKER_ROLE !== 'all' && !e.FEATUREFLOW_INGEST_TASK_QUEUE) {
    // Without an ingest queue nothing is routed apart: an ingest worker would poll nothing, and
    // compute workers would leave ingest activities on the main queue with no one to run them.
    throw new Error(
      `Invalid configuration: FEATUREFLOW_WORKER_ROLE=${e.FEATUREFLOW_WORKER_ROLE} needs FEATUREFLOW_INGEST_TASK_QUEUE (the queue ingest activities are routed to), ` +
        'e.g. FEATUREFLOW_INGEST_TASK_QUEUE=featureflow-ingest; set it on the clients too',
    );
  }
  if (e.FEATUREFLOW_DEGRADED_MISSING_PCT > e.FEATUREFLOW_MAX_MISSING_PCT) {
    throw new Error(
      `Invalid configuration: FEATUREFLOW_DEGRADED_MISSING_PCT (${e.FEATUREFLOW_DEGRADED_MISSING_PCT}) must not exceed FEATUREFLOW_MAX_MISSING_PCT (${e.FEATUREFLOW_MAX_MISSING_PCT}): ` +
        'a day is degraded above the first and fails ingest above the second',
    );
  }
  if (e.FEATUREFLOW_INGEST_TASK_QUEUE && e.FEATUREFLOW_INGEST_TASK_QUEUE === e.FEATUREFLOW_TASK_QUEUE) {
    // An ingest-only worker on the main queue would be handed compute activities it does not host.
    throw new Error(
      `Invalid configuration: FEATUREFLOW_INGEST_TASK_QUEUE must differ from FEATUREFLOW_TASK_QUEUE (both are ${e.FEATUREFLOW_TASK_QUEUE}); ` +
        'unset it to run ingest on the main queue',
    );
  }
  let connect: ClientConnectConfig;
  try {
    connect = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  } catch (err) {
    throw new Error(`Invalid Temporal configuration (TEMPORAL_* / profile): ${(err as Error).message}`);
  }
  const address = connect.connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS;
  return {
    dataDir: e.FEATUREFLOW_DATA_DIR,
    databaseUrl: e.DATABASE_URL ?? path.join(e.FEATUREFLOW_DATA_DIR, 'featureflow.db'),
    taskQueue: e.FEATUREFLOW_TASK_QUEUE,
    source: e.FEATUREFLOW_SOURCE,
    uiUrl: (e.FEATUREFLOW_UI_URL ?? (connect.connectionOptions.address ? undefined : DEFAULT_UI_URL))?.replace(/\/$/, ''),
    maxConcurrentActivities: e.FEATUREFLOW_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTasks: e.FEATUREFLOW_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxCachedWorkflows: e.FEATUREFLOW_MAX_CACHED_WORKFLOWS,
    dbIoThreads: e.FEATUREFLOW_DB_IO_THREADS,
    partitionCacheMb: e.FEATUREFLOW_PARTITION_CACHE_MB,
    pgSynchronousCommit: e.FEATUREFLOW_PG_SYNCHRONOUS_COMMIT === 'on',
    sources: {
      coinbaseUrl: e.FEATUREFLOW_COINBASE_URL,
      coinbaseRatePerSecond: e.FEATUREFLOW_COINBASE_RATE,
      csvDir: e.FEATUREFLOW_CSV_DIR,
      syntheticSymbols: e.FEATUREFLOW_SYNTHETIC_SYMBOLS,
      syntheticMissingPct: e.FEATUREFLOW_SYNTHETIC_MISSING_PCT,
    },
    quality: { degradedMissingPct: e.FEATUREFLOW_DEGRADED_MISSING_PCT, maxMissingPct: e.FEATUREFLOW_MAX_MISSING_PCT },
    observability: {
      logLevel: e.FEATUREFLOW_LOG_LEVEL,
      logFormat: e.FEATUREFLOW_LOG_FORMAT,
      logRetentionDays: e.FEATUREFLOW_LOG_RETENTION_DAYS,
      metricsAddress: e.FEATUREFLOW_METRICS_ADDRESS,
    },
    workflowBundlePath: e.FEATUREFLOW_WORKFLOW_BUNDLE,
    versioning: versioningFromEnv(e.FEATUREFLOW_DEPLOYMENT_NAME, e.FEATUREFLOW_BUILD_ID, e.FEATUREFLOW_VERSIONING_BEHAVIOR),
    ingestTaskQueue: e.FEATUREFLOW_INGEST_TASK_QUEUE,
    workerRole: e.FEATUREFLOW_WORKER_ROLE,
    workerAffinity: e.FEATUREFLOW_WORKER_AFFINITY === 'on',
    ingestMaxPerSecond: e.FEATUREFLOW_INGEST_MAX_PER_SECOND,
    scheduleCatchUpDays: e.FEATUREFLOW_SCHEDULE_CATCH_UP_DAYS,
    temporal: {
      address,
      namespace: connect.namespace ?? 'default',
      connect: { ...connect, connectionOptions: { ...connect.connectionOptions, address } },
      isDefaultLocal: !connect.connectionOptions.address,
    },
  };
}

/** The Web UI address of a workflow run (its latest run when `runId` is omitted); none without a UI. */
export function workflowUiUrl(config: Pick<Config, 'uiUrl' | 'temporal'>, workflowId: string, runId?: string): string | undefined {
  if (!config.uiUrl) return undefined;
  const base = `${config.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}` : base;
}

/** Prints a run's Web UI link under `label`, when there is a UI to link to. */
export function printUiLink(url: string | undefined, label = '  Web UI: '): void {
  if (url) console.log(`${label}${url}`);
}
