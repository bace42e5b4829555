/**
 * `npm run histories:record [-- --tag v2] [--only pipeline-success,ingest-success] [--readme]`
 *
 * Runs real workflows (every flow; success, failure and cancellation paths; a backfill that
 * continues-as-new; a scheduled run) on a throwaway Temporal dev server with real activities
 * and a temporary SQLite file, then saves each run's event history as JSON under
 * `test/replay/histories/<scenario>-<tag>.json`. `test/replay/replay.test.ts` replays every one
 * of them against the current workflow code, so a change that would break runs recorded by
 * older code fails `npm test` before it ships.
 *
 * Bump the tag (and describe it in TAGS) whenever the workflow code changes in a way that
 * produces different histories, and keep the older files: they stand for runs still in flight.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CancelledFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PROJECT_ROOT } from '../src/config';
import type { AlgorithmId, BackfillInput } from '../src/contracts';
import { closureOf, FLOW_GRAPH } from '../src/flows';
import { flowWorkflowId, pipelineWorkflowId } from '../src/core/ids';
import { syntheticSource as makeSyntheticSource } from '../src/sources';
import type { MarketSource } from '../src/sources/types';
import { startDevServerEnv, startStack, type TestStack } from '../test/helpers/stack';
import { historyToJson } from '../test/replay/history-json';

/** The synthetic source serving every symbol the recorded runs use. */
const syntheticSource = makeSyntheticSource({ symbols: ['BTC-USD', 'ETH-USD', 'SOL-USD'] });

/** Where the histories live (the replay test reads every `.json` file here). */
const HISTORIES_DIR = path.join(PROJECT_ROOT, 'test', 'replay', 'histories');

/**
 * Workflow code versions that recorded histories, newest last. The tag is the file name suffix;
 * the text goes into the folder's README so a reader knows what code produced a file.
 */
const TAGS: Record<string, string> = {
  v1: 'the four flows and the pipeline as first released (before the lineage patch)',
  v2: "pipeline with patch 'pipeline-lineage-check': after B and C it checks both cover what its ingest stored and records the lineage in its memo",
  v3: "flows with patch 'activity-wait-cancellation': a cancelled flow waits for its activity to stop at a partition boundary; optional ingest task queue routing",
  v4: "backfill with patch 'backfill-wait-for-child-id-conflict': a child start refused because another run holds the ID is retried after durable timers (re-planned first) up to conflictWaitSeconds, then fails the partition naming that run",
  v5: "backfill with patch 'backfill-default-chunk-days-62': a backfill that does not name chunkDays plans 62-day chunks (31 before)",
  v6: "pipeline with patch 'pipeline-wait-for-child-id-conflict': a child start refused because another run (e.g. a backfill) holds the ID is retried after durable timers up to conflictWaitSeconds (600 by default), then fails the pipeline with ChildWorkflowIdConflict naming that run",
  v7: "backfill with patch 'backfill-windowed-phases': a multi-phase backfill runs as a pipeline of windows (one lane per phase, lanes overlap) and carries each lane's window across continue-as-new",
  v8: "backfill with patch 'backfill-plan-ahead': a lane plans its next window while its current one runs, counting the upstream lane's runs still in flight as materialized, and plans again if one of them failed",
  v9: "flows as one declared graph (patches 'pipeline-flow-graph' and 'backfill-flow-graph'): a pipeline or backfill resolves the worker's active graph once when it starts (activity resolveFlowGraph, recorded) and runs exactly that graph; results keyed by flow; feature flow E added; D's ledger per scored flow",
  v10: 'the schedule starts scheduledRun: every UTC day since the previous weekday slot plus missing days of its catch-up window, each through the daily pipeline (pipeline itself unchanged)',
  v11: "backfill with patch 'backfill-worker-affinity': each window's activities are sent to the queue of one worker (reported by the planning activity); flows take an optional affinity and fall back to their own queue after a schedule-to-start timeout",
  v12: "flows with patch 'affinity-one-attempt': an activity on a worker's own queue gets one attempt (no Temporal retries there), then runs on the flow's own queue with its retry policy when that attempt failed in a way the policy retries",
};
/** The tag new recordings get unless `--tag` says otherwise: the current workflow code. */
const CURRENT_TAG = 'v12';

