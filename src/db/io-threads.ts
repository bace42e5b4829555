/**
 * SQLite I/O off the event loop. better-sqlite3 is synchronous: reading a month of candles or
 * writing a partition blocks its thread for tens to hundreds of milliseconds. On a worker's main
 * thread that also stalls Temporal (polls, heartbeats, cancellation, workflow tasks) and leaves
 * the other cores idle while the database works. This pool runs the hot reads and partition
 * writes on worker threads, each with its own connection to the same WAL file, so activities
 * only await them: compute, Temporal and SQLite overlap.
 *
 * Thread 0 does every write (SQLite has one writer at a time anyway; queueing here instead of in
 * SQLite's busy handler, which sleeps in steps of up to 100 ms, keeps the writer busy); the other
 * threads read. With one thread it does both. Threads start on first use and never keep the
 * process alive when idle.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ColumnRead, IoJob, IoRequest, IoResponse, IoThreadData } from './io-protocol';
import { isEvaluationWrite, type PartitionWrite } from './partitions';
import { READER_CACHE_MIB, WRITER_CACHE_MIB } from './sqlite-pragmas';

// Compiled code (dist/) starts the compiled entry directly; the TypeScript sources go through
// io-thread.cjs, which registers tsx in the thread (threads do not inherit module hooks).
const ENTRY = __filename.endsWith('.js') ? path.join(__dirname, 'io-thread-main.js') : path.join(__dirname, 'io-thread.cjs');

/** One thread and the requests it has not answered yet. */
class IoThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(r: IoResponse): void; reject(e: Error): void }>();
  /** Set once the thread has exited; the pool replaces it. */
  exited = false;

  constructor(data: IoThreadData, index: number) {
    this.worker = new Worker(ENTRY, {
      workerData: data,
      name: `featureflow-sqlite-io-${index}`,
      // A thread only holds a page of rows at a time (columns travel as transferred buffers, outside
      // the heap), so a small young generation keeps its resident memory low without extra GC work.
      resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 128 },
    });
    this.worker.unref();
    this.worker.on('message', (response: IoResponse) => {
      const waiting = this.pending.get(response.id);
      this.pending.delete(response.id);
      if (!this.pending.size) this.worker.unref();
      waiting?.resolve(response);
    });
    this.worker.on('error', (err) => this.failAll(new Error(`SQLite I/O thread ${index} failed: ${err.message}`, { cause: err })));
    this.worker.on('exit', (code) => {
      this.exited = true;
      this.failAll(new Error(`SQLite I/O thread ${index} exited (code ${code}) before answering`));
    });
  }

  /** Requests not answered yet (the pool sends reads to the least busy thread). */
  get load(): number {
    return this.pending.size;
  }

  send(request: IoRequest, transfer: ArrayBuffer[]): Promise<IoResponse> {
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      // Keep the process alive while an answer is owed (an awaited promise alone does not).
      this.worker.ref();
      this.worker.postMessage(request, transfer);
    });
  }

  private failAll(err: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(err);
    this.pending.clear();
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** Rebuilds a thread's error on this side; the message already names the table and partition. */
function toError(error: { name: string; message: string; code?: string }): Error {
  const err = new Error(error.message) as Error & { code?: string };
  err.name = error.name;
  if (error.code) err.code = error.code;
  return err;
}

/**
 * Copies each column into its own compact buffer so it can be transferred: structured cloning a
 * `subarray` view would copy its whole underlying buffer (a chunk's worth per partition). A
 * column that is a whole shared buffer (the partition cache's staged copy) goes as it is: the
 * thread reads the same memory.
 */
function transferable(w: PartitionWrite): { write: PartitionWrite; transfer: ArrayBuffer[] } {
  if (isEvaluationWrite(w)) return { write: w, transfer: [] };
  const arrays: Record<string, Float64Array> = {};
  const transfer: ArrayBuffer[] = [];
  for (const [column, values] of Object.entries(w.batch.arrays)) {
    if (values instanceof Float64Array && values.buffer instanceof SharedArrayBuffer && values.byteOffset === 0 && values.byteLength === values.buffer.byteLength) {
      arrays[column] = values;
      continue;
    }
    const copy = Float64Array.from(values);
    arrays[column] = copy;
    transfer.push(copy.buffer);
  }
  return { write: { ...w, batch: { constants: w.batch.constants, arrays } }, transfer };
}

/**
 * How long a thread may sit without work before it exits (the next request starts it again, in
 * ~0.1 s). An idle thread still holds a V8 isolate and its page cache: in a backfill whose reads
 * all come from the partition cache, the reader thread did a few reads at the start and then held
 * 5–9 MiB of the worker's peak RSS for nothing.
 */
export const IO_THREAD_IDLE_EXIT_MS = 5_000;

/** A pool of SQLite I/O threads on one database file. */
export class SqliteIoThreads {
  private readonly threads: Array<IoThread | undefined>;
  private readonly idleTimers: Array<NodeJS.Timeout | undefined>;
  private nextId = 1;
  private closed = false;

  /**
   * @param file the SQLite database file (already migrated).
   * @param size number of threads, at least 1: thread 0 writes, the rest read.
   * @param idleExitMs a thread with nothing to do for this long exits until it is needed again.
   */
  constructor(
    private readonly file: string,
    size: number,
    private readonly idleExitMs = IO_THREAD_IDLE_EXIT_MS,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`SqliteIoThreads: size must be a positive integer, got ${size}`);
    this.threads = new Array<IoThread | undefined>(size).fill(undefined);
    this.idleTimers = new Array<NodeJS.Timeout | undefined>(size).fill(undefined);
  }

  /** Threads running now (each starts on first use and exits when idle). */
  get running(): number {
    return this.threads.filter((t) => t && !t.exited).length;
  }

  /** Reads `columns` (plus `ts`) of `table` for `fromMs <= ts < toMs`; NULL becomes NaN. */
  async read(table: string, symbol: string, columns: readonly string[], fromMs: number, toMs: number): Promise<ColumnRead> {
    const response = await this.send(this.readerIndex(), { op: 'read', table, symbol, columns, fromMs, toMs }, []);
    if (!response.read) throw new Error('SQLite I/O thread answered a read without data');
    return response.read;
  }

  /** Replaces one partition and its ledger row in one transaction (on the writer thread); returns the rows written. */
  async replacePartition(w: PartitionWrite): Promise<number> {
    const { write, transfer } = transferable(w);
    const response = await this.send(0, { op: 'write', write }, transfer);
    return response.rows ?? 0;
  }

  /** Stops every thread; requests still in flight fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.idleTimers) clearTimeout(timer);
    await Promise.all(this.threads.map((t) => t?.terminate()));
    this.threads.fill(undefined);
  }

  private readerIndex(): number {
    if (this.threads.length === 1) return 0;
    let best = 1;
    for (let i = 2; i < this.threads.length; i++) if ((this.threads[i]?.load ?? 0) < (this.threads[best]?.load ?? 0)) best = i;
    return best;
  }

  private async send(index: number, job: IoJob, transfer: ArrayBuffer[]): Promise<Extract<IoResponse, { ok: true }>> {
    if (this.closed) throw new Error(`The database ${this.file} is closed`);
    let thread = this.threads[index];
    if (!thread || thread.exited) {
      thread = new IoThread({ file: this.file, cacheMib: index === 0 ? WRITER_CACHE_MIB : READER_CACHE_MIB }, index);
      this.threads[index] = thread;
    }
    clearTimeout(this.idleTimers[index]);
    try {
      const response = await thread.send({ ...job, id: this.nextId++ }, transfer);
      if (!response.ok) throw toError(response.error);
      return response;
    } finally {
      if (thread.load === 0) this.exitWhenIdle(index, thread);
    }
  }

  /** Lets `thread` exit once it has had nothing to do for `idleExitMs` (a request in between keeps it). */
  private exitWhenIdle(index: number, thread: IoThread): void {
    clearTimeout(this.idleTimers[index]);
    const timer = setTimeout(() => {
      if (this.threads[index] !== thread || thread.load > 0) return;
      this.threads[index] = undefined;
      void thread.terminate();
    }, this.idleExitMs);
    timer.unref();
    this.idleTimers[index] = timer;
  }
}
