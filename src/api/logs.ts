/** A run tree's log lines as an async iterator (all so far, or following until the tree finished). */
import type { LogRecord } from '../observability/log-record';
import type { TreeLogsResult } from '../observability/tree-logs';
import { typed, type ClientContext } from './context';
import { databaseError, isDriverError } from './translate';

/** Options of {@link treeLogs}. */
export interface LogsOptions {
  /** Keep reading new lines until the whole tree has finished (default false: the lines so far). */
  readonly follow?: boolean;
}

/** The lines of a tree, in time order, and once they are all read, the tree's outcome. */
export interface LogStream extends AsyncIterable<LogRecord> {
  /** Settles after the last line: the tree's state and the number of lines read. */
  readonly outcome: Promise<TreeLogsResult>;
}

/**
 * The log lines of a workflow and all its descendants, from every worker (they are in the
 * featureflow database, read read-only). Iterate it once.
 */
export function treeLogs(ctx: ClientContext, workflowId: string, options: LogsOptions = {}): LogStream {
  const queue: LogRecord[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  const outcome = (async () => {
    const client = await ctx.temporal();
    const db = await ctx.readDb();
    const [{ streamTreeLogs }, { storedToRecord }] = await Promise.all([import('../observability/tree-logs'), import('../observability/log-store')]);
    return typed(ctx, async () => {
      try {
        return await streamTreeLogs({
          client,
          db,
          workflowId,
          follow: options.follow ?? false,
          onLine: (line) => {
            queue.push(storedToRecord(line));
            wake?.();
          },
        });
      } catch (err) {
        throw isDriverError(err) ? databaseError(err, db.description) : err;
      }
    }, { workflowId });
  })().finally(() => {
    finished = true;
    wake?.();
  });
  // The iterator reports a failure; `outcome` alone must not count as unhandled.
  outcome.catch(() => undefined);
  return {
    outcome,
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (queue.length) yield queue.shift()!;
        if (finished) break;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      await outcome;
    },
  };
}
