/**
 * Reads (and follows) the log lines of a run tree: a workflow and all its descendants, from
 * every worker, in time order. Following polls the store for lines newer than the last seen
 * and watches the tree's state in Temporal; once the tree has finished it drains the lines
 * workers still had buffered and reports the tree's outcome.
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../db/schema';
import { loadRunTree, treeFinished, type NodeState, type RunNode } from '../temporal/run-tree';
import { byTime, readLogPage, readLogs, type LogSelection, type StoredLog } from './log-store';

/** Options of {@link streamTreeLogs}. */
export interface StreamTreeLogsOptions {
  readonly client: Client;
  readonly db: Db;
  readonly workflowId: string;
  /** Keep streaming until the tree finishes (default: print what is stored and return). */
  readonly follow?: boolean;
  /** Called for each line, in time order within each poll. */
  readonly onLine: (line: StoredLog) => void;
  /** Store poll interval, ms (default 500). */
  readonly pollMs?: number;
  /**
   * After the tree finished, keep reading until no line arrived for this long, ms (default 1500):
   * workers flush every 250 ms, so this covers their last batch with margin.
   */
  readonly drainQuietMs?: number;
}

/** What a stream saw. */
export interface TreeLogsResult {
  /** State of the workflow the stream was for (its latest run). */
  readonly state: NodeState;
  readonly runId: string;
  readonly lines: number;
}

/** How far behind the highest id seen each poll re-reads (covers commits that land out of id order). */
const REREAD_WINDOW = 2000;

/** Identity of a selection's run set, to notice when a subtree grows. */
function runKey(selection: LogSelection): string {
  return 'runs' in selection ? selection.runs.map((r) => r.runId).join(',') : selection.rootRunId;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function flatten(node: RunNode): Array<{ workflowId: string; runId: string }> {
  return [{ workflowId: node.workflowId, runId: node.runId }, ...node.children.flatMap(flatten)];
}

/** Maps Temporal's execution status name onto a tree state. */
function stateOf(status: string): NodeState {
  const states: Record<string, NodeState> = {
    RUNNING: 'running', COMPLETED: 'completed', FAILED: 'failed', CANCELLED: 'cancelled',
    TERMINATED: 'terminated', CONTINUED_AS_NEW: 'continued', TIMED_OUT: 'timed-out',
  };
  return states[status] ?? 'running';
}

/** Streams a tree's lines; resolves with its outcome once done (at once without `follow`). */
export async function streamTreeLogs(options: StreamTreeLogsOptions): Promise<TreeLogsResult> {
  const { client, db, workflowId } = options;
  const description = await client.workflow.getHandle(workflowId).describe();
  const runId = description.runId;
  const isRoot = !description.parentExecution;
  let lines = 0;

  // A root's lines are found by its root id (one indexed range); a subtree's by its runs, which grow while it runs.
  const selection = async (): Promise<{ selection: LogSelection; finished: boolean; state: NodeState }> => {
    if (isRoot) {
      const d = await client.workflow.getHandle(workflowId, runId).describe();
      const state = stateOf(d.status.name);
      return { selection: { rootWorkflowId: workflowId, rootRunId: runId }, finished: state !== 'running', state };
    }
    const tree = await loadRunTree(client, workflowId, runId);
    return { selection: { runs: flatten(tree) }, finished: treeFinished(tree), state: tree.state };
  };

  if (!options.follow) {
    const s = await selection();
    for (const line of await readLogs(db, s.selection)) {
      options.onLine(line);
      lines++;
    }
    return { state: s.state, runId, lines };
  }

  const pollMs = options.pollMs ?? 500;
  const drainQuietMs = options.drainQuietMs ?? 1500;
  // Ids are handed out at insert but become visible at commit, so with several writers
  // (PostgreSQL) a lower id can appear after a higher one: re-read a window behind the
  // highest id seen and skip what was printed.
  const seen = new Set<number>();
  let maxId = 0;
  let rescanFrom: number | undefined = 0;
  let finishedAt: number | undefined;
  let lastLineAt = Date.now();
  let current = await selection();
  let knownRuns = runKey(current.selection);
  for (;;) {
    const from = rescanFrom ?? Math.max(0, maxId - REREAD_WINDOW);
    rescanFrom = undefined;
    const fresh: StoredLog[] = [];
    for (let page = await readLogPage(db, current.selection, from); page.length; page = await readLogPage(db, current.selection, Number(page[page.length - 1].id))) {
      for (const line of page) if (!seen.has(Number(line.id))) fresh.push(line);
    }
    if (fresh.length) {
      for (const line of fresh.sort(byTime)) {
        seen.add(Number(line.id));
        maxId = Math.max(maxId, Number(line.id));
        options.onLine(line);
      }
      lines += fresh.length;
      lastLineAt = Date.now();
    }
    if (finishedAt !== undefined && Date.now() - Math.max(finishedAt, lastLineAt) >= drainQuietMs) break;
    await sleep(pollMs);
    if (finishedAt === undefined) {
      current = await selection();
      if (current.finished) finishedAt = Date.now();
      // A run that just joined the subtree may have logged before we knew of it: read it from the start.
      const runs = runKey(current.selection);
      if (runs !== knownRuns) rescanFrom = 0;
      knownRuns = runs;
    }
  }
  return { state: current.state, runId, lines };
}

/** The process exit code of a tree outcome: 0 when it completed, 1 otherwise. */
export function outcomeExitCode(state: NodeState): number {
  return state === 'completed' || state === 'continued' ? 0 : 1;
}
