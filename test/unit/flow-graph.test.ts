/**
 * The flow graph: validation names the offending flow; levels, closures and downstream sets;
 * a derived feature flow (reading C) in a test graph runs after C and beside B, in the pipeline's
 * executor and in the planner; retiring B removes it from what runs but not from what exists.
 */
import { planPhase, type LedgerFact, type PlanGraph } from '../../src/backfill/plan';
import { daysOf } from '../../src/core/dates';
import { featuresB } from '../../src/features/b';
import { featuresC } from '../../src/features/c';
import { defineFeatureAlgorithm } from '../../src/features/types';
import { buildFlowGraph, closureOf, downstreamOf, evaluateFlow, featureFlow, FLOW_GRAPH, FlowGraphError, ingestFlow, levelNames, levelsOf, snapshotOf } from '../../src/flows';
import { runGraph } from '../../src/workflows/graph-run';

/** A test algorithm computed from C's columns: twice C's momentum. */
const derived = defineFeatureAlgorithm({
  id: 'cx',
  version: 'cx-1',
  description: 'test: from C',
  lookbackMinutes: 0,
  columns: ['double_momentum'],
  upstream: ['features-c'],
  compute: (candles, upstream) => ({ double_momentum: (upstream?.['features-c']?.momentum_30 ?? new Float64Array(candles.ts.length)).map((v) => 2 * v) }),
});

const testGraph = (retireB = false) =>
  buildFlowGraph([ingestFlow(), featureFlow(featuresB, { retired: retireB }), featureFlow(featuresC), featureFlow(derived), evaluateFlow('e-1')]);

