/**
 * `featureflow report` end to end: two pipeline days on a real dev server, the command writes
 * one HTML file, and headless Chromium opens it from file:// with every network request
 * blocked (it must work offline) and finds each chart drawn with data.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { runCli } from '../../src/cli/program';
import { pipelineWorkflowId } from '../../src/core/ids';
import { startDevServerEnv, startStack, type TestStack } from '../helpers/stack';
import { ARTIFACTS_DIR, launchBrowser } from './browser';
import { FLOW_GRAPH } from '../../src/flows/registry';

const DAYS = ['2024-01-15', '2024-01-16'];

interface ChartInfo {
  id: string;
  points: number;
  series: number;
  painted: number;
}

describe('HTML report', () => {
  let server: TestWorkflowEnvironment;
  let stack: TestStack;
  let file: string;

  beforeAll(async () => {
    server = await startDevServerEnv();
    stack = await startStack({ server });
    // In day order: run side by side, a day's look-back ingest could write the day before first,
    // and the ledger would (truthfully) name that run, not the day's own ingest.
    for (const date of DAYS) {
      await stack.client.workflow.execute('pipeline', { taskQueue: stack.config.taskQueue, workflowId: pipelineWorkflowId('BTC-USD', date), args: [{ symbol: 'BTC-USD', date }] });
    }
    Object.assign(process.env, {
      TEMPORAL_ADDRESS: server.address,
      DATABASE_URL: stack.config.databaseUrl,
      FEATUREFLOW_DATA_DIR: stack.dataDir,
      FEATUREFLOW_UI_URL: 'http://ui.example:8233',
    });
    file = path.join(stack.dataDir, 'report.html');
  });
  afterAll(async () => {
    await stack?.stop();
    await server?.teardown();
  });

  it('writes one self-contained file with the runs that produced each partition', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const code = await runCli(['node', 'featureflow', 'report', '--symbol', 'BTC-USD', '--from', DAYS[0], '--to', DAYS[1], '--out', file]).finally(() => log.mockRestore());
    expect(code).toBe(0);
    const html = fs.readFileSync(file, 'utf8');
    // No external resources: scripts and styles are inline.
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/i);
    expect(html).toContain('uPlot');
    for (const day of DAYS) {
      for (const flow of ['ingest', 'features-b', 'features-c', 'evaluate']) {
        expect(html).toContain(`>${flow}/BTC-USD/${day}</a>`);
      }
    }
    expect(html).toContain('href="http://ui.example:8233/namespaces/default/workflows/ingest%2FBTC-USD%2F2024-01-15/');
  });

  it('renders every chart with data in a browser, offline', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      const blocked: string[] = [];
      await page.route(/^(https?|wss?):/, (route) => {
        blocked.push(route.request().url());
        return route.abort();
      });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`file://${file}`);
      await page.waitForFunction(() => (globalThis as { featureflowReport?: { ready: boolean } }).featureflowReport?.ready === true, undefined, { timeout: 20_000 });
      const charts = await page.evaluate(() => {
        type Plot = { root: { querySelector(s: string): { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } } | null } };
        const report = (globalThis as unknown as { featureflowReport: { charts: Array<{ id: string; points: number; series: number; plot: Plot }> } }).featureflowReport;
        return report.charts.map((c) => {
          const canvas = c.plot.root.querySelector('canvas');
          let painted = 0;
          if (canvas) {
            const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
          }
          return { id: c.id, points: c.points, series: c.series, painted };
        });
      });
      fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'report.png'), fullPage: true });

      expect(errors).toEqual([]);
      expect(blocked).toEqual([]);
      expect(charts.map((c: ChartInfo) => c.id)).toEqual(['price', ...FLOW_GRAPH.active.filter((f) => f.kind === 'features').map((f) => f.id), 'evaluation']);
      const byId = Object.fromEntries(charts.map((c: ChartInfo) => [c.id, c]));
      // Two days of 1-minute candles in 1-minute buckets; D scored each day.
      expect(byId.price.points).toBe(2 * 1440);
      expect(byId.evaluation.points).toBe(2);
      expect(byId.evaluation.series).toBe(FLOW_GRAPH.active.filter((f) => f.kind === 'features').length);
      for (const c of charts as ChartInfo[]) expect(c.painted).toBeGreaterThan(500);
    } finally {
      await browser.close();
    }
  });
});
