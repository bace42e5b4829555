/**
 * The shape of a time-series partition's rows on their way to the database: columns, not row
 * objects. SQLite writes them with prepared statements (`sqlite-fast.ts`, on I/O threads
 * through `io-threads.ts`), PostgreSQL with one binary COPY (`pg-fast.ts`).
 */

/** Rows to insert: scalar columns repeated on every row, plus one numeric array per column. */
export interface ColumnBatch {
  /** Same value on every row: the symbol (the rest of a partition's labels are in the ledger). */
  readonly constants: { readonly symbol: string };
  /** One value per row; NaN is stored as NULL. All arrays have the same length. */
  readonly arrays: Readonly<Record<string, ArrayLike<number>>>;
}
