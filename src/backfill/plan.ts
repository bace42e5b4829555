/**
 * Backfill planning, pure: given what the ledger says about one symbol's partitions, decide per
 * flow and day whether to skip, run or fail (upstream missing), and group the days to run into
 * runs of up to K contiguous days — one child workflow each. No I/O, so it is unit-tested
 * directly and the activity that calls it only reads the ledger once per phase and symbol.
 *
 * What a flow reads, writes and is versioned at comes from the graph ({@link PlanGraph}), built
 * from the run's recorded graph and the worker's registry (`src/activities/backfill.ts`); nothing
 * here names a flow.
 */
import type { FailedPartitions, FlowName } from '../contracts';
import { addDays, daysOf } from '../core/dates';
import { closureOf, type FlowKind } from '../flows';

/** D's scores of one feature flow: a ledger asset of its own (`evaluations/<id>`), current at `version`. */
export interface EvaluationTarget {
  /** Algorithm id of the scored flow (`c`), what the evaluate child is given. */
  readonly algorithm: string;
  /** The scored feature flow (`features-c`). */
  readonly flow: FlowName;
  /** Its ledger asset (`evaluations/c`). */
  readonly asset: string;
  /** The ledger code version a current evaluation has (method + flow version). */
  readonly version: string;
}

/** One flow as the planner sees it. */
export interface PlanNode {
  readonly id: FlowName;
  readonly kind: FlowKind;
  readonly upstream: readonly FlowName[];
  /** The table it writes (for evaluate, its targets' assets are what the ledger records). */
  readonly asset: string;
  /** Current code version; absent for ingest (candles count at any source version). */
  readonly version?: string;
  /** Whole days of upstream data before a partition that computing it reads. */
  readonly lookbackDays: number;
  /** Evaluate only: the feature flows it scores. */
  readonly targets?: readonly EvaluationTarget[];
}

/** The flows a backfill may run, in topological order. */
export interface PlanGraph {
  readonly nodes: readonly PlanNode[];
}

/** A node of the graph by id; throws naming the flow when the graph lacks it (a bug, not input). */
export function nodeOf(graph: PlanGraph, id: string): PlanNode {
  const node = graph.nodes.find((n) => n.id === id);
  if (!node) throw new Error(`flow '${id}' is not in this backfill's graph (${graph.nodes.map((n) => n.id).join(', ')})`);
  return node;
}

/** The ledger assets a flow's plan reads: what it writes and what it reads. */
export function assetsOf(graph: PlanGraph, id: string): string[] {
  const node = nodeOf(graph, id);
  const own = node.targets ? node.targets.map((t) => t.asset) : [node.asset];
  const reads = node.kind === 'ingest' ? [] : ['candles', ...node.upstream.map((u) => nodeOf(graph, u).asset)];
  return [...new Set([...own, ...reads])];
}

/** The flows a backfill runs: the selection, plus every transitive upstream flow with `withUpstream`, in graph order. */
export function effectiveFlows(graph: PlanGraph, selected: readonly FlowName[], withUpstream: boolean): FlowName[] {
  return closureOf(graph.nodes, selected, withUpstream) as FlowName[];
}

/** One ledger row, reduced to what planning needs. */
export interface LedgerFact {
  readonly asset: string;
  readonly partition: string;
  readonly codeVersion: string;
  readonly materializedAt: number;
  /** The partition's checksum (absent for runs assumed in flight: their data is not written yet). */
  readonly checksum?: string;
  /** A run of this backfill in flight will write it at the current version, from current inputs. */
  readonly assumed?: boolean;
  /** Candles only: the day's data quality (docs/data-quality.md); see {@link usableFacts}. */
  readonly quality?: string | null;
}

/** One recorded input of a materialization (its lineage): which partition it read, and that partition's checksum then ('' = absent). */
export interface LineageFact {
  readonly asset: string;
  readonly partition: string;
  readonly checksum: string;
}

/**
 * Why a materialized partition is not current, or undefined when it is: another code version; or
 * what it read has changed since — by its lineage (an input's checksum differs, or an input that
 * was absent exists now) or, for partitions written before lineage was recorded, an input
 * rewritten after it.
 */
