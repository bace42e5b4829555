/**
 * The log store: every worker writes its workflow and activity lines, in batches, to the
 * `logs` table of the shared featureflow database, so the client can read one run tree's lines
 * from all workers on all machines as one stream. Writing never blocks or fails the worker:
 * lines wait in a bounded buffer, a failed batch is counted as dropped, and the store keeps going.
 */
import type { Insertable, Selectable } from 'kysely';
import type { Db, LogsTable } from '../db/schema';
import type { LogSink } from './logger';
import type { Level, LogRecord } from './log-record';

const DAY_MS = 86_400_000;

/** Options of {@link LogStore}. */
export interface LogStoreOptions {
  readonly db: Db;
  /** Flush at least this often, ms (default 250). */
  readonly flushIntervalMs?: number;
  /** Flush as soon as this many lines wait, and insert at most this many per statement (default 500). */
  readonly batchSize?: number;
  /** Lines beyond this many waiting are dropped (counted) rather than growing memory (default 50 000). */
  readonly maxBuffered?: number;
  /** Keep only some lines, e.g. those of one task queue when a process hosts several workers. */
  readonly accept?: (record: LogRecord) => boolean;
}

/** Counters of a {@link LogStore}, for shutdown messages, metrics and tests. */
export interface LogStoreStats {
  written: number;
  dropped: number;
  failedBatches: number;
  lastError?: string;
}

/** Converts a record to a `logs` row. */
function toRow(r: LogRecord): Insertable<LogsTable> {
  return {
    ts: r.ts,
    level: r.level,
    message: r.message,
    workflow_id: r.workflowId ?? null,
    run_id: r.runId ?? null,
    root_workflow_id: r.rootWorkflowId ?? r.workflowId ?? null,
    root_run_id: r.rootRunId ?? (r.rootWorkflowId ? null : (r.runId ?? null)),
    parent_workflow_id: r.parentWorkflowId ?? null,
    workflow_type: r.workflowType ?? null,
    flow: r.flow ?? null,
    symbol: r.symbol ?? null,
    partition: r.partition ?? null,
    activity_type: r.activityType ?? null,
    attempt: r.attempt ?? null,
    worker: r.worker,
    attrs: Object.keys(r.attrs).length ? JSON.stringify(r.attrs) : null,
  };
}

/** A stored line as read back. */
export type StoredLog = Selectable<LogsTable>;

/** A stored row as a {@link LogRecord} (for printing). */
export function storedToRecord(row: StoredLog): LogRecord & { readonly id: number } {
  const opt = (v: string | null) => v ?? undefined;
  let attrs: Record<string, unknown> = {};
  if (row.attrs) {
    try {
      attrs = JSON.parse(row.attrs) as Record<string, unknown>;
    } catch {
      attrs = { raw: row.attrs };
    }
  }
  return {
    id: Number(row.id),
    ts: Number(row.ts),
    level: row.level as Level,
    message: row.message,
    workflowId: opt(row.workflow_id),
    runId: opt(row.run_id),
    workflowType: opt(row.workflow_type),
    rootWorkflowId: opt(row.root_workflow_id),
    rootRunId: opt(row.root_run_id),
    parentWorkflowId: opt(row.parent_workflow_id),
    flow: opt(row.flow),
    symbol: opt(row.symbol),
    partition: opt(row.partition),
    activityType: opt(row.activity_type),
    attempt: row.attempt ?? undefined,
    worker: row.worker,
    attrs,
  };
}

/** Buffered writer of log lines into the `logs` table. Lines outside any workflow are not stored. */
export class LogStore implements LogSink {
  private buffer: LogRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;
  /** Counters since creation. */
  readonly stats: LogStoreStats = { written: 0, dropped: 0, failedBatches: 0 };
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxBuffered: number;

  constructor(private readonly options: LogStoreOptions) {
    this.flushIntervalMs = options.flushIntervalMs ?? 250;
    this.batchSize = options.batchSize ?? 500;
    this.maxBuffered = options.maxBuffered ?? 50_000;
  }

  write(record: LogRecord): void {
    if (this.closed || !record.workflowId) return;
    if (this.options.accept && !this.options.accept(record)) return;
    if (this.buffer.length >= this.maxBuffered) {
      this.stats.dropped++;
      return;
    }
    this.buffer.push(record);
    if (this.buffer.length >= this.batchSize) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Writes everything buffered so far; resolves when it is in the database (or counted as dropped). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // One flush at a time, so batches land in the order they were logged.
    this.flushing = this.flushing.then(() => this.drain());
    return this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.buffer.length) {
      const batch = this.buffer.splice(0, this.batchSize);
      try {
        await this.options.db.kysely.insertInto('logs').values(batch.map(toRow)).execute();
        this.stats.written += batch.length;
      } catch (err) {
        this.stats.dropped += batch.length;
        this.stats.failedBatches++;
        this.stats.lastError = (err as Error).message;
      }
    }
  }

  /** Stops accepting lines and flushes the rest; call before closing the database. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }
}

/** Deletes lines older than `days`; returns how many went. */
export async function pruneLogs(db: Db, days: number, now = Date.now()): Promise<number> {
  const result = await db.kysely.deleteFrom('logs').where('ts', '<', now - days * DAY_MS).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Prunes now and then hourly (timer does not keep the process alive); returns the stop function. */
export function startLogRetention(db: Db, days: number, onError: (err: Error) => void): () => void {
  const run = () => pruneLogs(db, days).catch(onError);
  void run();
  const timer = setInterval(run, 3_600_000);
  timer.unref();
  return () => clearInterval(timer);
}

/** Which lines to read: a whole tree by its root run, or the given runs (a subtree). */
export type LogSelection =
  | { readonly rootWorkflowId: string; readonly rootRunId: string }
  | { readonly runs: ReadonlyArray<{ readonly workflowId: string; readonly runId: string }> };

/** One page of a selection's lines with id > `afterId`, in id (insertion) order. */
export async function readLogPage(db: Db, selection: LogSelection, afterId = 0, limit = 5000): Promise<StoredLog[]> {
  let q = db.kysely.selectFrom('logs').selectAll().where('id', '>', afterId);
  if ('rootWorkflowId' in selection) {
    q = q.where('root_workflow_id', '=', selection.rootWorkflowId).where('root_run_id', '=', selection.rootRunId);
  } else {
    if (!selection.runs.length) return [];
    // workflow_id is indexed; run_id makes it exact when an id was reused by a later run.
    q = q.where('workflow_id', 'in', [...new Set(selection.runs.map((r) => r.workflowId))]).where('run_id', 'in', selection.runs.map((r) => r.runId));
  }
  return q.orderBy('id').limit(limit).execute();
}

/** Orders lines by time, then insertion (lines of several workers interleave by their clocks). */
export function byTime(a: StoredLog, b: StoredLog): number {
  return Number(a.ts) - Number(b.ts) || Number(a.id) - Number(b.id);
}

/** Every line of a selection with id > `afterId`, in time order. */
export async function readLogs(db: Db, selection: LogSelection, afterId = 0): Promise<StoredLog[]> {
  const out: StoredLog[] = [];
  for (let page = await readLogPage(db, selection, afterId); page.length; page = await readLogPage(db, selection, Number(page[page.length - 1].id))) {
    out.push(...page);
  }
  return out.sort(byTime);
}