const DAY = '2024-01-15';

/** The three workers a recording needs, all on one dev server. */
interface Stacks {
  /** Synthetic source: every flow succeeds. */
  readonly ok: TestStack;
  /** A source that rejects its data: ingest fails non-retryably. */
  readonly broken: TestStack;
  /** A source that blocks until released: lets a run be cancelled while a child is running. */
  readonly gated: TestStack;
  readonly gate: Gate;
}

/** A run whose history a scenario wants saved; `part` names a child run's file. */
interface RecordedRun {
  readonly workflowId: string;
  /** A particular run (e.g. one link of a continue-as-new chain); the latest when omitted. */
  readonly runId?: string;
  readonly part?: string;
}

/** One recorded situation. */
interface Scenario {
  readonly name: string;
  /** What the history covers, for the README. */
  readonly covers: string;
  /** Why it cannot be recorded with this checkout, if it cannot. */
  readonly unavailable?: () => string | undefined;
  run(stacks: Stacks): Promise<RecordedRun[]>;
}

/** A blocking point in the gated source: `entered` resolves once a fetch waits on it. */
interface Gate {
  readonly entered: Promise<void>;
  release(): void;
}

/** A synthetic source whose fetches wait at a gate, so a run can be cancelled mid-activity. */
function createGatedSource(): { source: MarketSource; gate: Gate } {
  let enter!: () => void;
  let release!: () => void;
  const entered = new Promise<void>((r) => (enter = r));
  const released = new Promise<void>((r) => (release = r));
  const source: MarketSource = {
    ...syntheticSource,
    async fetchDay(symbol, day, options) {
      enter();
      await released;
      return syntheticSource.fetchDay(symbol, day, options);
    },
  };
  return { source, gate: { entered, release } };
}

const brokenSource: MarketSource = {
  ...syntheticSource,
  async fetchDay() {
    throw ApplicationFailure.nonRetryable('exchange returned a malformed page (recorded fault)', 'SourceDataInvalid');
  },
};

/** Starts a workflow and waits for it to close, whatever the outcome. */
async function runToEnd(stack: TestStack, workflowType: string, workflowId: string, args: unknown[]): Promise<void> {
  await stack.client.workflow
    .execute(workflowType, { taskQueue: stack.config.taskQueue, workflowId, args })
    .catch((err: unknown) => {
      if (!(err instanceof WorkflowFailedError)) throw err;
    });
}

/**
 * Runs a backfill that must continue as new at least once and complete with `partitions` done;
 * records its first run (ended by continue-as-new) and its last run.
 */
async function recordContinuedBackfill(stack: TestStack, scenario: string, input: BackfillInput, partitions: number): Promise<RecordedRun[]> {
  const { backfillWorkflowId } = await import('../src/workflows/backfill-api');
  const workflowId = backfillWorkflowId(input);
  const handle = await stack.client.workflow.start('backfill', { taskQueue: stack.config.taskQueue, workflowId, args: [input] });
  const result = (await handle.result()) as { status: string; runs: number; done: number };
  const last = await stack.client.workflow.getHandle(workflowId).describe();
  if (result.status !== 'completed' || result.done !== partitions || result.runs < 2 || last.runId === handle.firstExecutionRunId) {
    throw new Error(`${scenario}: expected ${partitions} partitions done over several runs, got ${JSON.stringify(result)}`);
  }
  return [
    { workflowId, runId: handle.firstExecutionRunId, part: 'first-run' },
    { workflowId, runId: last.runId, part: 'last-run' },
  ];
}

function sourceFileExists(relative: string): boolean {
  return fs.existsSync(path.join(PROJECT_ROOT, relative));
}

