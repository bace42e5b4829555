/**
 * Connections to Temporal from configuration: the same code talks to the local dev server,
 * a self-hosted cluster or Temporal Cloud, depending only on `TEMPORAL_*` / profile settings.
 * Clients stamp the identity of their database on what they start (see `client-identity.ts`).
 */
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config';
import { payloadLimitInterceptor } from './payload-limit';
import { databaseIdentityClientInterceptors } from './client-identity';
import { peekDatabaseIdentity } from '../db/identity';

/** A helpful error for an unreachable server, naming the address and what to check. */
function unreachable(config: Config, err: unknown): Error {
  return new Error(
    `Cannot reach Temporal at ${config.temporal.address} (namespace ${config.temporal.namespace}): ${(err as Error).message}. ` +
      (config.temporal.isDefaultLocal
        ? 'Start the embedded stack with `npm start` (it launches a dev server), or set TEMPORAL_ADDRESS.'
        : 'Check TEMPORAL_ADDRESS, TLS and API key settings, and that the cluster is up.'),
  );
}

/** Opens a client connection (for starting, querying and listing workflows). */
export async function connectClient(config: Config): Promise<Client> {
  try {
    const connection = await Connection.connect({ ...config.temporal.connect.connectionOptions, connectTimeout: '5s' });
    const identity = databaseIdentityClientInterceptors(() => peekDatabaseIdentity(config.databaseUrl));
    return new Client({
      connection,
      namespace: config.temporal.namespace,
      interceptors: { workflow: [payloadLimitInterceptor(), identity.workflow], schedule: [identity.schedule] },
    });
  } catch (err) {
    throw unreachable(config, err);
  }
}

/** Opens a worker connection. */
export async function connectWorker(config: Config): Promise<NativeConnection> {
  // Loaded here, not at the top: clients import this module and never need the worker SDK (slow to load).
  const { NativeConnection } = await import('@temporalio/worker');
  try {
    return await NativeConnection.connect(config.temporal.connect.connectionOptions);
  } catch (err) {
    throw unreachable(config, err);
  }
}
