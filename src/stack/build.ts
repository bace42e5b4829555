/**
 * Provisions the stack's binaries once: Temporal Server and its SQL schema tool (required) and
 * the Temporal UI server (optional), each `go install`ed at a pinned version into its own folder
 * under the stack's cache, so a rebuild only happens when a version changes. The server's module
 * source also carries the PostgreSQL schemas the schema tool applies.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { runLogged } from './processes';
import { VERSIONS, type StackSettings } from './settings';

/** Paths of what the stack runs. `ui` is absent when the UI server could not be built. */
export interface StackBinaries {
  readonly server: string;
  readonly sql: string;
  readonly ui?: string;
  /** `schema/postgresql/v12` of the server's module source. */
  readonly schemaDir: string;
}

const SERVER_MODULE = 'go.temporal.io/server';
const UI_PACKAGE = 'github.com/temporalio/ui-server/v2/cmd/server';

/** The environment for `go`: the pinned toolchain, binaries into `gobin`. */
function goEnv(gobin: string): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: VERSIONS.goToolchain, GOBIN: gobin, GOFLAGS: '-buildvcs=false' };
}

/** Fails with one line when `go` itself is missing. */
function requireGo(): void {
  const probe = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(`stack build: \`go\` is not on PATH (needed to build Temporal Server ${VERSIONS.temporalServer}); install Go (Debian: apt-get install golang) and retry`);
  }
}

/** `go install pkg@version` into `gobin` unless `binary` is there already; returns the binary's path. */
async function install(what: string, pkg: string, version: string, gobin: string, binary: string, logFile: string): Promise<string> {
  const target = path.join(gobin, binary);
  if (fs.existsSync(target)) return target;
  console.log(`stack: building ${what} ${version} (once; a few minutes; log ${logFile})`);
  const code = await runLogged('go', ['install', `${pkg}@${version}`], { env: goEnv(gobin), logFile });
  if (code !== 0 || !fs.existsSync(target)) {
    throw new Error(`build of ${what} ${version} failed (go install ${pkg}@${version} exited ${code}); see ${logFile}`);
  }
  return target;
}

const ModuleInfo = z.object({ Dir: z.string().min(1) });

/** The server module's source folder (downloaded into Go's module cache if needed). */
function serverModuleDir(gobin: string): string {
  const res = spawnSync('go', ['mod', 'download', '-json', `${SERVER_MODULE}@${VERSIONS.temporalServer}`], { env: goEnv(gobin), encoding: 'utf8' });
  const parsed = res.status === 0 ? ModuleInfo.safeParse(JSON.parse(res.stdout)) : undefined;
  if (!parsed?.success) {
    throw new Error(`build: cannot locate ${SERVER_MODULE}@${VERSIONS.temporalServer} source (go mod download exited ${res.status}): ${res.stderr.trim().split('\n').pop() ?? ''}`);
  }
  return parsed.data.Dir;
}

/** Builds whatever is missing and returns the paths; the UI is best effort (a warning, no UI). */
export async function ensureBinaries(settings: StackSettings, options: { ui: boolean }): Promise<StackBinaries> {
  requireGo();
  const serverBin = path.join(settings.binDir, `temporal-server-${VERSIONS.temporalServer}`);
  const log = (name: string): string => path.join(settings.logDir, `build-${name}.log`);
  const server = await install('Temporal Server', `${SERVER_MODULE}/cmd/server`, VERSIONS.temporalServer, serverBin, 'server', log('server'));
  const sql = await install('Temporal SQL schema tool', `${SERVER_MODULE}/cmd/tools/sql`, VERSIONS.temporalServer, serverBin, 'sql', log('sql'));
  const schemaDir = path.join(serverModuleDir(serverBin), 'schema', 'postgresql', 'v12');
  let ui: string | undefined;
  // A failed UI build is remembered (delete the marker to try again): it fails the same way each time.
  const uiFailed = path.join(settings.binDir, `ui-server-${VERSIONS.uiServer}.failed`);
  if (options.ui && fs.existsSync(uiFailed)) {
    console.warn(`stack: no Web UI (${fs.readFileSync(uiFailed, 'utf8').trim()}; remove ${uiFailed} to try again)`);
  } else if (options.ui) {
    try {
      ui = await install('Temporal UI server', UI_PACKAGE, VERSIONS.uiServer, path.join(settings.binDir, `ui-server-${VERSIONS.uiServer}`), 'server', log('ui'));
    } catch (err) {
      fs.writeFileSync(uiFailed, `${(err as Error).message}\n`);
      console.warn(`stack: no Web UI (${(err as Error).message}); continuing without one`);
    }
  }
  return { server, sql, ui, schemaDir };
}
