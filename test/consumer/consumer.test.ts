/**
 * The client library as a consumer uses it (issue 20): `npm pack` the project, install the
 * tarball into a fresh project, compile a strict TypeScript program against the package's own
 * `exports`/`.d.ts`, and run the compiled JavaScript against a real dev server and worker: run a
 * day and await the typed result, start a small backfill and iterate its progress to the end,
 * read status and logs, and catch a typed error.
 *
 * Offline by design: the tarball is unpacked where `npm install` would put it
 * (node_modules/featureflow), and the project's other packages link to this checkout's
 * node_modules (the versions the lockfile pinned and `npm ci` installed), so no registry is asked.
 */
import { execFileSync, execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installTestObservability, startStack, type TestStack } from '../helpers/stack';

const ROOT = path.resolve(__dirname, '../..');
const DAY = '2024-06-03';

/** The consumer's program: only the package's public entry, with strict types. */
const PROGRAM = `
import { FeatureflowClient, NotFoundError, type BackfillProgress, type PipelineResult } from 'featureflow';

async function main(): Promise<void> {
  const ff = await FeatureflowClient.connect();
  try {
    const result: PipelineResult = await ff.runPipeline({ symbol: 'BTC-USD', date: '${DAY}' });
    const snapshots: BackfillProgress[] = [];
    const backfill = await ff.startBackfill({ flows: ['features-c'], from: '2024-06-04', to: '2024-06-08', withUpstream: true, chunkDays: 2 });
    for await (const p of backfill.progressUpdates({ intervalMs: 100 })) snapshots.push(p);
    const summary = await backfill.result();
    const tree = await ff.status('pipeline/BTC-USD/${DAY}');
    let logLines = 0;
    for await (const line of ff.logs('pipeline/BTC-USD/${DAY}')) if (line.message) logLines++;
    let missing = '';
    try {
      await ff.status('no/such/run');
    } catch (err) {
      if (err instanceof NotFoundError) missing = err.id;
    }
    console.log(JSON.stringify({
      flows: Object.keys(result.refs).sort(),
      candles: result.refs['ingest']?.rows,
      snapshots: snapshots.length,
      lastTotal: snapshots.length ? snapshots[snapshots.length - 1].total : -1,
      backfill: { status: summary.status, total: summary.total, done: summary.done, failed: summary.failed, failures: summary.failures.map((f) => f.error) },
      tree: { state: tree.state, children: tree.children.length },
      logLines,
      missing,
    }));
  } finally {
    await ff.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
`;

/** Runs a command, returning stdout; throws with its output when it fails. */
function run(cmd: string, args: readonly string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

describe('the packed client library in a fresh project', () => {
  let stack: TestStack;
  let dir: string;
  let app: string;

  beforeAll(async () => {
    installTestObservability();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-consumer-'));
    app = path.join(dir, 'app');
    // The global setup built dist/; packing must not rebuild it (--ignore-scripts skips prepare).
    const [{ filename }] = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT)) as Array<{ filename: string }>;
    const installed = path.join(app, 'node_modules', 'featureflow');
    fs.mkdirSync(installed, { recursive: true });
    run('tar', ['-xzf', path.join(dir, filename), '-C', installed, '--strip-components=1'], dir);
    for (const name of fs.readdirSync(path.join(ROOT, 'node_modules'))) {
      if (name.startsWith('.') || name === 'featureflow') continue;
      fs.symlinkSync(path.join(ROOT, 'node_modules', name), path.join(app, 'node_modules', name));
    }
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, dependencies: { featureflow: `file:${filename}` } }));
    // skipLibCheck as most projects set it: without it the only error is the Temporal SDK's own
    // time.d.ts importing `ms` without types (featureflow's .d.ts files check clean).
    fs.writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, target: 'ES2022', module: 'node16', moduleResolution: 'node16', outDir: 'dist', rootDir: 'src', types: ['node'], skipLibCheck: true },
        include: ['src'],
      }),
    );
    fs.mkdirSync(path.join(app, 'src'));
    fs.writeFileSync(path.join(app, 'src', 'main.ts'), PROGRAM);
    stack = await startStack({ logStore: true });
  });

  afterAll(async () => {
    await stack?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('ships compiled JavaScript and types only, through its exports', () => {
    const pkg = path.join(app, 'node_modules', 'featureflow');
    expect(fs.existsSync(path.join(pkg, 'src'))).toBe(false);
    expect(fs.existsSync(path.join(pkg, 'dist', 'api', 'index.js'))).toBe(true);
    expect(fs.existsSync(path.join(pkg, 'dist', 'api', 'index.d.ts'))).toBe(true);
  });

  it('compiles a strict program against it and runs a day, a backfill, status and logs', async () => {
    // A type error in the package's .d.ts or the program fails here with tsc's message.
    run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', app], app);
    const env = {
      PATH: process.env.PATH ?? '',
      TEMPORAL_ADDRESS: stack.env.address,
      TEMPORAL_NAMESPACE: stack.config.temporal.namespace,
      FEATUREFLOW_TASK_QUEUE: stack.config.taskQueue,
      DATABASE_URL: stack.config.databaseUrl,
      FEATUREFLOW_DATA_DIR: stack.dataDir,
    };
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [path.join(app, 'dist', 'main.js')], { cwd: app, env }, (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out))),
    );
    const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    expect(report).toMatchObject({
      flows: expect.arrayContaining(['ingest', 'features-c', 'evaluate']),
      candles: 1440,
      lastTotal: 10,
      // 5 days of ingest and features-c, all materialized (the day before is the pipeline's: features-c's look-back).
      backfill: { status: 'completed', total: 10, done: 10, failed: 0, failures: [] },
      tree: { state: 'completed' },
      missing: 'no/such/run',
    });
    expect(report.snapshots).toBeGreaterThan(0);
    expect(report.logLines).toBeGreaterThan(0);
  });
});
