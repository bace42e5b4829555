/**
 * `npm run stack -- up [--workers N] | down | status`: a production-shaped featureflow on this
 * machine — Temporal Server on PostgreSQL (persistence and SQL visibility), the Temporal UI
 * server when it could be built, featureflow's data in PostgreSQL, and N `npm run worker`
 * processes. Binaries are built once into the git-ignored `.stack/` folder (pinned versions);
 * pid and log files live there too, and `.stack/env` holds the variables that point the CLI,
 * tests and benches at the stack (`set -a; . .stack/env; set +a`). See docs/deploying.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { Connection } from '@temporalio/client';
import { openMigratedDatabase } from '../db/connect';
import { ensureNamespace, ensureSearchAttributes } from '../temporal/setup';
import { ensureBinaries } from './build';
import { applyTemporalSchemas, ensureDatabases } from './databases';
import { isAlive, recordedServices, stopService } from './processes';
import { frontendAddress, frontendServes, startServer, startUi, startWorker } from './services';
import { databaseUrl, loadStackSettings, type StackSettings } from './settings';

/** The file of variables that point featureflow at the stack. */
export const envFile = (settings: StackSettings): string => path.join(settings.dir, 'env');

/** Variables for clients and workers of the stack. */
function stackEnv(settings: StackSettings, uiUrl: string | undefined): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: frontendAddress(settings),
    TEMPORAL_NAMESPACE: settings.namespace,
    DATABASE_URL: databaseUrl(settings, settings.databases.data),
    ...(uiUrl ? { FEATUREFLOW_UI_URL: uiUrl } : {}),
  };
}

const alive = (settings: StackSettings, name: string): boolean =>
  recordedServices(settings.runDir, settings.logDir).some((s) => s.name === name && isAlive(s.pid));

async function up(settings: StackSettings, workers: number, withUi: boolean): Promise<void> {
  fs.mkdirSync(settings.logDir, { recursive: true });
  const binaries = await ensureBinaries(settings, { ui: withUi });
  await ensureDatabases(settings);
  await applyTemporalSchemas(settings, binaries);
  const dataUrl = databaseUrl(settings, settings.databases.data);
  await (await openMigratedDatabase({ url: dataUrl })).close();

  if (alive(settings, 'temporal-server')) console.log(`stack: Temporal Server already running on ${frontendAddress(settings)}`);
  else await startServer(settings, binaries);
  const connection = await Connection.connect({ address: frontendAddress(settings) });
  try {
    if (await ensureNamespace(connection, settings.namespace, frontendAddress(settings))) console.log(`stack: created namespace ${settings.namespace}`);
    const added = await ensureSearchAttributes(connection, settings.namespace);
    if (added.length) console.log(`stack: registered search attributes ${added.join(', ')}`);
  } finally {
    await connection.close();
  }

  let uiUrl: string | undefined;
  if (binaries.ui) {
    uiUrl = `http://127.0.0.1:${settings.ports.ui}`;
    if (!alive(settings, 'ui')) await startUi(settings, binaries.ui);
  }
  const env = stackEnv(settings, uiUrl);
  fs.writeFileSync(envFile(settings), Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''));

  // Workers beyond N from an earlier `up` are stopped; missing ones started, one at a time (each bundles at start).
  for (const extra of recordedServices(settings.runDir, settings.logDir).filter((s) => /^worker-\d+$/.test(s.name) && Number(s.name.slice(7)) > workers)) {
    await stopService(extra, settings.runDir);
  }
  for (let i = 1; i <= workers; i++) {
    if (!alive(settings, `worker-${i}`)) await startWorker(settings, `worker-${i}`, { ...process.env, ...env });
  }
  console.log(`stack: up — Temporal ${frontendAddress(settings)} (namespace ${settings.namespace}), data ${settings.databases.data}, ${workers} worker(s), UI ${uiUrl ?? 'none'}`);
  console.log(`stack: point featureflow at it with: set -a; . ${path.relative(process.cwd(), envFile(settings)) || envFile(settings)}; set +a`);
}

/** Stops workers first (they drain), then the UI and the server. */
async function down(settings: StackSettings): Promise<void> {
  const services = recordedServices(settings.runDir, settings.logDir);
  const order = (name: string): number => (name.startsWith('worker-') ? 0 : name === 'ui' ? 1 : 2);
  services.sort((a, b) => order(a.name) - order(b.name));
  for (const service of services) console.log(`stack: ${service.name} (pid ${service.pid}) ${await stopService(service, settings.runDir)}`);
  fs.rmSync(envFile(settings), { force: true });
  if (!services.length) console.log('stack: nothing running');
}

async function status(settings: StackSettings): Promise<boolean> {
  const services = recordedServices(settings.runDir, settings.logDir);
  for (const s of services) console.log(`${s.name.padEnd(16)} pid ${String(s.pid).padEnd(8)} ${isAlive(s.pid) ? 'running' : 'DEAD'}  log ${s.logFile}`);
  const serving = services.length > 0 && (await frontendServes(settings).catch(() => false));
  console.log(serving ? `Temporal frontend ${frontendAddress(settings)} serving` : 'stack: down');
  if (fs.existsSync(envFile(settings))) process.stdout.write(fs.readFileSync(envFile(settings), 'utf8'));
  return serving;
}

const workerCount = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 16) throw new InvalidArgumentError('expected an integer 0-16');
  return n;
};

async function main(): Promise<void> {
  const program = new Command('stack').description('production-shaped local stack: Temporal Server on PostgreSQL, data on PostgreSQL, workers');
  program
    .command('up')
    .description('build (once), initialise and start the stack; idempotent')
    .option('--workers <n>', 'worker processes to run', workerCount, 1)
    .option('--no-ui', 'do not build or start the Web UI server')
    .action(async (opts: { workers: number; ui: boolean }) => up(loadStackSettings(), opts.workers, opts.ui));
  program.command('down').description('stop workers, UI and server').action(async () => down(loadStackSettings()));
  program
    .command('status')
    .description('what runs, and the variables that point featureflow at it (exit 1 when down)')
    .action(async () => {
      if (!(await status(loadStackSettings()))) process.exitCode = 1;
    });
  await program.parseAsync(process.argv);
}

main().catch((err: unknown) => {
  console.error(`stack: ${(err as Error).message}`);
  process.exit(1);
});
