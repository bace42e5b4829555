#!/usr/bin/env node
// `npm start`: the whole product in one process (src/start.ts). tsx is registered here, on the
// main thread only, rather than with `node --require tsx/cjs`, which Node would hand to every
// worker thread: Temporal's workflow thread runs only bundled JavaScript and would load tsx for
// nothing. SQLite I/O threads register tsx themselves.
require('tsx/cjs');
require('../src/start.ts');
