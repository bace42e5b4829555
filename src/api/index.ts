/**
 * featureflow's public client library (the package's root entry): `FeatureflowClient`, the
 * typed errors, and the zod contracts with their inferred types. See docs/client.md.
 */
export { FeatureflowClient, type ConnectOptions, type WrittenReport } from './client';
export { BackfillRun, type OptionDifference, type ProgressOptions } from './backfill';
export type { RunHandle } from './handle';
export type { LogStream, LogsOptions } from './logs';
export type { PartitionState } from './assets';
export type { FlowResult, RunSummary, TaskQueuePollers } from './runs';
export { Schedules, ScheduleRequest, ScheduleBackfillRequest, type ScheduleSummary } from './schedules';
export type { FlowGraphInfo, FlowInfo } from './graph';
export { PipelineRequest, BackfillRequest, AssetsRequest, RunsFilter } from './requests';
export {
  FeatureflowError,
  UsageError,
  NotFoundError,
  ConflictError,
  RunFailedError,
  TemporalUnreachableError,
  DatabaseError,
  type FeatureflowErrorKind,
  type InputIssue,
  type RootCause,
} from './errors';
export {
  AssetName,
  BackfillProgress,
  BackfillResult,
  EvaluationRef,
  FailedPartitions,
  FeatureRef,
  FlowName,
  IsoDate,
  MarketSymbol,
  PartitionRef,
  PipelineResult,
  SourceName,
} from '../contracts';
export type { RunNode, ActivityNode, NodeState } from '../temporal/run-tree';
export type { LogRecord } from '../observability/log-record';
export type { Config } from '../config';
