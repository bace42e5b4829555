/**
 * Activity interceptors: an activity's info knows its workflow but not the run tree, so the
 * root/parent/flow/symbol/partition attributes come from the header the workflow interceptor
 * sets (`src/workflows/interceptors.ts`). Also logs each attempt's start and completion, and
 * keeps every activity heartbeating while it runs (see `keepAlive`), and refuses activities of
 * runs started against another database.
 */
import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptors } from '@temporalio/worker';
import { keepAlive } from './cancellation';
import { DATABASE_IDENTITY_HEADER, decodeDatabaseIdentity } from '../core/database-identity';
import { DATABASE_MISMATCH } from '../core/failures';
import { decodeLogContext, LOG_CONTEXT_HEADER, logContextAttributes, type LogContext } from '../observability/log-context';

/** Interceptor factory for `WorkerOptions.interceptors.activity`. */
export function activityLogInterceptors(ctx: Context): ActivityInterceptors {
  let logContext: LogContext | undefined;
  return {
    inbound: {
      async execute(input, next) {
        logContext = decodeLogContext(input.headers[LOG_CONTEXT_HEADER]);
        const started = Date.now();
        ctx.log.info('activity started');
        // Every activity heartbeats while it runs, so the short heartbeat timeout means "worker dead".
        const stopKeepAlive = keepAlive(ctx);
        let result: unknown;
        try {
          result = await next(input);
        } finally {
          stopKeepAlive();
        }
        // A failure is logged by the SDK itself ('Activity failed', with the error).
        ctx.log.info('activity completed', { durationMs: Date.now() - started });
        return result;
      },
    },
    outbound: {
      getLogAttributes(input, next) {
        return next({ ...input, ...logContextAttributes(logContext) });
      },
    },
  };
}

/** What an activity worker knows about itself, for the database check. */
export interface WorkerDatabase {
  /** The identity of the database this worker reads and writes (migration 006). */
  readonly identity: string;
  /** Where it points (password masked), for the message. */
  readonly description: string;
  /** The worker's Temporal identity (pid@host), for the message. */
  readonly worker: string;
}

/**
 * Interceptor factory refusing activities of runs started against another database: one task
 * queue must serve one database, or a run's writes and reads split silently between two. Fails
 * non-retryably (another attempt may land on the same worker; the fix is to re-point or stop it).
 * Runs started without an identity header (clients that could not read their database) pass.
 */
export function databaseIdentityInterceptors(own: WorkerDatabase): (ctx: Context) => ActivityInterceptors {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const expected = decodeDatabaseIdentity(input.headers[DATABASE_IDENTITY_HEADER]);
        if (expected !== undefined && expected !== own.identity) {
          throw ApplicationFailure.create({
            type: DATABASE_MISMATCH,
            nonRetryable: true,
            message:
              `run ${ctx.info.workflowExecution?.workflowId ?? "(standalone activity)"} was started against database ${expected}, but worker ${own.worker} ` +
              `on task queue ${ctx.info.taskQueue} uses database ${own.identity} (${own.description}); ` +
              'one task queue must serve one database: point that worker at the run\'s database (DATABASE_URL) or give it its own task queue',
          });
        }
        return next(input);
      },
    },
  });
}