export function staleReason(
  fact: LedgerFact,
  version: string | undefined,
  lineage: readonly LineageFact[] | undefined,
  lookup: (asset: string, partition: string) => LedgerFact | undefined,
  directInputs: ReadonlyArray<LedgerFact | undefined>,
): string | undefined {
  if (version !== undefined && fact.codeVersion !== version) return `version ${fact.codeVersion}, current ${version}`;
  if (fact.assumed) return undefined;
  if (lineage?.length) {
    for (const input of lineage) {
      const now = lookup(input.asset, input.partition);
      const checksum = now ? (now.checksum ?? 'in flight') : '';
      if (checksum !== input.checksum) {
        const what = !input.checksum ? 'appeared since' : !checksum ? 'is gone' : 'changed';
        return `upstream changed: ${input.asset} ${input.partition} ${what}`;
      }
    }
    return undefined;
  }
  const newer = directInputs.find((input) => input && input.materializedAt > fact.materializedAt);
  return newer ? `upstream changed: ${newer.asset} ${newer.partition} rewritten after it` : undefined;
}

/**
 * Data quality in planning (issue 15), kept apart so the planner's own logic stays as it is:
 * a candles day recorded `empty` (by an earlier release) is no data at all, so it counts as not
 * materialized everywhere: ingest runs it, and flows that read it see it missing.
 */
function usableFacts(facts: readonly LedgerFact[]): LedgerFact[] {
  return facts.filter((f) => !(f.asset === 'candles' && f.quality === 'empty'));
}

/** A `degraded` candles day is re-ingested by every plain backfill until its data is complete (it may arrive late). */
function ingested(fact: LedgerFact | undefined): boolean {
  return fact !== undefined && fact.quality !== 'degraded';
}

/** A run of contiguous days of one flow and symbol: what one child workflow materializes. */
export interface PlannedRun {
  readonly flow: FlowName;
  readonly symbol: string;
  readonly from: string;
  readonly to: string;
  readonly days: number;
  /** The code version the child will write (absent for ingest). */
  readonly codeVersion?: string;
  /** Evaluate only: algorithm ids of the flows to score on these days (the ones missing or stale). */
  readonly targets?: readonly string[];
}

/** What to plan for one symbol in one phase. */
export interface PhasePlanRequest {
  readonly symbol: string;
  /** The backfill's graph. */
  readonly graph: PlanGraph;
  /** Flows of this phase that the backfill runs. */
  readonly flows: readonly FlowName[];
  /** Flows the person selected; `force` applies only to these (upstream flows are never forced). */
  readonly selected: readonly FlowName[];
  readonly from: string;
  readonly to: string;
  readonly chunkDays: number;
  readonly force: boolean;
  /**
   * With `force`, only partitions materialized before this instant (epoch ms) are redone, so a
   * re-plan after continue-as-new does not redo what this backfill already wrote.
   */
  readonly forceBefore: number;
  /** Partitions that already failed in this backfill: not retried, not counted again. */
  readonly exclude: readonly FailedPartitions[];
  /** Ledger rows of this symbol over the range and its look-back days, for the phase's assets and their upstream assets. */
  readonly facts: readonly LedgerFact[];
  /** Recorded inputs of the phase's own partitions, by `asset/partition` (absent for partitions written before lineage). */
  readonly lineage?: ReadonlyMap<string, readonly LineageFact[]>;
  /**
   * The symbol's first day of candles: look-back days before it cannot exist and are not
   * required; every later look-back day must be materialized (across windows and chunks).
   */
  readonly historyStart?: string;
  /**
   * Upstream runs of this backfill still in flight, counted as materialized at the current
   * version: a lane plans its next window while the upstream lane is still writing it, and
   * re-plans if any of these did not succeed (`src/workflows/lanes.ts`).
   */
  readonly assumed?: readonly RunRef[];
}

/** Which flow, symbol and days a run covers: how a plan names an upstream run it assumes. */
export interface RunRef {
  readonly flow: FlowName;
  readonly symbol: string;
  readonly from: string;
  readonly to: string;
}

/** Just the flow, symbol and days of a run (what a plan that assumes it needs to know). */
export function runRef({ flow, symbol, from, to }: RunRef): RunRef {
  return { flow, symbol, from, to };
}

/** A run's identity within one backfill run: its flow, symbol and days. */
export function runKey(run: RunRef): string {
  return `${run.flow}/${run.symbol}/${run.from}..${run.to}`;
}

