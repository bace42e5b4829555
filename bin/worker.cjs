#!/usr/bin/env node
// A standalone featureflow worker (`npm run worker`). tsx is registered here, on the main thread
// only, rather than with `node --require tsx/cjs`: Node hands its command-line flags to every
// worker thread, and Temporal's workflow thread, which runs only bundled JavaScript, would load
// tsx for nothing (~10 MiB of a worker's memory). SQLite I/O threads register tsx themselves.
require('tsx/cjs');
require('../src/worker.ts').runWorkerProcessOrExit();
