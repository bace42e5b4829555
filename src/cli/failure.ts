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

/** One line naming the failing flow, activity and error, e.g. `ingest › ingestCandles › SourceDataInvalid: ...`. */
export function rootCause(err: unknown): string {
  const chain = causeChain(err);
  const children = chain.filter((l) => l.kind === 'child').map((l) => l.text.replace(/^child workflow (\S+).*$/, '$1'));
  const activity = chain.find((l) => l.kind === 'activity')?.text.replace(/^activity (\S+).*$/, '$1');
  const last = chain[chain.length - 1]?.text ?? String(err);
  return [...children, ...(activity ? [activity] : []), last].join(' › ');
}

/** The cause chain as an indented tree, for printing under a failed run. */
export function formatCauseChain(err: unknown): string {
  return causeChain(err)
    .map((l, i) => `${'  '.repeat(i)}${i ? '└ ' : ''}${l.text}`)
    .join('\n');
}