/** The ledger as it will be once the assumed upstream runs have written their days (they never replace rows of the phase's own assets). */
function withAssumed(req: PhasePlanRequest): Map<string, LedgerFact> {
  const facts = new Map(usableFacts(req.facts).map((f) => [`${f.asset}/${f.partition}`, f]));
  const own = new Set(req.flows.flatMap((f) => nodeOf(req.graph, f).asset));
  for (const run of req.assumed ?? []) {
    const node = nodeOf(req.graph, run.flow);
    if (run.symbol !== req.symbol || own.has(node.asset)) continue;
    const codeVersion = node.version ?? 'assumed';
    for (const day of daysOf(run.from, run.to)) facts.set(`${node.asset}/${day}`, { asset: node.asset, partition: day, codeVersion, materializedAt: Number.MAX_SAFE_INTEGER, assumed: true });
  }
  return facts;
}

/** The plan of one symbol in one phase. */
export interface PhasePlan {
  readonly runs: PlannedRun[];
  /** Partitions already current (or ingested): nothing to do. */
  readonly skipped: number;
  /** Partitions to run because they are materialized at another code version, or their upstream changed since. */
  readonly stale: number;
  /** Partitions that cannot run because an upstream asset is missing or stale, grouped in contiguous runs. */
  readonly upstreamMissing: FailedPartitions[];
}

type DayDecision = { kind: 'skip' } | { kind: 'run'; stale: boolean; targets?: readonly string[] } | { kind: 'fail'; error: string } | { kind: 'excluded' };

/** Is the partition current: at the current version, and computed from what the ledger holds now? */
function isCurrent(
  fact: LedgerFact | undefined,
  version: string | undefined,
  inputs: ReadonlyArray<LedgerFact | undefined>,
  req?: PhasePlanRequest,
  facts?: Map<string, LedgerFact>,
): boolean {
  if (!fact) return false;
  const lineage = req?.lineage?.get(`${fact.asset}/${fact.partition}`);
  return staleReason(fact, version, lineage, (asset, partition) => facts?.get(`${asset}/${partition}`), inputs) === undefined;
}

/** The ledger facts of a flow's direct inputs on a day (its upstream assets). */
function inputFacts(node: PlanNode, day: string, req: PhasePlanRequest, facts: Map<string, LedgerFact>): Array<LedgerFact | undefined> {
  return node.upstream.map((u) => facts.get(`${nodeOf(req.graph, u).asset}/${day}`));
}

/** Why a flow cannot run on a day, or undefined when its upstream is in place. */
function upstreamProblem(node: PlanNode, upstream: readonly FlowName[], day: string, req: PhasePlanRequest, facts: Map<string, LedgerFact>): string | undefined {
  const problems: string[] = [];
  for (const up of upstream) {
    const upNode = nodeOf(req.graph, up);
    const fact = facts.get(`${upNode.asset}/${day}`);
    if (!fact) problems.push(`${upNode.asset} (not materialized)`);
    else if (!isCurrent(fact, upNode.version, inputFacts(upNode, day, req, facts), req, facts)) {
      problems.push(`${upNode.asset} (stale: ${fact.codeVersion}${upNode.version ? `, current ${upNode.version}` : ''})`);
    }
  }
  // Only when the day's own inputs are there: one cause per day keeps contiguous failures in one group.
  const lookback = problems.length ? 0 : node.lookbackDays;
  for (let k = 1; k <= lookback; k++) {
    const previous = addDays(day, -k);
    if (previous >= (req.historyStart ?? req.from) && !facts.has(`candles/${previous}`)) {
      problems.push(`look-back candles of the ${lookback === 1 ? 'previous day' : `previous ${lookback} days`} (not materialized)`);
      break;
    }
  }
  if (!problems.length) return undefined;
  return `UpstreamMissing: ${node.id} needs ${problems.join(' and ')}; run ${upstream.join(' and ')} first or backfill with --with-upstream`;
}

