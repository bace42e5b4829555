/**
 * Settings of the production-shaped local stack (`npm run stack`): pinned versions, the cache
 * folder, ports and database names, from the environment (validated with zod). Ports default
 * away from the dev server's 7233/8233, so both stacks can run on one host.
 */
import path from 'node:path';
import { z } from 'zod';
import { describeIssues } from '../contracts';
import { PROJECT_ROOT } from '../config';

/** Pinned versions: a change here rebuilds into a new folder, never over an old binary. */
export const VERSIONS = {
  /** Go toolchain the server needs (the machine's go downloads it through the module proxy). */
  goToolchain: 'go1.26.10',
  temporalServer: 'v1.32.2',
  uiServer: 'v2.54.1',
} as const;

const port = z.coerce.number().int().min(1024).max(65_000);

const StackEnv = z.object({
  FEATUREFLOW_STACK_DIR: z.string().min(1).default(path.join(PROJECT_ROOT, '.stack')),
  /** A PostgreSQL role that may create databases, connected to any existing database. */
  FEATUREFLOW_STACK_PG_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected postgres://user:password@host:port/database').default('postgres://featureflow:featureflow@127.0.0.1:5432/postgres'),
  FEATUREFLOW_STACK_DB_PREFIX: z.string().regex(/^[a-z_][a-z0-9_]{0,40}$/, 'lower-case letters, digits and _').default('featureflow_stack'),
  /** Frontend gRPC port; history, matching and worker take the next three, membership ports +100. */
  FEATUREFLOW_STACK_PORT: port.default(7433),
  FEATUREFLOW_STACK_UI_PORT: port.default(8433),
  FEATUREFLOW_STACK_NAMESPACE: z.string().min(1).default('default'),
});

/** Everything `npm run stack` needs to know, resolved. */
export interface StackSettings {
  /** Cache and state folder (binaries, configs, pid and log files); git-ignored. */
  readonly dir: string;
  readonly binDir: string;
  readonly runDir: string;
  readonly logDir: string;
  readonly adminUrl: URL;
  readonly databases: { readonly temporal: string; readonly visibility: string; readonly data: string };
  readonly ports: {
    readonly frontend: number;
    readonly history: number;
    readonly matching: number;
    readonly worker: number;
    readonly frontendHttp: number;
    readonly ui: number;
  };
  readonly namespace: string;
}

/** Reads the stack settings; throws one readable error naming every bad variable. */
export function loadStackSettings(env: NodeJS.ProcessEnv = process.env): StackSettings {
  const parsed = StackEnv.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid stack configuration: ${describeIssues(parsed.error)}`);
  const e = parsed.data;
  const dir = path.resolve(e.FEATUREFLOW_STACK_DIR);
  const p = e.FEATUREFLOW_STACK_PORT;
  return {
    dir,
    binDir: path.join(dir, 'bin'),
    runDir: path.join(dir, 'run'),
    logDir: path.join(dir, 'logs'),
    adminUrl: new URL(e.FEATUREFLOW_STACK_PG_URL),
    databases: {
      temporal: `${e.FEATUREFLOW_STACK_DB_PREFIX}_temporal`,
      visibility: `${e.FEATUREFLOW_STACK_DB_PREFIX}_visibility`,
      data: `${e.FEATUREFLOW_STACK_DB_PREFIX}_data`,
    },
    ports: { frontend: p, history: p + 1, matching: p + 2, worker: p + 3, frontendHttp: p + 4, ui: e.FEATUREFLOW_STACK_UI_PORT },
    namespace: e.FEATUREFLOW_STACK_NAMESPACE,
  };
}

/** A URL of one of the stack's databases on the admin URL's server, as the same role. */
export function databaseUrl(settings: StackSettings, database: string): string {
  const url = new URL(settings.adminUrl.toString());
  url.pathname = `/${database}`;
  return url.toString();
}
