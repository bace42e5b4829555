/**
 * Jest global setup: makes sure the services the suites need are there (PostgreSQL and
 * Chromium, via scripts/test-prereqs.sh, unless FEATUREFLOW_TEST_PG_URL says they are), then
 * bundles the workflow code once for the whole run (every test file's worker loads the same
 * bundle instead of re-bundling, which takes seconds each time).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

const ROOT = path.resolve(__dirname, '../..');

/** Runs scripts/test-prereqs.sh so plain `npm test` works on a fresh machine, as .ci/run does. */
function ensurePrerequisites(): void {
  if (process.env.FEATUREFLOW_TEST_PG_URL) return;
  try {
    const out = execFileSync('bash', [path.join(ROOT, 'scripts/test-prereqs.sh')], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const line = out.trim().split('\n').pop() ?? '';
    const match = /^FEATUREFLOW_TEST_PG_URL=(postgres:\/\/\S+)$/.exec(line);
    if (match) process.env.FEATUREFLOW_TEST_PG_URL = match[1];
  } catch (err) {
    // The PostgreSQL suites then skip (loudly) and the browser tests say what is missing.
    console.warn(`\n!!! scripts/test-prereqs.sh failed (${(err as Error).message.split('\n')[0]}); set FEATUREFLOW_TEST_PG_URL or run .ci/run\n`);
  }
}

/**
 * Builds dist/ when src/ changed since the last build (bin/dist.cjs decides): the CLI and
 * consumer tests run the compiled code, as users do, while unit tests use the sources.
 */
function ensureBuild(): void {
  const state = execFileSync(process.execPath, [path.join(ROOT, 'bin/dist.cjs'), 'state'], { encoding: 'utf8' }).trim();
  if (state !== 'fresh') execFileSync(process.execPath, [path.join(ROOT, 'bin/dist.cjs'), 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

export default async function globalSetup(): Promise<void> {
  ensurePrerequisites();
  ensureBuild();
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    // The same workflow interceptors a production worker loads (log attributes, log-context header).
    workflowInterceptorModules: [require.resolve('../../src/workflows/interceptors')],
    logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: console.warn, error: console.error },
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-bundle-'));
  const codePath = path.join(dir, 'workflows.js');
  fs.writeFileSync(codePath, code);
  process.env.FEATUREFLOW_TEST_WORKFLOW_BUNDLE = codePath;
}
