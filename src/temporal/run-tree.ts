/**
 * The run tree of a workflow: its child workflows (recursively) and activities, each with
 * state, timing, attempts and failure, read from Temporal's own histories. Used by
 * `featureflow status`, `logs` (to know when a tree is finished) and the benchmark.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** State of a node in the tree. */
export type NodeState = 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed-out' | 'continued' | 'scheduled';

/** An activity of a workflow run. */
export interface ActivityNode {
  readonly activityId: string;
  readonly activityType: string;
  readonly state: NodeState;
  /** Attempts made so far (1 when it succeeded first time). */
  readonly attempts: number;
  readonly scheduledAt?: Date;
  readonly startedAt?: Date;
  readonly closedAt?: Date;
  readonly failure?: string;
}

/** A workflow run and everything under it. */
export interface RunNode {
  readonly workflowId: string;
  readonly runId: string;
  readonly workflowType: string;
  readonly state: NodeState;
  readonly startedAt?: Date;
  readonly closedAt?: Date;
  readonly failure?: string;
  readonly historyLength: number;
  readonly activities: ActivityNode[];
  readonly children: RunNode[];
}

const toDate = (ts: temporal.api.history.v1.IHistoryEvent['eventTime']): Date | undefined =>
  ts ? new Date(Number(ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)) : undefined;

/** The deepest message of a failure proto, prefixed by its type. */
function failureText(f: temporal.api.failure.v1.IFailure | null | undefined): string | undefined {
  if (!f) return undefined;
  let cur: temporal.api.failure.v1.IFailure = f;
  while (cur.cause) cur = cur.cause;
  const type = cur.applicationFailureInfo?.type;
  return type ? `${type}: ${cur.message}` : (cur.message ?? undefined);
}

interface ActivityDraft {
  activityId: string;
  activityType: string;
  state: NodeState;
  attempts: number;
  scheduledAt?: Date;
  startedAt?: Date;
  closedAt?: Date;
  failure?: string;
}

interface ChildDraft {
  workflowId: string;
  workflowType: string;
  runId?: string;
}

/** Reads one workflow run's history and, recursively, its children's. */
export async function loadRunTree(client: Client, workflowId: string, runId?: string, depth = 0): Promise<RunNode> {
  const handle = client.workflow.getHandle(workflowId, runId);
  const description = await handle.describe();
  const history = await handle.fetchHistory();
  const events: HistoryEvent[] = history.events ?? [];
  const activities = new Map<string, ActivityDraft>();
  const children = new Map<string, ChildDraft>();

  for (const e of events) {
    const id = String(e.eventId);
    switch (e.eventType) {
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        const a = e.activityTaskScheduledEventAttributes!;
        activities.set(id, { activityId: a.activityId ?? id, activityType: a.activityType?.name ?? '?', state: 'scheduled', attempts: 0, scheduledAt: toDate(e.eventTime) });
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const a = e.activityTaskStartedEventAttributes!;
        const act = activities.get(String(a.scheduledEventId));
        if (act) Object.assign(act, { state: 'running', attempts: a.attempt ?? 1, startedAt: toDate(e.eventTime), failure: failureText(a.lastFailure) });
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: {
        const attrs =
          e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
        const act = activities.get(String(attrs?.scheduledEventId));
        if (!act) break;
        act.closedAt = toDate(e.eventTime);
        if (e.activityTaskCompletedEventAttributes) act.state = 'completed';
        else if (e.activityTaskFailedEventAttributes) {
          act.state = 'failed';
          act.failure = failureText(e.activityTaskFailedEventAttributes.failure);
        } else if (e.activityTaskTimedOutEventAttributes) {
          act.state = 'timed-out';
          act.failure = failureText(e.activityTaskTimedOutEventAttributes.failure);
        } else act.state = 'cancelled';
        break;
      }
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED: {
        const a = e.startChildWorkflowExecutionInitiatedEventAttributes!;
        children.set(id, { workflowId: a.workflowId ?? '?', workflowType: a.workflowType?.name ?? '?' });
        break;
      }
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED: {
        const a = e.childWorkflowExecutionStartedEventAttributes!;
        const child = children.get(String(a.initiatedEventId));
        if (child) child.runId = a.workflowExecution?.runId ?? undefined;
        break;
      }
      default:
        break;
    }
  }

  // Running activities: the history has no started event until they finish; describe() knows their attempt.
  for (const p of description.raw.pendingActivities ?? []) {
    const act = [...activities.values()].find((a) => a.activityId === p.activityId);
    if (act) {
      act.state = p.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED ? 'running' : 'scheduled';
      act.attempts = p.attempt ?? act.attempts;
      act.failure = failureText(p.lastFailure) ?? act.failure;
    }
  }

  const childNodes = depth > 6 ? [] : await Promise.all(
    [...children.values()].filter((c) => c.runId).map((c) => loadRunTree(client, c.workflowId, c.runId, depth + 1)),
  );

  const closeEvent = events[events.length - 1];
  const status = description.status.name;
  const state: NodeState =
    status === 'RUNNING' ? 'running'
      : status === 'COMPLETED' ? 'completed'
        : status === 'FAILED' ? 'failed'
          : status === 'CANCELLED' ? 'cancelled'
            : status === 'TERMINATED' ? 'terminated'
              : status === 'CONTINUED_AS_NEW' ? 'continued'
                : status === 'TIMED_OUT' ? 'timed-out' : 'running';
  return {
    workflowId,
    runId: description.runId,
    workflowType: description.type,
    state,
    startedAt: description.startTime,
    closedAt: description.closeTime,
    failure: failureText(closeEvent?.workflowExecutionFailedEventAttributes?.failure),
    historyLength: events.length,
    activities: [...activities.values()],
    children: childNodes,
  };
}

/** Milliseconds between two instants, or until now while still running. */
export function durationMs(start?: Date, end?: Date): number | undefined {
  if (!start) return undefined;
  return (end ?? new Date()).getTime() - start.getTime();
}

/** True when the node and every descendant have finished. */
export function treeFinished(node: RunNode): boolean {
  return node.state !== 'running' && node.children.every(treeFinished);
}
