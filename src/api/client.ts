/**
 * `FeatureflowClient`: start and inspect featureflow runs from your own code, with the same
 * configuration as the CLI and the workers (`TEMPORAL_*`/envconfig profile, `DATABASE_URL`,
 * `FEATUREFLOW_*`). Inputs are validated with the zod contracts before anything reaches
 * Temporal; results are parsed with them; failures are the typed errors of `./errors`.
 * The `featureflow` CLI is a thin layer over this class. See docs/client.md.
 */
import path from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { loadConfig, workflowUiUrl, type Config } from '../config';
import { PipelineResult, type PipelineResult as PipelineResultType } from '../contracts';
import { lastCompleteDay } from '../core/dates';
import { isPostgresUrl, maskUrl, sqliteFile } from '../db/url';
import type { Db } from '../db/schema';
import { pipelineWorkflowId } from '../core/ids';
import { flowSearchAttributes, runSummary } from '../core/run-metadata';
import { connectClient } from '../temporal/connection';
import type { RunNode } from '../temporal/run-tree';
import { assetStates, type PartitionState } from './assets';
import { attachBackfill, startBackfill, type BackfillRun } from './backfill';
import { typed, type ClientContext } from './context';
import { ConflictError, TemporalUnreachableError, UsageError } from './errors';
import { flowGraph, type FlowGraphInfo } from './graph';
import { runHandle, type RunHandle } from './handle';
import { treeLogs, type LogsOptions, type LogStream } from './logs';
import { AssetsRequest, PipelineRequest, type BackfillRequest, type RunsFilter } from './requests';
import { listRuns, runResult, runStatus, taskQueuePollers, type FlowResult, type RunSummary, type TaskQueuePollers } from './runs';
import { Schedules } from './schedules';
import { databaseError, usageFromZod } from './translate';

/** How to configure a client. */
export interface ConnectOptions {
  /**
   * Environment to read the configuration from (default `process.env`): `TEMPORAL_ADDRESS`,
   * `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS_*`, `TEMPORAL_PROFILE`,
   * `DATABASE_URL`, `FEATUREFLOW_TASK_QUEUE`, `FEATUREFLOW_SOURCE`, `FEATUREFLOW_DATA_DIR`, ...
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A report written by {@link FeatureflowClient.writeReport}. */
export interface WrittenReport {
  readonly path: string;
  readonly bytes: number;
  readonly candles: number;
  readonly runs: number;
}

/** A featureflow client. Create with {@link FeatureflowClient.connect}; {@link FeatureflowClient.close} when done. */
export class FeatureflowClient {
  private temporalClient?: Promise<Client>;
  private db?: Promise<Db>;
  private readonly ctx: ClientContext;
  /** The daily pipeline schedules. */
  readonly schedules: Schedules;

  private constructor(
    /** The validated configuration this client uses. */
    readonly config: Config,
  ) {
    this.ctx = { config, temporal: () => this.temporal(), readDb: () => this.readDb() };
    this.schedules = new Schedules(this.ctx);
  }

  /**
   * Reads the configuration and connects to Temporal. Throws `UsageError` for invalid
   * configuration and `TemporalUnreachableError` when the server does not answer.
   */
  static async connect(options: ConnectOptions = {}): Promise<FeatureflowClient> {
    const client = FeatureflowClient.lazy(options);
    await client.temporal();
    return client;
  }

