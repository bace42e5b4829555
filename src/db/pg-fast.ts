/**
 * The PostgreSQL hot path, mirroring `sqlite-fast.ts`: a partition (one day row of
 * `<table>_days`, see `pg-day-layout.ts`) goes in with one binary COPY inside the partition's
 * transaction, and column reads come back with one binary COPY of a query over day rows, both
 * straight between typed arrays and the wire (see `pg-copy-binary.ts`).
 *
 * A partition write is ONE round trip (`pg-script.ts`): a single simple-query message holds
 * begin, the advisory lock, the delete, the COPY (its data sent right behind it), the ledger
 * upsert and commit. Each round trip waits for the worker's busy main thread to take its turn;
 * six of them per partition made writes ~110 ms each in a with-upstream backfill, and the pool's
 * connections, held that long, added ~40 ms of queueing per write. Values in that text are escaped
 * literals (strings) or checked numbers; table and column names come from the typed schema and
 * the algorithm registry, never from input.
 */
import type { Pool, PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { DAY_MS, dayOf, dayStartMs } from '../core/dates';
import { decodeCopyDays, encodeCopyDay, type BinaryColumnKind } from './pg-copy-binary';
import { dayTableOf } from './pg-day-layout';
import { runScript } from './pg-script';
import type { EvaluationWrite, LineageInput, SeriesWrite } from './partitions';
import { evaluationAsset, qualityColumns, type LedgerRow } from './ledger';

const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

/** A number for SQL text; anything but a finite number is a bug upstream. */
function numeric(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return String(value);
}

/** The ledger's columns in the order the upsert lists them (the key first; a re-materialization replaces the rest, quality included). */
const LEDGER_COLUMNS = [
  'asset',
  'symbol',
  'partition',
  'code_version',
  'workflow_id',
  'run_id',
  'rows',
  'checksum',
  'materialized_at',
  'quality',
  'source',
  'missing_minutes',
  'duplicates',
  'conflicting_duplicates',
] as const;

/** A double for SQL text: exact (shortest round-trip digits), NULL, or PostgreSQL's NaN/Infinity. */
function float(value: number | null): string {
  if (value === null) return 'null';
  return Number.isFinite(value) ? String(value) : `'${value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN'}'::float8`;
}

/** The statements of one partition write, up to and including its COPY, then the ledger and commit. */
function writeScript(client: PoolClient, w: SeriesWrite, columns: readonly string[], rows: number): string {
  const lit = (value: string): string => client.escapeLiteral(value);
  const days = quote(dayTableOf(w.table));
  return transactionScript(client, w.table, w, rows, [
    `delete from ${days} where symbol = ${lit(w.symbol)} and day = ${lit(w.partition)}`,
    `copy ${days} (${['symbol', 'day', ...columns].map(quote).join(', ')}) from stdin (format binary)`,
  ]);
}

/**
 * begin; the partition's advisory lock; `statements`; the ledger upsert; its lineage; commit.
 * Two writers of the same partition (a pipeline and a backfill) take turns instead of racing
 * between delete and insert.
 */
function transactionScript(
  client: PoolClient,
  asset: string,
  w: Pick<SeriesWrite, 'symbol' | 'partition' | 'ledger' | 'inputs'>,
  rows: number,
  statements: readonly string[],
): string {
  const lit = (value: string): string => client.escapeLiteral(value);
  const lockKey = `${asset}/${w.symbol}/${w.partition}`;
  const ledger: LedgerRow = { ...w.ledger, asset, symbol: w.symbol, partition: w.partition, rows };
  const quality = qualityColumns(ledger);
  const text = (value: string | null): string => (value === null ? 'null' : lit(value));
  const integer = (value: number | null): string => (value === null ? 'null' : numeric(value));
  const ledgerValues = [
    lit(ledger.asset),
    lit(ledger.symbol),
    lit(ledger.partition),
    lit(ledger.code_version),
    lit(ledger.workflow_id),
    lit(ledger.run_id),
    numeric(ledger.rows),
    lit(ledger.checksum),
    numeric(ledger.materialized_at),
    text(quality.quality),
    text(quality.source),
    integer(quality.missing_minutes),
    integer(quality.duplicates),
    integer(quality.conflicting_duplicates),
  ];
  return [
    'begin',
    // A plain select (its one row is ignored, pg-script.ts): a DO block compiled PL/pgSQL on every write.
    `select pg_advisory_xact_lock(hashtext(${lit(lockKey)}))`,
    ...statements,
    `insert into materializations (${LEDGER_COLUMNS.join(', ')}) values (${ledgerValues.join(', ')}) ` +
      `on conflict (asset, symbol, partition) do update set ${LEDGER_COLUMNS.slice(3).map((c) => `${c} = excluded.${c}`).join(', ')}`,
    ...lineageStatements(lit, asset, w.symbol, w.partition, w.inputs ?? []),
    'commit',
  ].join(';\n');
}

/** Replaces the partition's lineage (what it read), as `recordLineage` does. */
function lineageStatements(lit: (value: string) => string, asset: string, symbol: string, partition: string, inputs: readonly LineageInput[]): string[] {
  const key = `asset = ${lit(asset)} and symbol = ${lit(symbol)} and partition = ${lit(partition)}`;
  const statements = [`delete from materialization_inputs where ${key}`];
  if (inputs.length) {
    const values = inputs.map((i) => `(${[asset, symbol, partition, i.asset, i.partition, i.checksum].map(lit).join(', ')})`);
    statements.push(`insert into materialization_inputs (asset, symbol, partition, input_asset, input_partition, input_checksum) values ${values.join(', ')}`);
  }
  return statements;
}

/** Replaces one day of one flow's evaluations (a few dozen rows), its ledger row and lineage atomically, in one round trip. */
export async function pgReplaceEvaluations(pool: Pool, w: EvaluationWrite): Promise<number> {
  return withClient(pool, async (client) => {
    const lit = (value: string): string => client.escapeLiteral(value);
    const values = w.rows.map(
      (r) =>
        `(${[lit(r.symbol), lit(r.partition), lit(r.algorithm), lit(r.feature), lit(r.code_version), numeric(r.horizon_minutes), float(r.ic ?? null), float(r.rank_ic ?? null), numeric(r.n)].join(', ')})`,
    );
    const statements = [`delete from evaluations where symbol = ${lit(w.symbol)} and partition = ${lit(w.partition)} and algorithm = ${lit(w.algorithm)}`];
    if (values.length) {
      statements.push(`insert into evaluations (symbol, partition, algorithm, feature, code_version, horizon_minutes, ic, rank_ic, n) values ${values.join(', ')}`);
    }
    await runScript(client, transactionScript(client, evaluationAsset(w.algorithm), w, w.rows.length, statements));
    return w.rows.length;
  });
}

/** Runs `work` on a pooled connection; after a failure the open transaction is rolled back (or the connection dropped). */
async function withClient<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    const result = await work(client);
    client.release();
    return result;
  } catch (err) {
    // A script stops at its first error inside its open transaction: end it before reuse.
    const rolledBack = await client.query('rollback').then(
      () => true,
      () => false,
    );
    client.release(rolledBack ? undefined : (err as Error));
    throw err;
  }
}

