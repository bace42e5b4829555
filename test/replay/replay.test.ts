/**
 * Replays every recorded history in `test/replay/histories/` against the current workflow code.
 *
 * A history is what a run already did; a worker running new code must make the same decisions
 * in the same order when it picks that run up, or Temporal fails the run's workflow tasks with a
 * nondeterminism error. Each file is its own test, named after the file, and a failure quotes
 * the SDK's message (which names the command and the history event that disagree).
 *
 * The code under test is the bundle the jest global setup built from `src/workflows`, or the
 * artifact in FEATUREFLOW_WORKFLOW_BUNDLE (e.g. `dist/workflow-bundle.js` from
 * `npm run build:workflows`), so the exact file you deploy can be the one replayed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Runtime, Worker, bundleWorkflowCode, type ReplayResult } from '@temporalio/worker';
import { NormalModuleReplacementPlugin } from 'webpack';
import { testWorkflowBundle } from '../helpers/stack';
import { LINEAGE_PATCH, type Lineage } from '../../src/workflows/lineage';
import { historyFromJson } from './history-json';

const HISTORIES_DIR = path.join(__dirname, 'histories');
const files = fs
  .readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

function loadHistory(file: string) {
  return historyFromJson(JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, file), 'utf8')));
}

/** The bundle to replay against: the deployable artifact when given, else the tests' bundle. */
function bundleUnderTest(): { codePath: string } {
  const deployed = process.env.FEATUREFLOW_WORKFLOW_BUNDLE;
  return deployed ? { codePath: path.resolve(deployed) } : testWorkflowBundle();
}

const quietLogger = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

beforeAll(() => {
  // Replay workers log every state change at INFO; results are reported by the tests instead.
  try {
    Runtime.install({ logger: quietLogger });
  } catch {
    // Another file in this jest process installed the runtime first: keep its logger.
  }
});

describe('recorded histories replay on the current workflow code', () => {
  const results = new Map<string, ReplayResult>();

  beforeAll(async () => {
    // One replay worker for all files; each result carries the file name as its workflow ID.
    const histories = files.map((file) => ({ workflowId: file, history: loadHistory(file) }));
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundleUnderTest() }, histories)) {
      results.set(result.workflowId, result);
    }
  });

  it('has a history of every flow, pre-change (v1) ones included', () => {
    for (const type of ['ingest', 'features', 'evaluate', 'pipeline']) {
      expect(files.some((f) => f.startsWith(type) && f.endsWith('-v1.json'))).toBe(true);
    }
  });

  it('has a backfill that continued as new, a scheduled pipeline run of the old action and a scheduledRun', () => {
    expect(files.some((f) => f.startsWith('backfill-continued-as-new.first-run-'))).toBe(true);
    expect(files.some((f) => f.startsWith('pipeline-scheduled-'))).toBe(true);
    expect(files.some((f) => f.startsWith('scheduled-run-'))).toBe(true);
  });

  it.each(files)('%s', (file) => {
    const result = results.get(file);
    if (!result) throw new Error(`${file} was not replayed (the replay worker stopped before reaching it)`);
    if (result.error) {
      throw new Error(
        `${file} does not replay on the current workflow code — runs like it that are in flight would break. ` +
          `${result.error.name}: ${result.error.message}\n` +
          'Put the change behind patched() (see docs/changing-workflows.md), or re-record if the old runs cannot exist anywhere.',
      );
    }
  });
});

/** Decodes a JSON payload as written in a history file (base64 `data`). */
function decodePayload(payload: { data?: string } | undefined): unknown {
  return payload?.data ? JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')) : undefined;
}

describe('the patched change, as recorded after it (v2)', () => {
  it('pipeline-success-v2.json records the patch marker and the lineage memo before evaluate starts', () => {
    type Event = {
      eventType: string;
      markerRecordedEventAttributes?: { markerName: string; details?: Record<string, { payloads?: Array<{ data?: string }> }> };
      workflowPropertiesModifiedEventAttributes?: { upsertedMemo?: { fields?: Record<string, { data?: string }> } };
      startChildWorkflowExecutionInitiatedEventAttributes?: { workflowType?: { name?: string } };
    };
    const { events } = JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, 'pipeline-success-v2.json'), 'utf8')) as { events: Event[] };
    const marker = events.findIndex((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
    expect(marker).toBeGreaterThan(0);
    expect(decodePayload(events[marker].markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0])).toMatchObject({ id: LINEAGE_PATCH });
    const modified = events.findIndex((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED');
    const lineage = decodePayload(events[modified]?.workflowPropertiesModifiedEventAttributes?.upsertedMemo?.fields?.lineage) as Lineage;
    expect(lineage.candles).toMatchObject({ source: 'synthetic', rows: 1440 });
    expect(lineage.features.map((f) => f.algorithm)).toEqual(['b', 'c']);
    const evaluateStart = events.findIndex((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name === 'evaluate');
    expect(modified).toBeGreaterThan(marker);
    expect(evaluateStart).toBeGreaterThan(modified);
  });
});

describe('a later registry (B retired, E added) replays every recorded history', () => {
  let retired: { code: string };

  beforeAll(async () => {
    // The workflows bundled as a later release would bundle them: src/flows/registry.ts replaced.
    const replacement = require.resolve('./registry-b-retired');
    retired = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      logger: quietLogger,
      webpackConfigHook: (config) => ({
        ...config,
        plugins: [...(config.plugins ?? []), new NormalModuleReplacementPlugin(/[\\/]flows[\\/]registry(\.ts)?$/, replacement)],
      }),
    });
  });

  it('the bundle really has B retired', () => {
    expect(retired.code).toContain('registry-b-retired');
  });

  it.each(files)('%s', async (file) => {
    await expect(Worker.runReplayHistory({ workflowBundle: retired }, loadHistory(file), file)).resolves.toBeUndefined();
  });
});

describe('the same change without patched() is caught by replay', () => {
  let unpatched: { code: string };

  beforeAll(async () => {
    unpatched = await bundleWorkflowCode({ workflowsPath: require.resolve('./unpatched'), logger: quietLogger });
  });

  it.each(files.filter((f) => /^pipeline-success.*-v1\.json$/.test(f)))('%s fails to replay, naming the event', async (file) => {
    const error = await Worker.runReplayHistory({ workflowBundle: unpatched }, loadHistory(file), file).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(DeterminismViolationError);
    // The message names the new command and the recorded event it collided with, e.g.
    // "Nondeterminism error: ModifyWorkflowPropertiesMachine does not handle HistoryEvent(id: 26, StartChildWorkflowExecutionInitiated)".
    expect((error as Error).message).toMatch(/Nondeterminism error: ModifyWorkflowProperties\w* does not handle HistoryEvent\(id: \d+, StartChildWorkflowExecutionInitiated\)/);
  });
});
