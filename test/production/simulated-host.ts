/**
 * A simulated host for the production suite: a Linux network namespace joined to this one by a
 * veth pair, whose processes reach the Temporal Server and PostgreSQL (both listening on
 * loopback here) through two TCP relays, one per service, each on its own address of the host
 * side of the pair. So the host can be cut off from Temporal alone — a blackhole route to the
 * Temporal address inside the namespace: packets vanish, connections hang, as in a real
 * partition — while it still reaches the database. Needs root and iproute2 (`ip`); .ci/run
 * runs as root.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Why simulated hosts cannot be made here, or undefined when they can. */
export async function simulatedHostsUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  try {
    await run('ip', ['netns', 'list']);
    return undefined;
  } catch (err) {
    return `iproute2 cannot list network namespaces (${(err as Error).message.split('\n')[0]})`;
  }
}

/** A service on this host's loopback that the simulated host reaches through a relay. */
export interface LoopbackService {
  readonly port: number;
}

/** A running simulated host. */
export interface SimulatedHost {
  /** `host:port` of the Temporal relay, as seen from inside the namespace. */
  readonly temporalAddress: string;
  /** `host:port` of the PostgreSQL relay, as seen from inside the namespace. */
  readonly databaseAddress: string;
  /** Starts `command` inside the namespace (the child's pid is the command's own: `ip netns exec` execs it). */
  spawn(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): ChildProcess;
  /** Drops every packet the host sends to Temporal from now on; the database stays reachable. */
  cutFromTemporal(): Promise<void>;
  /** Holds everything the host sends to the database from now on (a stalled link), until {@link releaseDatabase}. */
  holdDatabase(): void;
  /** Passes on what was held, in order, and everything after it. */
  releaseDatabase(): void;
  /** Kills what it started, removes the namespace (and the veth pair) and stops the relays. */
  close(): Promise<void>;
}

/** A gate on what a simulated host sends: while closed, its bytes wait in the relay (in order). */
class Gate {
  private opening: Promise<void> = Promise.resolve();
  private release: () => void = () => undefined;
  closed = false;

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.opening = new Promise((resolve) => (this.release = resolve));
  }

  open(): void {
    this.closed = false;
    this.release();
  }

  /** Resolves when the gate is open. */
  get opened(): Promise<void> {
    return this.opening;
  }
}

/**
 * Relays connections on `address:port` to `127.0.0.1:target`, both directions, until closed;
 * what the simulated host sends waits while `gate` is closed, as on a link that stalls.
 */
async function relay(address: string, port: number, target: number, gate: Gate): Promise<net.Server> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(target, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.on('data', (chunk: Buffer) => {
      if (!gate.closed) {
        outbound.write(chunk);
        return;
      }
      // Later chunks wait behind this one: pausing keeps them in order.
      inbound.pause();
      void gate.opened.then(() => {
        outbound.write(chunk);
        inbound.resume();
      });
    });
    inbound.on('end', () => outbound.end());
    outbound.pipe(inbound);
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, address, () => resolve()));
  const close = server.close.bind(server);
  // Closing a relay ends its connections too (net.Server.close only stops accepting).
  server.close = (callback) => {
    sockets.forEach((s) => s.destroy());
    return close(callback);
  };
  return server;
}

/**
 * Creates simulated host number `index` (0-99; one subnet each, 10.231.<index>.0/24) in front of
 * `temporal` and `database`. Names carry this process's pid so parallel suites do not collide.
 */
export async function createSimulatedHost(index: number, temporal: LoopbackService, database: LoopbackService): Promise<SimulatedHost> {
  const tag = `${process.pid % 100000}x${index}`;
  const namespace = `ffhost${tag}`;
  const outside = `ffo${tag}`;
  const inside = `ffi${tag}`;
  const subnet = `10.231.${index}`;
  const databaseIp = `${subnet}.1`;
  const temporalIp = `${subnet}.2`;
  const ip = (...args: string[]) => run('ip', args);
  const within = (...args: string[]) => run('ip', ['netns', 'exec', namespace, 'ip', ...args]);
  const children: ChildProcess[] = [];
  const relays: net.Server[] = [];
  const databaseLink = new Gate();
  const teardown = async (): Promise<void> => {
    databaseLink.open();
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(relays.map((r) => new Promise((resolve) => r.close(resolve))));
    await ip('netns', 'del', namespace).catch(() => undefined);
    await ip('link', 'del', outside).catch(() => undefined);
  };
  try {
    await ip('netns', 'add', namespace);
    await ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
    await ip('link', 'set', inside, 'netns', namespace);
    await ip('addr', 'add', `${databaseIp}/24`, 'dev', outside);
    await ip('addr', 'add', `${temporalIp}/24`, 'dev', outside);
    await ip('link', 'set', outside, 'up');
    await within('addr', 'add', `${subnet}.10/24`, 'dev', inside);
    await within('link', 'set', inside, 'up');
    await within('link', 'set', 'lo', 'up');
    relays.push(await relay(temporalIp, temporal.port, temporal.port, new Gate()), await relay(databaseIp, database.port, database.port, databaseLink));
  } catch (err) {
    await teardown();
    throw err;
  }
  return {
    temporalAddress: `${temporalIp}:${temporal.port}`,
    databaseAddress: `${databaseIp}:${database.port}`,
    spawn(command, args, options) {
      const child = spawn('ip', ['netns', 'exec', namespace, command, ...args], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      return child;
    },
    async cutFromTemporal() {
      await within('route', 'add', 'blackhole', `${temporalIp}/32`);
    },
    holdDatabase() {
      databaseLink.close();
    },
    releaseDatabase() {
      databaseLink.open();
    },
    close: teardown,
  };
}