  /**
   * Reads the configuration but connects only when a method first needs Temporal or the
   * database (for tools, like the CLI, where some calls need neither).
   */
  static lazy(options: ConnectOptions = {}): FeatureflowClient {
    let config: Config;
    try {
      config = loadConfig({ ...(options.env ?? process.env) });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    return new FeatureflowClient(config);
  }

  /** The Temporal client (connected on first use), for anything this class does not cover. */
  temporal(): Promise<Client> {
    this.temporalClient ??= connectClient(this.config).catch((err: Error) => {
      this.temporalClient = undefined;
      const { address, namespace } = this.config.temporal;
      // connectClient's message names the address and namespace, the cause, and what to check.
      throw new TemporalUnreachableError(err.message, address, namespace, { cause: err });
    });
    return this.temporalClient;
  }

  /** Where the featureflow database is: the SQLite file's absolute path, or the PostgreSQL URL with its password masked. */
  get databaseLocation(): string {
    const url = this.config.databaseUrl;
    return isPostgresUrl(url) ? maskUrl(url) : path.resolve(sqliteFile(url));
  }

  /** The database, read-only; a missing SQLite file is a `DatabaseError` ("no featureflow database at ..."), never created. */
  private readDb(): Promise<Db> {
    // The drivers load here, on first use: commands that never read the database never pay for them.
    this.db ??= import('../db/connect').then(({ openDatabase }) => openDatabase({ url: this.config.databaseUrl, readOnly: true })).catch((err: unknown) => {
      this.db = undefined;
      throw databaseError(err, this.databaseLocation);
    });
    return this.db;
  }

  /** The Web UI page of a run (its latest run without `runId`), from FEATUREFLOW_UI_URL. */
  webUiUrl(workflowId: string, runId?: string): string | undefined {
    return workflowUiUrl(this.config, workflowId, runId);
  }

  /** Closes the Temporal connection and the database, if opened. */
  async close(): Promise<void> {
    const [client, db] = [this.temporalClient, this.db];
    this.temporalClient = undefined;
    this.db = undefined;
    await (await client?.catch(() => undefined))?.connection.close();
    await (await db?.catch(() => undefined))?.close();
  }

  /**
   * Starts the daily pipeline (ingest -> features b, c -> evaluate) for a symbol and day
   * (default: BTC-USD, the last complete UTC day) and returns its handle. `ConflictError` when
   * that day's pipeline is already running.
   */
  async startPipeline(request: PipelineRequest = {}): Promise<RunHandle<PipelineResultType>> {
    const parsed = PipelineRequest.safeParse(request);
    if (!parsed.success) throw usageFromZod(parsed.error, 'pipeline request');
    const { symbol } = parsed.data;
    const date = parsed.data.date ?? lastCompleteDay(Date.now());
    const source = parsed.data.source ?? this.config.source;
    const workflowId = pipelineWorkflowId(symbol, date);
    const client = await this.temporal();
    const handle = await typed(this.ctx, async () => {
      try {
        return await client.workflow.start('pipeline', {
          taskQueue: this.config.taskQueue,
          workflowId,
          args: [{ symbol, date, source, ...(this.config.ingestTaskQueue ? { ingestTaskQueue: this.config.ingestTaskQueue } : {}) }],
          typedSearchAttributes: flowSearchAttributes({ flow: 'pipeline', symbol, from: date, to: date, source }),
          staticSummary: runSummary({ flow: 'pipeline', symbol, from: date, to: date, source }),
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) {
          throw new ConflictError(`a pipeline for ${symbol} ${date} is already running (${workflowId}); watch it with \`featureflow status ${workflowId}\``, workflowId);
        }
        throw err;
      }
    }, { workflowId });
    return runHandle(this.ctx, handle, 'pipeline', PipelineResult);
  }

  /** Runs the daily pipeline and waits for its typed result (`RunFailedError` with the root cause if it fails). */
  async runPipeline(request: PipelineRequest = {}): Promise<PipelineResultType> {
    return (await this.startPipeline(request)).result();
  }

  /**
   * Starts a backfill, or attaches to the running one with the same selection (flows, symbols,
   * range): then `attached` is true and `differences` lists the options it keeps despite the request.
   */
  startBackfill(request: BackfillRequest): Promise<BackfillRun> {
    return startBackfill(this.ctx, request);
  }

  /** An existing backfill by workflow ID (`NotFoundError` when there is none, or it is another kind of run). */
  backfill(workflowId: string): Promise<BackfillRun> {
    return attachBackfill(this.ctx, workflowId);
  }

  /** The run tree of a workflow (children, activities, states, attempts, failures); `NotFoundError` for an unknown ID. */
  status(workflowId: string): Promise<RunNode> {
    return runStatus(this.ctx, workflowId);
  }

  /** Waits for any flow run and returns its typed result, told apart by `flow`. */
  result(workflowId: string): Promise<FlowResult> {
    return runResult(this.ctx, workflowId);
  }

  /** Runs matching a filter (flow, symbol, partition days, state), newest first; scheduled runs included. */
  runs(filter: RunsFilter = {}): Promise<RunSummary[]> {
    return listRuns(this.ctx, filter);
  }

  /** Backfills, newest first (`state: 'running'` for the running ones). */
  backfills(filter: Omit<RunsFilter, 'flow'> = {}): Promise<RunSummary[]> {
    return listRuns(this.ctx, { ...filter, flow: 'backfill' });
  }

  /** The log lines of a run tree, from every worker, in time order; `follow` keeps reading until the tree finished. */
  logs(workflowId: string, options: LogsOptions = {}): LogStream {
    return treeLogs(this.ctx, workflowId, options);
  }

  /** Every asset x day of a range: materialized (version, when, rows), stale, or missing. */
  assets(request: AssetsRequest): Promise<PartitionState[]> {
    return assetStates(this.ctx, request);
  }

  /** The flow graph: each flow, its asset and upstream flows. */
  flowGraph(): FlowGraphInfo {
    return flowGraph();
  }

  /** Workers polling a task queue now (default: the configured one). */
  pollers(taskQueue?: string): Promise<TaskQueuePollers> {
    return taskQueuePollers(this.ctx, taskQueue);
  }

  /** Writes one self-contained HTML report (price, features, evaluation, runs) of a symbol's range. */
  async writeReport(request: AssetsRequest, out?: string): Promise<WrittenReport> {
    const parsed = AssetsRequest.safeParse(request);
    if (!parsed.success) throw usageFromZod(parsed.error, 'report request');
    const db = await this.readDb();
    const { writeReport } = await import('../report');
    try {
      return await writeReport(db, this.config, parsed.data, out);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'EISDIR' || code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') {
        throw new UsageError(`cannot write the report to ${out ?? 'the data directory'}: ${(err as Error).message}`);
      }
      throw databaseError(err, this.databaseLocation);
    }
  }

  /**
   * Prepares a cluster and database: creates the namespace on a self-hosted cluster when it is
   * missing (on Temporal Cloud, says to create it there), registers the custom search attributes
   * on it and migrates the database (creating it if needed). Returns what it created and added.
   */
  async setup(): Promise<{ createdNamespace: boolean; addedSearchAttributes: string[]; database: string }> {
    const client = await this.temporal();
    const { ensureNamespace, ensureSearchAttributes } = await import('../temporal/setup');
    const { address, namespace } = this.config.temporal;
    let createdNamespace: boolean;
    try {
      createdNamespace = await ensureNamespace(client.connection as Connection, namespace, address);
    } catch (err) {
      throw new TemporalUnreachableError(`namespace setup failed: ${(err as Error).message}`, address, namespace, { cause: err });
    }
    let added: string[];
    try {
      added = await ensureSearchAttributes(client.connection as Connection, namespace);
    } catch (err) {
      throw new TemporalUnreachableError(
        `could not register search attributes on namespace ${namespace} at ${address}: ${(err as Error).message}. ` +
          'Temporal Cloud registers them per namespace in its UI or with tcld; a self-hosted cluster needs operator permissions.',
        address,
        namespace,
        { cause: err },
      );
    }
    let db: Db;
    try {
      const { openMigratedDatabase } = await import('../db/connect');
      db = await openMigratedDatabase({ url: this.config.databaseUrl });
    } catch (err) {
      throw databaseError(err, this.databaseLocation);
    }
    await db.close();
    return { createdNamespace, addedSearchAttributes: added, database: db.description };
  }
}
