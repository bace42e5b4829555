/**
 * The failures the client library reports, as classes a caller can tell apart with
 * `instanceof` (or by `kind`), each carrying the facts needed to act: the ID, the address, the
 * path, the root cause. This module imports nothing, so anything may use it cheaply (the CLI
 * maps these to its exit codes without loading the Temporal SDK).
 */

/** What kind of failure a {@link FeatureflowError} is. */
export type FeatureflowErrorKind = 'usage' | 'not-found' | 'conflict' | 'run-failed' | 'temporal-unreachable' | 'database';

/** Base class of every error the library throws on purpose. `message` is one line a person can act on. */
export abstract class FeatureflowError extends Error {
  /** The failure's kind; stable for programs that switch on it. */
  abstract readonly kind: FeatureflowErrorKind;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem with an input, at its field path (e.g. `['chunkDays']`, `['flows', 0]`). */
export interface InputIssue {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

/** The input was invalid (bad date, symbol, range, option or configuration). Nothing was started or written. */
export class UsageError extends FeatureflowError {
  readonly kind = 'usage' as const;

  constructor(
    message: string,
    /** The problems by input field, when the input failed validation. */
    readonly issues: readonly InputIssue[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** No run, backfill or schedule with that ID (or it is not the kind the call expects). */
export class NotFoundError extends FeatureflowError {
  readonly kind = 'not-found' as const;

  constructor(
    message: string,
    /** The workflow or schedule ID that was looked up. */
    readonly id: string,
  ) {
    super(message);
  }
}

/** A run with that ID is already running (a pipeline is not started twice for a day). */
export class ConflictError extends FeatureflowError {
  readonly kind = 'conflict' as const;

  constructor(
    message: string,
    /** ID of the run that holds it. */
    readonly workflowId: string,
  ) {
    super(message);
  }
}

/** Where a failed run failed: the flow (workflow type) and activity nearest the error, and the error. */
export interface RootCause {
  /** The innermost workflow that failed, e.g. `ingest` (the run's own type when no child failed). */
  readonly flow: string;
  /** The activity that failed, if the failure came from one, e.g. `ingestCandles`. */
  readonly activity?: string;
  /** The error type, e.g. `SourceDataInvalid`, when the failure had one. */
  readonly type?: string;
  /** The error's own message, e.g. `TEXT-USD.csv:1842: close 'abc' is not a number`. */
  readonly message: string;
}

/** A run finished without succeeding (failed, timed out, terminated, cancelled). */
export class RunFailedError extends FeatureflowError {
  readonly kind = 'run-failed' as const;

  constructor(
    message: string,
    /** The run that failed. */
    readonly workflowId: string,
    /** Where it failed. */
    readonly rootCause: RootCause,
    /** The cause chain, outermost first, one line each (for display). */
    readonly chain: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Temporal could not be reached (address, TLS, API key, namespace). */
export class TemporalUnreachableError extends FeatureflowError {
  readonly kind = 'temporal-unreachable' as const;

  constructor(
    message: string,
    /** The configured frontend address, `host:port`. */
    readonly address: string,
    /** The configured namespace. */
    readonly namespace: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The featureflow database could not be opened or read (missing, corrupt, unreachable, no permission). */
export class DatabaseError extends FeatureflowError {
  readonly kind = 'database' as const;

  constructor(
    message: string,
    /** The SQLite path or the PostgreSQL URL with its password masked. */
    readonly location: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
