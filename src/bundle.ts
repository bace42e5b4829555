/**
 * The prebuilt workflow bundle: `npm run build` (and `prepare`, so `npm install`/`npm ci`)
 * compiles the sources to `dist/` and then bundles the compiled workflow code into
 * `dist/workflow-bundle.js`, so a worker starts without running webpack.
 *
 * Staleness is detected, not trusted to discipline: next to the bundle, `<bundle>.sources.json`
 * records a fingerprint of every module the workflow code reaches (followed through its relative
 * imports). A worker uses the default bundle only when that fingerprint equals the one of the code
 * it runs; otherwise it says so and bundles at start, which is slower but never runs old code.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Workflow entry module (the worker registers every workflow it exports). */
export const WORKFLOWS_PATH = require.resolve('./workflows');

/**
 * Workflow interceptor modules (log attributes, log-context header). A prebuilt bundle must be
 * made with `bundleWorkflowCode({ workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES })`.
 */
export const WORKFLOW_INTERCEPTOR_MODULES: readonly string[] = [require.resolve('./workflows/interceptors')];

/** Where `npm run build` writes the bundle, next to the compiled code it was made from. */
export const DEFAULT_BUNDLE_PATH = path.join(__dirname, 'workflow-bundle.js');

/** What `<bundle>.sources.json` records about the code a bundle was made from. */
interface BundleSources {
  readonly fingerprint: string;
  readonly modules: number;
}

const RELATIVE_IMPORT = /(?:require\(|from\s+|import\()\s*['"](\.{1,2}\/[^'"]+)['"]/g;
const EXTENSIONS = ['.js', '.ts', '/index.js', '/index.ts'];

/** Resolves a relative specifier the way Node and the bundler do for our own modules. */
function resolveLocal(fromFile: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), spec);
  if (fs.existsSync(base) && fs.statSync(base).isFile()) return base;
  return EXTENSIONS.map((ext) => base + ext).find((f) => fs.existsSync(f));
}

/**
 * sha256 over the path (relative to the entry's folder's parent) and content of every module
 * reachable from `entries` through relative imports. Packages from node_modules are left out:
 * the lockfile pins them, and a changed SDK changes no workflow decision of ours.
 */
export function workflowSourcesFingerprint(entries: readonly string[] = [WORKFLOWS_PATH, ...WORKFLOW_INTERCEPTOR_MODULES]): BundleSources {
  const root = path.dirname(path.dirname(entries[0]));
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(RELATIVE_IMPORT)) {
      const target = resolveLocal(file, m[1]);
      if (target && !seen.has(target)) queue.push(target);
    }
  }
  const hash = createHash('sha256');
  for (const file of [...seen].sort()) hash.update(path.relative(root, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  return { fingerprint: hash.digest('hex'), modules: seen.size };
}

/** Path of a bundle's sources record. */
function sourcesFile(bundlePath: string): string {
  return `${bundlePath}.sources.json`;
}

/** Whether the default bundle can be used, and if not, why (for a one-line note). */
export type DefaultBundle = { readonly codePath: string; readonly reason?: undefined } | { readonly codePath?: undefined; readonly reason: string };

/**
 * The bundle `npm run build` made, when it was made from exactly the workflow code this process
 * runs. Only compiled code has one: under tsx (a dev checkout) the sources are bundled at start.
 */
export function defaultWorkflowBundle(): DefaultBundle {
  if (!__filename.endsWith('.js')) return { reason: 'running the TypeScript sources' };
  if (!fs.existsSync(DEFAULT_BUNDLE_PATH)) return { reason: `no prebuilt bundle at ${DEFAULT_BUNDLE_PATH}; run \`npm run build\`` };
  let recorded: BundleSources;
  try {
    recorded = JSON.parse(fs.readFileSync(sourcesFile(DEFAULT_BUNDLE_PATH), 'utf8')) as BundleSources;
  } catch {
    return { reason: `${DEFAULT_BUNDLE_PATH} has no readable sources record; run \`npm run build\`` };
  }
  if (recorded.fingerprint !== workflowSourcesFingerprint().fingerprint) {
    return { reason: `${DEFAULT_BUNDLE_PATH} was built from other workflow code; run \`npm run build\`` };
  }
  return { codePath: DEFAULT_BUNDLE_PATH };
}

/** What {@link buildWorkflowBundle} wrote. */
export interface BuiltBundle {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly ms: number;
}

/** Bundles the workflow code this module sits next to into `out`, with its `.sha256` and sources record. */
export async function buildWorkflowBundle(out = DEFAULT_BUNDLE_PATH): Promise<BuiltBundle> {
  const started = Date.now();
  // Loaded here only: the bundler (webpack, swc) is heavy and a worker with a bundle never needs it.
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const sources = workflowSourcesFingerprint();
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES],
    logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: console.warn, error: console.error },
  });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
  const sha256 = createHash('sha256').update(code).digest('hex');
  fs.writeFileSync(`${out}.sha256`, `${sha256}\n`);
  fs.writeFileSync(sourcesFile(out), `${JSON.stringify(sources)}\n`);
  return { path: out, bytes: code.length, sha256, ms: Date.now() - started };
}

/** `node dist/bundle.js [--out <file.js>]`: the second half of `npm run build`. */
async function main(argv: readonly string[]): Promise<void> {
  if (argv.length && !(argv[0] === '--out' && argv[1] && argv.length === 2)) {
    throw new Error(`usage: npm run build:workflows [-- --out <file.js>] (default ${path.relative(process.cwd(), DEFAULT_BUNDLE_PATH)})`);
  }
  const built = await buildWorkflowBundle(argv.length ? path.resolve(argv[1]) : DEFAULT_BUNDLE_PATH);
  const rel = path.relative(process.cwd(), built.path);
  console.log(`workflow bundle: ${rel} (${(built.bytes / 1024 / 1024).toFixed(2)} MiB, sha256 ${built.sha256.slice(0, 12)}, built in ${built.ms} ms)`);
  if (argv.length) {
    console.log(`replay it:   FEATUREFLOW_WORKFLOW_BUNDLE=${rel} npx jest test/replay`);
    console.log(`run it:      FEATUREFLOW_WORKFLOW_BUNDLE=${rel} npm run worker`);
  }
  console.log(`build id:    FEATUREFLOW_BUILD_ID=${built.sha256.slice(0, 12)} (with FEATUREFLOW_DEPLOYMENT_NAME to turn on worker versioning)`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`build:workflows: ${(err as Error).message}`);
    process.exit(1);
  });
}
