/** Messages between the main thread and the SQLite I/O threads (`io-threads.ts`, `io-thread-main.ts`). */
import type { PartitionWrite } from './partitions';

/** What the pool asks a thread to do. */
export type IoJob =
  | {
      readonly op: 'read';
      readonly table: string;
      readonly symbol: string;
      readonly columns: readonly string[];
      readonly fromMs: number;
      readonly toMs: number;
    }
  | { readonly op: 'write'; readonly write: PartitionWrite };

/** A job as sent: numbered, so the answer finds its caller. */
export type IoRequest = IoJob & { readonly id: number };

/** A column read's result: timestamps and one array per requested column (buffers are transferred, not copied). */
export interface ColumnRead {
  readonly ts: Float64Array;
  readonly values: Float64Array[];
}

/** A thread's answer to request `id`. */
export type IoResponse =
  | { readonly id: number; readonly ok: true; readonly read?: ColumnRead; readonly rows?: number }
  | { readonly id: number; readonly ok: false; readonly error: { readonly name: string; readonly message: string; readonly code?: string } };

/** What a thread is started with. */
export interface IoThreadData {
  /** The SQLite file (never `:memory:`: a thread's own connection must see the same data). */
  readonly file: string;
  /** Its page cache (MiB): large on the writer, small on readers. */
  readonly cacheMib: number;
}
