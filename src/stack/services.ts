/**
 * Starting the stack's long-running services: the Temporal Server, the UI server and workers,
 * each waited for until it serves (or failing with the last lines of its log).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { PROJECT_ROOT } from '../config';
import { WORKER_READY_MESSAGE } from '../worker';
import type { StackBinaries } from './build';
import { startService, waitReady, type ServiceProcess } from './processes';
import { writeServerConfig } from './server-config';
import type { StackSettings } from './settings';

/** Address of the stack's frontend. */
export const frontendAddress = (settings: StackSettings): string => `127.0.0.1:${settings.ports.frontend}`;

/** True when the frontend answers a GetSystemInfo call. */
export async function frontendServes(settings: StackSettings): Promise<boolean> {
  const connection = await Connection.connect({ address: frontendAddress(settings), connectTimeout: '2s' });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

const serviceOptions = (settings: StackSettings, env: NodeJS.ProcessEnv = process.env) => ({ env, cwd: PROJECT_ROOT, logDir: settings.logDir, runDir: settings.runDir });

/** Starts the Temporal Server on PostgreSQL and waits until its frontend serves (up to 2 min). */
export async function startServer(settings: StackSettings, binaries: StackBinaries): Promise<ServiceProcess> {
  const configDir = writeServerConfig(settings);
  const server = startService('temporal-server', binaries.server, ['--config-file', path.join(configDir, 'stack.yaml'), '--allow-no-auth', 'start'], serviceOptions(settings));
  await waitReady(server, () => frontendServes(settings), 120_000);
  return server;
}

/** Starts the UI server against the stack's frontend; its address, for links. */
export async function startUi(settings: StackSettings, binary: string): Promise<{ service: ServiceProcess; url: string }> {
  const root = path.join(settings.runDir, 'ui');
  fs.mkdirSync(path.join(root, 'config'), { recursive: true });
  const url = `http://127.0.0.1:${settings.ports.ui}`;
  fs.writeFileSync(
    path.join(root, 'config', 'stack.yaml'),
    [
      '# Written by npm run stack.',
      `temporalGrpcAddress: 127.0.0.1:${settings.ports.frontend}`,
      'host: 127.0.0.1',
      `port: ${settings.ports.ui}`,
      'enableUi: true',
      'disableNewsFetch: true',
      `defaultNamespace: ${settings.namespace}`,
      'cors:',
      `  allowOrigins: ["${url}"]`,
      '',
    ].join('\n'),
  );
  const service = startService('ui', binary, ['--root', root, '--env', 'stack', 'start'], serviceOptions(settings));
  await waitReady(service, async () => (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok, 60_000);
  return { service, url };
}

/** Starts one `npm run worker` with the given environment and waits for its ready line (up to 3 min: it bundles the workflows first). */
export async function startWorker(settings: StackSettings, name: string, env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
  const logFile = path.join(settings.logDir, `${name}.log`);
  fs.rmSync(logFile, { force: true });
  const worker = startService(name, 'npm', ['run', '--silent', 'worker'], serviceOptions(settings, env));
  await waitReady(worker, async () => fs.readFileSync(worker.logFile, 'utf8').includes(WORKER_READY_MESSAGE), 180_000);
  return worker;
}
