/** The pure backfill planner: skip rules, chunking, upstream checks, force, exclusions. */
import { effectiveFlows, failedPartitionCount, planPhase, type LedgerFact, type PhasePlanRequest, type PlanGraph } from '../../src/backfill/plan';
import { daysOf } from '../../src/dates';

/** A -> {B, C} -> D at test versions; C reads two days of look-back when `cLookback` says so. */
function graph(cLookback = 0): PlanGraph {
  return {
    nodes: [
      { id: 'ingest', kind: 'ingest', upstream: [], asset: 'candles', lookbackDays: 0 },
      { id: 'features-b', kind: 'features', upstream: ['ingest'], asset: 'features_b', version: 'b-1', lookbackDays: 0 },
      { id: 'features-c', kind: 'features', upstream: ['ingest'], asset: 'features_c', version: 'c-1', lookbackDays: cLookback },
      {
        id: 'evaluate',
        kind: 'evaluate',
        upstream: ['features-b', 'features-c'],
        asset: 'evaluations',
        version: 'e-1',
        lookbackDays: 0,
        targets: [
          { algorithm: 'b', flow: 'features-b', asset: 'evaluations/b', version: 'e-1+b-1' },
          { algorithm: 'c', flow: 'features-c', asset: 'evaluations/c', version: 'e-1+c-1' },
        ],
      },
    ],
  };
}

function facts(asset: string, from: string, to: string, codeVersion = 'x', materializedAt = 1000): LedgerFact[] {
  return daysOf(from, to).map((partition) => ({ asset, partition, codeVersion, materializedAt }));
}

function request(over: Partial<PhasePlanRequest>): PhasePlanRequest {
  return {
    symbol: 'BTC-USD',
    flows: ['features-c'],
    selected: ['features-c'],
    from: '2024-01-01',
    to: '2024-01-10',
    chunkDays: 4,
    force: false,
    forceBefore: 5000,
    graph: graph(),
    exclude: [],
    facts: [],
    ...over,
  };
}

