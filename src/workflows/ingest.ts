/** Flow A: ingest a range of daily candle partitions from a market source. */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { IngestInput, type PartitionRef } from '../contracts';
import { parseInput } from '../core/failures';
import { onAffinityWorker } from './affinity';
import { ACTIVITY_OPTIONS, activityOptionsFor, cancelledIfWorkerLost, runSummary } from './common';

const { ingestCandles } = proxyActivities<Activities>(ACTIVITY_OPTIONS);

/** Fetches and stores the range's 1-minute candles; returns a reference, never the rows. */
export async function ingest(rawInput: IngestInput): Promise<PartitionRef> {
  const input = parseInput(IngestInput, rawInput, 'ingest');
  // Routed to the ingest queue only when the input names one: older runs replay as they ran.
  const queue = input.activityTaskQueue ? { taskQueue: input.activityTaskQueue } : {};
  const summary = `fetch + upsert ${runSummary({ flow: 'ingest', ...input })}`;
  return cancelledIfWorkerLost(
    onAffinityWorker(input.affinity, (route) => ingestCandles.executeWithOptions({ ...activityOptionsFor(input), ...queue, ...route, summary }, [input])),
  );
}
