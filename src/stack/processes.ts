/**
 * Child processes of the stack: builds run to completion with their output in a log file;
 * services start detached in their own process group (so `down` stops a service with all its
 * children, e.g. npm and the node it runs) with a pid file beside their log.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Runs a command to completion, appending its output to `logFile`; resolves with the exit code. */
export function runLogged(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; logFile: string }): Promise<number> {
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const out = fs.openSync(options.logFile, 'a');
  fs.writeSync(out, `\n$ ${command} ${args.join(' ')}\n`);
  return new Promise((resolve) => {
    const child = spawn(command, [...args], { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', out, out] });
    child.once('error', (err) => {
      fs.writeSync(out, `${err.message}\n`);
      fs.closeSync(out);
      resolve(127);
    });
    child.once('exit', (code, signal) => {
      fs.closeSync(out);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

/** A started service: its name, process-group leader pid and log file. */
export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
}

/** Starts a long-running service detached, output to `<logDir>/<name>.log`, pid to `<runDir>/<name>.pid`. */
export function startService(
  name: string,
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; logDir: string; runDir: string },
): ServiceProcess {
  fs.mkdirSync(options.logDir, { recursive: true });
  fs.mkdirSync(options.runDir, { recursive: true });
  const logFile = path.join(options.logDir, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(command, [...args], { env: options.env, cwd: options.cwd, stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`Could not start ${name} (${command}); see ${logFile}`);
  child.unref();
  fs.writeFileSync(path.join(options.runDir, `${name}.pid`), `${child.pid}\n`);
  return { name, pid: child.pid, logFile };
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The services with a pid file in `runDir` (alive or not). */
export function recordedServices(runDir: string, logDir: string): ServiceProcess[] {
  if (!fs.existsSync(runDir)) return [];
  return fs
    .readdirSync(runDir)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => {
      const name = f.slice(0, -'.pid'.length);
      const pid = Number(fs.readFileSync(path.join(runDir, f), 'utf8').trim());
      return { name, pid, logFile: path.join(logDir, `${name}.log`) };
    })
    .filter((s) => Number.isInteger(s.pid) && s.pid > 1);
}

/** Signals a service's whole process group (it was started as the group's leader). */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Stops a service: SIGTERM to its group, SIGKILL after `graceMs`; removes its pid file. */
export async function stopService(service: ServiceProcess, runDir: string, graceMs = 15_000): Promise<'stopped' | 'killed' | 'not running'> {
  const pidFile = path.join(runDir, `${service.name}.pid`);
  let outcome: 'stopped' | 'killed' | 'not running' = 'not running';
  if (isAlive(service.pid)) {
    signalGroup(service.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(service.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    outcome = 'stopped';
    if (isAlive(service.pid)) {
      signalGroup(service.pid, 'SIGKILL');
      outcome = 'killed';
    }
  }
  fs.rmSync(pidFile, { force: true });
  return outcome;
}

/** Waits until `ready()` holds, failing with the last lines of the service's log when it exits or times out. */
export async function waitReady(service: ServiceProcess, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ready().catch(() => false)) return;
    const tail = (): string => {
      const lines = fs.existsSync(service.logFile) ? fs.readFileSync(service.logFile, 'utf8').trimEnd().split('\n') : [];
      // Go servers log JSON lines with whole stack traces: the start of each line says what failed.
      return lines
        .slice(-5)
        .map((line) => (line.length > 400 ? `${line.slice(0, 400)}…` : line))
        .join('\n    ');
    };
    if (!isAlive(service.pid)) throw new Error(`${service.name} exited during start; last lines of ${service.logFile}:\n    ${tail()}`);
    if (Date.now() > deadline) throw new Error(`${service.name} not ready after ${timeoutMs / 1000} s; last lines of ${service.logFile}:\n    ${tail()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
