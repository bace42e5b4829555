/**
 * Workflow interceptors (bundled with the workflows): every workflow log line carries the run
 * tree's correlation attributes, the log context travels to activities and children in a
 * header, and each run logs when it starts and finishes. The database identity a run was
 * started with (a header, recorded in history) goes on to every activity and child it starts,
 * so an activity on a worker of another database refuses to run. Deterministic: `log` is Temporal's
 * replay-aware logger (nothing is emitted while replaying) and `Date.now()` is workflow time.
 */
import {
  isCancellation,
  log,
  workflowInfo,
  type Next,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import type { Payload } from '@temporalio/common';
import { DATABASE_IDENTITY_HEADER } from '../core/database-identity';
import { rangeLabel } from '../core/ids';
import { encodeLogContext, LOG_CONTEXT_HEADER, logContextAttributes, type LogContext } from '../observability/log-context';
import { FlowKey, PartitionKey, partitionBounds, SymbolKey } from '../core/search-attributes';

/** The current run's log context, from its info and its search attributes. */
function currentLogContext(): LogContext {
  const info = workflowInfo();
  const attributes = info.typedSearchAttributes;
  const partitions = partitionBounds(attributes.get(PartitionKey) ?? []);
  return {
    rootWorkflowId: info.root?.workflowId ?? info.workflowId,
    rootRunId: info.root?.runId ?? info.runId,
    parentWorkflowId: info.parent?.workflowId,
    flow: attributes.get(FlowKey) ?? info.workflowType,
    symbol: attributes.get(SymbolKey),
    partition: partitions ? rangeLabel(partitions.from, partitions.to) : undefined,
  };
}

/** Logs the run's start and its end (a failure is logged by the SDK itself, with the error). */
class LifecycleLogInbound implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const started = Date.now();
    log.info('workflow started', { attempt: workflowInfo().attempt });
    try {
      const result = await next(input);
      log.info('workflow completed', { durationMs: Date.now() - started });
      return result;
    } catch (err) {
      if (isCancellation(err)) log.info('workflow cancelled', { durationMs: Date.now() - started });
      throw err;
    }
  }
}

/** Adds the correlation attributes to log lines and the log-context header to what the run starts. */
class LogContextOutbound implements WorkflowOutboundCallsInterceptor {
  getLogAttributes(input: Record<string, unknown>, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>): Record<string, unknown> {
    return next({ ...input, ...logContextAttributes(currentLogContext()) });
  }

  scheduleActivity: NonNullable<WorkflowOutboundCallsInterceptor['scheduleActivity']> = (input, next) =>
    next({ ...input, headers: { ...input.headers, [LOG_CONTEXT_HEADER]: encodeLogContext(currentLogContext()) } });

  scheduleLocalActivity: NonNullable<WorkflowOutboundCallsInterceptor['scheduleLocalActivity']> = (input, next) =>
    next({ ...input, headers: { ...input.headers, [LOG_CONTEXT_HEADER]: encodeLogContext(currentLogContext()) } });

  startChildWorkflowExecution: NonNullable<WorkflowOutboundCallsInterceptor['startChildWorkflowExecution']> = (input, next) => {
    log.info('starting child workflow', { childWorkflowId: input.options.workflowId, childWorkflowType: input.workflowType });
    return next({ ...input, headers: { ...input.headers, [LOG_CONTEXT_HEADER]: encodeLogContext(currentLogContext()) } });
  };
}

/** The run's database-identity header, as its start carried it (absent for runs started without one). */
interface DatabaseHeader {
  payload?: Payload;
}

/** Keeps the database identity the run was started with. */
class DatabaseIdentityInbound implements WorkflowInboundCallsInterceptor {
  constructor(private readonly header: DatabaseHeader) {}

  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    this.header.payload = input.headers[DATABASE_IDENTITY_HEADER];
    return next(input);
  }
}

/** Passes the run's database identity on to what it starts (its continuation too). */
class DatabaseIdentityOutbound implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly header: DatabaseHeader) {}

  private with<T extends { headers: Record<string, Payload> }>(input: T): T {
    return this.header.payload ? { ...input, headers: { ...input.headers, [DATABASE_IDENTITY_HEADER]: this.header.payload } } : input;
  }

  scheduleActivity: NonNullable<WorkflowOutboundCallsInterceptor['scheduleActivity']> = (input, next) => next(this.with(input));
  scheduleLocalActivity: NonNullable<WorkflowOutboundCallsInterceptor['scheduleLocalActivity']> = (input, next) => next(this.with(input));
  startChildWorkflowExecution: NonNullable<WorkflowOutboundCallsInterceptor['startChildWorkflowExecution']> = (input, next) => next(this.with(input));
  continueAsNew: NonNullable<WorkflowOutboundCallsInterceptor['continueAsNew']> = (input, next) => next(this.with(input));
}

/** Registered with the worker (`interceptors.workflowModules`) or the bundle (`workflowInterceptorModules`). */
export const interceptors = (): WorkflowInterceptors => {
  const database: DatabaseHeader = {};
  return {
    inbound: [new DatabaseIdentityInbound(database), new LifecycleLogInbound()],
    outbound: [new DatabaseIdentityOutbound(database), new LogContextOutbound()],
  };
};