/** Every scenario, in the order they run (later ones may rely on data earlier ones wrote). */
const SCENARIOS: Scenario[] = [
  {
    name: 'ingest-success',
    covers: 'ingest (flow A) of one day, completed',
    run: async ({ ok }) => {
      const workflowId = flowWorkflowId('ingest', 'ETH-USD', DAY, DAY);
      await runToEnd(ok, 'ingest', workflowId, [{ symbol: 'ETH-USD', from: DAY, to: DAY }]);
      return [{ workflowId }];
    },
  },
  ...FLOW_GRAPH.active.flatMap((f) => (f.algorithm ? [f.algorithm.id as AlgorithmId] : [])).map(
    (algorithm): Scenario => ({
      name: `features-${algorithm}-success`,
      covers: `features (flow ${algorithm.toUpperCase()}) over the day ingest-success stored, completed`,
      run: async ({ ok }) => {
        const workflowId = flowWorkflowId(`features-${algorithm}`, 'ETH-USD', DAY, DAY);
        await runToEnd(ok, 'features', workflowId, [{ symbol: 'ETH-USD', from: DAY, to: DAY, algorithm }]);
        return [{ workflowId }];
      },
    }),
  ),
  {
    name: 'evaluate-success',
    covers: 'evaluate (flow D) of every active feature flow, completed',
    run: async ({ ok }) => {
      const workflowId = flowWorkflowId('evaluate', 'ETH-USD', DAY, DAY);
      await runToEnd(ok, 'evaluate', workflowId, [{ symbol: 'ETH-USD', from: DAY, to: DAY }]);
      return [{ workflowId }];
    },
  },
  {
    name: 'evaluate-upstream-missing',
    covers: 'evaluate of a day with no features: the activity fails UpstreamMissing (non-retryable), the workflow fails',
    run: async ({ ok }) => {
      const workflowId = flowWorkflowId('evaluate', 'SOL-USD', DAY, DAY);
      await runToEnd(ok, 'evaluate', workflowId, [{ symbol: 'SOL-USD', from: DAY, to: DAY }]);
      return [{ workflowId }];
    },
  },
  {
    name: 'pipeline-success',
    covers: 'pipeline parent: ingest, then every active feature flow in parallel, then evaluate, completed',
    run: async ({ ok }) => {
      const workflowId = pipelineWorkflowId('BTC-USD', DAY);
      await runToEnd(ok, 'pipeline', workflowId, [{ symbol: 'BTC-USD', date: DAY }]);
      return [{ workflowId }];
    },
  },
  {
    name: 'pipeline-ingest-failed',
    covers: 'pipeline whose ingest child fails non-retryably (SourceDataInvalid): parent fails, nothing downstream starts; plus the failed ingest child',
    run: async ({ broken }) => {
      const day = '2024-01-17';
      const workflowId = pipelineWorkflowId('BTC-USD', day);
      await runToEnd(broken, 'pipeline', workflowId, [{ symbol: 'BTC-USD', date: day }]);
      return [{ workflowId }, { workflowId: flowWorkflowId('ingest', 'BTC-USD', day, day), part: 'child-ingest' }];
    },
  },
  {
    name: 'pipeline-cancelled',
    covers: 'pipeline cancelled while its ingest child is running: the child and its activity are cancelled, then the parent; plus the cancelled ingest child',
    run: async ({ gated, gate }) => {
      const day = '2024-01-16';
      const workflowId = pipelineWorkflowId('BTC-USD', day);
      const handle = await gated.client.workflow.start('pipeline', {
        taskQueue: gated.config.taskQueue,
        workflowId,
        args: [{ symbol: 'BTC-USD', date: day }],
      });
      await gate.entered;
      await handle.cancel();
      const outcome = await handle.result().then(
        () => 'completed',
        (err: unknown) => (err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure ? 'cancelled' : String(err)),
      );
      gate.release();
      if (outcome !== 'cancelled') throw new Error(`pipeline-cancelled: expected the run to be cancelled, it ended ${outcome}`);
      return [{ workflowId }, { workflowId: flowWorkflowId('ingest', 'BTC-USD', day, day), part: 'child-ingest' }];
    },
  },
  {
    name: 'backfill-continued-as-new',
    covers: 'backfill of features-b with upstream over 4 days, one child per day, continuing as new every 3 children: its first run (ended by continue-as-new) and its last run (completed)',
    unavailable: () => (sourceFileExists('src/workflows/backfill.ts') ? undefined : 'src/workflows/backfill.ts has not landed yet'),
    run: ({ ok }) =>
      recordContinuedBackfill(
        ok,
        'backfill-continued-as-new',
        { symbols: ['ADA-USD'], flows: ['features-b'], from: '2024-02-01', to: '2024-02-04', withUpstream: true, chunkDays: 1, concurrency: 2, continueAsNewAfter: 3 },
        4 * closureOf(FLOW_GRAPH.active, ['features-b'], true).length,
      ),
  },
  {
    name: 'backfill-pipelined',
    covers:
      'evaluate backfill with upstream over 6 days in 2-day windows (patch backfill-windowed-phases: ingest, features and evaluate lanes overlap), one child per day, continuing as new every 8 children: its first run and its last run (completed)',
    unavailable: () => (sourceFileExists('src/workflows/lanes.ts') ? undefined : 'src/workflows/lanes.ts has not landed yet'),
    run: ({ ok }) =>
      recordContinuedBackfill(
        ok,
        'backfill-pipelined',
        { symbols: ['BNB-USD'], flows: ['evaluate'], from: '2024-02-10', to: '2024-02-15', withUpstream: true, chunkDays: 1, windowDays: 2, concurrency: 2, continueAsNewAfter: 8 },
        6 * FLOW_GRAPH.active.length,
      ),
  },
  {
    name: 'backfill-default-chunk-days',
    covers:
      'ingest backfill over 40 days that does not name chunkDays, so the default chunk size decides its children: two (31 + 9 days) before patch backfill-default-chunk-days-62, one after it',
    unavailable: () => (sourceFileExists('src/workflows/backfill.ts') ? undefined : 'src/workflows/backfill.ts has not landed yet'),
    run: async ({ ok }) => {
      const { backfillWorkflowId } = await import('../src/workflows/backfill-api');
      const input = { symbols: ['LTC-USD'], flows: ['ingest' as const], from: '2024-03-01', to: '2024-04-09', concurrency: 2 };
      const workflowId = backfillWorkflowId(input);
      const result = (await ok.client.workflow.execute('backfill', { taskQueue: ok.config.taskQueue, workflowId, args: [input] })) as { status: string; done: number };
      if (result.status !== 'completed' || result.done !== 40) {
        throw new Error(`backfill-default-chunk-days: expected 40 partitions done, got ${JSON.stringify(result)}`);
      }
      return [{ workflowId }];
    },
  },
  {
    name: 'backfill-child-id-conflict',
    covers:
      "ingest backfills over 2 days while another run holds one day's child ID (an ingest on a task queue no worker polls): one with conflictWaitSeconds 2 gives up and fails that day; one with the default waits, and after the holder is terminated re-plans and runs the child. The before-patch file is the same conflict on the v3 code (commit db08858, recorded by a one-off script): the day failed at once, and must still replay that way",
    unavailable: () => (sourceFileExists('src/workflows/child-conflict.ts') ? undefined : 'src/workflows/child-conflict.ts has not landed yet'),
    run: async ({ ok }) => {
      const { backfillWorkflowId } = await import('../src/workflows/backfill-api');
      const day = '2024-02-11';
      // A run that holds the child ID and does nothing until terminated: no worker polls its queue.
      const holder = await ok.client.workflow.start('ingest', {
        taskQueue: `${ok.config.taskQueue}-nobody-polls`,
        workflowId: flowWorkflowId('ingest', 'DOT-USD', day, day),
        args: [{ symbol: 'DOT-USD', from: day, to: day }],
      });
      const input = { symbols: ['DOT-USD'], flows: ['ingest' as const], from: '2024-02-10', to: day, chunkDays: 1, concurrency: 2 };
      const gaveUpId = `${backfillWorkflowId(input)}/gave-up`;
      const gaveUp = (await ok.client.workflow.execute('backfill', { taskQueue: ok.config.taskQueue, workflowId: gaveUpId, args: [{ ...input, conflictWaitSeconds: 2 }] })) as { failures: Array<{ error: string }> };
      if (!gaveUp.failures[0]?.error.startsWith('ChildWorkflowIdConflict')) throw new Error(`backfill-child-id-conflict: expected the held day to fail with the conflict, got ${JSON.stringify(gaveUp)}`);
      const waitedId = `${backfillWorkflowId(input)}/waited`;
      const waited = await ok.client.workflow.start('backfill', { taskQueue: ok.config.taskQueue, workflowId: waitedId, args: [input] });
      const deadline = Date.now() + 30_000;
      while (!((await waited.fetchHistory()).events ?? []).some((e) => e.timerStartedEventAttributes)) {
        if (Date.now() > deadline) throw new Error('backfill-child-id-conflict: the backfill did not start waiting within 30 s');
        await new Promise((r) => setTimeout(r, 200));
      }
      await holder.terminate('recording: release the held child ID');
      const result = (await waited.result()) as { status: string; failed: number };
      if (result.status !== 'completed' || result.failed !== 0) throw new Error(`backfill-child-id-conflict: expected the waiting backfill to complete, got ${JSON.stringify(result)}`);
      return [
        { workflowId: gaveUpId, part: 'gave-up' },
        { workflowId: waitedId, part: 'waited' },
      ];
    },
  },
  {
    name: 'pipeline-child-id-conflict',
    covers:
      "daily pipelines for a day whose ingest child ID another run holds (an ingest on a task queue no worker polls, as a backfill's child would): one with conflictWaitSeconds 2 gives up and fails with ChildWorkflowIdConflict; one with the default waits on durable timers, and after the holder is terminated starts its ingest and completes. The before-patch file is the same conflict on the v5 code (commit ce0e13b, recorded by a one-off version of this scenario): the pipeline failed at once, and must still replay that way",
    unavailable: () => (sourceFileExists('src/workflows/child-conflict.ts') ? undefined : 'src/workflows/child-conflict.ts has not landed yet'),
    run: async ({ ok }) => {
      const day = '2024-02-13';
      // A run that holds the child ID and does nothing until terminated: no worker polls its queue.
      const holder = await ok.client.workflow.start('ingest', {
        taskQueue: `${ok.config.taskQueue}-nobody-polls`,
        workflowId: flowWorkflowId('ingest', 'DOT-USD', day, day),
        args: [{ symbol: 'DOT-USD', from: day, to: day }],
      });
      const input = { symbol: 'DOT-USD', date: day };
      const gaveUpId = `${pipelineWorkflowId('DOT-USD', day)}/gave-up`;
      const gaveUp = await ok.client.workflow
        .execute('pipeline', { taskQueue: ok.config.taskQueue, workflowId: gaveUpId, args: [{ ...input, conflictWaitSeconds: 2 }] })
        .then(
          () => 'completed',
          (err: unknown) => (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure ? err.cause.type : String(err)),
        );
      if (gaveUp !== 'ChildWorkflowIdConflict') throw new Error(`pipeline-child-id-conflict: expected the pipeline to give up with the conflict, got ${gaveUp}`);
      const waitedId = `${pipelineWorkflowId('DOT-USD', day)}/waited`;
      const waited = await ok.client.workflow.start('pipeline', { taskQueue: ok.config.taskQueue, workflowId: waitedId, args: [input] });
      const deadline = Date.now() + 30_000;
      while (!((await waited.fetchHistory()).events ?? []).some((e) => e.timerStartedEventAttributes)) {
        if (Date.now() > deadline) throw new Error('pipeline-child-id-conflict: the pipeline did not start waiting within 30 s');
        await new Promise((r) => setTimeout(r, 200));
      }
      await holder.terminate('recording: release the held child ID');
      const result = (await waited.result()) as { ingest: { rows: number } };
      if (result.ingest.rows !== 1440) throw new Error(`pipeline-child-id-conflict: expected the waiting pipeline to ingest the day, got ${JSON.stringify(result)}`);
      return [
        { workflowId: gaveUpId, part: 'gave-up' },
        { workflowId: waitedId, part: 'waited' },
      ];
    },
  },
  {
    name: 'pipeline-scheduled',
    covers: 'pipeline started by the daily schedule (triggered now; no date: it derives the day from TemporalScheduledStartTime), completed',
    // Since v10 the schedule starts scheduledRun (scenario scheduled-run); the files recorded
    // before stand for old-action runs still in flight and keep replaying on pipeline.
    unavailable: () => 'the schedule starts scheduledRun since v10 (see scenario scheduled-run); the pipeline-scheduled files are kept as recorded',
    run: async ({ ok }) => {
      const { createOrUpdatePipelineSchedule } = await import('../src/schedule/schedule');
      const { handle } = await createOrUpdatePipelineSchedule(ok.client, { symbol: 'XRP-USD', taskQueue: ok.config.taskQueue });
      try {
        await handle.trigger();
        const deadline = Date.now() + 30_000;
        let action = (await handle.describe()).info.recentActions[0]?.action.workflow;
        while (!action && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 200));
          action = (await handle.describe()).info.recentActions[0]?.action.workflow;
        }
        if (!action) throw new Error('pipeline-scheduled: the triggered schedule started no run within 30 s');
        await ok.client.workflow.getHandle(action.workflowId, action.firstExecutionRunId).result();
        return [{ workflowId: action.workflowId, runId: action.firstExecutionRunId }];
      } finally {
        await handle.delete();
      }
    },
  },
  {
    name: 'scheduled-run',
    covers:
      'scheduledRun taken by the daily schedule for Monday 2024-01-08 09:30 New York (a schedule backfill of that slot) with 2024-01-03 done by hand before: catches up Thursday, then its own Friday to Sunday, one pipeline child each, completed',
    unavailable: () => (sourceFileExists('src/workflows/scheduled-run.ts') ? undefined : 'src/workflows/scheduled-run.ts has not landed yet'),
    run: async ({ ok }) => {
      const { createOrUpdatePipelineSchedule } = await import('../src/schedule/schedule');
      const symbol = 'XRP-USD';
      await runToEnd(ok, 'pipeline', pipelineWorkflowId(symbol, '2024-01-03'), [{ symbol, date: '2024-01-03' }]);
      const { handle } = await createOrUpdatePipelineSchedule(ok.client, { symbol, taskQueue: ok.config.taskQueue, paused: true });
      try {
        const slot = new Date('2024-01-08T14:30:00Z');
        await handle.backfill({ start: slot, end: new Date(slot.getTime() + 60_000), overlap: 'BUFFER_ALL' });
        const deadline = Date.now() + 30_000;
        let action = (await handle.describe()).info.recentActions[0]?.action.workflow;
        while (!action && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 200));
          action = (await handle.describe()).info.recentActions[0]?.action.workflow;
        }
        if (!action) throw new Error('scheduled-run: the backfilled slot started no run within 30 s');
        const result = (await ok.client.workflow.getHandle(action.workflowId, action.firstExecutionRunId).result()) as { days: Array<{ outcome: string }> };
        if (result.days.map((d) => d.outcome).join() !== 'materialized,materialized,materialized,materialized') {
          throw new Error(`scheduled-run: expected four materialized days, got ${JSON.stringify(result)}`);
        }
        return [{ workflowId: action.workflowId, runId: action.firstExecutionRunId }];
      } finally {
        await handle.delete();
      }
    },
  },
  {
    name: 'backfill-worker-affinity',
    covers:
      "evaluate backfill with upstream over 4 days in 2-day windows on a worker process polling a queue of its own (patch backfill-worker-affinity: each window's ingest, features and evaluation are sent to that queue); part child-fallback: features C with an affinity queue nobody polls, its activity timing out schedule-to-start after 1 s and running on the shared queue",
    unavailable: () => (sourceFileExists('src/workflows/window-routes.ts') ? undefined : 'src/workflows/window-routes.ts has not landed yet'),
    run: async ({ ok }) => {
      const { NativeConnection } = await import('@temporalio/worker');
      const { createWorkers } = await import('../src/worker');
      const { backfillWorkflowId } = await import('../src/workflows/backfill-api');
      // Its own shared queue, served by workers as `npm run worker` creates them (with their own queue).
      const taskQueue = `${ok.config.taskQueue}-affinity`;
      const connection = await NativeConnection.connect({ address: ok.env.address });
      const workflowBundle = { codePath: process.env.FEATUREFLOW_TEST_WORKFLOW_BUNDLE as string };
      const workers = await createWorkers({ config: { ...ok.config, taskQueue }, connection, db: ok.db, sources: { synthetic: syntheticSource }, workflowBundle });
      const running = Promise.all(workers.map((w) => w.run()));
      try {
        const input: BackfillInput = { symbols: ['SOL-USD'], flows: ['evaluate'], from: '2024-05-01', to: '2024-05-04', withUpstream: true, chunkDays: 2, windowDays: 2 };
        const backfillId = backfillWorkflowId(input);
        const result = (await ok.client.workflow.execute('backfill', { taskQueue, workflowId: backfillId, args: [input] })) as { status: string };
        if (result.status !== 'completed') throw new Error(`backfill-worker-affinity: expected completed, got ${JSON.stringify(result)}`);
        const childId = flowWorkflowId('features-c', 'SOL-USD', '2024-05-05', '2024-05-05');
        await ok.client.workflow.execute('ingest', { taskQueue, workflowId: flowWorkflowId('ingest', 'SOL-USD', '2024-05-05', '2024-05-05'), args: [{ symbol: 'SOL-USD', from: '2024-05-05', to: '2024-05-05' }] });
        await ok.client.workflow.execute('features', {
          taskQueue,
          workflowId: childId,
          args: [{ symbol: 'SOL-USD', from: '2024-05-05', to: '2024-05-05', algorithm: 'c', affinity: { taskQueue: `${taskQueue}/worker/gone/00000000`, waitSeconds: 1 } }],
        });
        return [{ workflowId: backfillId }, { workflowId: childId, part: 'child-fallback' }];
      } finally {
        for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
        await running;
        await connection.close();
      }
    },
  },
];

