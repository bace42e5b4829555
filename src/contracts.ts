/**
 * Every flow's input and output, as zod schemas with their inferred types, in one place.
 *
 * Imported by the client (to validate what a person typed), by workflows (to reject bad
 * input before any work is scheduled) and by activities (the last boundary before SQL).
 * Pure and deterministic: safe to bundle into workflow code.
 */
import { z } from 'zod';
import { FLOW_GRAPH, FLOW_IDS, type FlowId } from './flows/registry';
import { LEGACY_GRAPH } from './flows/snapshot';
import { FLOW_KINDS } from './flows/types';
import { DEFAULT_CATCH_UP_DAYS, MAX_CATCH_UP_DAYS, MIN_CATCH_UP_DAYS } from './schedule/days';

/** Longest range one flow (or one backfill) may cover: ten years and a bit of daily partitions. */
export const MAX_RANGE_DAYS = 3700;

const DAY_MS = 86_400_000;

/** A UTC calendar day as `YYYY-MM-DD`; rejects impossible dates such as 2024-02-30. */
export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'not a real calendar date')
  .refine((s) => s >= '2010-01-01', 'dates before 2010-01-01 are not supported');
export type IsoDate = z.infer<typeof IsoDate>;

/** A market symbol such as `BTC-USD` (base-quote, upper case). */
export const MarketSymbol = z
  .string()
  .regex(/^[A-Z0-9]{2,10}-[A-Z]{2,6}$/, 'expected a symbol like BTC-USD (BASE-QUOTE, upper case)');
export type MarketSymbol = z.infer<typeof MarketSymbol>;

/** Names of the market data sources a worker may be configured with. */
export const SourceName = z.enum(['synthetic', 'coinbase', 'csv']);
export type SourceName = z.infer<typeof SourceName>;

/** Non-empty tuple of strings, as `z.enum` wants it. */
function nonEmpty<T extends string>(values: readonly T[], what: string): [T, ...T[]] {
  if (!values.length) throw new Error(`the flow registry declares no ${what}`);
  return values as [T, ...T[]];
}

/** The feature algorithms that exist (retired ones too: their data stays readable); derived from the flow registry. */
export const AlgorithmId = z.enum(
  nonEmpty(
    FLOW_GRAPH.flows.flatMap((f) => (f.algorithm ? [f.algorithm.id] : [])),
    'feature algorithm',
  ),
);
export type AlgorithmId = z.infer<typeof AlgorithmId>;

/** Assets (tables) the flows materialize, derived from the registry. Table names travelling between flows must be one of these. */
export const AssetName = z.enum(nonEmpty(FLOW_GRAPH.flows.map((f) => f.asset), 'asset'));
export type AssetName = z.infer<typeof AssetName>;

/** Tables of feature flows (a {@link FeatureRef} names one). */
export const FeatureTable = z.enum(nonEmpty(FLOW_GRAPH.flows.filter((f) => f.kind === 'features').map((f) => f.asset), 'feature table'));
export type FeatureTable = z.infer<typeof FeatureTable>;

/** Flows a person can run or backfill; each is a workflow (features with its algorithm). Derived from the registry. */
export const FlowName = z.enum(FLOW_IDS, {
  errorMap: (issue, ctx) => ({
    message: issue.code === 'invalid_enum_value' ? `unknown flow '${String(issue.received)}'; flows: ${FLOW_IDS.join(', ')}` : ctx.defaultError,
  }),
});
export type FlowName = FlowId;

/** What a flow does (see `src/flows/types.ts`). */
export const FlowKindSchema = z.enum(FLOW_KINDS);

/** One flow of the graph a run uses: recorded in its history, so what it runs never changes under it. */
export const FlowNode = z.object({
  id: FlowName,
  kind: FlowKindSchema,
  upstream: z.array(FlowName),
  version: z.string().min(1),
  /** Whole days of upstream history before a partition it reads (absent in graphs recorded before it). */
  lookbackDays: z.number().int().min(0).max(366).optional(),
});
export type FlowNode = z.infer<typeof FlowNode>;

