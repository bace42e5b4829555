/** What activities need from the process that hosts them; injected so tests use real parts of their own choosing. */
import type { Db } from '../db/schema';
import type { FlowGraph } from '../flows/graph';
import type { QualityPolicy } from '../sources/quality';
import type { SourceRegistry } from '../sources/types';

/** Dependencies of every activity (see `DEFAULT_QUALITY_POLICY` in `src/sources/quality.ts`). */
export interface ActivityDeps {
  /** The open, migrated database. */
  readonly db: Db;
  /** Market sources by name. */
  readonly sources: SourceRegistry;
  /** The flow graph this worker implements (default: the registry's, `FLOW_GRAPH`); tests pass graphs of their own. */
  readonly flows?: FlowGraph;
  /** What ingest accepts of a day's candles; the defaults when absent. */
  readonly quality?: QualityPolicy;
  /**
   * This worker's own task queue (`src/temporal/worker-affinity.ts`), when it polls one: the
   * planning activity reports it so a backfill can send a window's work to this worker.
   */
  readonly affinity?: WorkerAffinity;
}

/** A worker's own task queue and whether it runs ingest there (a compute-only worker does not). */
export interface WorkerAffinity {
  readonly taskQueue: string;
  readonly hostsIngest: boolean;
}

/** The workflow run an activity works for, recorded in the ledger (empty for standalone activities). */
export function callerRun(info: { workflowExecution?: { workflowId: string; runId: string } }): { workflowId: string; runId: string } {
  return info.workflowExecution ?? { workflowId: '', runId: '' };
}
