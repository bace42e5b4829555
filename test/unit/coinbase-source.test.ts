/**
 * The Coinbase source against a local HTTP server that speaks the documented candles format:
 * pagination, gaps, duplicates, 429 with Retry-After, 5xx, timeouts, malformed answers, 404.
 */
import { ApplicationFailure } from '@temporalio/common';
import { coinbaseSource, dayPages, type CoinbaseOptions } from '../../src/sources/coinbase';
import { parseRetryAfter, TokenBucket } from '../../src/sources/http';
import { syntheticCandles } from '../../src/sources/synthetic';
import { dayStartMs, DAY_MS } from '../../src/core/dates';
import { startFakeCoinbase, type FakeCoinbase } from '../helpers/fake-coinbase';

const DAY = '2024-03-10';
const START = dayStartMs(DAY);
const minute = (i: number) => START + i * 60_000;

/** Fast settings for tests: high rate, short backoff and timeout. */
const FAST: CoinbaseOptions = { ratePerSecond: 1000, burst: 10, initialBackoffMs: 10, maxBackoffMs: 3000, timeoutMs: 500, maxAttempts: 3 };

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('coinbase source', () => {
  let fake: FakeCoinbase;
  const gaps = new Set([minute(10), minute(11), minute(12), minute(700), minute(1439)]);
  const duplicates = new Set([minute(0), minute(299), minute(300), minute(1000)]);

  beforeAll(async () => {
    fake = await startFakeCoinbase({ gaps, duplicates, products: ['BTC-USD', 'ETH-USD', 'SOL-USD'] });
  });
  afterAll(async () => fake?.close());
  beforeEach(() => {
    fake.fault = undefined;
    fake.requests.length = 0;
  });

  it('pages a day in windows of at most 300 minutes', () => {
    const pages = dayPages(DAY);
    expect(pages).toHaveLength(5);
    expect(pages[0].startMs).toBe(START);
    expect(pages[4].endMs).toBe(START + DAY_MS - 60_000);
    for (const p of pages) expect((p.endMs - p.startMs) / 60_000 + 1).toBeLessThanOrEqual(300);
    for (let i = 1; i < pages.length; i++) expect(pages[i].startMs).toBe(pages[i - 1].endMs + 60_000);
  });

  it('fetches a whole day over 5 pages, ascending, without gaps filled in and with duplicates dropped', async () => {
    const source = coinbaseSource({ ...FAST, baseUrl: fake.url });
    const day = await source.fetchDay('BTC-USD', DAY);

    expect(fake.requests).toHaveLength(5);
    expect(fake.requests.every((r) => r.path === '/products/BTC-USD/candles')).toBe(true);
    expect(fake.requests.map((r) => r.start)).toEqual(dayPages(DAY).map((p) => new Date(p.startMs).toISOString()));

    expect(day.missingMinutes).toBe(gaps.size);
    expect(day.duplicates).toBe(duplicates.size);
    // The fake repeats a candle with the same values: duplicates, but none that contradicts another.
    expect(day.conflictingDuplicates).toBe(0);
    expect(day.candles.ts.length).toBe(1440 - gaps.size);
    const ts = Array.from(day.candles.ts);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expect(new Set(ts).size).toBe(ts.length);
    for (const g of gaps) expect(ts).not.toContain(g);

    // Values are exactly what the exchange served, column by column.
    const expected = syntheticCandles('BTC-USD', START, START + DAY_MS);
    const keep = Array.from(expected.ts, (t) => !gaps.has(t));
    const pick = (a: Float64Array) => Array.from(a).filter((_, i) => keep[i]);
    expect(Array.from(day.candles.close)).toEqual(pick(expected.close));
    expect(Array.from(day.candles.open)).toEqual(pick(expected.open));
    expect(Array.from(day.candles.volume)).toEqual(pick(expected.volume));
  });

  it('waits as long as a 429 Retry-After (seconds) asks, then succeeds', async () => {
    fake.fault = (_req, res, index) => {
      if (index !== 1) return false;
      res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Slow down' }));
      return true;
    };
    const retries: string[] = [];
    const source = coinbaseSource({ ...FAST, baseUrl: fake.url });
    const day = await source.fetchDay('ETH-USD', DAY, { onProgress: (d) => retries.push(d) });
    expect(day.candles.ts.length).toBe(1440 - gaps.size);
    expect(fake.requests).toHaveLength(6);
    // The retried request is the same page, and it came after the server's Retry-After.
    expect(fake.requests[2].start).toBe(fake.requests[1].start);
    expect(fake.requests[2].at - fake.requests[1].at).toBeGreaterThanOrEqual(950);
    expect(retries.some((r) => r.includes('HTTP 429') && r.includes('Retry-After 1'))).toBe(true);
  });

  it('honours Retry-After given as an HTTP date', () => {
    const now = Date.parse('2024-03-10T12:00:00Z');
    expect(parseRetryAfter('Sun, 10 Mar 2024 12:00:02 GMT', now)).toBe(2000);
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('retries a 500 and then succeeds', async () => {
    fake.fault = (_req, res, index) => {
      if (index !== 0) return false;
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
      return true;
    };
    const day = await coinbaseSource({ ...FAST, baseUrl: fake.url }).fetchDay('BTC-USD', DAY);
    expect(day.candles.ts.length).toBe(1440 - gaps.size);
    expect(fake.requests).toHaveLength(6);
    expect(fake.requests[1].start).toBe(fake.requests[0].start);
  });

  it('gives up on a persistent 503 with a retryable SourceUnavailable failure naming every attempt', async () => {
    fake.fault = (_req, res) => {
      res.writeHead(503);
      res.end();
      return true;
    };
    const failure = await failureOf(coinbaseSource({ ...FAST, baseUrl: fake.url }).fetchDay('BTC-USD', DAY));
    expect(failure.type).toBe('SourceUnavailable');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('failed 3 times');
    expect(failure.message).toContain('HTTP 503');
    expect(fake.requests).toHaveLength(3);
  });

  it('times out a hanging request and retries it', async () => {
    fake.fault = (_req, _res, index) => index === 0; // never answered
    const day = await coinbaseSource({ ...FAST, baseUrl: fake.url }).fetchDay('BTC-USD', DAY);
    expect(day.candles.ts.length).toBe(1440 - gaps.size);
    expect(fake.requests[1].start).toBe(fake.requests[0].start);
  });

  it('reports a timeout clearly when the exchange never answers', async () => {
    fake.fault = () => true;
    const failure = await failureOf(coinbaseSource({ ...FAST, baseUrl: fake.url, maxAttempts: 2 }).fetchDay('BTC-USD', DAY));
    expect(failure.type).toBe('SourceUnavailable');
    expect(failure.message).toContain('timed out after 500 ms');
  });

  it('rejects malformed JSON with a non-retryable SourceDataInvalid', async () => {
    fake.fault = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[[1710028800, 1, 2, 1.5, 1.6');
      return true;
    };
    const failure = await failureOf(coinbaseSource({ ...FAST, baseUrl: fake.url }).fetchDay('BTC-USD', DAY));
    expect(failure.type).toBe('SourceDataInvalid');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('malformed JSON');
    expect(fake.requests).toHaveLength(1);
  });

  it('rejects a well-formed but wrong-shaped page, naming the bad field', async () => {
    fake.fault = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([[START / 1000, 1, 2, 1.5, '1.6', 10]]));
      return true;
    };
    const failure = await failureOf(coinbaseSource({ ...FAST, baseUrl: fake.url }).fetchDay('BTC-USD', DAY));
    expect(failure.type).toBe('SourceDataInvalid');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('0.4');
  });

  it('rejects inconsistent prices (high below low)', async () => {
    fake.fault = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([[START / 1000, 5, 2, 3, 3, 10]]));
      return true;
    };
    const failure = await failureOf(coinbaseSource({ ...FAST, baseUrl: fake.url }).fetchDay('BTC-USD', DAY));
    expect(failure.type).toBe('SourceDataInvalid');
    expect(failure.message).toContain('inconsistent');
  });

  it('maps 404 to a non-retryable UnknownSymbol', async () => {
    const failure = await failureOf(coinbaseSource({ ...FAST, baseUrl: fake.url }).fetchDay('NOPE-USD', DAY));
    expect(failure.type).toBe('UnknownSymbol');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('NOPE-USD');
    expect(fake.requests).toHaveLength(1);
  });

  it('spaces requests by the rate limit', async () => {
    await coinbaseSource({ ...FAST, baseUrl: fake.url, ratePerSecond: 20, burst: 1 }).fetchDay('SOL-USD', DAY);
    const at = fake.requests.map((r) => r.at);
    // 5 requests at 20/s with no burst cannot all land within 4 intervals of 50 ms.
    expect(at[4] - at[0]).toBeGreaterThanOrEqual(4 * 50 - 20);
  });

  it('stops waiting when the activity is cancelled', async () => {
    const bucket = new TokenBucket(0.1, 1);
    await bucket.take();
    const controller = new AbortController();
    const waiting = bucket.take(controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
  });
});
