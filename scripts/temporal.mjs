#!/usr/bin/env node
// Runs the project's Temporal CLI with the given arguments, e.g.
//   npm run temporal -- workflow list
//   npm run temporal -- server start-dev --db-filename .temporal/dev.db
// stdio is inherited and the CLI's exit code (or signal) is passed through.
//
// The binary is found like src/temporal/cli-binary.ts finds it: $TEMPORAL_CLI, then the path recorded in
// .temporal/cli.json, then .temporal/bin/temporal, then `temporal` on PATH. When none is there it
// runs scripts/provision-temporal.mjs first (its messages go to stderr so that stdout stays the
// CLI's own).

import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants as fsConstants, readFileSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI_JSON = join(ROOT, '.temporal', 'cli.json');
const LOCAL_BIN = join(ROOT, '.temporal', 'bin', 'temporal');
const PROVISION = join(ROOT, 'scripts', 'provision-temporal.mjs');

/** True when `path` is a regular file we may execute. */
function isExecutableFile(path) {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The binary to run, or undefined when none is available yet. */
function findCli() {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv && isExecutableFile(resolve(fromEnv))) return resolve(fromEnv);
  try {
    const record = JSON.parse(readFileSync(CLI_JSON, 'utf8'));
    if (record && typeof record.path === 'string' && isExecutableFile(record.path)) return record.path;
  } catch {
    // no record yet
  }
  if (isExecutableFile(LOCAL_BIN)) return LOCAL_BIN;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutableFile(resolve(dir, 'temporal'))) return resolve(dir, 'temporal');
  }
  return undefined;
}

let cli = findCli();
if (!cli) {
  console.error('temporal: CLI not provisioned yet, running scripts/provision-temporal.mjs');
  const r = spawnSync(process.execPath, [PROVISION], { stdio: ['ignore', 2, 2] });
  if (r.error || r.status !== 0) {
    console.error('temporal: provisioning failed (see above)');
    process.exit(r.status || 1);
  }
  cli = findCli();
  if (!cli) {
    console.error('temporal: still no Temporal CLI after provisioning (is FEATUREFLOW_SKIP_TEMPORAL_PROVISION=1 set?)');
    process.exit(1);
  }
}

const child = spawn(cli, process.argv.slice(2), { stdio: 'inherit' });

// Ctrl-C reaches the whole foreground process group anyway; forward what is sent to us alone.
const forward = (signal) => {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward);

child.on('error', (e) => {
  console.error(`temporal: cannot run ${cli}: ${e.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal) {
    // Die of the same signal so that callers see the same status.
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.removeAllListeners(s);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
