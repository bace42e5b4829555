/**
 * A worker's own task queue. A standalone worker polls it beside the shared queue, hosting the
 * same activities; a backfill sends all the work of one window there (ingest, features and the
 * evaluation of those days: `src/workflows/affinity.ts`), so each read finds what the same
 * process has just written in its partition cache. With one shared queue, two workers each
 * took every other child and read the other's days back from the database (cache hits 100 % →
 * ~50 %, and more CPU per partition than one worker).
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config';
import type { WorkerAffinity } from '../activities/deps';

/**
 * The queue of one worker process: the shared queue's name, the worker's identity and a random
 * suffix (a restarted worker, or a container where every process is pid 1, never shares one).
 */
export function affinityTaskQueueName(sharedTaskQueue: string, identity: string): string {
  return `${sharedTaskQueue}/worker/${identity}/${randomUUID().slice(0, 8)}`;
}

/**
 * The affinity this worker process offers, if any: off when configured off, for an ingest-only
 * worker (it plans nothing), and with worker versioning (a worker's own queue would need its
 * own deployment routing). A compute-only worker does not host ingest, so ingest is not sent to it.
 */
export function workerAffinityOf(config: Config, identity: string): WorkerAffinity | undefined {
  if (!config.workerAffinity || config.workerRole === 'ingest' || config.versioning) return undefined;
  return { taskQueue: affinityTaskQueueName(config.taskQueue, identity), hostsIngest: config.workerRole === 'all' };
}
