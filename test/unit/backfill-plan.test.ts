/** The pure backfill planner: skip rules, chunking, upstream checks, force, exclusions. */
import { effectiveFlows, failedPartitionCount, planPhase, staleReason, type LedgerFact, type PhasePlanRequest, type PlanGraph } from '../../src/backfill/plan';
import { daysOf } from '../../src/core/dates';

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

  it('never re-ingests a day that has candles, whatever their version, unless ingest itself is forced', () => {
    const plan = planPhase(request({ flows: ['ingest'], selected: ['ingest'], facts: facts('candles', '2024-01-03', '2024-01-04', 'old-source') }));
    expect(plan.skipped).toBe(2);
    expect(plan.runs.map((r) => `${r.from}..${r.to}`)).toEqual(['2024-01-01..2024-01-02', '2024-01-05..2024-01-08', '2024-01-09..2024-01-10']);
    expect(plan.runs[0].codeVersion).toBeUndefined();
    // --force on ingest re-fetches (late or corrected data); ingest added by --with-upstream never is.
    const forced = planPhase(request({ flows: ['ingest'], selected: ['ingest'], force: true, chunkDays: 31, facts: facts('candles', '2024-01-03', '2024-01-04', 'old-source') }));
    expect(forced.runs.map((r) => `${r.from}..${r.to}`)).toEqual(['2024-01-01..2024-01-10']);
    const upstreamOnly = planPhase(request({ flows: ['ingest'], selected: ['features-c'], force: true, facts: facts('candles', '2024-01-03', '2024-01-04', 'old-source') }));
    expect(upstreamOnly.skipped).toBe(2);
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

describe('backfill planner lineage', () => {
  const withSums = (asset: string, from: string, to: string, codeVersion: string, checksum: string, materializedAt = 1000): LedgerFact[] =>
    daysOf(from, to).map((partition) => ({ asset, partition, codeVersion, materializedAt, checksum }));

  it('a partition whose recorded input changed, or appeared since, is stale; an input rewritten with the same checksum is not', () => {
    const ledger = [...withSums('candles', '2023-12-30', '2024-01-04', 'src', 'k', 5000), ...withSums('features_c', '2024-01-01', '2024-01-04', 'c-1', 'f', 2000)];
    // Candles were rewritten (materialized later) but with the same checksums: lineage says current.
    const lineage = new Map(
      daysOf('2024-01-01', '2024-01-04').map((d) => [
        `features_c/${d}`,
        [-2, -1, 0].map((k) => ({ asset: 'candles', partition: daysOf('2023-12-30', '2024-01-04')[daysOf('2023-12-30', '2024-01-04').indexOf(d) + k], checksum: 'k' })),
      ]),
    );
    // 01-02's candles changed; 01-04 was computed when its look-back day 01-02 was missing.
    lineage.set('features_c/2024-01-04', [
      { asset: 'candles', partition: '2024-01-02', checksum: '' },
      { asset: 'candles', partition: '2024-01-03', checksum: 'k' },
      { asset: 'candles', partition: '2024-01-04', checksum: 'k' },
    ]);
    const changed = ledger.map((f) => (f.asset === 'candles' && f.partition === '2024-01-02' ? { ...f, checksum: 'k2' } : f));
    const plan = planPhase(request({ from: '2024-01-01', to: '2024-01-04', chunkDays: 31, graph: graph(2), facts: changed, lineage, historyStart: '2023-12-30' }));
    // 01-02, 01-03 and 01-04 read 01-02 (look-back); 01-01 did not.
    expect(plan.runs.map((r) => `${r.from}..${r.to}`)).toEqual(['2024-01-02..2024-01-04']);
    expect(plan.stale).toBe(3);
    expect(plan.skipped).toBe(1);
    const day4 = changed.find((f) => f.asset === 'features_c' && f.partition === '2024-01-04') as LedgerFact;
    expect(staleReason(day4, 'c-1', lineage.get('features_c/2024-01-04'), (a, p) => changed.find((f) => f.asset === a && f.partition === p), [])).toBe(
      'upstream changed: candles 2024-01-02 appeared since',
    );
  });

  it('look-back days before the range are upstream too, except before the history starts', () => {
    // Candles 01-01..01-03 and 01-06..01-10: the window 01-06..01-10 starts after a gap.
    const ledger = [...facts('candles', '2024-01-01', '2024-01-03'), ...facts('candles', '2024-01-06', '2024-01-10')];
    const plan = planPhase(request({ from: '2024-01-06', to: '2024-01-10', chunkDays: 31, graph: graph(2), facts: ledger, historyStart: '2024-01-01' }));
    expect(plan.upstreamMissing).toEqual([expect.objectContaining({ from: '2024-01-06', to: '2024-01-07', error: expect.stringContaining('look-back candles of the previous 2 days') })]);
    expect(plan.runs.map((r) => `${r.from}..${r.to}`)).toEqual(['2024-01-08..2024-01-10']);
    // Where the history starts there is nothing before to wait for.
    const first = planPhase(request({ from: '2024-01-06', to: '2024-01-10', chunkDays: 31, graph: graph(2), facts: ledger, historyStart: '2024-01-06' }));
    expect(first.upstreamMissing).toEqual([]);
  });
});
