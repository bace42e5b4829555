/**
 * The log context of a run tree: what every log line of a workflow or activity carries beyond
 * the SDK's own attributes (root and parent run, flow, symbol, partition). Workflows read it
 * from their info and search attributes; activities cannot (their info has no root or
 * parent), so workflows pass it to them in a header. Workflow-safe: no I/O, no Node APIs.
 */
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { z } from 'zod';

/** Header carrying the log context from a workflow to the activities and children it starts. */
export const LOG_CONTEXT_HEADER = 'featureflow-log-context';

/** Correlation attributes of a log line, shared by a workflow and everything it starts. */
export const LogContext = z.object({
  rootWorkflowId: z.string(),
  rootRunId: z.string(),
  parentWorkflowId: z.string().optional(),
  flow: z.string().optional(),
  symbol: z.string().optional(),
  partition: z.string().optional(),
});
/** See {@link LogContext}. */
export type LogContext = z.infer<typeof LogContext>;

/** The header payload of a log context. */
export function encodeLogContext(context: LogContext): Payload {
  return defaultPayloadConverter.toPayload(context);
}

/** Reads a log context header; a missing or malformed one yields undefined (logging must never fail a task). */
export function decodeLogContext(payload: Payload | undefined): LogContext | undefined {
  if (!payload) return undefined;
  try {
    const parsed = LogContext.safeParse(defaultPayloadConverter.fromPayload(payload));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The context as log attributes, leaving out what is unknown. */
export function logContextAttributes(context: LogContext | undefined): Record<string, string> {
  if (!context) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(context)) if (typeof value === 'string' && value) out[key] = value;
  return out;
}
