/**
 * Explains a failed run the way a person needs it: the chain from the parent down to the
 * activity that failed, and the root cause on one line (flow, activity, error).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowFailedError,
} from '@temporalio/client';
import type { RootCause } from './errors';

/** One link of a failure's cause chain. */
export interface CauseLink {
  readonly kind: 'workflow' | 'child' | 'activity' | 'application' | 'timeout' | 'cancelled' | 'terminated' | 'error';
  readonly text: string;
}

/** Flattens a failure (a WorkflowFailedError or any TemporalFailure) into its cause chain, outermost first. */
export function causeChain(err: unknown): CauseLink[] {
  const links: CauseLink[] = [];
  let current: unknown = err;
  for (let depth = 0; current && depth < 20; depth++) {
    if (current instanceof WorkflowFailedError) {
      links.push({ kind: 'workflow', text: `workflow failed: ${current.message}` });
    } else if (current instanceof ChildWorkflowFailure) {
      links.push({ kind: 'child', text: `child workflow ${current.workflowType} (${current.execution.workflowId}) failed` });
    } else if (current instanceof ActivityFailure) {
      links.push({ kind: 'activity', text: `activity ${current.activityType} (id ${current.activityId}) failed` });
    } else if (current instanceof ApplicationFailure) {
      const flags = current.nonRetryable ? ', non-retryable' : '';
      links.push({ kind: 'application', text: `${current.type ?? 'Error'}${flags}: ${current.message}` });
    } else if (current instanceof TimeoutFailure) {
      links.push({ kind: 'timeout', text: `timed out (${current.timeoutType}): ${current.message}` });
    } else if (current instanceof CancelledFailure) {
      links.push({ kind: 'cancelled', text: `cancelled: ${current.message}` });
    } else if (current instanceof TerminatedFailure) {
      links.push({ kind: 'terminated', text: `terminated: ${current.message}` });
    } else if (current instanceof Error) {
      links.push({ kind: 'error', text: current.message });
    }
    current = (current as { cause?: unknown }).cause;
  }
  return links;
}

/** The structured root cause: innermost failed flow, the activity (if any) and the innermost error. */
export function rootCauseOf(err: unknown, ownFlow: string): RootCause {
  let flow = ownFlow;
  let activity: string | undefined;
  let type: string | undefined;
  let message = err instanceof Error ? err.message : String(err);
  let current: unknown = err;
  for (let depth = 0; current && depth < 20; depth++) {
    if (current instanceof ChildWorkflowFailure) flow = current.workflowType;
    else if (current instanceof ActivityFailure) activity = current.activityType;
    else if (current instanceof ApplicationFailure) type = current.type ?? undefined;
    if (current instanceof Error) message = current.message;
    current = (current as { cause?: unknown }).cause;
  }
  return { flow, ...(activity ? { activity } : {}), ...(type ? { type } : {}), message };
}

/** Messages of an error and its causes, outermost first. */
function messages(err: unknown): string[] {
  const out: string[] = [];
  for (let current = err, depth = 0; current instanceof Error && depth < 10; current = (current as { cause?: unknown }).cause, depth++) {
    out.push(current.message, (current as { details?: unknown }).details ? String((current as { details?: unknown }).details) : '');
  }
  return out;
}

/**
 * When a start failed because the cluster is not set up for featureflow (a missing namespace or
 * custom search attribute), one line naming what is missing and the command that fixes it.
 */
export function setupProblem(err: unknown, namespace: string): string | undefined {
  const text = messages(err).join('\n');
  if (err instanceof Error && (err.name === 'NamespaceNotFoundError' || /namespace .* (is )?not found/i.test(text))) {
    return `namespace ${namespace} does not exist on this Temporal cluster; check TEMPORAL_NAMESPACE, or create it (and the search attributes) with \`featureflow setup\` (Temporal Cloud: in the Cloud UI or with tcld)`;
  }
  const attribute = /(?:no mapping defined for search attribute|search attribute) ['"]?([A-Za-z0-9_]+)['"]?(?: is not defined| for namespace)?/i.exec(text);
  if (attribute && /not defined|no mapping/i.test(text)) {
    return `search attribute ${attribute[1]} is not registered on namespace ${namespace}; register featureflow's attributes with \`featureflow setup\``;
  }
  return undefined;
}