/** Parsed command line. */
interface Args {
  readonly tag: string;
  /** Only rewrite the README from the files present. */
  readonly readmeOnly: boolean;
  readonly only?: ReadonlySet<string>;
}

function parseArgs(argv: readonly string[]): Args {
  let tag = CURRENT_TAG;
  let only: Set<string> | undefined;
  let readmeOnly = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--tag') tag = argv[++i] ?? '';
    else if (argv[i] === '--readme') readmeOnly = true;
    else if (argv[i] === '--only') only = new Set((argv[++i] ?? '').split(',').filter(Boolean));
    else throw new Error(`unknown argument ${argv[i]}; usage: [--tag <vN>] [--only <scenario,...>] [--readme]`);
  }
  if (!(tag in TAGS)) throw new Error(`unknown tag "${tag}": describe it in TAGS in scripts/record-histories.ts first (known: ${Object.keys(TAGS).join(', ')})`);
  const unknown = [...(only ?? [])].filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return { tag, only, readmeOnly };
}

/** The file name of a recorded run: `<scenario>[.<part>]-<tag>.json`. */
function historyFileName(scenario: string, part: string | undefined, tag: string): string {
  return `${scenario}${part ? `.${part}` : ''}-${tag}.json`;
}

async function saveHistory(client: Client, run: RecordedRun, file: string): Promise<number> {
  const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
  fs.writeFileSync(path.join(HISTORIES_DIR, file), `${historyToJson(history)}\n`);
  return history.events?.length ?? 0;
}

