/**
 * One log line as featureflow stores and prints it: the SDK's logger call (level, message,
 * metadata from Temporal and our interceptors) flattened into correlation columns plus the
 * remaining attributes as JSON-safe values.
 */
import os from 'node:os';
import type { LogLevel, LogMetadata } from '@temporalio/common';

/** Lower-case level names, as pino and the `logs` table write them. */
export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** Ordering of levels, lowest first. */
export const LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error'];

/** A normalized log line. Optional fields are absent for lines outside a workflow (worker, core). */
export interface LogRecord {
  /** Epoch milliseconds. */
  readonly ts: number;
  readonly level: Level;
  readonly message: string;
  readonly workflowId?: string;
  readonly runId?: string;
  readonly workflowType?: string;
  readonly rootWorkflowId?: string;
  readonly rootRunId?: string;
  readonly parentWorkflowId?: string;
  readonly flow?: string;
  readonly symbol?: string;
  readonly partition?: string;
  readonly activityType?: string;
  readonly attempt?: number;
  /** Task queue of the worker that logged it (lets one process route lines of several workers). */
  readonly taskQueue?: string;
  /** `hostname:pid` of the process that logged it. */
  readonly worker: string;
  /** Everything else, JSON-safe. */
  readonly attrs: Record<string, unknown>;
}

/** This process, as the `worker` of its lines. */
export const WORKER_NAME = `${os.hostname()}:${process.pid}`;

/** The SDK passes the call time (nanoseconds, bigint) under this symbol. */
const LOG_TIMESTAMP = Symbol.for('log_timestamp');

/** Attributes the SDK adds that help no reader (the task token is a long opaque blob). */
const DROPPED = new Set(['taskToken', 'namespace', 'isLocal']);

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** A value that survives JSON.stringify: errors become {name, message, stack}, bigints strings. */
export function jsonSafe(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) {
    const cause = (value as { cause?: unknown }).cause;
    return { name: value.name, message: value.message, ...(cause !== undefined && depth < 5 ? { cause: jsonSafe(cause, depth + 1) } : {}) };
  }
  if (value instanceof Date) return value.toISOString();
  if (depth > 5) return '[nested]';
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => jsonSafe(v, depth + 1));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v !== 'function' && typeof v !== 'symbol' && v !== undefined) out[k] = jsonSafe(v, depth + 1);
    }
    return out;
  }
  return undefined;
}

/** Flattens one logger call into a {@link LogRecord}. */
export function toLogRecord(level: LogLevel, message: string, meta: LogMetadata | undefined, worker = WORKER_NAME): LogRecord {
  const m = (meta ?? {}) as Record<string | symbol, unknown>;
  const nanos = m[LOG_TIMESTAMP];
  const ts = typeof nanos === 'bigint' ? Number(nanos / 1_000_000n) : Date.now();
  const {
    workflowId, runId, workflowRunId, workflowType, rootWorkflowId, rootRunId, parentWorkflowId,
    flow, symbol, partition, activityType, attempt, taskQueue, ...rest
  } = m as Record<string, unknown>;
  const attrs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) if (!DROPPED.has(k) && v !== undefined) attrs[k] = jsonSafe(v);
  const isActivity = str(activityType) !== undefined;
  return {
    ts,
    level: level.toLowerCase() as Level,
    message,
    workflowId: str(workflowId),
    runId: str(runId) ?? str(workflowRunId),
    workflowType: str(workflowType),
    rootWorkflowId: str(rootWorkflowId),
    rootRunId: str(rootRunId),
    parentWorkflowId: str(parentWorkflowId),
    flow: str(flow),
    symbol: str(symbol),
    partition: str(partition),
    activityType: str(activityType),
    // Workflow lines carry the run's attempt too; only an activity's attempt gets the column.
    attempt: isActivity && typeof attempt === 'number' ? attempt : undefined,
    taskQueue: str(taskQueue),
    worker,
    attrs: !isActivity && typeof attempt === 'number' && attempt > 1 ? { ...attrs, workflowAttempt: attempt } : attrs,
  };
}
