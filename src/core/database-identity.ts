/**
 * The database identity a run was started with, carried as a header from the client to the
 * workflow and from the workflow to every activity and child it starts (all recorded in the
 * run's history). Workflow-safe: no I/O.
 */
import { defaultPayloadConverter, type Payload } from '@temporalio/common';

/** Header naming the database a run works on. */
export const DATABASE_IDENTITY_HEADER = 'featureflow-database';

/** The header payload of an identity. */
export function encodeDatabaseIdentity(identity: string): Payload {
  return defaultPayloadConverter.toPayload(identity);
}

/** The identity in a header, or undefined when there is none (or it is not a string). */
export function decodeDatabaseIdentity(payload: Payload | undefined): string | undefined {
  if (!payload) return undefined;
  try {
    const value: unknown = defaultPayloadConverter.fromPayload(payload);
    return typeof value === 'string' && value ? value : undefined;
  } catch {
    return undefined;
  }
}
