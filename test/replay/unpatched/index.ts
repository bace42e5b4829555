/**
 * TEST ONLY: a workflows index that swaps in the unpatched pipeline (see ./pipeline.ts); bundled
 * by test/replay/replay.test.ts to prove replay catches an unguarded workflow change.
 */
export { ingest } from '../../../src/workflows/ingest';
export { features } from '../../../src/workflows/features';
export { evaluate } from '../../../src/workflows/evaluate';
export { pipeline } from './pipeline';
