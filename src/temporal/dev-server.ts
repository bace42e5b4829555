/**
 * The embedded Temporal: the official CLI's dev server (SQLite file, Web UI), started by
 * featureflow when nothing answers at the configured local address, with the custom search
 * attributes registered at start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../core/search-attributes';
import { temporalCliPath } from './cli-binary';

/** Where and how to run the dev server. */
export interface DevServerOptions {
  /** Frontend address to serve, `host:port` (default localhost:7233). */
  readonly address: string;
  /** Web UI port (default 8233). */
  readonly uiPort?: number;
  /** Persistent SQLite file of the server's state. */
  readonly dbFile: string;
  /** Where the server's own log goes. */
  readonly logFile: string;
  /** How long to wait for it to answer, ms (default 60 s). */
  readonly readyTimeoutMs?: number;
}

/** A running dev server this process started. */
export interface DevServer {
  readonly address: string;
  readonly uiUrl: string;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/** True when a Temporal frontend answers at `address` within `timeoutMs`. */
export async function temporalAnswers(address: string, timeoutMs = 1500): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    await connection.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/** The CLI arguments that register featureflow's search attributes on a dev server. */
export function searchAttributeArgs(): string[] {
  return SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', `${a.name}=${a.type}`]);
}

/**
 * SQLite settings of a dev server that persists to a file. The CLI's default is a rollback
 * journal with a full sync: every one of the server's many small transactions (each workflow
 * task, activity, child start) creates, syncs and deletes a journal file. Write-ahead logging
 * with NORMAL sync is what featureflow's own database uses: it loses nothing when a process
 * crashes (only the last transactions on a power cut, and never corrupts), and a backfill's
 * server CPU fell by a third (1,240-day with-upstream backfill: 12.0 -> 7.6-7.9 s, 33 -> 27-30 s).
 */
export const DEV_SERVER_SQLITE_PRAGMAS: readonly string[] = ['journal_mode=wal', 'synchronous=normal'];

/** The CLI arguments that apply {@link DEV_SERVER_SQLITE_PRAGMAS}; for a server with `--db-filename` only. */
export function sqlitePragmaArgs(): string[] {
  return DEV_SERVER_SQLITE_PRAGMAS.flatMap((p) => ['--sqlite-pragma', p]);
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Starts `temporal server start-dev` and resolves once it answers; throws with its log tail if it does not. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const [host, portText] = options.address.split(':');
  const uiPort = options.uiPort ?? 8233;
  fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const log = fs.openSync(options.logFile, 'a');
  const args = [
    'server', 'start-dev',
    '--db-filename', options.dbFile,
    '--ip', host === 'localhost' ? '127.0.0.1' : host,
    '--port', portText ?? '7233',
    '--ui-port', String(uiPort),
    '--log-level', 'warn',
    ...sqlitePragmaArgs(),
    ...searchAttributeArgs(),
  ];
  const child = spawn(temporalCliPath(), args, { stdio: ['ignore', log, log], detached: false });
  fs.closeSync(log);
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (await temporalAnswers(options.address, 1000)) {
      return {
        address: options.address,
        uiUrl: `http://localhost:${uiPort}`,
        async stop() {
          if (child.exitCode !== null) return;
          child.kill('SIGTERM');
          if (!(await waitForExit(child, 10_000))) child.kill('SIGKILL');
          await waitForExit(child, 5_000);
        },
      };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  const tail = fs.existsSync(options.logFile) ? fs.readFileSync(options.logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
  throw new Error(`The Temporal dev server did not start at ${options.address} (log: ${options.logFile}):\n${tail}`);
}
