import { DeleteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LEDGER_SOURCE, toWorkflowError } from '../../core/aws-errors.ts';
import { type RunIdentity, RunLedger, type RunOutcome } from '../../functions/shared/run-ledger.ts';
import { type FaultyEndpoint, startFaultyEndpoint } from './faulty-endpoint.ts';
import { type LocalLedgerServer, startLocalLedgerServer } from './local-ledger.ts';

/*
 * What the run ledger does when DynamoDB throttles, fails or refuses a call, against dynalite
 * over HTTP behind a proxy that answers chosen calls with the error (test/ledger/faulty-endpoint.ts).
 * Only a condition that did not hold may read as "another execution got there first": any other
 * error must reach the caller, which classifies it (LEDGER_SOURCE) so the workflow retries a
 * throttle or a 5xx. Mistaking one for a lost race loses a job id (a second export), an outcome
 * or an incremental target's coverage, or starts a claim again with no backoff.
 */

let server: LocalLedgerServer;
let proxy: FaultyEndpoint;
let clock = new Date('2026-11-28T02:00:05Z');
const clients: DynamoDBClient[] = [];

beforeAll(async () => {
  server = await startLocalLedgerServer();
});

afterAll(async () => {
  await server.close();
});

beforeEach(async () => {
  clock = new Date('2026-11-28T02:00:05Z');
  proxy = await startFaultyEndpoint(server.endpoint);
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await proxy.close();
});

/**
 * A ledger whose calls go through the proxy. One attempt per call unless told otherwise: the
 * workflow's Retry, not the SDK's, is what retries a throttled ledger call in these tests.
 */
async function ledgerThroughProxy(
  maxAttempts = 1,
): Promise<{ faulty: RunLedger; direct: RunLedger; tableName: string }> {
  const client = new DynamoDBClient({
    endpoint: proxy.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts,
  });
  clients.push(client);
  const options = { tableName: await server.table(), claimSeconds: 90, now: () => clock };
  // The same table without the proxy, for arranging and reading back.
  return {
    faulty: new RunLedger(client, options),
    direct: new RunLedger(server.client, options),
    tableName: options.tableName,
  };
}

const run: RunIdentity = {
  target: 'pinpoint#a1b2c3d4e5f60718293a4b5c6d7e8f90#all#latest#0f0f0f0f',
  targetName: 'nightly-all-endpoints',
  scheduledTime: '2026-11-28T02:00:00.000Z',
  source: 'pinpoint',
};

const completed: RunOutcome = {
  status: 'COMPLETED',
  jobId: 'job-1',
  jobStatus: 'COMPLETED',
  totalProcessed: 10,
  totalFailures: 0,
  durationSeconds: 60,
  statusChecks: 3,
  summaryMessageId: 'm-1',
  finishedAt: '2026-11-28T02:10:00Z',
  headline: 'Exported 10 records',
  coveredUntil: '2026-11-28T01:45:00.000Z',
};

const updating = (expression: string) => (body: Record<string, unknown>) =>
  String(body.UpdateExpression ?? '').includes(expression);

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

const classified = (error: unknown, operation: string) =>
  toWorkflowError(error, LEDGER_SOURCE, { operation, caller: 'create-export-job' }).name;