describe('backfill planner', () => {
  it('adds transitive upstream flows only with withUpstream, in dependency order', () => {
    expect(effectiveFlows(graph(), ['evaluate'], false)).toEqual(['evaluate']);
    expect(effectiveFlows(graph(), ['evaluate'], true)).toEqual(['ingest', 'features-b', 'features-c', 'evaluate']);
    expect(effectiveFlows(graph(), ['features-c', 'ingest'], true)).toEqual(['ingest', 'features-c']);
  });

  it('chunks missing days into runs of at most K contiguous days', () => {
    const plan = planPhase(request({ facts: facts('candles', '2024-01-01', '2024-01-10') }));
    expect(plan.runs.map((r) => [r.from, r.to, r.days])).toEqual([
      ['2024-01-01', '2024-01-04', 4],
      ['2024-01-05', '2024-01-08', 4],
      ['2024-01-09', '2024-01-10', 2],
    ]);
    expect(plan.runs.every((r) => r.codeVersion === 'c-1' && r.flow === 'features-c')).toBe(true);
    expect(plan.skipped).toBe(0);
  });

  it('K = 1 gives one run per partition', () => {
    const plan = planPhase(request({ chunkDays: 1, facts: facts('candles', '2024-01-01', '2024-01-10') }));
    expect(plan.runs).toHaveLength(10);
    expect(plan.runs.every((r) => r.from === r.to && r.days === 1)).toBe(true);
  });

  it('skips current partitions, reruns stale ones, and splits runs around skipped days', () => {
    const ledger = [
      ...facts('candles', '2024-01-01', '2024-01-10'),
      ...facts('features_c', '2024-01-01', '2024-01-03', 'c-1'),
      ...facts('features_c', '2024-01-04', '2024-01-05', 'c-0.9'),
      ...facts('features_c', '2024-01-07', '2024-01-07', 'c-1'),
    ];
    const plan = planPhase(request({ facts: ledger }));
    expect(plan.skipped).toBe(4);
    expect(plan.stale).toBe(2);
    expect(plan.runs.map((r) => `${r.from}..${r.to}`)).toEqual(['2024-01-04..2024-01-06', '2024-01-08..2024-01-10']);
  });

  it('never re-ingests a day that has candles, whatever their version, even with force', () => {
    const plan = planPhase(
      request({ flows: ['ingest'], selected: ['ingest'], force: true, facts: facts('candles', '2024-01-03', '2024-01-04', 'old-source') }),
    );
    expect(plan.skipped).toBe(2);
    expect(plan.runs.map((r) => `${r.from}..${r.to}`)).toEqual(['2024-01-01..2024-01-02', '2024-01-05..2024-01-08', '2024-01-09..2024-01-10']);
    expect(plan.runs[0].codeVersion).toBeUndefined();
  });

  it('force redoes selected partitions materialized before the backfill started, not those it wrote itself', () => {
    const ledger = [...facts('candles', '2024-01-01', '2024-01-10'), ...facts('features_c', '2024-01-01', '2024-01-05', 'c-1', 1000), ...facts('features_c', '2024-01-06', '2024-01-10', 'c-1', 9000)];
    const plan = planPhase(request({ force: true, chunkDays: 31, facts: ledger }));
    expect(plan.runs.map((r) => `${r.from}..${r.to}`)).toEqual(['2024-01-01..2024-01-05']);
    expect(plan.skipped).toBe(5);
    // Upstream flows that were only added by withUpstream are never forced.
    const upstream = planPhase(request({ force: true, selected: ['evaluate'], facts: ledger }));
    expect(upstream.runs).toEqual([]);
  });

  it('fails partitions whose upstream is missing or stale, grouped per contiguous cause, and plans the rest', () => {
    const ledger = [
      ...facts('candles', '2024-01-01', '2024-01-10'),
      ...facts('features_b', '2024-01-01', '2024-01-10', 'b-1'),
      ...facts('features_c', '2024-01-01', '2024-01-06', 'c-1'),
      ...facts('features_c', '2024-01-07', '2024-01-08', 'c-0.9'),
    ];
    const plan = planPhase(request({ flows: ['evaluate'], selected: ['evaluate'], facts: ledger }));
    expect(plan.runs.map((r) => `${r.from}..${r.to}`)).toEqual(['2024-01-01..2024-01-04', '2024-01-05..2024-01-06']);
    expect(plan.upstreamMissing).toHaveLength(2);
    expect(plan.upstreamMissing[0]).toMatchObject({ flow: 'evaluate', from: '2024-01-07', to: '2024-01-08' });
    expect(plan.upstreamMissing[0].error).toMatch(/^UpstreamMissing: evaluate needs features_c \(stale: c-0\.9, current c-1\); run features-b and features-c first/);
    expect(plan.upstreamMissing[1]).toMatchObject({ from: '2024-01-09', to: '2024-01-10' });
    expect(plan.upstreamMissing[1].error).toMatch(/features_c \(not materialized\)/);
    expect(failedPartitionCount(plan.upstreamMissing)).toBe(4);
  });

  it('features fail only the days without candles', () => {
    const ledger = [...facts('candles', '2024-01-01', '2024-01-04'), ...facts('candles', '2024-01-06', '2024-01-10')];
    const plan = planPhase(request({ chunkDays: 31, facts: ledger }));
    expect(plan.runs.map((r) => `${r.from}..${r.to}`)).toEqual(['2024-01-01..2024-01-04', '2024-01-06..2024-01-10']);
    expect(plan.upstreamMissing.map((f) => `${f.from}..${f.to}`)).toEqual(['2024-01-05..2024-01-05']);
    expect(plan.upstreamMissing[0].error).toContain('candles (not materialized)');
  });

  it('excludes partitions that already failed in this backfill (only for their flow and symbol)', () => {
    const plan = planPhase(
      request({
        flows: ['features-b', 'features-c'],
        selected: ['features-b', 'features-c'],
        chunkDays: 31,
        facts: facts('candles', '2024-01-01', '2024-01-10'),
        exclude: [
          { flow: 'features-c', symbol: 'BTC-USD', from: '2024-01-03', to: '2024-01-04', error: 'x' },
          { flow: 'features-c', symbol: 'ETH-USD', from: '2024-01-01', to: '2024-01-10', error: 'x' },
        ],
      }),
    );
    expect(plan.runs.map((r) => `${r.flow} ${r.from}..${r.to}`)).toEqual([
      'features-b 2024-01-01..2024-01-10',
      'features-c 2024-01-01..2024-01-02',
      'features-c 2024-01-05..2024-01-10',
    ]);
    expect(plan.skipped).toBe(0);
  });

  it('counts assumed upstream runs as current (this symbol only), never as the planned asset itself', () => {
    // Candles exist for 01-01..01-04; ingest runs in flight cover 01-05..01-08 (and another symbol's 01-09..01-10).
    const assumed = [
      { flow: 'ingest', symbol: 'BTC-USD', from: '2024-01-05', to: '2024-01-08' },
      { flow: 'ingest', symbol: 'ETH-USD', from: '2024-01-09', to: '2024-01-10' },
    ] as const;
    const plan = planPhase(request({ facts: facts('candles', '2024-01-01', '2024-01-04'), assumed }));
    expect(plan.runs.map((r) => [r.from, r.to])).toEqual([
      ['2024-01-01', '2024-01-04'],
      ['2024-01-05', '2024-01-08'],
    ]);
    expect(plan.upstreamMissing).toEqual([expect.objectContaining({ from: '2024-01-09', to: '2024-01-10', error: expect.stringContaining('candles (not materialized)') })]);
    // Evaluate assumes feature runs at the current version, even over stale ledger rows.
    const evaluation = planPhase(
      request({
        flows: ['evaluate'],
        selected: ['evaluate'],
        facts: [...facts('features_b', '2024-01-01', '2024-01-10', 'b-0'), ...facts('features_c', '2024-01-01', '2024-01-10', 'c-1')],
        assumed: [{ flow: 'features-b', symbol: 'BTC-USD', from: '2024-01-01', to: '2024-01-06' }],
      }),
    );
    expect(evaluation.runs.map((r) => [r.from, r.to])).toEqual([
      ['2024-01-01', '2024-01-04'],
      ['2024-01-05', '2024-01-06'],
    ]);
    expect(evaluation.upstreamMissing).toEqual([expect.objectContaining({ from: '2024-01-07', to: '2024-01-10', error: expect.stringContaining('features_b (stale: b-0') })]);
    // A run of the planned flow itself is not a reason to skip its days.
    const own = planPhase(request({ facts: facts('candles', '2024-01-01', '2024-01-10'), assumed: [{ flow: 'features-c', symbol: 'BTC-USD', from: '2024-01-01', to: '2024-01-10' }] }));
    expect(own.skipped).toBe(0);
    expect(own.runs).toHaveLength(3);
  });

  it('rejects a non-positive chunk size', () => {
    expect(() => planPhase(request({ chunkDays: 0 }))).toThrow(/chunkDays/);
  });
});

describe('backfill planner look-back', () => {
  it('fails feature days whose look-back candles inside the range are missing', () => {
    const ledger = [...facts('candles', '2024-01-01', '2024-01-04'), ...facts('candles', '2024-01-06', '2024-01-10')];
    const plan = planPhase(request({ chunkDays: 31, graph: graph(2), facts: ledger }));
    expect(plan.runs.map((r) => `${r.from}..${r.to}`)).toEqual(['2024-01-01..2024-01-04', '2024-01-08..2024-01-10']);
    expect(plan.upstreamMissing.map((f) => `${f.from}..${f.to}`)).toEqual(['2024-01-05..2024-01-05', '2024-01-06..2024-01-07']);
    expect(plan.upstreamMissing[1].error).toContain('look-back candles of the previous 2 days (not materialized)');
    // Look-back days before the range are not required (the range may start where data starts).
    expect(planPhase(request({ from: '2024-01-06', graph: graph(2), facts: ledger })).upstreamMissing).toEqual([]);
  });
});
