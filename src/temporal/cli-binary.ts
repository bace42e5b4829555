/**
 * Finds the Temporal CLI binary (`temporal`) that `scripts/provision-temporal.mjs` made
 * available (it runs as npm `postinstall`).
 *
 * The CLI also embeds the Temporal dev server, so code that needs a local server (tests,
 * `npm start`) can run `temporal server start-dev` with this path, or hand it to
 * `@temporalio/testing` as an `existing-path` executable instead of letting the SDK download one.
 */
import { accessSync, constants as fsConstants, existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** Options for {@link temporalCliPath}; defaults are the real environment and project root. */
export interface TemporalCliLookupOptions {
  /** Environment to read `TEMPORAL_CLI` and `PATH` from (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Project root holding `.temporal/` (default: found from this module's location). */
  readonly root?: string;
}

/** The shape of `.temporal/cli.json` written by the provisioning script. */
interface CliRecord {
  readonly path: string;
  readonly version?: string;
  readonly via?: string;
}

/**
 * The project root: the nearest directory at or above `src/..` that holds a `package.json`
 * (so this also works when the module is compiled into `dist/src/`).
 */
export function projectRoot(): string {
  let dir = path.resolve(__dirname, '..');
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(__dirname, '..');
    dir = parent;
  }
}

/** True when `file` is a regular file that the current user may execute. */
function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The recorded binary from `.temporal/cli.json`, or undefined when absent or unreadable. */
function readCliRecord(root: string): CliRecord | undefined {
  try {
    const data: unknown = JSON.parse(readFileSync(path.join(root, '.temporal', 'cli.json'), 'utf8'));
    if (typeof data === 'object' && data !== null && typeof (data as { path?: unknown }).path === 'string') {
      return data as CliRecord;
    }
  } catch {
    // missing or corrupt: fall through to the other ways
  }
  return undefined;
}

/** The first executable `name` in the directories of `pathVar`, or undefined. */
function findOnPath(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.resolve(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Absolute path of the Temporal CLI binary. Looked up in this order, first executable wins:
 * 1. `$TEMPORAL_CLI`;
 * 2. the path recorded in `.temporal/cli.json` by `scripts/provision-temporal.mjs`;
 * 3. `.temporal/bin/temporal` in the project root;
 * 4. `temporal` on `PATH`.
 *
 * @throws Error telling the user to run `npm install` (or `node scripts/provision-temporal.mjs`)
 *   when none of these gives an executable file.
 */
export function temporalCliPath(options: TemporalCliLookupOptions = {}): string {
  const env = options.env ?? process.env;
  const root = options.root ?? projectRoot();
  const tried: string[] = [];

  const fromEnv = env.TEMPORAL_CLI;
  if (fromEnv) {
    const resolved = path.resolve(fromEnv);
    if (isExecutableFile(resolved)) return resolved;
    tried.push(`$TEMPORAL_CLI=${fromEnv} is not an executable file`);
  }

  const record = readCliRecord(root);
  if (record) {
    if (isExecutableFile(record.path)) return record.path;
    tried.push(`.temporal/cli.json names ${record.path}, which is not an executable file`);
  }

  const local = path.join(root, '.temporal', 'bin', 'temporal');
  if (isExecutableFile(local)) return local;

  const onPath = findOnPath('temporal', env.PATH);
  if (onPath) return onPath;

  tried.push(`no ${local}`, 'no temporal on PATH');
  throw new Error(
    `Temporal CLI not found (${tried.join('; ')}). ` +
      'Run `npm install` (its postinstall step provisions it) or `node scripts/provision-temporal.mjs`, ' +
      'or set TEMPORAL_CLI to the path of a temporal binary.',
  );
}