/** The UTC day a history's first event happened: when it was recorded. */
function recordedDay(file: string): string {
  const parsed = JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, file), 'utf8')) as { events?: Array<{ eventTime?: string }> };
  return parsed.events?.[0]?.eventTime?.slice(0, 10) ?? 'unknown';
}

/** Rewrites the folder's README from the files present, so it never lists a file that is gone. */
function writeReadme(): void {
  const files = fs.readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();
  const rows = files.map((file) => {
    const match = /^(.+?)(?:\.([a-z-]+))?-(v\d+)\.json$/.exec(file);
    const scenario = SCENARIOS.find((s) => s.name === match?.[1]);
    const part = match?.[2];
    const partText = part ? ` — this file: ${part.startsWith('child-') ? `the ${part.slice('child-'.length)} child run` : `the ${part.replace(/-/g, ' ')}`}` : '';
    const what = `${scenario?.covers ?? '(not a known scenario)'}${partText}`;
    return `| \`${file}\` | ${what} | ${match?.[3] ?? '?'} | ${recordedDay(file)} |`;
  });
  const text = [
    '# Recorded workflow histories',
    '',
    'Real runs recorded by `npm run histories:record` on a dev server (real activities, SQLite).',
    '`test/replay/replay.test.ts` replays every `.json` file here against the current workflow code;',
    'see `docs/changing-workflows.md`. Generated by the recorder: edit `scripts/record-histories.ts`, not this file.',
    '',
    '## Workflow code versions',
    '',
    ...Object.entries(TAGS).map(([tag, text]) => `- **${tag}**: ${text}`),
    '',
    '## Files',
    '',
    '| File | Covers | Code | Recorded (UTC) |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(HISTORIES_DIR, 'README.md'), text);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.readmeOnly) return writeReadme();
  const selected = SCENARIOS.filter((s) => !args.only || args.only.has(s.name));
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });

  // The stack helper loads a prebuilt bundle; build it from the workflow code as it is now.
  const bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'featureflow-record-'));
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows') });
  process.env.FEATUREFLOW_TEST_WORKFLOW_BUNDLE = path.join(bundleDir, 'workflows.js');
  fs.writeFileSync(process.env.FEATUREFLOW_TEST_WORKFLOW_BUNDLE, code);

  const gated = createGatedSource();
  let server: TestWorkflowEnvironment | undefined;
  const started: TestStack[] = [];
  const skipped: string[] = [];
  try {
    server = await startDevServerEnv();
    const stack = async (source: MarketSource) => {
      const s = await startStack({ server, sources: { synthetic: source } });
      started.push(s);
      return s;
    };
    const stacks: Stacks = { ok: await stack(syntheticSource), broken: await stack(brokenSource), gated: await stack(gated.source), gate: gated.gate };
    for (const scenario of selected) {
      const reason = scenario.unavailable?.();
      if (reason) {
        skipped.push(scenario.name);
        console.warn(`SKIPPED ${scenario.name}: ${reason}`);
        continue;
      }
      const runs = await scenario.run(stacks);
      for (const run of runs) {
        const file = historyFileName(scenario.name, run.part, args.tag);
        const events = await saveHistory(stacks.ok.client, run, file);
        console.log(`recorded ${file} (${events} events, ${run.workflowId})`);
      }
    }
  } finally {
    gated.gate.release();
    for (const s of started.reverse()) await s.stop();
    await server?.teardown();
    fs.rmSync(bundleDir, { recursive: true, force: true });
  }
  writeReadme();
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
  console.log(`histories written to ${path.relative(PROJECT_ROOT, HISTORIES_DIR)} with tag ${args.tag} (checkout ${commit}); README updated`);
  if (skipped.length) console.warn(`not recorded: ${skipped.join(', ')} (see the messages above)`);
}

main().catch((err) => {
  console.error(`histories:record: ${(err as Error).message}`);
  process.exit(1);
});
