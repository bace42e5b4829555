#!/usr/bin/env node
// The `featureflow` command: the compiled CLI in dist/ (see dist.cjs for when it runs the sources).
require('./dist.cjs')
  .load('cli/program')
  .runCli(process.argv)
  .then((code) => process.exit(code));
