/** What the client library's parts share: configuration, the lazily opened Temporal client and database, error translation. */
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Db } from '../db/schema';
import { toFeatureflowError } from './translate';

/** Shared state of one {@link FeatureflowClient}, handed to the modules that implement its methods. */
export interface ClientContext {
  readonly config: Config;
  /** The Temporal client, connected on first use. */
  temporal(): Promise<Client>;
  /** The featureflow database opened read-only (never created or migrated), on first use. */
  readDb(): Promise<Db>;
}

/** Runs `fn`, rethrowing whatever it throws as a typed error (see `translate.ts`). */
export async function typed<T>(ctx: ClientContext, fn: () => Promise<T>, about: { workflowId?: string; flow?: string } = {}): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toFeatureflowError(err, { config: ctx.config, ...about });
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
