#!/usr/bin/env node
// The `featureflow` command: runs the TypeScript client through tsx, so no build step is needed.
require('tsx/cjs');
require('../src/cli/program')
  .runCli(process.argv)
  .then((code) => process.exit(code));
