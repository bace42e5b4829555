/**
 * The chunk size a backfill uses when its input does not name one. The first release used 31
 * days; benchmarks with SQLite I/O threads chose 62 (fewer children: half the Temporal work per
 * partition, and faster on every measured case; docs/backfill.md). Plans come from an activity,
 * so replaying an old run would not notice the change — but a run started before it would switch
 * to 62-day chunks in its later phases and continued-as-new runs. Behind a patch, a run keeps
 * the chunk size it started with.
 */
import { patched } from '@temporalio/workflow';
import { DEFAULT_CHUNK_DAYS, type BackfillInput } from '../contracts';

/** Patch ID: backfills without `chunkDays` plan {@link DEFAULT_CHUNK_DAYS}-day chunks (31 before it). */
export const DEFAULT_CHUNK_DAYS_PATCH = 'backfill-default-chunk-days-62';

/** The input with the current default chunk size filled in, unless it names one or was started before the patch. */
export function withDefaultChunkDays(input: BackfillInput): BackfillInput {
  // Asked only when the default matters, so runs that name their chunk size record no marker.
  if (input.chunkDays !== undefined || !patched(DEFAULT_CHUNK_DAYS_PATCH)) return input;
  return { ...input, chunkDays: DEFAULT_CHUNK_DAYS };
}
