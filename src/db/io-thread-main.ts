/**
 * The body of one SQLite I/O thread: its own better-sqlite3 connection to the shared WAL file,
 * answering column reads and partition writes with exactly the code the main thread would run
 * (`sqlite-fast.ts`), so threaded and in-process I/O cannot drift apart.
 */
import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import type { IoRequest, IoResponse, IoThreadData } from './io-protocol';
import { configureSqlite } from './sqlite-pragmas';
import { sqliteReadColumns, sqliteReplacePartition } from './sqlite-fast';

const port = parentPort;
if (!port) throw new Error('io-thread-main.ts must run as a worker thread (see io-threads.ts)');
const { file, cacheMib } = workerData as IoThreadData;
const sqlite = new SQLite(file);
configureSqlite(sqlite, cacheMib);

port.on('message', (request: IoRequest) => {
  try {
    if (request.op === 'read') {
      const read = sqliteReadColumns(sqlite, request.table, request.symbol, request.columns, request.fromMs, request.toMs);
      const response: IoResponse = { id: request.id, ok: true, read };
      // Hand the arrays over instead of copying them: the main thread owns them from here on.
      port.postMessage(response, [read.ts.buffer, ...read.values.map((v) => v.buffer)] as ArrayBuffer[]);
    } else {
      const response: IoResponse = { id: request.id, ok: true, rows: sqliteReplacePartition(sqlite, request.write) };
      port.postMessage(response);
    }
  } catch (err) {
    const e = err as Error & { code?: string };
    const response: IoResponse = { id: request.id, ok: false, error: { name: e.name, message: e.message, code: e.code } };
    port.postMessage(response);
  }
});
