#!/usr/bin/env node
// Which code the commands run, and the build that makes it.
//
// `featureflow`, `npm start` and `npm run worker` run the compiled JavaScript in dist/, built by
// `npm run build` (also `prepare`, so `npm install`/`npm ci` build it). A dev checkout edits
// src/ after that; running yesterday's dist/ would be a silent lie, so when any file in src/ is
// newer than the build, the sources run through tsx instead (slower, always current) with a
// one-line note saying how to get the fast path back. An installed package has no src/: there
// dist/ is the code. No tsx and no fresh dist/: one line saying to build, exit 1.
//
// `node bin/dist.cjs build` is `npm run build`: tsc into dist/, then the workflow bundle, then a
// stamp whose time is the build's start (a file saved during the build counts as newer).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const SRC = path.join(ROOT, 'src');
const STAMP = path.join(DIST, '.build-stamp');

/** Newest modification time (ms) of any file under `dir`. */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const t = entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

/** `fresh`, `missing` (never built) or `stale` (src/ changed since the build). */
function distState() {
  let built;
  try {
    built = fs.statSync(STAMP).mtimeMs;
  } catch {
    return 'missing';
  }
  if (!fs.existsSync(SRC)) return 'fresh';
  return newestMtime(SRC) > built ? 'stale' : 'fresh';
}

/** Loads `dist/<name>` (e.g. `cli/program`), or `src/<name>` through tsx when dist/ is not current. */
function load(name) {
  const state = distState();
  if (state === 'fresh') return require(path.join(DIST, name));
  try {
    require.resolve('tsx/cjs');
  } catch {
    process.stderr.write(`featureflow: the compiled code in ${DIST} is ${state}; run \`npm run build\` in ${ROOT}\n`);
    process.exit(1);
  }
  process.stderr.write(`featureflow: ${state === 'missing' ? 'dist/ is not built' : 'src/ changed since the last build'}; running the sources through tsx (slow start). \`npm run build\` restores the compiled path.\n`);
  require('tsx/cjs');
  return require(path.join(SRC, name));
}

/** `npm run build`: compile, bundle the compiled workflow code, stamp. */
function build() {
  const { execFileSync } = require('node:child_process');
  const started = new Date();
  const run = (args) => execFileSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  run([require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')]);
  run([path.join(DIST, 'bundle.js')]);
  fs.writeFileSync(STAMP, `${started.toISOString()}\n`);
  fs.utimesSync(STAMP, started, started);
}

module.exports = { load, distState };

if (require.main === module) {
  const [command] = process.argv.slice(2);
  if (command === 'build') {
    try {
      build();
    } catch (err) {
      // tsc or the bundler has printed what is wrong already.
      console.error(`build failed: ${err.message.split('\n')[0]}`);
      process.exit(1);
    }
  }
  else if (command === 'state') console.log(distState());
  else {
    console.error('usage: node bin/dist.cjs build|state');
    process.exit(2);
  }
}
