/**
 * Coinbase Exchange public market data (no API key): 1-minute candles from
 * `GET /products/{product_id}/candles?granularity=60&start=<ISO>&end=<ISO>`.
 *
 * The endpoint answers at most 300 candles per request, as `[time, low, high, open, close, volume]`
 * arrays (time in epoch seconds, newest first), and omits minutes without trades. A day therefore
 * takes 5 pages; every page is validated with zod, the day is de-duplicated and sorted ascending,
 * and missing minutes are counted, never invented.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { describeIssues } from '../contracts';
import { DAY_MS, dayStartMs, MINUTE_MS, MINUTES_PER_DAY } from '../core/dates';
import { HttpClient, HttpUnavailableError, type HttpClientOptions } from './http';
import type { FetchOptions, MarketSource, SourceDay } from './types';
import { collectCandles, type RawCandle } from './collect';

/** Version recorded in the ledger for candles from this source; bump when parsing changes. */
export const COINBASE_SOURCE_VERSION = 'coinbase-1';

/** The production API. */
export const COINBASE_DEFAULT_URL = 'https://api.exchange.coinbase.com';

/** Most candles the endpoint returns per request. */
export const COINBASE_PAGE_CANDLES = 300;

const Candle = z
  .tuple([
    z.number().int().nonnegative(), // time, epoch seconds
    z.number().finite().positive(), // low
    z.number().finite().positive(), // high
    z.number().finite().positive(), // open
    z.number().finite().positive(), // close
    z.number().finite().nonnegative(), // volume
  ])
  .refine(([time]) => time % 60 === 0, 'time is not a whole minute')
  .refine(([, low, high, open, close]) => high >= low && open >= low && open <= high && close >= low && close <= high, 'prices are inconsistent (need low <= open, close <= high)');

const CandlesPage = z.array(Candle).max(COINBASE_PAGE_CANDLES * 2, 'more candles than one page can hold');

/** Options of {@link coinbaseSource}. */
export interface CoinbaseOptions extends HttpClientOptions {
  /** API base URL (default {@link COINBASE_DEFAULT_URL}); tests point it at a local server. */
  readonly baseUrl?: string;
}

/** The time windows (inclusive, whole minutes) that cover one UTC day in pages of 300 candles. */
export function dayPages(day: string): Array<{ startMs: number; endMs: number }> {
  const pages: Array<{ startMs: number; endMs: number }> = [];
  const dayStart = dayStartMs(day);
  for (let start = dayStart; start < dayStart + DAY_MS; start += COINBASE_PAGE_CANDLES * MINUTE_MS) {
    pages.push({ startMs: start, endMs: Math.min(start + COINBASE_PAGE_CANDLES * MINUTE_MS, dayStart + DAY_MS) - MINUTE_MS });
  }
  return pages;
}

function sourceDataInvalid(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'SourceDataInvalid');
}

/** Creates the Coinbase source; one instance (and so one rate limit) per worker process. */
export function coinbaseSource(options: CoinbaseOptions = {}): MarketSource {
  const baseUrl = (options.baseUrl ?? COINBASE_DEFAULT_URL).replace(/\/+$/, '');
  const http = new HttpClient(options);

  async function fetchPage(symbol: string, page: { startMs: number; endMs: number }, fetchOptions: FetchOptions): Promise<RawCandle[]> {
    const query = new URLSearchParams({
      granularity: '60',
      start: new Date(page.startMs).toISOString(),
      end: new Date(page.endMs).toISOString(),
    });
    const url = `${baseUrl}/products/${encodeURIComponent(symbol)}/candles?${query}`;
    let response;
    try {
      response = await http.get(url, { signal: fetchOptions.signal, onRetry: fetchOptions.onProgress });
    } catch (err) {
      if (err instanceof HttpUnavailableError) throw ApplicationFailure.retryable(`Coinbase is unavailable: ${err.message}`, 'SourceUnavailable');
      throw err;
    }
    if (response.status === 404) {
      throw ApplicationFailure.nonRetryable(
        `Unknown symbol ${symbol}: Coinbase Exchange has no product '${symbol}' (HTTP 404 from ${url}); use a product id such as BTC-USD`,
        'UnknownSymbol',
      );
    }
    if (response.status < 200 || response.status >= 300) {
      throw ApplicationFailure.nonRetryable(
        `Coinbase rejected GET ${url} with HTTP ${response.status}: ${response.body.slice(0, 300)}`,
        'SourceRequestRejected',
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(response.body);
    } catch (err) {
      throw sourceDataInvalid(`Coinbase returned malformed JSON for ${url}: ${(err as Error).message}; body starts ${JSON.stringify(response.body.slice(0, 120))}`);
    }
    const parsed = CandlesPage.safeParse(json);
    if (!parsed.success) {
      throw sourceDataInvalid(`Coinbase returned an unexpected candles page for ${url}: ${describeIssues(parsed.error).slice(0, 500)}`);
    }
    return parsed.data.map(([time, low, high, open, close, volume]) => ({ ts: time * 1000, open, high, low, close, volume }));
  }

  return {
    name: 'coinbase',
    version: COINBASE_SOURCE_VERSION,
    async fetchDay(symbol: string, day: string, fetchOptions: FetchOptions = {}): Promise<SourceDay> {
      const raw: RawCandle[] = [];
      const pages = dayPages(day);
      for (const [i, page] of pages.entries()) {
        raw.push(...(await fetchPage(symbol, page, fetchOptions)));
        fetchOptions.onProgress?.(`page ${i + 1}/${pages.length} of ${symbol} ${day}`);
      }
      return collectCandles(raw, dayStartMs(day), MINUTES_PER_DAY);
    },
  };
}
