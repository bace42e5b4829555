/**
 * Turns what the Temporal SDK, zod and the database drivers throw into the library's typed
 * errors ({@link FeatureflowError}), each with one actionable line. Errors already typed pass
 * through; anything unrecognised is returned unchanged (a bug to see, not to hide).
 */
import {
  isGrpcServiceError,
  QueryNotRegisteredError,
  ScheduleNotFoundError,
  ServiceError,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { z } from 'zod';
import type { Config } from '../config';
import { describeIssues } from '../contracts';
import { DatabaseError, FeatureflowError, NotFoundError, RunFailedError, TemporalUnreachableError, UsageError } from './errors';
import { causeChain, rootCauseOf, setupProblem } from './failure';
import { formatRootCause } from './failure-format';

/** gRPC status codes that mean "this is not a Temporal frontend we can talk to". */
const UNREACHABLE_CODES = new Set([
  4, // DEADLINE_EXCEEDED
  7, // PERMISSION_DENIED
  12, // UNIMPLEMENTED: something answers, but not Temporal
  13, // INTERNAL: e.g. an HTTP server answering a gRPC call
  14, // UNAVAILABLE
  16, // UNAUTHENTICATED
]);

/** What the failing call was about, for the message. */
export interface ErrorContext {
  readonly config: Config;
  /** The run the call was about. */
  readonly workflowId?: string;
  /** Its workflow type, when known (the root cause's flow when no child failed). */
  readonly flow?: string;
}

/** The hint of an unreachable server: what to start or check. */
export function temporalHint(config: Config): string {
  return config.temporal.isDefaultLocal
    ? 'start the embedded stack with `npm start`, or set TEMPORAL_ADDRESS'
    : 'check TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS and API key settings, and that the cluster is up';
}

/** A zod failure as a usage error, keeping each issue's path for the caller to name its own option. */
export function usageFromZod(error: z.ZodError, what = 'input'): UsageError {
  return new UsageError(
    `invalid ${what}: ${describeIssues(error)}`,
    error.issues.map((i) => ({ path: i.path, message: i.message })),
  );
}

/** The gRPC status code of an SDK error, if it carries one. */
function grpcCode(err: unknown): number | undefined {
  const inner = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(inner) ? inner.code : undefined;
}

/** Maps `err` to a typed error; returns it unchanged when it is none of the known kinds. */
export function toFeatureflowError(err: unknown, ctx: ErrorContext): unknown {
  if (err instanceof FeatureflowError) return err;
  const { address, namespace } = ctx.config.temporal;
  if (err instanceof z.ZodError) return usageFromZod(err);
  if (err instanceof WorkflowNotFoundError) {
    const id = err.workflowId || ctx.workflowId || '?';
    return new NotFoundError(`no run with ID ${id} in namespace ${namespace} on ${address}`, id);
  }
  if (err instanceof ScheduleNotFoundError) return new NotFoundError(`no schedule ${err.scheduleId} in namespace ${namespace}`, err.scheduleId);
  // A cluster not set up for featureflow (no namespace, or a search attribute missing): what and how to fix it.
  const setup = setupProblem(err, namespace);
  if (setup) return new TemporalUnreachableError(`${setup} (${address})`, address, namespace, { cause: err });
  if (err instanceof WorkflowFailedError) {
    const id = ctx.workflowId ?? '?';
    const cause = rootCauseOf(err, ctx.flow ?? 'workflow');
    return new RunFailedError(`${id} failed: ${formatRootCause(cause)}`, id, cause, causeChain(err).map((l) => l.text), { cause: err });
  }
  if (err instanceof QueryNotRegisteredError) {
    const id = ctx.workflowId ?? '?';
    return new NotFoundError(`${id} is not a backfill (it does not answer the backfill progress query)`, id);
  }
  const code = grpcCode(err);
  if (code === 5 && /namespace/i.test((err as Error).message)) {
    return new TemporalUnreachableError(`namespace ${namespace} does not exist on ${address}; check TEMPORAL_NAMESPACE`, address, namespace, { cause: err });
  }
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    const detail = ((err as Error).message.split('\n')[0] ?? '').slice(0, 160);
    return new TemporalUnreachableError(`cannot reach Temporal at ${address} (namespace ${namespace}): ${detail}; ${temporalHint(ctx.config)}`, address, namespace, { cause: err });
  }
  return err;
}

/** Whether an error came from a database driver (better-sqlite3, pg) rather than our own code. */
export function isDriverError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return err.name === 'SqliteError' || (typeof code === 'string' && (/^SQLITE_/.test(code) || /^[0-9A-Z]{5}$/.test(code) || /^E[A-Z]+$/.test(code)));
}

/** A database failure as a {@link DatabaseError} naming where the database is. */
export function databaseError(err: unknown, location: string): DatabaseError {
  const message = err instanceof Error ? err.message : String(err);
  if (/no such table/i.test(message) || /relation .* does not exist/i.test(message)) {
    return new DatabaseError(`${location} is not a featureflow database (or is not migrated yet): ${message}; run \`featureflow setup\` or start a worker on it`, location, { cause: err });
  }
  if (/^no featureflow database at/.test(message) || /^Cannot connect to PostgreSQL/.test(message)) return new DatabaseError(message, location, { cause: err });
  return new DatabaseError(`cannot read the featureflow database at ${location}: ${message}`, location, { cause: err });
}