/**
 * Replaces one day of a time-series table and its ledger row atomically (lock, delete, binary
 * COPY of the day row, ledger upsert, one transaction, one round trip). Returns the minutes written.
 */
export async function pgReplaceSeriesPartition(pool: Pool, w: SeriesWrite): Promise<number> {
  const columns = Object.keys(w.batch.arrays);
  const rows = columns.length ? w.batch.arrays[columns[0]].length : 0;
  const kinds: BinaryColumnKind[] = columns.map((n) => (n === 'ts' ? 'int8' : 'float8'));
  assertDayInOrder(w, rows);
  // An empty day has no row, but still goes through COPY (header and trailer only): the script stays one shape.
  const payload = encodeCopyDay(w.batch.constants.symbol, dayStartMs(w.partition), columns.map((n) => w.batch.arrays[n]), kinds, rows);
  return withClient(pool, async (client) => {
    await runScript(client, writeScript(client, w, columns, rows), payload);
    return rows;
  });
}

/**
 * A day row holds its minutes in time order, all on its day: reads rely on it (they keep a
 * range by scanning `ts`), and a minute of another day would hide from that day's reads.
 */
function assertDayInOrder(w: SeriesWrite, rows: number): void {
  const ts = w.batch.arrays.ts;
  if (!rows) return;
  const start = dayStartMs(w.partition);
  let previous = start - 1;
  for (let r = 0; r < rows; r++) {
    if (!(ts[r] > previous)) throw new Error(`${w.table} ${w.symbol} ${w.partition}: minutes out of order at row ${r} (${ts[r]} after ${previous})`);
    previous = ts[r];
  }
  if (previous >= start + DAY_MS) throw new Error(`${w.table} ${w.symbol} ${w.partition}: a minute after the day (${previous})`);
}

/** `ts` and the chosen float columns of `table` for one symbol and `fromMs <= ts < toMs`, in time order. */
export async function pgReadColumns(
  pool: Pool,
  table: string,
  symbol: string,
  columns: readonly string[],
  fromMs: number,
  toMs: number,
): Promise<{ ts: Float64Array; values: Float64Array[] }> {
  if (!(toMs > fromMs)) return { ts: new Float64Array(0), values: columns.map(() => new Float64Array(0)) };
  const client = await pool.connect();
  try {
    // COPY takes no bind parameters: the symbol and days are escaped literals. Whole days come
    // back; the decoder keeps the minutes in range.
    const query =
      `copy (select ts, ${columns.map(quote).join(', ')} from ${quote(dayTableOf(table))} ` +
      `where symbol = ${client.escapeLiteral(symbol)} and day >= ${client.escapeLiteral(dayOf(fromMs))} and day <= ${client.escapeLiteral(dayOf(toMs - 1))} order by day) ` +
      'to stdout (format binary)';
    const chunks: Buffer[] = [];
    for await (const chunk of client.query(copyTo(query))) chunks.push(chunk as Buffer);
    client.release();
    return decodeCopyDays(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), columns.length, fromMs, toMs);
  } catch (err) {
    client.release(err as Error);
    throw err;
  }
}
