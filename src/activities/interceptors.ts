/**
 * Activity interceptors: an activity's info knows its workflow but not the run tree, so the
 * root/parent/flow/symbol/partition attributes come from the header the workflow interceptor
 * sets (`src/workflows/interceptors.ts`). Also logs each attempt's start and completion, and
 * keeps every activity heartbeating while it runs (see `keepAlive`).
 */
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptors } from '@temporalio/worker';
import { keepAlive } from './cancellation';
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