describe('a claim when DynamoDB throttles or fails', () => {
  it('passes a throttled claim to the workflow as retryable, making no other call and claiming nothing', async () => {
    const { faulty, direct } = await ledgerThroughProxy();
    proxy.inject({ operation: 'PutItem', answer: 'throttle' });

    const error = await rejectionOf(faulty.claim(run, 'exec-a'));

    expect(classified(error, 'PutItem')).toBe('RunLedgerThrottledError');
    expect(proxy.calls.map((c) => c.operation)).toEqual(['PutItem']);
    expect(await direct.get(run)).toBeUndefined();
  });

  it('claims the run on the retry after a throttled claim', async () => {
    const { faulty } = await ledgerThroughProxy();
    proxy.inject({ operation: 'PutItem', answer: 'throttle' });
    await rejectionOf(faulty.claim(run, 'exec-a'));

    const retry = await faulty.claim(run, 'exec-a');

    expect(retry).toMatchObject({ kind: 'claimed', recover: false, item: { claimedBy: 'exec-a' } });
  });

  it('passes a 5xx on the claim to the workflow as unavailable (retried)', async () => {
    const { faulty } = await ledgerThroughProxy();
    proxy.inject({ operation: 'PutItem', answer: 'server-error' });

    const error = await rejectionOf(faulty.claim(run, 'exec-a'));

    expect(classified(error, 'PutItem')).toBe('RunLedgerUnavailableError');
  });

  it('passes a throttled read of a claimed run to the workflow instead of guessing what holds it', async () => {
    const { faulty, direct } = await ledgerThroughProxy();
    await direct.claim(run, 'exec-a');
    proxy.inject({ operation: 'GetItem', answer: 'throttle' });

    const error = await rejectionOf(faulty.claim(run, 'exec-b'));

    expect(classified(error, 'GetItem')).toBe('RunLedgerThrottledError');
  });

  it('passes a throttled take-over to the workflow and leaves the expired claim as it was', async () => {
    const { faulty, direct } = await ledgerThroughProxy();
    await direct.claim(run, 'exec-a');
    clock = new Date(clock.getTime() + 91_000);
    proxy.inject({ operation: 'UpdateItem', answer: 'throttle', when: updating('claimedBy = :me') });

    const error = await rejectionOf(faulty.claim(run, 'exec-b'));

    expect(classified(error, 'UpdateItem')).toBe('RunLedgerThrottledError');
    expect(await direct.get(run)).toMatchObject({ claimedBy: 'exec-a', attempt: 1 });
  });

  it('reads a run strongly consistent, so a claim made a moment ago is never missed', async () => {
    const { faulty, direct } = await ledgerThroughProxy();
    await direct.claim(run, 'exec-a');

    await faulty.claim(run, 'exec-b');

    const reads = proxy.calls.filter((c) => c.operation === 'GetItem');
    expect(reads).not.toHaveLength(0);
    for (const read of reads) expect(read.body.ConsistentRead).toBe(true);
  });
});

describe('recording the job when DynamoDB throttles or fails', () => {
  it('passes a throttled recordJob to the workflow as retryable, never mistaking it for a lost race', async () => {
    const { faulty, direct } = await ledgerThroughProxy();
    await direct.claim(run, 'exec-a');
    proxy.inject({ operation: 'UpdateItem', answer: 'throttle', when: updating('jobId = :job') });

    const error = await rejectionOf(faulty.recordJob(run, 'exec-a', 'job-1', '2026-11-28T02:00:06Z'));

    expect(classified(error, 'UpdateItem')).toBe('RunLedgerThrottledError');
    expect((await direct.get(run))?.jobId).toBeUndefined();
  });

  it('records the job on the retry after a throttled recordJob, so a duplicate reuses it', async () => {
    const { faulty, direct } = await ledgerThroughProxy();
    await direct.claim(run, 'exec-a');
    proxy.inject({ operation: 'UpdateItem', answer: 'throttle', when: updating('jobId = :job') });
    await rejectionOf(faulty.recordJob(run, 'exec-a', 'job-1', '2026-11-28T02:00:06Z'));

    const recorded = await faulty.recordJob(run, 'exec-a', 'job-1', '2026-11-28T02:00:06Z');
    const duplicate = await direct.claim(run, 'exec-b');

    expect(recorded).toBe(true);
    expect(duplicate).toMatchObject({ kind: 'job', jobId: 'job-1' });
  });

  it('passes an access denial on recordJob to the workflow as a refusal, not a lost race', async () => {
    const { faulty, direct } = await ledgerThroughProxy();
    await direct.claim(run, 'exec-a');
    proxy.inject({ operation: 'UpdateItem', answer: 'access-denied' });

    const error = await rejectionOf(faulty.recordJob(run, 'exec-a', 'job-1', '2026-11-28T02:00:06Z'));

    expect(classified(error, 'UpdateItem')).toBe('RunLedgerRejectedError');
  });

  it('says the job is recorded when the SDK retries a recordJob whose first answer was lost', async () => {
    const { faulty, direct } = await ledgerThroughProxy(3);
    await direct.claim(run, 'exec-a');
    proxy.inject({ operation: 'UpdateItem', answer: 'lost-answer', when: updating('jobId = :job') });

    const recorded = await faulty.recordJob(run, 'exec-a', 'job-1', '2026-11-28T02:00:06Z');

    expect(recorded).toBe(true);
    expect(proxy.calls.filter((c) => c.operation === 'UpdateItem')).toHaveLength(2);
    expect((await direct.get(run))?.jobId).toBe('job-1');
  });

  it('passes a throttled start mark to the workflow instead of saying the claim was lost', async () => {
    const { faulty, direct } = await ledgerThroughProxy();
    await direct.claim(run, 'exec-a');
    proxy.inject({ operation: 'UpdateItem', answer: 'throttle', when: updating('startingAt') });

    const error = await rejectionOf(faulty.markStarting(run, 'exec-a'));

    expect(classified(error, 'UpdateItem')).toBe('RunLedgerThrottledError');
  });
});