function decide(node: PlanNode, day: string, req: PhasePlanRequest, facts: Map<string, LedgerFact>, excluded: Set<string>): DayDecision {
  if (excluded.has(`${node.id}/${day}`)) return { kind: 'excluded' };
  const forcedFact = (fact: LedgerFact | undefined): boolean => req.force && req.selected.includes(node.id) && fact !== undefined && fact.materializedAt < req.forceBefore;
  if (node.kind === 'ingest') {
    // Candles count at any source version; `--force` on ingest re-fetches (late or corrected
    // data): what was computed from a day whose checksum then changes becomes stale by lineage.
    const fact = facts.get(`${node.asset}/${day}`);
    return ingested(fact) && !forcedFact(fact) ? { kind: 'skip' } : { kind: 'run', stale: false };
  }
  if (node.targets) {
    // Evaluate: each scored flow is its own partition; run only those missing or stale.
    const candles = facts.get(`candles/${day}`);
    const needed = node.targets.filter((t) => {
      const fact = facts.get(`${t.asset}/${day}`);
      const feature = facts.get(`${nodeOf(req.graph, t.flow).asset}/${day}`);
      return !isCurrent(fact, t.version, [feature, candles], req, facts) || forcedFact(fact);
    });
    if (!needed.length) return { kind: 'skip' };
    const problem = upstreamProblem(node, needed.map((t) => t.flow), day, req, facts);
    if (problem) return { kind: 'fail', error: problem };
    return { kind: 'run', stale: needed.some((t) => facts.has(`${t.asset}/${day}`)), targets: needed.map((t) => t.algorithm) };
  }
  const fact = facts.get(`${node.asset}/${day}`);
  const current = isCurrent(fact, node.version, inputFacts(node, day, req, facts), req, facts);
  if (current && !forcedFact(fact)) return { kind: 'skip' };
  const problem = upstreamProblem(node, node.upstream, day, req, facts);
  if (problem) return { kind: 'fail', error: problem };
  return { kind: 'run', stale: fact !== undefined && !current };
}

/** Plans one symbol's phase: skips, runs of up to `chunkDays` contiguous days, and upstream failures. */
export function planPhase(req: PhasePlanRequest): PhasePlan {
  if (!Number.isInteger(req.chunkDays) || req.chunkDays < 1) throw new RangeError(`chunkDays must be a positive integer, got ${req.chunkDays}`);
  const facts = withAssumed(req);
  const excluded = new Set<string>();
  for (const e of req.exclude) {
    if (e.symbol !== req.symbol) continue;
    for (const d of daysOf(e.from, e.to)) excluded.add(`${e.flow}/${d}`);
  }
  const days = daysOf(req.from, req.to);
  const runs: PlannedRun[] = [];
  const upstreamMissing: FailedPartitions[] = [];
  let skipped = 0;
  let stale = 0;

  for (const flow of req.flows) {
    const node = nodeOf(req.graph, flow);
    let open: { from: string; days: number; targets?: readonly string[] } | undefined;
    const closeRun = (): void => {
      if (!open) return;
      runs.push({
        flow,
        symbol: req.symbol,
        from: open.from,
        to: addDays(open.from, open.days - 1),
        days: open.days,
        ...(node.version && node.kind !== 'ingest' ? { codeVersion: node.version } : {}),
        ...(open.targets ? { targets: open.targets } : {}),
      });
      open = undefined;
    };
    for (const day of days) {
      const d = decide(node, day, req, facts, excluded);
      if (d.kind !== 'run') closeRun();
      if (d.kind === 'skip') skipped++;
      else if (d.kind === 'fail') {
        const last = upstreamMissing[upstreamMissing.length - 1];
        if (last && last.flow === flow && last.error === d.error && addDays(last.to, 1) === day) last.to = day;
        else upstreamMissing.push({ flow, symbol: req.symbol, from: day, to: day, error: d.error });
      } else if (d.kind === 'run') {
        if (d.stale) stale++;
        // A run scores one set of flows: a day needing another set starts a new run.
        if (open && (open.days >= req.chunkDays || String(open.targets) !== String(d.targets))) closeRun();
        if (open) open.days++;
        else open = { from: day, days: 1, ...(d.targets ? { targets: d.targets } : {}) };
      }
    }
    closeRun();
  }
  return { runs, skipped, stale, upstreamMissing };
}

/** Partitions in a list of failed runs. */
export function failedPartitionCount(failures: readonly FailedPartitions[]): number {
  return failures.reduce((n, f) => n + daysOf(f.from, f.to).length, 0);
}
