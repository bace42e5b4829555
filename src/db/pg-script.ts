/**
 * A node-postgres query that sends a whole script at once: one simple-query message (several
 * statements) and, when the script holds a `COPY ... FROM STDIN`, that COPY's data and end right
 * behind it, without waiting for the server's CopyInResponse. PostgreSQL reads them in order; if
 * a statement before the COPY fails, it skips the rest of the script and ignores copy messages
 * that arrive outside copy mode, so pipelining is safe.
 *
 * Why: the worker's main thread is often busy computing features for tens of milliseconds at a
 * time, and every message the server waits on from it (the COPY data after CopyInResponse, the
 * next statement after each reply) waited for the main thread's next turn: the backends sampled
 * during a with-upstream backfill sat in ClientRead most of the time.
 */
import type { Connection, PoolClient, Submittable } from 'pg';

/** The parts of node-postgres' connection a script uses (present since pg 8; not all are in its types). */
interface ProtocolWriter {
  readonly stream: { cork(): void; uncork(): void };
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/** One script in flight; node-postgres calls the handlers as the server's messages arrive. */
class PipelinedScript implements Submittable {
  readonly done: Promise<void>;
  private settle!: (err?: Error) => void;
  private settled = false;

  constructor(
    private readonly text: string,
    private readonly copyData: Buffer | undefined,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = (err) => {
        if (this.settled) return;
        this.settled = true;
        if (err) reject(err);
        else resolve();
      };
    });
  }

  submit(connection: Connection): void {
    const writer = connection as unknown as ProtocolWriter;
    // One write to the socket for the query and its data.
    writer.stream.cork();
    writer.query(this.text);
    if (this.copyData) {
      writer.sendCopyFromChunk(this.copyData);
      writer.endCopyFrom();
    }
    process.nextTick(() => writer.stream.uncork());
  }

  // node-postgres hands every server message of the active query to one of these.
  handleCopyInResponse(): void {
    // The data is on its way already.
  }
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  /** A statement failed (the server skips the rest), or the connection broke (no ReadyForQuery will come). */
  handleError(err: Error): void {
    this.settle(err);
  }
  handleReadyForQuery(): void {
    this.settle();
  }
  /** Overwritten by node-postgres when a query timeout is configured. */
  callback(): void {}
}

/** Runs `text` (statements separated by `;`) with the data of its one COPY FROM STDIN, if any; rejects with the first error. */
export async function runScript(client: PoolClient, text: string, copyData?: Buffer): Promise<void> {
  const script = new PipelinedScript(text, copyData);
  client.query(script);
  await script.done;
}