describe('recording the outcome when DynamoDB throttles', () => {
  it('passes a throttled recordOutcome to the caller: the outcome and the coverage are not lost silently', async () => {
    const { faulty, direct } = await ledgerThroughProxy();
    await direct.claim(run, 'exec-a');
    await direct.recordJob(run, 'exec-a', 'job-1', '2026-11-28T02:00:06Z');
    proxy.inject({ operation: 'UpdateItem', answer: 'throttle', when: updating('outcome') });

    const error = await rejectionOf(faulty.recordOutcome(run, completed));

    expect(classified(error, 'UpdateItem')).toBe('RunLedgerThrottledError');
    expect((await direct.get(run))?.outcome).toBeUndefined();
  });

  it('records the outcome and moves the coverage on the retry after a throttle', async () => {
    const { faulty, direct } = await ledgerThroughProxy();
    await direct.claim(run, 'exec-a');
    await direct.recordJob(run, 'exec-a', 'job-1', '2026-11-28T02:00:06Z');
    proxy.inject({ operation: 'UpdateItem', answer: 'throttle', when: updating('outcome') });
    await rejectionOf(faulty.recordOutcome(run, completed));

    const recorded = await faulty.recordOutcome(run, completed);
    const next = await direct.previousCompleted({ ...run, scheduledTime: '2026-11-29T02:00:00.000Z' });

    expect(recorded).toBe(true);
    expect(next?.outcome?.coveredUntil).toBe('2026-11-28T01:45:00.000Z');
  });
});

describe('a take-over racing the holder', () => {
  it('loses to a holder that records its job at the last moment, and hands that job on', async () => {
    const { faulty, direct } = await ledgerThroughProxy();
    await direct.claim(run, 'exec-a');
    clock = new Date(clock.getTime() + 91_000);
    // exec-b has read the expired claim; exec-a's create answers just before exec-b's take-over.
    proxy.before({
      operation: 'UpdateItem',
      when: updating('claimedBy = :me'),
      run: async () => {
        await direct.recordJob(run, 'exec-a', 'job-1', '2026-11-28T02:01:35Z');
      },
    });

    const taken = await faulty.claim(run, 'exec-b');

    expect(taken).toMatchObject({ kind: 'job', jobId: 'job-1' });
    expect(await direct.get(run)).toMatchObject({ claimedBy: 'exec-a', jobId: 'job-1', attempt: 1 });
  });

  it('claims the run afresh when its item vanished between the claim and the read (TTL, an operator)', async () => {
    const { faulty, direct, tableName } = await ledgerThroughProxy();
    await direct.claim(run, 'exec-a');
    proxy.before({
      operation: 'GetItem',
      run: async () => {
        await server.client.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: marshall({ target: run.target, scheduledTime: run.scheduledTime }),
          }),
        );
      },
    });

    const claimed = await faulty.claim(run, 'exec-b');

    expect(claimed).toMatchObject({
      kind: 'claimed',
      recover: false,
      item: { claimedBy: 'exec-b', attempt: 1 },
    });
  });
});
