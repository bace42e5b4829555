/**
 * HTTP for live market sources: a per-request timeout, retries of transient answers (429, 5xx,
 * network errors, timeouts) with exponential backoff that honours `Retry-After`, and a token
 * bucket so one worker process stays under an exchange's public rate limit. Runs only inside
 * activities. Failures a retry cannot fix (4xx other than 429) are returned to the caller, which
 * knows what they mean (e.g. 404 = unknown product).
 */

/** A token bucket: `ratePerSecond` tokens refill continuously up to `burst`; each request takes one. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  /**
   * @param ratePerSecond sustained requests per second
   * @param burst how many requests may go at once after a quiet period (default 1: evenly spaced)
   * @param now clock in ms (injectable for tests)
   */
  constructor(
    readonly ratePerSecond: number,
    readonly burst = 1,
    private readonly now: () => number = Date.now,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new Error(`TokenBucket: rate must be > 0 and burst >= 1, got ${ratePerSecond}/${burst}`);
    this.tokens = burst;
    this.last = now();
  }

  /** Waits until a token is available and takes it. Callers are served in order. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.takeNow(signal));
    // A cancelled waiter must not block the ones behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async takeNow(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const t = this.now();
      this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSecond);
      this.last = t;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000), signal);
    }
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The delay a `Retry-After` header asks for, in ms: either delta-seconds or an HTTP date.
 * Undefined when absent or unparsable (the caller falls back to its own backoff).
 */
export function parseRetryAfter(value: string | null, nowMs: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** How a {@link HttpClient} behaves; every field has a production default. */
export interface HttpClientOptions {
  /** Requests per second across this client (default 3). */
  readonly ratePerSecond?: number;
  /** Token bucket burst (default 1). */
  readonly burst?: number;
  /** Per-request timeout in ms, including reading the body (default 15 s). */
  readonly timeoutMs?: number;
  /** Attempts per request, the first included (default 5). */
  readonly maxAttempts?: number;
  /** First backoff delay in ms, doubled per attempt (default 500 ms). */
  readonly initialBackoffMs?: number;
  /** Longest wait between attempts, also the cap on a server's Retry-After (default 30 s). */
  readonly maxBackoffMs?: number;
  /** Sent as User-Agent (some exchanges reject requests without one). */
  readonly userAgent?: string;
}

/** A final HTTP answer: the status and the body text. Transient failures never reach here. */
export interface HttpResponse {
  readonly url: string;
  readonly status: number;
  readonly body: string;
}

/** Per-call options of {@link HttpClient.get}. */
export interface GetOptions {
  /** Aborts waiting, backoff and the request (activity cancellation). */
  readonly signal?: AbortSignal;
  /** Told about each retry, e.g. to heartbeat. */
  readonly onRetry?: (detail: string) => void;
}

/** Thrown when every attempt failed transiently; retryable (a later activity attempt may succeed). */
export class HttpUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HttpUnavailableError';
  }
}

const isTransient = (status: number): boolean => status === 429 || status >= 500;

/** A rate-limited, retrying HTTP GET client for JSON APIs. */
export class HttpClient {
  private readonly bucket: TokenBucket;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly userAgent: string;

  constructor(options: HttpClientOptions = {}) {
    this.bucket = new TokenBucket(options.ratePerSecond ?? 3, options.burst ?? 1);
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.initialBackoffMs = options.initialBackoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.userAgent = options.userAgent ?? 'featureflow (+https://github.com/featureflow)';
  }

  /**
   * GETs `url`. Returns the first non-transient answer (2xx, or a 4xx other than 429) for the
   * caller to interpret; retries 429, 5xx, network errors and timeouts; after the last attempt
   * throws {@link HttpUnavailableError} describing every attempt.
   */
  async get(url: string, options: GetOptions = {}): Promise<HttpResponse> {
    const problems: string[] = [];
    for (let attempt = 1; ; attempt++) {
      await this.bucket.take(options.signal);
      let retryAfterMs: number | undefined;
      try {
        const response = await this.once(url, options.signal);
        if (!isTransient(response.status)) return response;
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        problems.push(`HTTP ${response.status}${retryAfterMs !== undefined ? ` (Retry-After ${response.headers.get('retry-after')})` : ''}`);
      } catch (err) {
        if (options.signal?.aborted) throw options.signal.reason ?? err;
        problems.push(describeFetchError(err, this.timeoutMs));
      }
      if (attempt >= this.maxAttempts) {
        throw new HttpUnavailableError(`GET ${url} failed ${attempt} times: ${problems.join('; ')}`);
      }
      const backoff = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** (attempt - 1));
      const wait = retryAfterMs !== undefined ? Math.min(this.maxBackoffMs, retryAfterMs) : backoff;
      options.onRetry?.(`attempt ${attempt} of ${url}: ${problems[problems.length - 1]}; retrying in ${wait} ms`);
      await sleep(wait, options.signal);
    }
  }

  /** One attempt: the response with its body fully read, within the timeout. */
  private async once(url: string, signal?: AbortSignal): Promise<{ status: number; headers: Headers } & HttpResponse> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const response = await fetch(url, { signal: combined, headers: { accept: 'application/json', 'user-agent': this.userAgent } });
    const body = await response.text();
    return { url, status: response.status, headers: response.headers, body };
  }
}

/** A short reason for a failed fetch: timeout, refused connection, reset, ... */
function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e.message} (${cause})` : String(e?.message ?? err);
}
