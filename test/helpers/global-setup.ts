/**
 * Jest global setup: bundles the workflow code once for the whole run (every test file's
 * worker loads the same bundle instead of re-bundling, which takes seconds each time).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

export default async function globalSetup(): Promise<void> {
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
