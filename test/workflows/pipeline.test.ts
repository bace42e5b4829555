import { dynamicTables } from '../../src/db/schema';
/**
 * The daily pipeline end to end on a real dev server with real activities and SQLite:
 * typed results, rows and ledger in the database, idempotent re-runs, and failure propagation.
 */
import { WorkflowFailedError, ChildWorkflowFailure, ActivityFailure, ApplicationFailure } from '@temporalio/client';
import { ApplicationFailure as Failure } from '@temporalio/common';
import { PipelineResult, ingestRefOf, featureRefOf, evaluationRefOf } from '../../src/contracts';
import { rangeChecksum } from '../../src/core/checksum';
import { FLOW_GRAPH } from '../../src/flows/registry';
import { listMaterializations } from '../../src/db/ledger';
import { pipelineWorkflowId } from '../../src/core/ids';
import { loadRunTree } from '../../src/temporal/run-tree';
import { testSyntheticSource as syntheticSource } from '../helpers/sources';
import type { MarketSource } from '../../src/sources/types';
import { startDevServerEnv, startStack, type TestStack } from '../helpers/stack';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

const DAY = '2024-01-15';

/** The code version of one asset's ledger row. */
const byAssetVersion = (ledger: ReadonlyArray<{ asset: string; code_version: string }>, asset: string): string | undefined => ledger.find((m) => m.asset === asset)?.code_version;

async function runPipeline(stack: TestStack, symbol: string, date: string) {
  return stack.client.workflow.execute('pipeline', {
    taskQueue: stack.config.taskQueue,
    workflowId: pipelineWorkflowId(symbol, date),
    args: [{ symbol, date }],
  });
}

async function tableCounts(stack: TestStack, symbol: string) {
  const count = async (table: 'candles' | 'features_b' | 'features_c' | 'evaluations') =>
    Number((await dynamicTables(stack.db).selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where('symbol', '=', symbol).executeTakeFirstOrThrow()).n);
  return { candles: await count('candles'), b: await count('features_b'), c: await count('features_c'), evaluations: await count('evaluations') };
}

describe('pipeline on a real dev server', () => {
  let server: TestWorkflowEnvironment;
  let stack: TestStack;

  beforeAll(async () => {
    server = await startDevServerEnv();
    stack = await startStack({ server });
  });
  afterAll(async () => {
    await stack?.stop();
    await server?.teardown();
  });

  it('runs A -> {every active feature flow} -> D and returns typed references that match the database', async () => {
    const features = FLOW_GRAPH.active.filter((f) => f.kind === 'features');
    const algorithms = features.map((f) => f.algorithm?.id ?? '');
    const result = PipelineResult.parse(await runPipeline(stack, 'BTC-USD', DAY));
    expect(result.date).toBe(DAY);
    expect(ingestRefOf(result)).toMatchObject({ table: 'candles', symbol: 'BTC-USD', from: DAY, to: DAY, rows: 1440, partitions: 1, source: 'synthetic' });
    expect(featureRefOf(result, 'features-b')).toMatchObject({ table: 'features_b', algorithm: 'b', rows: 1440 });
    expect(featureRefOf(result, 'features-c')).toMatchObject({ table: 'features_c', algorithm: 'c', rows: 1440 });
    expect(evaluationRefOf(result).table).toBe('evaluations');
    expect(evaluationRefOf(result).scores.map((s) => s.algorithm)).toEqual([...algorithms].sort());
    expect(result.graph.flows.map((f) => f.id)).toEqual(FLOW_GRAPH.active.map((f) => f.id));

    const counts = await tableCounts(stack, 'BTC-USD');
    // The day and the look-back days its features read (ingested first, as the ledger lacked them).
    const lookbackDays = Math.max(...result.graph.flows.map((f) => f.lookbackDays ?? 0));
    expect(lookbackDays).toBe(2);
    expect(counts).toEqual({ candles: 1440 * (1 + lookbackDays), b: 1440, c: 1440, evaluations: evaluationRefOf(result).rows });
    expect(evaluationRefOf(result).rows).toBeGreaterThan(0);

    const ledger = await listMaterializations(stack.db.kysely, { symbol: 'BTC-USD', from: DAY, to: DAY });
    // D's scores are one ledger partition per scored flow, so each can go stale on its own.
    expect(ledger.map((m) => m.asset).sort()).toEqual(['candles', ...algorithms.map((a) => `evaluations/${a}`), ...features.map((f) => f.asset)].sort());
    expect(byAssetVersion(ledger, 'evaluations/c')).toBe(`eval-1.1.0+${featureRefOf(result, 'features-c').version}`);
    const byAsset = Object.fromEntries(ledger.map((m) => [m.asset, m]));
    // The range checksum the flow returned is derived from the ledger's per-partition checksum.
    expect(rangeChecksum([byAsset.candles.checksum])).toBe(ingestRefOf(result).checksum);
    expect(rangeChecksum([byAsset.features_c.checksum])).toBe(featureRefOf(result, 'features-c').checksum);
    expect(byAsset.candles.workflow_id).toBe(`ingest/BTC-USD/${DAY}`);
    expect(byAsset.features_b.code_version).toBe(featureRefOf(result, 'features-b').version);

    // The parent's history shows one child per flow, all completed.
    const tree = await loadRunTree(stack.client, pipelineWorkflowId('BTC-USD', DAY));
    expect(tree.state).toBe('completed');
    expect(tree.children.map((c) => c.workflowId).sort()).toEqual(
      FLOW_GRAPH.active.map((f) => `${f.id}/BTC-USD/${DAY}`).sort(),
    );
    expect(tree.children.every((c) => c.state === 'completed')).toBe(true);
  });

  it('re-running the same partition leaves identical rows and checksums', async () => {
    const first = PipelineResult.parse(await runPipeline(stack, 'ETH-USD', DAY));
    const ledgerBefore = await listMaterializations(stack.db.kysely, { symbol: 'ETH-USD', from: DAY, to: DAY });
    const countsBefore = await tableCounts(stack, 'ETH-USD');
    const closesBefore = await stack.db.kysely.selectFrom('candles').select(['ts', 'close']).where('symbol', '=', 'ETH-USD').orderBy('ts').execute();

    const second = PipelineResult.parse(await runPipeline(stack, 'ETH-USD', DAY));
    const ledgerAfter = await listMaterializations(stack.db.kysely, { symbol: 'ETH-USD', from: DAY, to: DAY });
    const closesAfter = await stack.db.kysely.selectFrom('candles').select(['ts', 'close']).where('symbol', '=', 'ETH-USD').orderBy('ts').execute();

    expect(await tableCounts(stack, 'ETH-USD')).toEqual(countsBefore);
    expect(ingestRefOf(second).checksum).toBe(ingestRefOf(first).checksum);
    expect(featureRefOf(second, 'features-b').checksum).toBe(featureRefOf(first, 'features-b').checksum);
    expect(featureRefOf(second, 'features-c').checksum).toBe(featureRefOf(first, 'features-c').checksum);
    expect(evaluationRefOf(second).checksum).toBe(evaluationRefOf(first).checksum);
    expect(ledgerAfter.map((m) => [m.asset, m.checksum, m.rows])).toEqual(ledgerBefore.map((m) => [m.asset, m.checksum, m.rows]));
    // The ledger records the newest run that wrote each partition.
    expect(ledgerAfter.map((m) => m.run_id)).not.toEqual(ledgerBefore.map((m) => m.run_id));
    expect(closesAfter).toEqual(closesBefore);
  });
});

