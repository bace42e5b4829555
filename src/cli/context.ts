/**
 * What every CLI command shares: the client library (loaded and configured on first use, so
 * `--help` never loads the Temporal SDK or a database driver), the exit codes (0 ok, 1 the run
 * failed, 2 bad usage, 3 Temporal or the database unreachable) and how errors become one line.
 */
import type { Client } from '@temporalio/client';
import type { z } from 'zod';
import type { FeatureflowClient } from '../api/client';
import { FeatureflowError, UsageError, type InputIssue } from '../api/errors';
import { loadConfig, type Config } from '../config';
import { describeIssues } from '../contracts';

/** Process exit codes of the `featureflow` command. */
export const ExitCode = { ok: 0, failed: 1, usage: 2, unavailable: 3 } as const;

/** A CLI-only usage error (bad option combination): printed without a stack trace, exits with `code`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = ExitCode.usage,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

let api: FeatureflowClient | undefined;

/** The client library, configured from the environment on first use (invalid configuration: exit 2). */
export async function cliApi(): Promise<FeatureflowClient> {
  if (!api) {
    const { FeatureflowClient } = await import('../api/client');
    api = FeatureflowClient.lazy();
  }
  return api;
}

/** Closes the client's connections, if any were opened. */
export async function closeCliApi(): Promise<void> {
  await api?.close();
  api = undefined;
}

let config: Config | undefined;

/** The configuration (validated once); invalid configuration is a usage error. For commands not on the client library yet. */
export function cliConfig(): Config {
  if (!config) {
    try {
      config = loadConfig();
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  return config;
}

/** The Temporal client of the CLI's client library (connected on first use). For commands not on the client library yet. */
export async function cliClient(): Promise<Client> {
  return (await cliApi()).temporal();
}

/** Validates command options with a schema; bad input is a usage error naming each option. */
export function parseOptions<S extends z.ZodTypeAny>(schema: S, raw: unknown): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new UsageError(describeIssues(parsed.error), parsed.error.issues.map((i) => ({ path: i.path, message: i.message })));
  return parsed.data;
}

/** Request fields whose option is named differently on the command line. */
const OPTION_OF_FIELD: Record<string, string> = { symbols: '--symbol', flows: '--flow' };

/** The option a request field came from, as the person typed it: `chunkDays` -> `--chunk-days`, `flows.0` -> `--flow`. */
export function optionName(path: ReadonlyArray<string | number>): string {
  const field = path.find((p): p is string => typeof p === 'string');
  if (!field) return 'input';
  return OPTION_OF_FIELD[field] ?? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Rewords zod's generic messages for a person at a shell. */
function issueText(issue: InputIssue): string {
  if (issue.message === 'Required') return 'is required';
  return issue.message.replace(/^Invalid enum value\. Expected (.*), received '(.*)'$/, "'$2' is not one of $1");
}

/** A usage error as one line naming each option as typed. */
export function usageLine(err: UsageError): string {
  if (!err.issues.length) return err.message;
  return err.issues.map((i) => `${optionName(i.path)}: ${issueText(i)}`).join('; ');
}

/** The exit code of an error: typed errors by kind, anything else 1. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CliError) return err.code;
  if (!(err instanceof FeatureflowError)) return ExitCode.failed;
  switch (err.kind) {
    case 'usage':
    case 'not-found':
    case 'conflict':
      return ExitCode.usage;
    case 'run-failed':
      return ExitCode.failed;
    case 'temporal-unreachable':
    case 'database':
      return ExitCode.unavailable;
  }
}

/** Whether stack traces are wanted: `--verbose` or FEATUREFLOW_LOG_LEVEL=debug|trace. */
export function verbose(argv: readonly string[] = process.argv): boolean {
  return argv.includes('--verbose') || /^(debug|trace)$/.test(process.env.FEATUREFLOW_LOG_LEVEL ?? '');
}

/** The one line printed for an error (plus its stack trace and causes when verbose). */
export function errorText(err: unknown, argv: readonly string[] = process.argv): string {
  const line = err instanceof UsageError ? usageLine(err) : err instanceof Error ? err.message.split('\n')[0] : String(err);
  // Our own errors say what to do; anything else is unexpected, and the stack is one flag away.
  const hint = err instanceof FeatureflowError || err instanceof CliError ? '' : ' (run with --verbose for the stack trace)';
  if (!verbose(argv)) return `featureflow: ${line}${hint}`;
  const stacks: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) stacks.push(e.stack ?? e.message);
  return `featureflow: ${line}\n${stacks.join('\ncaused by: ')}`;
}
