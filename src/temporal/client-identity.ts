/**
 * Client interceptors stamping the identity of the client's database on every run it starts
 * (and every schedule it creates), so workers of another database refuse the run's activities
 * (see `databaseIdentityInterceptors`). The identity is read once, lazily, on the first start;
 * a client whose database does not exist or cannot be reached sends none (nothing to enforce).
 */
import type { ScheduleClientInterceptor, WorkflowClientInterceptor } from '@temporalio/client';
import type { Headers } from '@temporalio/common';
import { DATABASE_IDENTITY_HEADER, encodeDatabaseIdentity } from '../core/database-identity';

/** The workflow and schedule interceptors for a client whose database identity `resolve` yields. */
export function databaseIdentityClientInterceptors(resolve: () => Promise<string | undefined>): {
  workflow: WorkflowClientInterceptor;
  schedule: ScheduleClientInterceptor;
} {
  let identity: Promise<string | undefined> | undefined;
  const stamp = async <T extends { headers: Headers }>(input: T): Promise<T> => {
    identity ??= resolve();
    const id = await identity;
    return id ? { ...input, headers: { ...input.headers, [DATABASE_IDENTITY_HEADER]: encodeDatabaseIdentity(id) } } : input;
  };
  return {
    workflow: {
      start: async (input, next) => next(await stamp(input)),
      startWithDetails: async (input, next) => next(await stamp(input)),
      signalWithStart: async (input, next) => next(await stamp(input)),
    },
    schedule: { create: async (input, next) => next(await stamp(input)) },
  };
}
