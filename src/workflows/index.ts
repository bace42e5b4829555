/** Every workflow featureflow registers. The worker bundles this module; it must stay deterministic. */
export { ingest } from './ingest';
export { features } from './features';
export { evaluate } from './evaluate';
export { pipeline } from './pipeline';
export { backfill } from './backfill';
export { scheduledRun } from './scheduled-run';
