import { dynamicTables } from '../../src/db/schema';
/**
 * The pipeline on PostgreSQL: the same workflows and activities, a real dev server, the CI
 * PostgreSQL (FEATUREFLOW_TEST_PG_URL) as the database, and a live-format exchange (a local
 * server speaking Coinbase's candles API) as one of the sources.
 */
import { FLOW_GRAPH } from '../../src/flows/registry';
import { DAY_MS, dayStartMs } from '../../src/core/dates';
import { PipelineResult, ingestRefOf, featureRefOf, evaluationRefOf } from '../../src/contracts';
import { rangeChecksum } from '../../src/core/checksum';
import { listMaterializations } from '../../src/db/ledger';
import { pipelineWorkflowId } from '../../src/core/ids';
import { coinbaseSource } from '../../src/sources/coinbase';
import { testSyntheticSource as syntheticSource } from '../helpers/sources';
import { startFakeCoinbase, type FakeCoinbase } from '../helpers/fake-coinbase';
import { startStack, testPostgresUrl, type TestStack } from '../helpers/stack';

const DAY = '2024-01-15';
const pgUrl = testPostgresUrl();
if (!pgUrl) {
  console.warn('\n!!! FEATUREFLOW_TEST_PG_URL is not set: the PostgreSQL workflow suite is SKIPPED (CI sets it; run scripts/start-postgres.sh) !!!\n');
}
const describePg = pgUrl ? describe : describe.skip;

describePg('pipeline on PostgreSQL', () => {
  let stack: TestStack;
  let fake: FakeCoinbase;
  const gaps = new Set([dayStartMs(DAY) + 5 * 60_000, dayStartMs(DAY) + 900 * 60_000]);

  beforeAll(async () => {
    fake = await startFakeCoinbase({ gaps, duplicates: new Set([dayStartMs(DAY) + 60_000]) });
    stack = await startStack({
      database: 'postgres',
      sources: { synthetic: syntheticSource, coinbase: coinbaseSource({ baseUrl: fake.url, ratePerSecond: 100, burst: 5 }) },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await fake?.close();
  });

  const run = (symbol: string, source: 'synthetic' | 'coinbase') =>
    stack.client.workflow.execute('pipeline', {
      taskQueue: stack.config.taskQueue,
      workflowId: `${pipelineWorkflowId(symbol, DAY)}/${source}`,
      args: [{ symbol, date: DAY, source }],
    });

  const counts = async (symbol: string) => {
    const n = async (table: 'candles' | 'features_b' | 'features_c' | 'evaluations') =>
      Number((await dynamicTables(stack.db).selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where('symbol', '=', symbol).executeTakeFirstOrThrow()).n);
    return { candles: await n('candles'), b: await n('features_b'), c: await n('features_c'), evaluations: await n('evaluations') };
  };

  it('runs the whole pipeline into PostgreSQL, and a re-run leaves identical rows and checksums', async () => {
    expect(stack.db.dialect).toBe('postgres');
    const first = PipelineResult.parse(await run('BTC-USD', 'synthetic'));
    expect(ingestRefOf(first)).toMatchObject({ rows: 1440, partitions: 1, source: 'synthetic' });
    const before = await counts('BTC-USD');
    // The day and its two look-back days of candles (ingested with it, as the database lacked them).
    expect(before).toEqual({ candles: 3 * 1440, b: 1440, c: 1440, evaluations: evaluationRefOf(first).rows });
    const ledgerBefore = await listMaterializations(stack.db.kysely, { symbol: 'BTC-USD', from: DAY, to: DAY });
    const features = FLOW_GRAPH.active.filter((f) => f.kind === 'features');
    expect(ledgerBefore.map((m) => m.asset)).toEqual(['candles', ...features.map((f) => `evaluations/${f.algorithm?.id}`), ...features.map((f) => f.asset)].sort());
    expect(rangeChecksum([ledgerBefore[0].checksum])).toBe(ingestRefOf(first).checksum);

    // A second run (a new workflow id, as a re-run or a retried schedule would be) over the same partition.
    const second = PipelineResult.parse(
      await stack.client.workflow.execute('pipeline', {
        taskQueue: stack.config.taskQueue,
        workflowId: `${pipelineWorkflowId('BTC-USD', DAY)}/synthetic-rerun`,
        args: [{ symbol: 'BTC-USD', date: DAY, source: 'synthetic' }],
      }),
    );
    expect(await counts('BTC-USD')).toEqual(before);
    expect([ingestRefOf(second).checksum, featureRefOf(second, 'features-b').checksum, featureRefOf(second, 'features-c').checksum, evaluationRefOf(second).checksum]).toEqual([
      ingestRefOf(first).checksum,
      featureRefOf(first, 'features-b').checksum,
      featureRefOf(first, 'features-c').checksum,
      evaluationRefOf(first).checksum,
    ]);
    const ledgerAfter = await listMaterializations(stack.db.kysely, { symbol: 'BTC-USD', from: DAY, to: DAY });
    expect(ledgerAfter.map((m) => [m.asset, m.rows, m.checksum])).toEqual(ledgerBefore.map((m) => [m.asset, m.rows, m.checksum]));
  });

  it('ingests from a live-format exchange: pages, gaps kept as gaps, duplicates dropped', async () => {
    const result = PipelineResult.parse(await run('ETH-USD', 'coinbase'));
    expect(ingestRefOf(result)).toMatchObject({ source: 'coinbase', rows: 1440 - gaps.size });
    // Five pages for the day (the two look-back days before it are fetched too, five pages each).
    expect(fake.requests.filter((r) => r.path === '/products/ETH-USD/candles' && String(r.start).startsWith(DAY))).toHaveLength(5);
    const stored = await stack.db.kysely
      .selectFrom('candles')
      .select(['ts'])
      .where('symbol', '=', 'ETH-USD')
      .where('ts', '>=', dayStartMs(DAY))
      .where('ts', '<', dayStartMs(DAY) + DAY_MS)
      .orderBy('ts')
      .execute();
    expect(stored).toHaveLength(1440 - gaps.size);
    for (const g of gaps) expect(stored.map((r) => Number(r.ts))).not.toContain(g);
    const [candles] = await listMaterializations(stack.db.kysely, { symbol: 'ETH-USD', from: DAY, to: DAY, assets: ['candles'] });
    expect(candles).toMatchObject({ rows: 1440 - gaps.size, code_version: 'coinbase-1' });
  });
});
