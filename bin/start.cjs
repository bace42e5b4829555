#!/usr/bin/env node
// `npm start`: the whole product in one process (src/start.ts), compiled (see dist.cjs). When
// dist/ is not current, tsx is registered on the main thread only, not with `node --require`,
// which Node would hand to Temporal's workflow thread (it runs only bundled JavaScript).
require('./dist.cjs').load('start');
