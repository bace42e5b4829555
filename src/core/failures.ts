/**
 * Failure types featureflow raises (workflow-safe: no I/O). Retries are for transient faults only, so anything a retry
 * cannot fix is non-retryable with a message a person can act on.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { describeIssues } from '../contracts';

/** Error types workflows list as non-retryable in their activity retry policies. */
export const NON_RETRYABLE_TYPES = ['InvalidInput', 'UpstreamMissing', 'SourceDataInvalid', 'UnknownSymbol'] as const;

/** Input failed validation at the activity boundary. */
export function invalidInput(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'InvalidInput');
}

/** A flow's upstream partition is not materialized. */
export function upstreamMissing(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'UpstreamMissing');
}

/** Validates workflow or activity input with its schema; a mismatch is a non-retryable `InvalidInput`. */
export function parseInput<S extends z.ZodTypeAny>(schema: S, input: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalidInput(`Invalid ${what} input: ${describeIssues(parsed.error)}`);
  return parsed.data;
}


/** An activity reached a worker of another database than its run was started with (see `src/db/identity.ts`). */
export const DATABASE_MISMATCH = 'DatabaseMismatch';
