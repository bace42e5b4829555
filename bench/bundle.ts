/**
 * The workflow bundle for benchmarks, built in a child process (the production way:
 * `npm run build:workflows`), so the bundler's memory never counts toward the measured
 * worker's RSS. Built once per bench run.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config';

let built: { codePath: string } | undefined;

/** Path of a prebuilt workflow bundle (with the worker's interceptors), building it on first use. */
export function prebuiltBundle(): { codePath: string } {
  if (built) return built;
  const codePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-bench-bundle-')), 'workflow-bundle.js');
  execFileSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/build-workflow-bundle.ts'), '--out', codePath], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  built = { codePath };
  return built;
}