describe('flow graph', () => {
  it('derives the product graph from the registry: A -> {every feature flow} -> D', () => {
    const ids = FLOW_GRAPH.flows.map((f) => f.id);
    expect(ids[0]).toBe('ingest');
    expect(ids[ids.length - 1]).toBe('evaluate');
    expect(ids).toEqual(expect.arrayContaining(['features-b', 'features-c']));
    const features = FLOW_GRAPH.active.filter((f) => f.kind === 'features').map((f) => f.id);
    expect(FLOW_GRAPH.get('evaluate')?.upstream).toEqual(features);
    expect(FLOW_GRAPH.get('features-c')).toMatchObject({ asset: 'features_c', version: featuresC.version, lookbackMinutes: featuresC.lookbackMinutes });
  });

  it('rejects bad declarations with a message naming the flow', () => {
    const bad = (patch: Partial<ReturnType<typeof featureFlow>>) => () => buildFlowGraph([ingestFlow(), { ...featureFlow(featuresB), ...patch }, evaluateFlow('e-1')]);
    expect(bad({ id: 'features-b', upstream: ['nope'] })).toThrow(/flow 'features-b': upstream 'nope' is not a declared flow/);
    expect(bad({ asset: 'features b' })).toThrow(/flow 'features-b': table 'features b' is not a valid SQL identifier/);
    expect(bad({ asset: 'candles' })).toThrow(/flow 'features-b': table 'candles' is already the table of flow 'ingest'/);
    expect(bad({ columns: ['x', 'x'] })).toThrow(/flow 'features-b': column 'x' is declared twice/);
    expect(bad({ columns: ['ts'] })).toThrow(/column 'ts' is reserved/);
    expect(bad({ columns: ['day'] })).toThrow(/column 'day' is reserved/);
    expect(bad({ asset: 'features_b_days' })).toThrow(/table 'features_b_days' ends in '_days'/);
    expect(bad({ asset: `f${'x'.repeat(55)}` })).toThrow(/longer than 55 characters/);
    expect(bad({ id: 'Features_B' as `features-${string}` })).toThrow(/flow 'Features_B': id must be/);
    expect(() => buildFlowGraph([ingestFlow(), featureFlow(featuresB), featureFlow(featuresB)])).toThrow(/flow 'features-b' is declared twice/);
    const cyclic = [ingestFlow(), { ...featureFlow(featuresB), upstream: ['features-c'] }, { ...featureFlow(featuresC), upstream: ['features-b'] }];
    expect(() => buildFlowGraph(cyclic)).toThrow(FlowGraphError);
    expect(() => buildFlowGraph(cyclic)).toThrow(/flow 'features-b' is part of a cycle/);
    expect(() => buildFlowGraph([ingestFlow(), featureFlow(featuresC, { retired: true }), featureFlow(derived)])).toThrow(/flow 'features-cx' reads 'features-c', which is retired/);
  });

  it('orders a derived flow after what it reads: levels, closures, downstream', () => {
    const g = testGraph();
    expect(g.flows.map((f) => f.id)).toEqual(['ingest', 'features-b', 'features-c', 'features-cx', 'evaluate']);
    const levels = levelsOf(g.flows);
    expect(levels.map((l) => l.map((n) => n.id))).toEqual([['ingest'], ['features-b', 'features-c'], ['features-cx'], ['evaluate']]);
    expect(levelNames(levels)).toEqual(['ingest', 'features 1', 'features 2', 'evaluate']);
    expect(closureOf(g.flows, ['features-cx'], true)).toEqual(['ingest', 'features-c', 'features-cx']);
    expect(downstreamOf(g.flows, 'features-c')).toEqual(['features-cx', 'evaluate']);
    expect(downstreamOf(g.flows, 'features-b')).toEqual(['evaluate']);
  });

  it('retiring B drops it from what runs and what D scores, and keeps it declared', () => {
    const g = testGraph(true);
    expect(g.get('features-b')?.retired).toBe(true);
    const snapshot = snapshotOf(g);
    expect(snapshot.flows.map((f) => f.id)).toEqual(['ingest', 'features-c', 'features-cx', 'evaluate']);
    expect(snapshot.flows.find((f) => f.id === 'evaluate')?.upstream).toEqual(['features-c', 'features-cx']);
  });

  it("the pipeline's executor starts a derived flow once C is done, in parallel with B, and D last", async () => {
    const g = testGraph();
    const events: string[] = [];
    const gates = new Map<string, () => void>();
    const scope = { run: <T>(fn: () => Promise<T>) => fn(), cancel: () => events.push('cancel') };
    const done = runGraph(g.flows, (node) => {
      events.push(`start ${node.id}`);
      return new Promise<string>((resolve) => gates.set(node.id, () => (events.push(`end ${node.id}`), resolve(node.id))));
    }, scope);
    const finish = async (id: string) => {
      gates.get(id)?.();
      await new Promise((r) => setImmediate(r));
    };
    await finish('ingest');
    await finish('features-c');
    // B still runs; the derived flow has started beside it; D waits for both.
    expect(events).toEqual(['start ingest', 'end ingest', 'start features-b', 'start features-c', 'end features-c', 'start features-cx']);
    await finish('features-cx');
    expect(events).not.toContain('start evaluate');
    await finish('features-b');
    expect(events[events.length - 1]).toBe('start evaluate');
    await finish('evaluate');
    expect([...(await done).keys()].sort()).toEqual(g.flows.map((f) => f.id).sort());
  });

  it('the executor fails fast: a failure cancels the rest and nothing downstream starts', async () => {
    const g = testGraph();
    const started: string[] = [];
    let cancelled = 0;
    const scope = { run: <T>(fn: () => Promise<T>) => fn(), cancel: () => void cancelled++ };
    const run = runGraph(g.flows, async (node) => {
      started.push(node.id);
      if (node.id === 'features-b') throw new Error('b broke');
      return node.id;
    }, scope);
    await expect(run).rejects.toThrow('b broke');
    expect(cancelled).toBe(1);
    expect(started).not.toContain('evaluate');
  });

  it('the planner makes a derived flow stale when C is rewritten after it, and schedules only what changed', () => {
    const planGraph: PlanGraph = {
      nodes: [
        { id: 'ingest', kind: 'ingest', upstream: [], asset: 'candles', lookbackDays: 0 },
        { id: 'features-c', kind: 'features', upstream: ['ingest'], asset: 'features_c', version: 'c-2', lookbackDays: 0 },
        { id: 'features-cx' as 'features-c', kind: 'features', upstream: ['ingest', 'features-c'], asset: 'features_cx', version: 'cx-1', lookbackDays: 0 },
      ],
    };
    const facts = (asset: string, version: string, at: number): LedgerFact[] => daysOf('2024-01-01', '2024-01-04').map((partition) => ({ asset, partition, codeVersion: version, materializedAt: at }));
    const ledger = [...facts('candles', 'src', 1), ...facts('features_c', 'c-2', 5), ...facts('features_cx', 'cx-1', 3)];
    const plan = planPhase({
      symbol: 'BTC-USD',
      graph: planGraph,
      flows: ['features-cx' as 'features-c'],
      selected: ['features-cx' as 'features-c'],
      from: '2024-01-01',
      to: '2024-01-04',
      chunkDays: 31,
      force: false,
      forceBefore: 0,
      exclude: [],
      facts: ledger,
    });
    expect(plan.stale).toBe(4);
    expect(plan.runs.map((r) => `${r.flow} ${r.from}..${r.to}`)).toEqual(['features-cx 2024-01-01..2024-01-04']);
  });
});
