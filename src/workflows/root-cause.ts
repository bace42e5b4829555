/**
 * The root cause of a failure as one line, `flow › activity › Type: message`, for the first line
 * of a parent's failure (what the Web UI's list and run page show) and for a backfill's record of
 * failed partitions. Workflow-safe: walks the failure's cause chain, no I/O.
 */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/common';

/** The flow of a child from its business ID (`features-c/BTC-USD/2024-01-15` -> `features-c`). */
function flowOfChild(failure: ChildWorkflowFailure): string {
  return failure.execution.workflowId?.split('/')[0] || failure.workflowType;
}

/** e.g. `features-c › computeFeatures › UpstreamMissing: features-c needs candles ...`. */
export function rootCauseLine(err: unknown): string {
  const path: string[] = [];
  let cur: unknown = err;
  let last: unknown = err;
  for (let depth = 0; cur && depth < 20; depth++) {
    if (cur instanceof ChildWorkflowFailure) path.push(flowOfChild(cur));
    else if (cur instanceof ActivityFailure) path.push(cur.activityType);
    last = cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  const e = last as { type?: string; message?: string } | undefined;
  const message = e?.message ?? String(last);
  const typed = last instanceof ApplicationFailure && e?.type && !message.startsWith(`${e.type}:`) ? `${e.type}: ${message}` : message;
  return [...path, typed].join(' › ');
}
