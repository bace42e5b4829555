/** A started run: its ID and Web UI address, and its typed result. */
import type { WorkflowHandle } from '@temporalio/client';
import type { z } from 'zod';
import { workflowUiUrl } from '../config';
import { typed, type ClientContext } from './context';

/** A run of a flow, started or found by the client. */
export interface RunHandle<T> {
  /** The workflow ID, e.g. `pipeline/BTC-USD/2024-01-15`. */
  readonly workflowId: string;
  /** The Web UI page of the run (FEATUREFLOW_UI_URL). */
  readonly webUiUrl: string | undefined;
  /** Waits for the run to finish: its validated result, or a `RunFailedError` with the root cause. */
  result(): Promise<T>;
}

/** Wraps an SDK handle: results are parsed with `schema`, failures become typed errors. */
export function runHandle<S extends z.ZodTypeAny>(ctx: ClientContext, handle: WorkflowHandle, flow: string, schema: S): RunHandle<z.infer<S>> {
  return {
    workflowId: handle.workflowId,
    webUiUrl: workflowUiUrl(ctx.config, handle.workflowId),
    result: () => typed(ctx, async () => schema.parse(await handle.result()) as z.infer<S>, { workflowId: handle.workflowId, flow }),
  };
}
