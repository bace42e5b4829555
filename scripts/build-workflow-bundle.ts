/**
 * `npm run build:workflows [-- --out dist/workflow-bundle.js]`
 *
 * Bundles the workflow code (and the workflow interceptors the worker registers) once, at build
 * time, into one file. A production worker started with FEATUREFLOW_WORKFLOW_BUNDLE=<that file>
 * loads it instead of running webpack at start: it starts faster, and it runs byte for byte the
 * code that `FEATUREFLOW_WORKFLOW_BUNDLE=<file> npx jest test/replay` replayed. The file's
 * sha256 is printed (and written next to it) as a ready-made Build ID for worker versioning.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PROJECT_ROOT } from '../src/config';

/** Default output path, relative to the project root. */
const DEFAULT_OUT = 'dist/workflow-bundle.js';

function parseOut(argv: readonly string[]): string {
  if (argv.length === 0) return path.join(PROJECT_ROOT, DEFAULT_OUT);
  if (argv[0] === '--out' && argv[1] && argv.length === 2) return path.resolve(argv[1]);
  throw new Error(`usage: npm run build:workflows [-- --out <file.js>] (default ${DEFAULT_OUT})`);
}

/** The workflow interceptor modules the worker registers, when the worker exports them. */
async function interceptorModules(): Promise<string[]> {
  const worker = (await import('../src/worker')) as { WORKFLOW_INTERCEPTOR_MODULES?: readonly string[] };
  return [...(worker.WORKFLOW_INTERCEPTOR_MODULES ?? [])];
}

async function main(): Promise<void> {
  const out = parseOut(process.argv.slice(2));
  const started = Date.now();
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    workflowInterceptorModules: await interceptorModules(),
    logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: console.warn, error: console.error },
  });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
  const sha256 = createHash('sha256').update(code).digest('hex');
  fs.writeFileSync(`${out}.sha256`, `${sha256}\n`);
  const rel = path.relative(process.cwd(), out);
  console.log(`workflow bundle: ${rel} (${(code.length / 1024 / 1024).toFixed(2)} MiB, sha256 ${sha256.slice(0, 12)}, built in ${Date.now() - started} ms)`);
  console.log(`replay it:   FEATUREFLOW_WORKFLOW_BUNDLE=${rel} npx jest test/replay`);
  console.log(`run it:      FEATUREFLOW_WORKFLOW_BUNDLE=${rel} npm run worker`);
  console.log(`build id:    FEATUREFLOW_BUILD_ID=${sha256.slice(0, 12)} (with FEATUREFLOW_DEPLOYMENT_NAME to turn on worker versioning)`);
}

main().catch((err) => {
  console.error(`build:workflows: ${(err as Error).message}`);
  process.exit(1);
});
