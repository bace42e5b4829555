/**
 * A local HTTP server speaking Coinbase Exchange's documented candles format, for tests:
 * `GET /products/{id}/candles?granularity=60&start=ISO&end=ISO` -> `[[time, low, high, open, close, volume], ...]`
 * newest first, at most 300 per request, 404 `{"message":"NotFound"}` for unknown products.
 * Candle values come from the synthetic generator; tests inject gaps, duplicates and faults.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { syntheticCandles } from '../../src/sources/synthetic';

/** One request the server saw. */
export interface SeenRequest {
  readonly path: string;
  readonly start: string | null;
  readonly end: string | null;
  readonly at: number;
}

/** What a fault hook may do with a request: answer it itself (return true) or let the default run. */
export type FaultHook = (req: SeenRequest, res: http.ServerResponse, index: number) => boolean;

/** Options of {@link startFakeCoinbase}. */
export interface FakeCoinbaseOptions {
  /** Products that exist (default BTC-USD, ETH-USD). */
  readonly products?: readonly string[];
  /** Minute timestamps (ms) to leave out, as an exchange does for minutes without trades. */
  readonly gaps?: ReadonlySet<number>;
  /** Minute timestamps (ms) to send twice. */
  readonly duplicates?: ReadonlySet<number>;
}

/** A running fake exchange. */
export interface FakeCoinbase {
  readonly url: string;
  readonly requests: SeenRequest[];
  /** Per-request fault injection; reset to undefined between tests. */
  fault: FaultHook | undefined;
  close(): Promise<void>;
}

/** Starts the server on a free local port. */
export async function startFakeCoinbase(options: FakeCoinbaseOptions = {}): Promise<FakeCoinbase> {
  const products = new Set(options.products ?? ['BTC-USD', 'ETH-USD']);
  const requests: SeenRequest[] = [];
  const fake: FakeCoinbase = {
    url: '',
    requests,
    fault: undefined,
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const seen: SeenRequest = { path: url.pathname, start: url.searchParams.get('start'), end: url.searchParams.get('end'), at: Date.now() };
    requests.push(seen);
    if (fake.fault?.(seen, res, requests.length - 1)) return;
    const match = /^\/products\/([^/]+)\/candles$/.exec(url.pathname);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!match) return json(404, { message: 'NotFound' });
    const product = decodeURIComponent(match[1]);
    if (!products.has(product)) return json(404, { message: 'NotFound' });
    if (url.searchParams.get('granularity') !== '60') return json(400, { message: 'Unsupported granularity' });
    const start = Date.parse(seen.start ?? '');
    const end = Date.parse(seen.end ?? '');
    if (Number.isNaN(start) || Number.isNaN(end) || end < start) return json(400, { message: 'Invalid start/end' });
    if ((end - start) / 60_000 + 1 > 300) return json(400, { message: 'granularity too small for the requested time range. Count of aggregations requested exceeds 300' });
    const c = syntheticCandles(product, start, end + 60_000);
    const rows: number[][] = [];
    for (let i = c.ts.length - 1; i >= 0; i--) {
      const ts = c.ts[i];
      if (options.gaps?.has(ts)) continue;
      const row = [ts / 1000, c.low[i], c.high[i], c.open[i], c.close[i], c.volume[i]];
      rows.push(row);
      if (options.duplicates?.has(ts)) rows.push([...row]);
    }
    json(200, rows);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
