/**
 * One database per task queue, enforced, on a real dev server: a run carries the identity of
 * the database its client started it with (a header, passed on by the workflow interceptors to
 * every activity and child); a worker of another database fails the activity non-retryably,
 * naming both databases and the worker; the same run against the worker's own database passes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ActivityFailure, ApplicationFailure, Client, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { databaseIdentityClientInterceptors } from '../../src/temporal/client-identity';
import { DATABASE_IDENTITY_HEADER, decodeDatabaseIdentity } from '../../src/core/database-identity';
import { openMigratedDatabase } from '../../src/db/connect';
import { peekDatabaseIdentity, readDatabaseIdentity } from '../../src/db/identity';
import { DATABASE_MISMATCH } from '../../src/core/failures';
import { pipelineWorkflowId } from '../../src/core/ids';
import { ingestRefOf, PipelineResult } from '../../src/contracts';
import { causeChain } from '../../src/api/failure';
import { startDevServerEnv, startStack, type TestStack } from '../helpers/stack';

describe('one database per task queue', () => {
  let server: TestWorkflowEnvironment;
  let stack: TestStack;
  let own: string;
  let other: string;

  /** A client stamping `identity` on what it starts, as `connectClient` does with its database's. */
  const clientOf = (identity: string): Client =>
    new Client({ connection: server.connection, namespace: server.namespace ?? 'default', interceptors: (({ workflow, schedule }) => ({ workflow: [workflow], schedule: [schedule] }))(databaseIdentityClientInterceptors(async () => identity)) });

  beforeAll(async () => {
    server = await startDevServerEnv();
    stack = await startStack({ server });
    own = await readDatabaseIdentity(stack.db);
    // A second database: another identity, made by its own migration.
    const otherDb = await openMigratedDatabase({ url: path.join(stack.dataDir, 'other.db') });
    other = await readDatabaseIdentity(otherDb);
    await otherDb.close();
  });
  afterAll(async () => {
    await stack?.stop();
    await server?.teardown();
  });

  it('gives every migrated database its own identity, stable across opens, readable without creating anything', async () => {
    expect(own).toMatch(/^db-[0-9a-f-]{36}$/);
    expect(other).not.toBe(own);
    expect(await peekDatabaseIdentity(stack.config.databaseUrl)).toBe(own);
    const missing = path.join(stack.dataDir, 'never-created.db');
    expect(await peekDatabaseIdentity(missing)).toBeUndefined();
    expect(fs.existsSync(missing)).toBe(false);
  });

  it('fails a run started against another database, non-retryably, naming both databases and the worker', async () => {
    const workflowId = pipelineWorkflowId('ETH-USD', '2024-03-01');
    const err = await clientOf(other)
      .workflow.execute('pipeline', { taskQueue: stack.config.taskQueue, workflowId, args: [{ symbol: 'ETH-USD', date: '2024-03-01' }] })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const chain = causeChain(err);
    const application = chain.find((l) => l.kind === 'application');
    expect(application?.text).toContain(`${DATABASE_MISMATCH}, non-retryable`);
    expect(application?.text).toContain(other);
    expect(application?.text).toContain(own);
    expect(application?.text).toContain(stack.worker.options.identity);
    // Refused on the first attempt: nothing was written to the worker's database.
    let cause: unknown = err;
    while (cause && !(cause instanceof ActivityFailure)) cause = (cause as { cause?: unknown }).cause;
    expect((cause as ActivityFailure).cause).toBeInstanceOf(ApplicationFailure);
    const rows = await stack.db.kysely.selectFrom('candles').select('ts').where('symbol', '=', 'ETH-USD').execute();
    expect(rows).toHaveLength(0);
  });

  it('runs a pipeline started against the worker\'s own database, with the identity on every child\'s activities', async () => {
    const workflowId = pipelineWorkflowId('BTC-USD', '2024-03-02');
    const client = clientOf(own);
    await client.workflow.execute('pipeline', { taskQueue: stack.config.taskQueue, workflowId, args: [{ symbol: 'BTC-USD', date: '2024-03-02' }] });
    const children: string[] = [];
    for (const e of (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? []) {
      const started = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
      if (started) children.push(started);
    }
    expect(children.length).toBeGreaterThanOrEqual(4);
    for (const child of children) {
      const scheduled = ((await client.workflow.getHandle(child).fetchHistory()).events ?? []).filter((e) => e.activityTaskScheduledEventAttributes);
      expect(scheduled.length).toBeGreaterThan(0);
      for (const e of scheduled) expect(decodeDatabaseIdentity(e.activityTaskScheduledEventAttributes?.header?.fields?.[DATABASE_IDENTITY_HEADER] ?? undefined)).toBe(own);
    }
  });

  it('lets runs without an identity through (clients that cannot read their database)', async () => {
    const workflowId = pipelineWorkflowId('SOL-USD', '2024-03-03');
    const result = PipelineResult.parse(
      await server.client.workflow.execute('pipeline', { taskQueue: stack.config.taskQueue, workflowId, args: [{ symbol: 'SOL-USD', date: '2024-03-03' }] }),
    );
    expect(result).toMatchObject({ symbol: 'SOL-USD', date: '2024-03-03' });
    expect(ingestRefOf(result).rows).toBe(1440);
  });
});
