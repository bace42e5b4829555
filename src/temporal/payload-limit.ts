/**
 * A client-side guard on workflow input size. featureflow's flows pass references (symbol,
 * range, table name), never data, so every legitimate input is well under a kilobyte. Without
 * this guard a multi-megabyte argument reaches the server and is either refused with a terse
 * gRPC error after the connection's retries (over the 4 MB message limit, ~40 s) or stored in
 * history; with it, the caller gets a clear error at once and nothing is scheduled.
 */
import type { WorkflowClientInterceptor, WorkflowStartInput } from '@temporalio/client';
import { ValueError } from '@temporalio/common';

/** Largest JSON-encoded workflow input featureflow's client sends (256 KiB, half of Temporal's warning threshold). */
export const MAX_INPUT_BYTES = 256 * 1024;

/** Throws a readable error when the JSON encoding of `args` exceeds `limit` bytes. */
export function checkInputSize(what: string, args: readonly unknown[], limit: number = MAX_INPUT_BYTES): void {
  let bytes: number;
  try {
    bytes = Buffer.byteLength(JSON.stringify(args) ?? '');
  } catch {
    return; // Not JSON-encodable: the data converter will report it properly.
  }
  if (bytes > limit) {
    throw new ValueError(
      `Input of ${what} is ${(bytes / 1024 / 1024).toFixed(1)} MiB, over featureflow's limit of ${limit / 1024} KiB; ` +
        'pass references (symbol, date range, table), not data. Nothing was started.',
    );
  }
}

/** The client interceptor applying {@link checkInputSize} to workflow starts and signal-with-starts. */
export function payloadLimitInterceptor(limit: number = MAX_INPUT_BYTES): WorkflowClientInterceptor {
  const check = (input: WorkflowStartInput) => checkInputSize(`workflow ${input.workflowType} (${input.options.workflowId})`, input.options.args, limit);
  return {
    async start(input, next) {
      check(input);
      return next(input);
    },
    async startWithDetails(input, next) {
      check(input);
      return next(input);
    },
    async signalWithStart(input, next) {
      checkInputSize(`workflow ${input.workflowType} (${input.options.workflowId})`, [...input.options.args, ...input.signalArgs], limit);
      return next(input);
    },
  };
}
