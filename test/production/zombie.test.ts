/**
 * A zombie writer on the production stack: a worker on a simulated host (its own network
 * namespace, simulated-host.ts) runs a backfill's year-long ingest; mid-way the host is cut off
 * from Temporal, and its link to PostgreSQL stalls (the partition write it has sent waits in the
 * network). Temporal times the activity out (no heartbeat) and the stack's workers redo it and
 * finish the backfill; then the link recovers and the zombie's write lands, after the backfill is
 * over, over the day the retry wrote. (The SDK cancels an activity locally once its heartbeat
 * timeout passes without the server acknowledging one, and activities stop at the next
 * partition boundary, so a write already in flight is what a zombie can still land.) The data
 * must equal a clean run's, row for row, with the ledger and lineage of a clean run (one current
 * row per partition, checksums matching the data).
 * Runs with the production suite (FEATUREFLOW_PRODUCTION_STACK=1), as root (.ci/run is).
 */
import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { BackfillResult, type BackfillInput } from '../../src/contracts';
import { PROJECT_ROOT } from '../../src/config';
import { WORKER_READY_MESSAGE } from '../../src/worker';
import { backfillWorkflowId } from '../../src/workflows/backfill-api';
import { connectProductionStack, eventually, fingerprintOf, productionStackEnabled, servicePid, stackCommand, stackEnv, wipeSymbol, type ProductionStack } from './helpers';
import { createSimulatedHost, simulatedHostsUnavailable, type SimulatedHost } from './simulated-host';

const enabled = productionStackEnabled();
const SYMBOL = 'AVAX-USD';
/** One window of 366 days: the ingest child's one activity writes the whole year, a day at a time. */
const INPUT: BackfillInput = { symbols: [SYMBOL], flows: ['evaluate'], from: '2020-01-01', to: '2020-12-31', withUpstream: true, chunkDays: 366, concurrency: 2, heartbeatTimeoutSeconds: 5 };
/** Candles days the zombie has written when it is cut off. */
const CUT_AFTER_DAYS = 5;

(enabled ? describe : describe.skip)('production stack: a worker cut off from Temporal whose write reaches the database late', () => {
  let stack: ProductionStack;
  let host: SimulatedHost | undefined;
  let unavailable: string | undefined;

  beforeAll(async () => {
    unavailable = await simulatedHostsUnavailable();
    if (unavailable) console.warn(`\n!!! simulated hosts are unavailable (${unavailable}): the zombie-writer test is SKIPPED !!!\n`);
    stack = await connectProductionStack();
  });
  afterAll(async () => {
    await host?.close();
    // Whatever happened, the stack's workers serve again for the suites after this one.
    await stackCommand('up', '--workers', '2', '--no-ui').catch(() => undefined);
    await stack?.close();
  });

  const candleDays = async (): Promise<number> =>
    Number((await sql<{ n: string }>`select count(*) as n from materializations where asset = 'candles' and symbol = ${SYMBOL}`.execute(stack.db.kysely)).rows[0].n);
  /** When each ledger row of the symbol was written, by asset/partition. */
  const ledgerTimes = async (): Promise<Map<string, string>> =>
    new Map(
      (await sql<{ key: string; at: string }>`select asset || '/' || partition as key, materialized_at::text as at from materializations where symbol = ${SYMBOL}`.execute(stack.db.kysely)).rows.map((r) => [r.key, r.at]),
    );
  const backfill = async () => {
    const handle = await stack.client.workflow.start('backfill', { taskQueue: stack.config.taskQueue, workflowId: `${backfillWorkflowId(INPUT)}/${Date.now()}`, args: [INPUT] });
    return eventually(async () => BackfillResult.parse(await handle.result()), 300_000, `backfill ${handle.workflowId}`);
  };

  /** Stops the stack's workers (SIGTERM, as an orchestrator would) and waits until they are gone. */
  async function stopStackWorkers(): Promise<void> {
    const pids = ['worker-1', 'worker-2'].map(servicePid);
    for (const pid of pids) process.kill(-pid, 'SIGTERM');
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await eventually(async () => (pids.some(alive) ? undefined : true), 60_000, 'the stack workers to stop');
  }

  /** A worker on the simulated host, pointed at the stack through the host's relays; resolves once it polls. */
  async function startZombie(on: SimulatedHost): Promise<ChildProcess> {
    const env = stackEnv();
    const database = new URL(env.DATABASE_URL);
    database.host = on.databaseAddress;
    const zombie = on.spawn(process.execPath, ['bin/worker.cjs'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env, TEMPORAL_ADDRESS: on.temporalAddress, DATABASE_URL: database.toString() },
    });
    let output = '';
    zombie.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    zombie.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await eventually(async () => {
      if (zombie.exitCode !== null) throw new Error(`the zombie worker exited (${zombie.exitCode}): ${output}`);
      return output.includes(WORKER_READY_MESSAGE) ? true : undefined;
    }, 180_000, 'the worker on the simulated host to poll');
    return zombie;
  }

  it("leaves data, ledger and lineage equal to a clean run, though a zombie's write landed after the backfill was over", async () => {
    if (unavailable) return;
    await wipeSymbol(stack.db, SYMBOL);
    expect((await backfill()).failed).toBe(0);
    const clean = await fingerprintOf(stack.db, SYMBOL);
    expect(clean.candles).toMatch(/^[0-9a-f]{32}$/);
    await wipeSymbol(stack.db, SYMBOL);

    await stopStackWorkers();
    const temporalPort = Number(stackEnv().TEMPORAL_ADDRESS.split(':').pop());
    const databasePort = Number(new URL(stackEnv().DATABASE_URL).port || 5432);
    host = await createSimulatedHost(process.pid % 100, { port: temporalPort }, { port: databasePort });
    const zombie = await startZombie(host);
    const result = backfill();
    // The only worker takes the plan and the ingest; a few days in, its links fail.
    await eventually(async () => ((await candleDays()) >= CUT_AFTER_DAYS ? true : undefined), 120_000, `the zombie to ingest ${CUT_AFTER_DAYS} days`);
    host.holdDatabase();
    await host.cutFromTemporal();
    const cutAfter = await candleDays();
    expect(cutAfter).toBeLessThan(366);

    // The stack's workers come back; Temporal times the ingest out on the zombie, they redo it and the backfill ends.
    await stackCommand('up', '--workers', '2', '--no-ui');
    expect((await result).failed).toBe(0);
    const ledgerAfterBackfill = await ledgerTimes();

    // The link to the database recovers: the zombie's write lands over a day the backfill wrote.
    host.releaseDatabase();
    const overwritten = await eventually(
      async () => {
        const now = await ledgerTimes();
        const changed = [...now].filter(([key, at]) => ledgerAfterBackfill.get(key) !== at).map(([key]) => key);
        return changed.length ? changed : undefined;
      },
      60_000,
      'the zombie write to land',
    );
    // Nothing else follows: the SDK cancelled the zombie's activity locally (no heartbeat acknowledged).
    await new Promise((r) => setTimeout(r, 3_000));
    zombie.kill('SIGKILL');
    console.log(`zombie: cut off after ${cutAfter} candles days; after the backfill was over its write landed on ${overwritten.join(', ')}`);

    expect(await fingerprintOf(stack.db, SYMBOL)).toEqual(clean);
  }, 900_000);
});
