#!/usr/bin/env node
// A standalone featureflow worker (`npm run worker`), compiled (see dist.cjs). When dist/ is not
// current, tsx is registered on the main thread only, not with `node --require tsx/cjs`: Node
// hands its command-line flags to every worker thread, and Temporal's workflow thread, which
// runs only bundled JavaScript, would load tsx for nothing (~10 MiB of a worker's memory).
require('./dist.cjs').load('worker').runWorkerProcessOrExit();
