/**
 * Backfill planning, pure: given what the ledger says about one symbol's partitions, decide per
 * flow and day whether to skip, run or fail (upstream missing), and group the days to run into
 * runs of up to K contiguous days — one child workflow each. No I/O, so it is unit-tested
 * directly and the activity that calls it only reads the ledger once per phase and symbol.
 */
import type { AssetName, FailedPartitions, FlowName } from '../contracts';
import { addDays, daysOf } from '../dates';

/** The asset (table) each flow materializes. */
export const FLOW_ASSET: Readonly<Record<FlowName, AssetName>> = {
  ingest: 'candles',
  'features-b': 'features_b',
  'features-c': 'features_c',
  evaluate: 'evaluations',
};

/** Direct upstream flows: features read candles; evaluate reads both feature sets. */
export const FLOW_UPSTREAM: Readonly<Record<FlowName, readonly FlowName[]>> = {
  ingest: [],
  'features-b': ['ingest'],
  'features-c': ['ingest'],
  evaluate: ['features-b', 'features-c'],
};

/**
 * Flows grouped into dependency phases. A phase starts only when the one before has finished,
 * because feature algorithms read look-back candles of earlier days: running a feature chunk
 * next to the ingest of the day before it would make its result depend on timing.
 */
export const PHASES: ReadonlyArray<{ readonly name: string; readonly flows: readonly FlowName[] }> = [
  { name: 'ingest', flows: ['ingest'] },
  { name: 'features', flows: ['features-b', 'features-c'] },
  { name: 'evaluate', flows: ['evaluate'] },
];

/** The flows a backfill runs: the selection, plus every transitive upstream flow with `withUpstream`. */
export function effectiveFlows(selected: readonly FlowName[], withUpstream: boolean): FlowName[] {
  const out = new Set<FlowName>(selected);
  if (withUpstream) {
    const visit = (f: FlowName): void => {
      for (const up of FLOW_UPSTREAM[f]) {
        out.add(up);
        visit(up);
      }
    };
    selected.forEach(visit);
  }
  return PHASES.flatMap((p) => p.flows).filter((f) => out.has(f));
}

/** One ledger row, reduced to what planning needs. */
export interface LedgerFact {
  readonly asset: string;
  readonly partition: string;
  readonly codeVersion: string;
  readonly materializedAt: number;
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
}

/** What to plan for one symbol in one phase. */
export interface PhasePlanRequest {
  readonly symbol: string;
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
  /**
   * Days of candles before a day that each flow reads (features' look-back). A look-back day
   * inside the range must be ingested, or the result would depend on what was missing.
   */
  readonly lookbackDays?: Readonly<Partial<Record<FlowName, number>>>;
  /** Current code version of each asset; `candles` is absent: any ingested version counts. */
  readonly currentVersions: Readonly<Partial<Record<AssetName, string>>>;
  /** Partitions that already failed in this backfill: not retried, not counted again. */
  readonly exclude: readonly FailedPartitions[];
  /** Ledger rows of this symbol over the range, for the phase's assets and their upstream assets. */
  readonly facts: readonly LedgerFact[];
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
  const facts = new Map(req.facts.map((f) => [`${f.asset}/${f.partition}`, f]));
  const own = new Set(req.flows.map((f) => FLOW_ASSET[f]));
  for (const run of req.assumed ?? []) {
    const asset = FLOW_ASSET[run.flow];
    if (run.symbol !== req.symbol || own.has(asset)) continue;
    const codeVersion = req.currentVersions[asset] ?? 'assumed';
    for (const day of daysOf(run.from, run.to)) facts.set(`${asset}/${day}`, { asset, partition: day, codeVersion, materializedAt: Number.MAX_SAFE_INTEGER });
  }
  return facts;
}

/** The plan of one symbol in one phase. */
export interface PhasePlan {
  readonly runs: PlannedRun[];
  /** Partitions already current (or ingested): nothing to do. */
  readonly skipped: number;
  /** Partitions to run because they are materialized at another code version. */
  readonly stale: number;
  /** Partitions that cannot run because an upstream asset is missing or stale, grouped in contiguous runs. */
  readonly upstreamMissing: FailedPartitions[];
}

