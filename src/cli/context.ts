/**
 * What every CLI command shares: validated configuration, a lazily opened Temporal client,
 * and the exit codes (0 ok, 1 the run failed, 2 bad usage, 3 infrastructure unreachable).
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { describeIssues } from '../contracts';
import { loadConfig, type Config } from '../config';
import { connectClient } from '../temporal';

/** Process exit codes of the `featureflow` command. */
export const ExitCode = { ok: 0, failed: 1, usage: 2, unavailable: 3 } as const;

/** A user error: printed without a stack trace, exits with `code`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = ExitCode.usage,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Validates command options with a schema; bad input becomes a usage error (exit 2) naming each problem. */
export function parseOptions<S extends z.ZodTypeAny>(schema: S, raw: unknown): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new CliError(describeIssues(parsed.error), ExitCode.usage);
  return parsed.data;
}

let cachedConfig: Config | undefined;
let cachedClient: Promise<Client> | undefined;

/** The configuration (validated once). Invalid configuration is a usage error. */
export function cliConfig(): Config {
  if (!cachedConfig) {
    try {
      cachedConfig = loadConfig();
    } catch (err) {
      throw new CliError((err as Error).message, ExitCode.usage);
    }
  }
  return cachedConfig;
}

/** A Temporal client for the configured server; an unreachable server exits 3 with what to check. */
export function cliClient(): Promise<Client> {
  cachedClient ??= connectClient(cliConfig()).catch((err: Error) => {
    throw new CliError(err.message, ExitCode.unavailable);
  });
  return cachedClient;
}

/** Closes the client connection, if one was opened. */
export async function closeCliClient(): Promise<void> {
  if (cachedClient) await (await cachedClient.catch(() => undefined))?.connection.close();
  cachedClient = undefined;
}
