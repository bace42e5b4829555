/**
 * The workflow bundle for benchmarks, built in a child process (the production way:
 * `npm run build`), so the bundler's memory never counts toward the measured
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
  // The bundle is made from the compiled code (`npm run build` keeps dist/ current; bin/dist.cjs says when it is not).
  execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'bin/dist.cjs'), 'build'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'dist/bundle.js'), '--out', codePath], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  built = { codePath };
  return built;
}