type DayDecision = { kind: 'skip' } | { kind: 'run'; stale: boolean } | { kind: 'fail'; error: string } | { kind: 'excluded' };

/** Is the asset's partition current? Candles count at any version (ingest is never redone). */
function isCurrent(fact: LedgerFact | undefined, asset: AssetName, versions: PhasePlanRequest['currentVersions']): boolean {
  if (!fact) return false;
  const want = versions[asset];
  return want === undefined || fact.codeVersion === want;
}

/** Why a flow cannot run on a day, or undefined when its upstream is in place. */
function upstreamProblem(flow: FlowName, day: string, req: PhasePlanRequest, facts: Map<string, LedgerFact>): string | undefined {
  const problems: string[] = [];
  for (const up of FLOW_UPSTREAM[flow]) {
    const asset = FLOW_ASSET[up];
    const fact = facts.get(`${asset}/${day}`);
    if (!fact) problems.push(`${asset} (not materialized)`);
    else if (!isCurrent(fact, asset, req.currentVersions)) {
      problems.push(`${asset} (stale: ${fact.codeVersion}, current ${req.currentVersions[asset]})`);
    }
  }
  // Only when the day's own candles are there: one cause per day keeps contiguous failures in one group.
  const lookback = problems.length ? 0 : (req.lookbackDays?.[flow] ?? 0);
  for (let k = 1; k <= lookback; k++) {
    const previous = addDays(day, -k);
    if (previous >= req.from && !facts.has(`candles/${previous}`)) {
      problems.push(`look-back candles of the ${lookback === 1 ? 'previous day' : `previous ${lookback} days`} (not materialized)`);
      break;
    }
  }
  if (!problems.length) return undefined;
  const runFirst = FLOW_UPSTREAM[flow].join(' and ');
  return `UpstreamMissing: ${flow} needs ${problems.join(' and ')}; run ${runFirst} first or backfill with --with-upstream`;
}

function decide(flow: FlowName, day: string, req: PhasePlanRequest, facts: Map<string, LedgerFact>, excluded: Set<string>): DayDecision {
  if (excluded.has(`${flow}/${day}`)) return { kind: 'excluded' };
  const asset = FLOW_ASSET[flow];
  const fact = facts.get(`${asset}/${day}`);
  if (flow === 'ingest') return fact ? { kind: 'skip' } : { kind: 'run', stale: false };
  const current = isCurrent(fact, asset, req.currentVersions);
  const forced = req.force && req.selected.includes(flow) && fact !== undefined && fact.materializedAt < req.forceBefore;
  if (current && !forced) return { kind: 'skip' };
  const problem = upstreamProblem(flow, day, req, facts);
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
    const codeVersion = req.currentVersions[FLOW_ASSET[flow]];
    let open: { from: string; days: number } | undefined;
    const closeRun = (): void => {
      if (!open) return;
      runs.push({ flow, symbol: req.symbol, from: open.from, to: addDays(open.from, open.days - 1), days: open.days, ...(codeVersion ? { codeVersion } : {}) });
      open = undefined;
    };
    for (const day of days) {
      const d = decide(flow, day, req, facts, excluded);
      if (d.kind !== 'run') closeRun();
      if (d.kind === 'skip') skipped++;
      else if (d.kind === 'fail') {
        const last = upstreamMissing[upstreamMissing.length - 1];
        if (last && last.flow === flow && last.error === d.error && addDays(last.to, 1) === day) last.to = day;
        else upstreamMissing.push({ flow, symbol: req.symbol, from: day, to: day, error: d.error });
      } else if (d.kind === 'run') {
        if (d.stale) stale++;
        if (open && open.days >= req.chunkDays) closeRun();
        if (open) open.days++;
        else open = { from: day, days: 1 };
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