describe('failure propagation', () => {
  let stack: TestStack;
  // A source whose data is rejected: the ingest activity fails non-retryably.
  const brokenSource: MarketSource = {
    ...syntheticSource,
    async fetchDay() {
      throw Failure.nonRetryable('exchange returned a malformed page (test fault)', 'SourceDataInvalid');
    },
  };

  beforeAll(async () => {
    stack = await startStack({ sources: { synthetic: brokenSource } });
  });
  afterAll(async () => stack?.stop());

  it('a failed ingest fails the pipeline with the whole cause chain and starts nothing downstream', async () => {
    const error = await runPipeline(stack, 'BTC-USD', DAY).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    // The parent's own failure names the root cause in its first line (what the Web UI lists).
    const parent = (error as WorkflowFailedError).cause;
    expect(parent).toBeInstanceOf(ApplicationFailure);
    expect((parent as ApplicationFailure).type).toBe('PipelineFailed');
    expect((parent as ApplicationFailure).message).toMatch(/^ingest › ingestCandles › SourceDataInvalid: .*malformed page/);
    const child = (parent as ApplicationFailure).cause;
    expect(child).toBeInstanceOf(ChildWorkflowFailure);
    expect((child as ChildWorkflowFailure).workflowType).toBe('ingest');
    expect((child as ChildWorkflowFailure).execution.workflowId).toBe(`ingest/BTC-USD/${DAY}`);
    const activity = (child as ChildWorkflowFailure).cause;
    expect(activity).toBeInstanceOf(ActivityFailure);
    expect((activity as ActivityFailure).activityType).toBe('ingestCandles');
    const root = (activity as ActivityFailure).cause;
    expect(root).toBeInstanceOf(ApplicationFailure);
    expect((root as ApplicationFailure).type).toBe('SourceDataInvalid');
    expect((root as ApplicationFailure).message).toContain('malformed page');

    const tree = await loadRunTree(stack.client, pipelineWorkflowId('BTC-USD', DAY));
    expect(tree.state).toBe('failed');
    expect(tree.children.map((c) => c.workflowType)).toEqual(['ingest']);
    // Non-retryable: exactly one attempt.
    expect(tree.children[0].activities).toEqual([expect.objectContaining({ activityType: 'ingestCandles', state: 'failed', attempts: 1 })]);
    const ledger = await listMaterializations(stack.db.kysely, { symbol: 'BTC-USD', from: DAY, to: DAY });
    expect(ledger).toEqual([]);
  });
});