/** The graph a pipeline or backfill run uses, fixed when it starts: its active flows in topological order. */
export const FlowGraphSnapshot = z.object({ flows: z.array(FlowNode).min(1) });
export type FlowGraphSnapshot = z.infer<typeof FlowGraphSnapshot>;

/** Day count of an inclusive `from..to` range. */
export function rangeDays(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

/**
 * A range of daily partitions of one symbol, inclusive at both ends. The daily pipeline passes
 * one day; a backfill passes runs of contiguous days so one child materializes many partitions.
 */
export const PartitionRange = z
  .object({ symbol: MarketSymbol, from: IsoDate, to: IsoDate })
  .refine((r) => r.from <= r.to, { message: 'from must not be after to', path: ['to'] })
  .refine((r) => rangeDays(r.from, r.to) <= MAX_RANGE_DAYS, {
    message: `a range may cover at most ${MAX_RANGE_DAYS} days; split it or use backfill`,
    path: ['to'],
  });
export type PartitionRange = z.infer<typeof PartitionRange>;

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest');
const Count = z.number().int().nonnegative();

/**
 * Optional per-run activity heartbeat timeout, seconds (default {@link DEFAULT_HEARTBEAT_TIMEOUT_SECONDS}):
 * how long Temporal waits for a heartbeat before it retries the activity, e.g. after its worker died.
 * It travels in the flow input so the workflow code stays deterministic (crash tests use a few seconds).
 */
export const HeartbeatTimeoutSeconds = z.number().int().min(1).max(3600);

/** Heartbeat timeout of every activity unless a run sets its own; see docs/reliability.md. */
export const DEFAULT_HEARTBEAT_TIMEOUT_SECONDS = 10;

/**
 * A Temporal task queue name. Used for the optional ingest queue: when a run names one, its
 * ingest activity is routed there (to rate-limited ingest workers) instead of the workflow's
 * own queue. Optional, so runs recorded before it existed replay unchanged.
 */
export const TaskQueueName = z.string().min(1).max(200);

/**
 * Where a flow's activity should run first: a worker's own task queue (`worker-affinity.ts`),
 * the worker that holds the partitions the activity will read in its partition cache. If no
 * worker takes the task from that queue within `waitSeconds` (the worker is gone), the activity
 * runs on the workflow's own queue instead. Optional and recorded in the input, so runs started
 * without it replay unchanged.
 */
export const ActivityAffinity = z.object({
  taskQueue: TaskQueueName,
  waitSeconds: z.number().int().min(1).max(3600),
});
export type ActivityAffinity = z.infer<typeof ActivityAffinity>;

/** Flow A's input: fetch the range's 1-minute candles from `source` and upsert them. */
export const IngestInput = z
  .object({
    symbol: MarketSymbol,
    from: IsoDate,
    to: IsoDate,
    source: SourceName.default('synthetic'),
    heartbeatTimeoutSeconds: HeartbeatTimeoutSeconds.optional(),
    /** The worker to run the activity on first (see {@link ActivityAffinity}). */
    affinity: ActivityAffinity.optional(),
    /** Task queue of the ingest activity (see {@link TaskQueueName}); the workflow's own queue when absent. */
    activityTaskQueue: TaskQueueName.optional(),
    /**
     * First look-back day: days from here to before `from` are ingested first when the ledger
     * lacks them (best effort: a day the source has no data for is skipped), so the features of
     * `from` never miss their look-back. The daily pipeline sets it; backfills plan look-back days.
     */
    lookbackFrom: IsoDate.optional(),
  })
  .and(PartitionRange);
export type IngestInput = z.input<typeof IngestInput>;

/** What every reference to materialized data says: which range, how many partitions and rows, and their checksum. */
const MaterializedRange = {
  symbol: MarketSymbol,
  from: IsoDate,
  to: IsoDate,
  partitions: Count,
  rows: Count,
  /** sha256 over the per-partition checksums, in day order. */
  checksum: Sha256Hex,
};

/** A reference to materialized candles: what ingest returns and what feature flows take. */
export const PartitionRef = z.object({
  table: z.literal('candles'),
  ...MaterializedRange,
  source: SourceName,
  /** Data quality over the range (docs/data-quality.md); absent in results of earlier releases. */
  quality: z
    .object({
      missingMinutes: Count,
      duplicates: Count,
      conflictingDuplicates: Count,
      /** Days ingested as `degraded`. */
      degradedDays: z.array(IsoDate),
    })
    .optional(),
  /** Set when the activity waited in vain on a worker's own queue (that worker is gone) and ran on the shared one: the backfill stops routing there. */
  affinityMissed: z.string().min(1).max(200).optional(),
});
export type PartitionRef = z.infer<typeof PartitionRef>;

/** Flow B/C's input: compute one algorithm's features over the range (candles must exist). */
export const FeaturesInput = z
  .object({
    symbol: MarketSymbol,
    from: IsoDate,
    to: IsoDate,
    algorithm: AlgorithmId,
    /** The upstream ingest result, when run inside a pipeline; its table is re-validated. */
    candles: PartitionRef.optional(),
    heartbeatTimeoutSeconds: HeartbeatTimeoutSeconds.optional(),
    /** The worker to run the activity on first (see {@link ActivityAffinity}). */
    affinity: ActivityAffinity.optional(),
  })
  .and(PartitionRange);
export type FeaturesInput = z.infer<typeof FeaturesInput>;

/** A reference to materialized features of one algorithm. */
export const FeatureRef = z.object({
  table: FeatureTable,
  algorithm: AlgorithmId,
  version: z.string().min(1),
  ...MaterializedRange,
  /** Set when the activity waited in vain on a worker's own queue (that worker is gone) and ran on the shared one: the backfill stops routing there. */
  affinityMissed: z.string().min(1).max(200).optional(),
});
export type FeatureRef = z.infer<typeof FeatureRef>;

/** Flow D's input: evaluate feature sets against forward returns over the range. */
export const EvaluateInput = z
  .object({
    symbol: MarketSymbol,
    from: IsoDate,
    to: IsoDate,
    /** Which feature sets to score (each is its own ledger asset, `evaluations/<id>`); defaults to every active feature flow. */
    algorithms: z
      .array(AlgorithmId)
      .min(1)
      .default(FLOW_GRAPH.active.flatMap((f) => (f.algorithm ? [f.algorithm.id] : []))),
    /** Upstream results when run inside a pipeline; their tables are re-validated. */
    features: z.array(FeatureRef).optional(),
    heartbeatTimeoutSeconds: HeartbeatTimeoutSeconds.optional(),
    /** The worker to run the activity on first (see {@link ActivityAffinity}). */
    affinity: ActivityAffinity.optional(),
  })
  .and(PartitionRange);
export type EvaluateInput = z.input<typeof EvaluateInput>;

/** The best feature of one algorithm by mean absolute information coefficient. */
export const AlgorithmScore = z.object({
  algorithm: AlgorithmId,
  version: z.string(),
  bestFeature: z.string(),
  /** Mean over the range's days of the best feature's rank IC vs forward returns. */
  bestRankIc: z.number(),
  /** Mean over features and days of |rank IC|: how informative the set is overall. */
  meanAbsRankIc: z.number(),
});
export type AlgorithmScore = z.infer<typeof AlgorithmScore>;

/** A reference to evaluation rows, plus D's headline numbers. */
export const EvaluationRef = z.object({
  table: z.literal('evaluations'),
  ...MaterializedRange,
  horizonMinutes: z.number().int().positive(),
  scores: z.array(AlgorithmScore),
  /** The algorithm with the highest mean |rank IC| over the range, among those scored. */
  winner: AlgorithmId,
  /** Set when the activity waited in vain on a worker's own queue (that worker is gone) and ran on the shared one: the backfill stops routing there. */
  affinityMissed: z.string().min(1).max(200).optional(),
});
export type EvaluationRef = z.infer<typeof EvaluationRef>;

/** The parent pipeline's input: one symbol, one day (defaults to the day before the run's scheduled/start time). */
export const PipelineInput = z.object({
  symbol: MarketSymbol.default('BTC-USD'),
  date: IsoDate.optional(),
  source: SourceName.default('synthetic'),
  /** Task queue the ingest child's activity runs on (see {@link TaskQueueName}); the pipeline's own queue when absent. */
  ingestTaskQueue: TaskQueueName.optional(),
  /**
   * Longest wait (seconds) for another run (e.g. a backfill) to release a child's workflow ID
   * before the pipeline fails with ChildWorkflowIdConflict; 600 when absent, 0 = fail at once.
   * Optional, so runs recorded before it existed replay unchanged.
   */
  conflictWaitSeconds: z.number().int().min(0).max(86_400).optional(),
  /**
   * The flows to run. Absent (the usual case): the run resolves the worker's active graph once
   * when it starts and records it; given (tests, tools): exactly these flows.
   */
  graph: FlowGraphSnapshot.optional(),
});
export type PipelineInput = z.input<typeof PipelineInput>;

/** A reference to what one flow materialized: candles, features or an evaluation. */
export const FlowRef = z.union([PartitionRef, FeatureRef, EvaluationRef]);
export type FlowRef = z.infer<typeof FlowRef>;

/** Is this reference an ingest's candles? */
export function isPartitionRef(ref: FlowRef): ref is PartitionRef {
  return 'source' in ref;
}

/** Is this reference D's evaluation? */
export function isEvaluationRef(ref: FlowRef): ref is EvaluationRef {
  return 'scores' in ref;
}

/** What the pipeline returns: every flow's typed reference and duration, keyed by flow, and the graph it ran. */
export const PipelineResult = z.object({
  symbol: MarketSymbol,
  date: IsoDate,
  graph: FlowGraphSnapshot,
  /** Each flow's reference, keyed by flow name. */
  refs: z.record(FlowName, FlowRef),
  timings: z.object({
    /** Duration (ms, workflow time) of each flow's child, keyed by flow name. */
    flows: z.record(FlowName, z.number()),
    totalMs: z.number(),
  }),
});
export type PipelineResult = z.infer<typeof PipelineResult>;

/** The candles reference of a pipeline result; throws when the run had no ingest. */
export function ingestRefOf(r: PipelineResult): PartitionRef {
  const ref = r.refs.ingest;
  if (!ref || !isPartitionRef(ref)) throw new Error(`pipeline ${r.symbol} ${r.date} has no ingest result`);
  return ref;
}

/** The reference of one feature flow of a pipeline result; throws when the run did not run it. */
export function featureRefOf(r: PipelineResult, flow: FlowName): FeatureRef {
  const ref = r.refs[flow];
  if (!ref || isPartitionRef(ref) || isEvaluationRef(ref)) throw new Error(`pipeline ${r.symbol} ${r.date} has no ${flow} result`);
  return ref;
}

/** D's reference of a pipeline result; throws when the run had no evaluation. */
export function evaluationRefOf(r: PipelineResult): EvaluationRef {
  const ref = r.refs.evaluate;
  if (!ref || !isEvaluationRef(ref)) throw new Error(`pipeline ${r.symbol} ${r.date} has no evaluation result`);
  return ref;
}

/** What pipelines returned before results were keyed by flow (B and C only); still readable. */
export const LegacyPipelineResult = z.object({
  symbol: MarketSymbol,
  date: IsoDate,
  ingest: PartitionRef,
  featuresB: FeatureRef,
  featuresC: FeatureRef,
  evaluation: EvaluationRef,
  timings: z.object({ ingestMs: z.number(), featuresBMs: z.number(), featuresCMs: z.number(), evaluateMs: z.number(), totalMs: z.number() }),
});
export type LegacyPipelineResult = z.infer<typeof LegacyPipelineResult>;

/** A pipeline result of any release as today's shape (old runs' `featuresB`/`featuresC` become map entries). */
export function readPipelineResult(raw: unknown): PipelineResult {
  const legacy = LegacyPipelineResult.safeParse(raw);
  if (legacy.success && !(raw as { refs?: unknown }).refs) {
    const r = legacy.data;
    return {
      symbol: r.symbol,
      date: r.date,
      // The graph every such run had, with the feature versions it reported.
      graph: { flows: LEGACY_GRAPH.flows.map((n) => ({ ...n, version: n.id === 'features-b' ? r.featuresB.version : n.id === 'features-c' ? r.featuresC.version : n.version })) },
      refs: { ingest: r.ingest, 'features-b': r.featuresB, 'features-c': r.featuresC, evaluate: r.evaluation } as PipelineResult['refs'],
      timings: {
        flows: { ingest: r.timings.ingestMs, 'features-b': r.timings.featuresBMs, 'features-c': r.timings.featuresCMs, evaluate: r.timings.evaluateMs } as PipelineResult['timings']['flows'],
        totalMs: r.timings.totalMs,
      },
    };
  }
  return PipelineResult.parse(raw);
}

/** Formats zod issues as one readable line per problem, e.g. `to: from must not be after to`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`).join('; ');
}

/** Most child workflows a backfill runs at once. */
export const MAX_BACKFILL_CONCURRENCY = 64;
/** Longest run of contiguous days one backfill child materializes. */
export const MAX_CHUNK_DAYS = 366;
/** Default run length of a backfill child, chosen by `npm run bench -- backfill` (see docs/backfill.md). */
export const DEFAULT_CHUNK_DAYS = 62;
/**
 * The first release's default, still what the schema fills in: the backfill workflow replaces a
 * missing `chunkDays` with {@link DEFAULT_CHUNK_DAYS} behind a patch (src/workflows/chunk-days.ts),
 * so runs started before the change keep the chunk size they started with.
 */
export const FIRST_DEFAULT_CHUNK_DAYS = 31;

/** One contiguous run of failed partitions of a backfill, with the root cause. */
export const FailedPartitions = z.object({
  flow: FlowName,
  symbol: MarketSymbol,
  from: IsoDate,
  to: IsoDate,
  error: z.string(),
});
export type FailedPartitions = z.infer<typeof FailedPartitions>;

/** Partition counters of a backfill (days x flows x symbols); carried across continue-as-new. */
export const BackfillCounters = z.object({
  total: Count,
  done: Count,
  skipped: Count,
  failed: Count,
  /** Child workflows started so far, over every run of the chain. */
  children: Count,
  /** Failures counted against `maxFailures`: failed children plus groups of partitions with a missing upstream. */
  failures: Count,
});
export type BackfillCounters = z.infer<typeof BackfillCounters>;

/** Where one lane of a pipelined backfill is: the window it works on, and what it did or skipped there so far. */
export const BackfillLane = z.object({
  window: z.number().int().min(0),
  done: Count,
  skipped: Count,
});
export type BackfillLane = z.infer<typeof BackfillLane>;

/** What continue-as-new carries to the next run of a backfill; absent on the first run. */
export const BackfillCarry = z.object({
  counters: BackfillCounters,
  failed: z.array(FailedPartitions),
  /** Index of the phase (level of the graph) the chain was in; chains without `lanes` resume there (0 in pipelined chains). */
  phase: z.number().int().min(0).max(64),
  /** Partitions done and skipped so far in the current phase (chains without `lanes`): a re-plan after continue-as-new must not count them as skipped again. */
  phaseDone: Count,
  phaseSkipped: Count,
  /**
   * Pipelined backfills (`src/workflows/lanes.ts`): where each phase's lane was. Absent for a
   * chain that plans whole-range phases one after another.
   */
  lanes: z.array(BackfillLane).optional(),
  /** Epoch ms of the first run's start: rate and ETA span the chain; `force` redoes only what is older. */
  startedAt: z.number(),
  paused: z.boolean(),
  runs: z.number().int().positive(),
});
export type BackfillCarry = z.infer<typeof BackfillCarry>;

/**
 * The backfill workflow's input: materialize `flows` for `symbols` over `from..to`, skipping
 * what the ledger already has at the current code version (unless `force`).
 */
export const BackfillInput = z
  .object({
    symbols: z.array(MarketSymbol).min(1).max(50),
    flows: z.array(FlowName).min(1),
    from: IsoDate,
    to: IsoDate,
    /** Child workflows running at once (sliding window). */
    concurrency: z.number().int().min(1).max(MAX_BACKFILL_CONCURRENCY).default(4),
    /** Longest run of contiguous days one child materializes; 1 = one child per partition. */
    chunkDays: z.number().int().min(1).max(MAX_CHUNK_DAYS).default(FIRST_DEFAULT_CHUNK_DAYS),
    /** Redo selected feature/evaluate partitions even when current (ingest is never redone). */
    force: z.boolean().default(false),
    /** Also run missing (or stale) upstream flows first, instead of failing those partitions. */
    withUpstream: z.boolean().default(false),
    /** Stop starting children once more than this many failures happened. */
    maxFailures: z.number().int().min(0).max(10_000).default(10),
    /** Continue-as-new after this many started children, keeping every history small. */
    continueAsNewAfter: z.number().int().min(1).max(10_000).default(200),
    /** Market source ingest uses. */
    source: SourceName.default('synthetic'),
    /** Activity heartbeat timeout of every child's activities (see {@link HeartbeatTimeoutSeconds}). */
    heartbeatTimeoutSeconds: HeartbeatTimeoutSeconds.optional(),
    /** Task queue the ingest children's activities run on (see {@link TaskQueueName}); the backfill's own queue when absent. */
    ingestTaskQueue: TaskQueueName.optional(),
    /**
     * How long to wait, in total, when a child's workflow ID is held by another run (e.g. the
     * daily pipeline on the same day) before failing that partition; 600 when absent, 0 = fail
     * at once. Optional, so runs recorded before it existed replay unchanged.
     */
    conflictWaitSeconds: z.number().int().min(0).max(86_400).optional(),
    /**
     * Days per pipeline window of a multi-phase backfill (see `src/workflows/windows.ts`);
     * chosen from the chunk size when absent (~4 months). Optional, so older runs replay unchanged.
     */
    windowDays: z.number().int().min(1).max(MAX_RANGE_DAYS).optional(),
    /**
     * The flows this backfill may run, fixed when it starts (resolved from the worker's registry
     * on the first run and carried across continue-as-new). Absent on chains started before graphs
     * were recorded: they keep the graph they started with.
     */
    graph: FlowGraphSnapshot.optional(),
    /** Set by the workflow itself when it continues as new. */
    carry: BackfillCarry.optional(),
  })
  .refine((r) => r.from <= r.to, { message: 'from must not be after to', path: ['to'] })
  .refine((r) => rangeDays(r.from, r.to) <= MAX_RANGE_DAYS, {
    message: `a backfill may cover at most ${MAX_RANGE_DAYS} days; split it into several`,
    path: ['to'],
  });
export type BackfillInput = z.input<typeof BackfillInput>;

/** Live progress of a backfill, answered by its query. Counts are partitions (days x flows x symbols). */
export const BackfillProgress = z.object({
  total: Count,
  done: Count,
  skipped: Count,
  failed: Count,
  /** Partitions in child workflows running now. */
  running: Count,
  /** Child workflows running now. */
  runningChildren: Count,
  paused: z.boolean(),
  /** planning | ingest | features | evaluate | finishing | done | stopped */
  phase: z.string(),
  /** Materialized partitions per second since the backfill started (skipped ones excluded). */
  partitionsPerSecond: z.number(),
  /** Seconds left at the current rate; null until a rate is known. */
  etaSeconds: z.number().nullable(),
  startedAt: z.number(),
  /** Runs of this backfill so far (continue-as-new starts a new run). */
  runs: z.number().int().positive(),
});
export type BackfillProgress = z.infer<typeof BackfillProgress>;

/** What a backfill returns: the partition counts and every failed run of partitions with its cause. */
export const BackfillResult = z.object({
  status: z.enum(['completed', 'completed-with-failures', 'stopped']),
  total: Count,
  done: Count,
  skipped: Count,
  failed: Count,
  /** Partitions not attempted because the backfill stopped (max failures). */
  notAttempted: Count,
  children: Count,
  runs: z.number().int().positive(),
  elapsedMs: z.number(),
  failures: z.array(FailedPartitions),
});
export type BackfillResult = z.infer<typeof BackfillResult>;

/**
 * The scheduled run's input (`src/workflows/scheduled-run.ts`), fixed by the schedule's action.
 * No days: the run derives them from its scheduled time. The catch-up window travels here, so
 * the history records the bound the run used whatever the worker's configuration says later.
 */
export const ScheduledRunInput = z.object({
  symbol: MarketSymbol.default('BTC-USD'),
  source: SourceName.default('synthetic'),
  /** Task queue of the ingest activities of its pipelines (see {@link TaskQueueName}). */
  ingestTaskQueue: TaskQueueName.optional(),
  /** How many complete days before its scheduled time the run looks back for missing days. */
  catchUpDays: z.number().int().min(MIN_CATCH_UP_DAYS).max(MAX_CATCH_UP_DAYS).default(DEFAULT_CATCH_UP_DAYS),
  /** Longest wait for another run holding a day's pipeline ID (see {@link PipelineInput}); 600 when absent. */
  conflictWaitSeconds: z.number().int().min(0).max(86_400).optional(),
});
export type ScheduledRunInput = z.input<typeof ScheduledRunInput>;

/** What became of one day in a scheduled run. */
export const ScheduledDayOutcome = z.object({
  day: IsoDate,
  /** materialized here; already current (in the ledger at this build's versions, or done meanwhile by another run); failed; not attempted (an earlier day failed). */
  outcome: z.enum(['materialized', 'already-current', 'failed', 'not-attempted']),
  /** The day's own slot (true) or a missing day the run caught up on (false). */
  own: z.boolean(),
  /** The pipeline run that materialized or failed it. */
  workflowId: z.string().optional(),
  /** Root cause of a failure, or why it was not attempted. */
  error: z.string().optional(),
});
export type ScheduledDayOutcome = z.infer<typeof ScheduledDayOutcome>;

/** A run of contiguous days, with how many there are. */
export const DaySpan = z.object({ from: IsoDate, to: IsoDate, days: Count });
export type DaySpan = z.infer<typeof DaySpan>;

/** What a scheduled run returns: its days and what became of each, and what is missing beyond its window. */
export const ScheduledRunResult = z.object({
  status: z.enum(['completed', 'completed-with-failures']),
  symbol: MarketSymbol,
  /** The scheduled time the days were derived from (ISO). */
  scheduledAt: z.string(),
  /** The days the run owns (since the previous slot's days); null when it owns none. */
  ownDays: z.object({ from: IsoDate, to: IsoDate }).nullable(),
  /** The catch-up window it looked at. */
  window: z.object({ from: IsoDate, to: IsoDate }),
  days: z.array(ScheduledDayOutcome),
  /** Days older than the window with nothing materialized (since the symbol's first ledger day), up to 20 spans. */
  missingBeforeWindow: z.array(DaySpan),
  /** Missing days older than the window in total (more than the listed spans when those were cut). */
  missingBeforeWindowDays: Count,
  /** The command that fills {@link missingBeforeWindow}, when any. */
  backfillCommand: z.string().optional(),
});
export type ScheduledRunResult = z.infer<typeof ScheduledRunResult>;
