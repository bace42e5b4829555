/**
 * Guards the client library's public surface (the package's root entry, `src/api/index.ts`):
 * the names it exports at run time, and the signatures a consumer compiles against. A change
 * here is a change for every service using the library: update docs/client.md with it.
 * The type assertions are checked by `npm run typecheck` (this file is part of the project).
 */
import * as api from '../../src/api';
import type {
  BackfillRequest,
  BackfillRun,
  ConnectOptions,
  FeatureflowClient,
  FlowGraphInfo,
  FlowResult,
  LogStream,
  PartitionState,
  PipelineRequest,
  PipelineResult,
  RunHandle,
  RunNode,
  RunSummary,
  RunsFilter,
  AssetsRequest,
  BackfillProgress,
  BackfillResult,
  RootCause,
} from '../../src/api';

/** True when A and B are the same type (not merely assignable). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only when T is true. */
function assertType<T extends true>(): T | undefined {
  return undefined;
}

// The signatures a consumer relies on.
assertType<Equals<Parameters<typeof FeatureflowClient.connect>, [options?: ConnectOptions]>>();
assertType<Equals<ReturnType<typeof FeatureflowClient.connect>, Promise<FeatureflowClient>>>();
assertType<Equals<Parameters<FeatureflowClient['startPipeline']>, [request?: PipelineRequest]>>();
assertType<Equals<ReturnType<FeatureflowClient['startPipeline']>, Promise<RunHandle<PipelineResult>>>>();
assertType<Equals<ReturnType<FeatureflowClient['runPipeline']>, Promise<PipelineResult>>>();
assertType<Equals<Parameters<FeatureflowClient['startBackfill']>, [request: BackfillRequest]>>();
assertType<Equals<ReturnType<FeatureflowClient['startBackfill']>, Promise<BackfillRun>>>();
assertType<Equals<ReturnType<FeatureflowClient['backfill']>, Promise<BackfillRun>>>();
assertType<Equals<ReturnType<BackfillRun['progress']>, Promise<BackfillProgress>>>();
assertType<Equals<ReturnType<BackfillRun['progressUpdates']>, AsyncGenerator<BackfillProgress, void, undefined>>>();
assertType<Equals<ReturnType<BackfillRun['result']>, Promise<BackfillResult>>>();
assertType<Equals<ReturnType<FeatureflowClient['status']>, Promise<RunNode>>>();
assertType<Equals<ReturnType<FeatureflowClient['result']>, Promise<FlowResult>>>();
assertType<Equals<Parameters<FeatureflowClient['runs']>, [filter?: RunsFilter]>>();
assertType<Equals<ReturnType<FeatureflowClient['runs']>, Promise<RunSummary[]>>>();
assertType<Equals<ReturnType<FeatureflowClient['logs']>, LogStream>>();
assertType<Equals<Parameters<FeatureflowClient['assets']>, [request: AssetsRequest]>>();
assertType<Equals<ReturnType<FeatureflowClient['assets']>, Promise<PartitionState[]>>>();
assertType<Equals<ReturnType<FeatureflowClient['flowGraph']>, FlowGraphInfo>>();
assertType<Equals<api.RunFailedError['rootCause'], RootCause>>();
assertType<Equals<api.FeatureflowError['kind'], api.FeatureflowErrorKind>>();

describe('the client library surface', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'AssetName',
        'AssetsRequest',
        'BackfillProgress',
        'BackfillRequest',
        'BackfillResult',
        'BackfillRun',
        'ConflictError',
        'DatabaseError',
        'EvaluationRef',
        'FailedPartitions',
        'FeatureRef',
        'FeatureflowClient',
        'FeatureflowError',
        'FlowName',
        'IsoDate',
        'MarketSymbol',
        'NotFoundError',
        'PartitionRef',
        'PipelineRequest',
        'PipelineResult',
        'RunFailedError',
        'RunsFilter',
        'ScheduleBackfillRequest',
        'ScheduleRequest',
        'Schedules',
        'SourceName',
        'TemporalUnreachableError',
        'UsageError',
      ].sort(),
    );
  });

  it('reports invalid input as a UsageError with field paths, before connecting anywhere', async () => {
    // Nothing listens on this address: a request that reached Temporal would fail differently.
    const client = api.FeatureflowClient.lazy({ env: { TEMPORAL_ADDRESS: '127.0.0.1:1', FEATUREFLOW_DATA_DIR: '/nonexistent-featureflow' } });
    const err = await client.startBackfill({ flows: ['features-x' as 'ingest'], from: '2024-02-30', to: '2024-01-01', chunkDays: 0.5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(api.UsageError);
    const paths = (err as api.UsageError).issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['flows.0', 'from', 'chunkDays']));
    await client.close();
  });

  it('reports invalid configuration as a UsageError naming the variable', () => {
    expect(() => api.FeatureflowClient.lazy({ env: { DATABASE_URL: 'mysql://db/x' } })).toThrow(api.UsageError);
    expect(() => api.FeatureflowClient.lazy({ env: { DATABASE_URL: 'mysql://db/x' } })).toThrow(/DATABASE_URL/);
  });

  it('describes the flow graph with every flow once, upstreams first', () => {
    const { flows } = api.FeatureflowClient.lazy({ env: {} }).flowGraph();
    expect(flows.map((f) => f.id)).toEqual([...api.FlowName.options]);
    const seen = new Set<string>();
    for (const f of flows) {
      for (const up of f.upstream) expect(seen.has(up)).toBe(true);
      seen.add(f.id);
    }
  });
});
