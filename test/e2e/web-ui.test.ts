/**
 * The Temporal Web UI, in a real headless Chromium: a pipeline run is found by a `Partition`
 * search-attribute query (also with the `temporal` CLI), opened, and its child workflows are
 * visible. Saves a screenshot under artifacts/.
 *
 * PARTITION is a reserved word of Temporal's SQL-like list filter: the attribute must be
 * quoted with backticks (`Partition`='2024-01-15'); unquoted, the server answers
 * "invalid search attribute: partition".
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { FLOW_GRAPH } from '../../src/flows/registry';
import { pipelineWorkflowId } from '../../src/core/ids';
import type { MarketSource } from '../../src/sources/types';
import { testSyntheticSource } from '../helpers/sources';
import { flowSearchAttributes, runSummary } from '../../src/core/run-metadata';
import { temporalCliPath } from '../../src/temporal/cli-binary';
import { startDevServerEnv, startStack, type TestStack } from '../helpers/stack';
import type { Page } from 'playwright-core';
import { ARTIFACTS_DIR, launchBrowser } from './browser';
import { freePort } from '../helpers/ports';

const DAY = '2024-01-15';
const CHILDREN = FLOW_GRAPH.active.map((f) => `${f.id}/BTC-USD/${DAY}`);
/** A symbol whose ingest fails for good: its pipeline fails, and the Web UI must show why at once. */
const BROKEN = 'ETH-USD';

const source: MarketSource = {
  ...testSyntheticSource,
  async fetchDay(symbol, day, options) {
    if (symbol === BROKEN) throw ApplicationFailure.nonRetryable(`${symbol}.csv:1842: close 'abc' is not a number`, 'SourceDataInvalid');
    return testSyntheticSource.fetchDay(symbol, day, options);
  },
};

/** Runs `steps` on a fresh page of a headless Chromium; on failure keeps a screenshot of what it showed. */
async function inBrowser(steps: (page: Page) => Promise<void>): Promise<void> {
  const browser = await launchBrowser();
  try {
    await steps(await browser.context.newPage());
  } catch (err) {
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await browser.context.pages()[0]?.screenshot({ path: path.join(ARTIFACTS_DIR, 'web-ui-failure.png'), fullPage: true }).catch(() => undefined);
    throw err;
  } finally {
    await browser.close();
  }
}

describe('Temporal Web UI', () => {
  let server: TestWorkflowEnvironment;
  let stack: TestStack;
  let uiPort: number;

  beforeAll(async () => {
    uiPort = await freePort();
    server = await startDevServerEnv({ uiPort });
    stack = await startStack({ server, sources: { synthetic: source } });
    const args = { symbol: 'BTC-USD', from: DAY, to: DAY, source: 'synthetic' } as const;
    await stack.client.workflow.execute('pipeline', {
      taskQueue: stack.config.taskQueue,
      workflowId: pipelineWorkflowId('BTC-USD', DAY),
      args: [{ symbol: 'BTC-USD', date: DAY, source: 'synthetic' }],
      typedSearchAttributes: flowSearchAttributes({ flow: 'pipeline', ...args }),
      staticSummary: runSummary({ flow: 'pipeline', ...args }),
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await server?.teardown();
  });

  it('`temporal workflow list --query "`Partition`=..."` lists the pipeline and one child per flow', async () => {
    let ids: string[] = [];
    for (let i = 0; i < 50 && ids.length < CHILDREN.length + 1; i++) {
      const out = execFileSync(temporalCliPath(), ['workflow', 'list', '--address', server.address, '--query', `\`Partition\`='${DAY}'`, '--output', 'json'], { encoding: 'utf8' });
      ids = (JSON.parse(out || '[]') as Array<{ execution: { workflowId: string } }>).map((w) => w.execution.workflowId);
      if (ids.length < CHILDREN.length + 1) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ids.sort()).toEqual([pipelineWorkflowId('BTC-USD', DAY), ...CHILDREN].sort());
  });

  it('finds the pipeline by a Partition query, opens it and shows its child workflows', async () => {
    await inBrowser(async (page) => {
      const query = encodeURIComponent(`Flow="pipeline" AND \`Partition\`="${DAY}"`);
      await page.goto(`http://127.0.0.1:${uiPort}/namespaces/default/workflows?query=${query}`, { waitUntil: 'domcontentloaded' });
      const link = page.getByRole('link', { name: pipelineWorkflowId('BTC-USD', DAY), exact: true }).first();
      await link.waitFor({ timeout: 30_000 });
      // The query matched the pipeline only (its children have other Flow values).
      for (const child of CHILDREN) expect(await page.getByText(child, { exact: true }).count()).toBe(0);
      await link.click();
      await page.waitForURL(/\/workflows\/pipeline%2FBTC-USD%2F2024-01-15\//, { timeout: 30_000 });

      const relationships = page.getByRole('link', { name: /Relationships/ }).or(page.getByRole('tab', { name: /Relationships/ })).first();
      await relationships.click({ timeout: 30_000 });
      for (const child of CHILDREN) await page.getByText(child).first().waitFor({ timeout: 30_000 });
      // Each flow is told apart at a glance: its ID starts with the flow's name, whatever its workflow type.
      expect(new Set(CHILDREN.map((c) => c.split('/')[0])).size).toBe(CHILDREN.length);

      fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
      const shot = path.join(ARTIFACTS_DIR, 'web-ui-pipeline-children.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(fs.statSync(shot).size).toBeGreaterThan(10_000);
    });
  });

  it("a failed pipeline's page leads with the root cause (flow › activity › error), not 'Child Workflow execution failed'", async () => {
    const workflowId = pipelineWorkflowId(BROKEN, DAY);
    await stack.client.workflow.execute('pipeline', { taskQueue: stack.config.taskQueue, workflowId, args: [{ symbol: BROKEN, date: DAY }] }).catch(() => undefined);
    await inBrowser(async (page) => {
      await page.goto(`http://127.0.0.1:${uiPort}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`, { waitUntil: 'domcontentloaded' });
      const headline = `ingest › ingestCandles › SourceDataInvalid: ${BROKEN}.csv:1842: close 'abc' is not a number`;
      await page.getByText(headline).first().waitFor({ timeout: 30_000 });
      fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'web-ui-failed-pipeline.png'), fullPage: true });
    });
  });
});
