import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunIdentity, RunLedger } from '../../functions/shared/run-ledger.ts';
import { type LocalLedgerServer, startLocalLedgerServer } from './local-ledger.ts';

/*
 * Claim semantics of the run ledger against a real DynamoDB implementation
 * (dynalite, in memory) over HTTP with the real SDK: conditional writes, not a mock.
 */

let server: LocalLedgerServer;
let clock = new Date('2026-11-28T02:00:05Z');

beforeAll(async () => {
  server = await startLocalLedgerServer();
});

afterAll(async () => {
  await server.close();
});

const freshLedger = (claimSeconds = 90): Promise<RunLedger> =>
  server.ledger({ claimSeconds, now: () => clock });

const run: RunIdentity = {
  target: 'pinpoint#a1b2c3d4e5f60718293a4b5c6d7e8f90#all#latest#0f0f0f0f',
  targetName: 'nightly-all-endpoints',
  scheduledTime: '2026-11-28T02:00:00.000Z',
  source: 'pinpoint',
};

beforeEach(() => {
  clock = new Date('2026-11-28T02:00:05Z');
});

describe('run ledger claims', () => {
  it('gives the first claim to the first execution and tells a second one the run is in progress', async () => {
    const ledger = await freshLedger();

    const first = await ledger.claim(run, 'exec-a');
    const second = await ledger.claim(run, 'exec-b');

    expect(first).toMatchObject({ kind: 'claimed', recover: false });
    expect(second.kind).toBe('in-progress');
    expect((await ledger.get(run))?.claimedBy).toBe('exec-a');
  });

  it('lets exactly one of many concurrent claims win', async () => {
    const ledger = await freshLedger();

    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => ledger.claim(run, `exec-${i}`)));

    expect(results.filter((r) => r.kind === 'claimed')).toHaveLength(1);
    expect(results.filter((r) => r.kind === 'in-progress')).toHaveLength(19);
  });

  it('hands the recorded job to every later claim of the same run', async () => {
    const ledger = await freshLedger();
    await ledger.claim(run, 'exec-a');

    const recorded = await ledger.recordJob(run, 'exec-a', 'job-1', '2026-11-28T02:00:06Z');
    const later = await ledger.claim(run, 'exec-b');

    expect(recorded).toBe(true);
    expect(later).toMatchObject({ kind: 'job', jobId: 'job-1' });
  });

  it('tells the claiming execution to look for a job first when it claims again (its create answer was lost)', async () => {
    const ledger = await freshLedger();
    await ledger.claim(run, 'exec-a');

    const retry = await ledger.claim(run, 'exec-a');

    expect(retry).toMatchObject({ kind: 'claimed', recover: true });
  });

  it('lets another execution take over a claim that expired without a job, once', async () => {
    const ledger = await freshLedger(90);
    await ledger.claim(run, 'exec-a');
    clock = new Date(clock.getTime() + 91_000);

    const [b, c] = await Promise.all([ledger.claim(run, 'exec-b'), ledger.claim(run, 'exec-c')]);

    const winners = [b, c].filter((r) => r.kind === 'claimed');
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ recover: true, item: { attempt: 2 } });
    expect([b, c].filter((r) => r.kind === 'in-progress')).toHaveLength(1);
  });

  it('does not let a claim that was taken over record its job', async () => {
    const ledger = await freshLedger(90);
    await ledger.claim(run, 'exec-a');
    clock = new Date(clock.getTime() + 91_000);
    await ledger.claim(run, 'exec-b');

    const late = await ledger.recordJob(run, 'exec-a', 'job-late', '2026-11-28T02:01:40Z');

    expect(late).toBe(false);
    expect((await ledger.get(run))?.jobId).toBeUndefined();
  });

  it('redoes a run whose job FAILED for one execution only, keeping the failed job id', async () => {
    const ledger = await freshLedger();
    await ledger.claim(run, 'exec-a');
    await ledger.recordJob(run, 'exec-a', 'job-failed', '2026-11-28T02:00:06Z');
    const seen = await ledger.claim(run, 'exec-b');
    if (seen.kind !== 'job') throw new Error('expected the job');

    const [b, c] = await Promise.all([
      ledger.redo(seen.item, 'job-failed', 'exec-b'),
      ledger.redo(seen.item, 'job-failed', 'exec-c'),
    ]);

    expect([b, c].filter((r) => r.kind === 'claimed')).toHaveLength(1);
    const item = await ledger.get(run);
    expect(item?.jobId).toBeUndefined();
    expect(item?.previousJobIds).toEqual(['job-failed']);
    expect(item?.attempt).toBe(2);
  });

  it('releases the claim when a run ends without a job, so a re-run need not wait', async () => {
    const ledger = await freshLedger();
    await ledger.claim(run, 'exec-a');

    await ledger.recordOutcome(run, {
      status: 'ERROR',
      jobId: null,
      jobStatus: null,
      totalProcessed: null,
      totalFailures: null,
      durationSeconds: null,
      statusChecks: 0,
      summaryMessageId: 'm-1',
      finishedAt: '2026-11-28T02:00:07Z',
      headline: 'did not run',
    });
    const rerun = await ledger.claim(run, 'exec-b');

    expect(rerun).toMatchObject({ kind: 'claimed', recover: true });
  });

  it('says false when recording the outcome of a run that was never claimed', async () => {
    const ledger = await freshLedger();

    const recorded = await ledger.recordOutcome(run, {
      status: 'ERROR',
      jobId: null,
      jobStatus: null,
      totalProcessed: null,
      totalFailures: null,
      durationSeconds: null,
      statusChecks: 0,
      summaryMessageId: null,
      finishedAt: '2026-11-28T02:00:07Z',
      headline: 'bad input',
    });

    expect(recorded).toBe(false);
  });
});

describe('run ledger conditions', () => {
  it('protects a run taken over for the whole claim time: a third execution waits, then may take it over', async () => {
    const ledger = await freshLedger(90);
    await ledger.claim(run, 'exec-a');
    clock = new Date(clock.getTime() + 91_000);
    await ledger.claim(run, 'exec-b');

    clock = new Date(clock.getTime() + 89_000);
    const whileHeld = await ledger.claim(run, 'exec-c');
    clock = new Date(clock.getTime() + 2_000);
    const afterExpiry = await ledger.claim(run, 'exec-c');

    expect(whileHeld.kind).toBe('in-progress');
    expect(afterExpiry).toMatchObject({ kind: 'claimed', item: { claimedBy: 'exec-c', attempt: 3 } });
  });

  it('lets a claim be taken over the moment its claim time has passed', async () => {
    const ledger = await freshLedger(90);
    await ledger.claim(run, 'exec-a');
    clock = new Date(clock.getTime() + 90_000);

    const taken = await ledger.claim(run, 'exec-b');

    expect(taken).toMatchObject({ kind: 'claimed', item: { claimedBy: 'exec-b', attempt: 2 } });
  });

  it('tells the execution that redoes a FAILED run to create at once: the failed job is known, nothing to look for', async () => {
    const ledger = await freshLedger();
    await ledger.claim(run, 'exec-a');
    await ledger.recordJob(run, 'exec-a', 'job-failed', '2026-11-28T02:00:06Z');
    const seen = await ledger.claim(run, 'exec-b');
    if (seen.kind !== 'job') throw new Error('expected the job');

    const redo = await ledger.redo(seen.item, 'job-failed', 'exec-b');

    expect(redo).toMatchObject({ kind: 'claimed', recover: false, item: { claimedBy: 'exec-b' } });
  });

  it('keeps the claim of a run taken over when the earlier holder records the outcome of its job', async () => {
    const ledger = await freshLedger(90);
    await ledger.claim(run, 'exec-a');
    clock = new Date(clock.getTime() + 91_000);
    await ledger.claim(run, 'exec-b');

    // exec-a's job went on; its summary records the outcome while exec-b is creating.
    await ledger.recordOutcome(run, {
      status: 'COMPLETED',
      jobId: 'job-a',
      jobStatus: 'COMPLETED',
      totalProcessed: 1,
      totalFailures: 0,
      durationSeconds: 60,
      statusChecks: 2,
      summaryMessageId: null,
      finishedAt: '2026-11-28T02:02:00Z',
      headline: 'Exported 1 endpoint',
    });
    const third = await ledger.claim(run, 'exec-c');

    expect(third.kind).toBe('in-progress');
  });

  it('records an outcome whose optional facts are undefined', async () => {
    const ledger = await freshLedger();
    await ledger.claim(run, 'exec-a');

    const recorded = await ledger.recordOutcome(run, {
      status: 'ERROR',
      jobId: null,
      jobStatus: null,
      totalProcessed: null,
      totalFailures: null,
      durationSeconds: null,
      statusChecks: 0,
      summaryMessageId: null,
      finishedAt: '2026-11-28T02:00:07Z',
      headline: 'did not run',
      verdict: undefined,
      coveredUntil: undefined,
    });

    expect(recorded).toBe(true);
    expect((await ledger.get(run))?.outcome).not.toHaveProperty('verdict');
  });

  it('never replaces the job already recorded for the run', async () => {
    const ledger = await freshLedger();
    await ledger.claim(run, 'exec-a');
    await ledger.recordJob(run, 'exec-a', 'job-1', '2026-11-28T02:00:06Z');

    const second = await ledger.recordJob(run, 'exec-a', 'job-2', '2026-11-28T02:00:09Z');

    expect(second).toBe(false);
    expect((await ledger.get(run))?.jobId).toBe('job-1');
  });

  it('says recorded when the holder records the same job again (a retried call)', async () => {
    const ledger = await freshLedger();
    await ledger.claim(run, 'exec-a');
    await ledger.recordJob(run, 'exec-a', 'job-1', '2026-11-28T02:00:06Z');

    const again = await ledger.recordJob(run, 'exec-a', 'job-1', '2026-11-28T02:00:06Z');

    expect(again).toBe(true);
  });

  it('marks a start only for the execution holding the claim, and only before a job is recorded', async () => {
    const ledger = await freshLedger();
    await ledger.claim(run, 'exec-a');

    const byOther = await ledger.markStarting(run, 'exec-b');
    const unmarked = (await ledger.get(run))?.startingAt;
    const byHolder = await ledger.markStarting(run, 'exec-a');
    await ledger.recordJob(run, 'exec-a', 'job-1', '2026-11-28T02:00:06Z');
    const afterJob = await ledger.markStarting(run, 'exec-a');

    expect(byOther).toBe(false);
    expect(unmarked).toBeUndefined();
    expect(byHolder).toBe(true);
    expect(afterJob).toBe(false);
    expect((await ledger.get(run))?.startingAt).toBeUndefined();
  });

  it('does not let an execution that lost the claim mark a start (a second snapshot after a take-over)', async () => {
    const ledger = await freshLedger(90);
    await ledger.claim(run, 'exec-a');
    clock = new Date(clock.getTime() + 91_000);
    await ledger.claim(run, 'exec-b');

    const late = await ledger.markStarting(run, 'exec-a');

    expect(late).toBe(false);
  });

  it("clears only the holder's own start mark", async () => {
    const ledger = await freshLedger();
    await ledger.claim(run, 'exec-a');
    await ledger.markStarting(run, 'exec-a');

    await ledger.clearStarting(run, 'exec-b');
    const afterOther = (await ledger.get(run))?.startingAt;
    await ledger.clearStarting(run, 'exec-a');

    expect(afterOther).toBe(clock.toISOString());
    expect((await ledger.get(run))?.startingAt).toBeUndefined();
  });

  it('keeps a run for the retention period after its scheduled time (TTL in epoch seconds)', async () => {
    const ledger = await server.ledger({ retentionDays: 400, now: () => clock });

    await ledger.claim(run, 'exec-a');

    const expiresAt = (await ledger.get(run))?.expiresAt ?? 0;
    expect(expiresAt).toBe(Date.parse(run.scheduledTime) / 1000 + 400 * 86_400);
  });

  it('records an outcome it does not know (an older release) without counting the run as good', async () => {
    const ledger = await freshLedger();
    await ledger.claim(run, 'exec-a');
    await ledger.recordJob(run, 'exec-a', 'job-1', '2026-11-28T02:00:06Z');

    const recorded = await ledger.recordOutcome(run, {
      status: 'SUCCEEDED',
      jobId: 'job-1',
      jobStatus: 'COMPLETED',
      totalProcessed: 1,
      totalFailures: 0,
      durationSeconds: 60,
      statusChecks: 2,
      summaryMessageId: null,
      finishedAt: '2026-11-28T02:10:00Z',
      headline: 'old',
    });

    expect(recorded).toBe(true);
    expect(await ledger.get(run)).toMatchObject({ outcome: { status: 'SUCCEEDED' } });
    expect((await ledger.get(run))?.goodTarget).toBeUndefined();
  });

  it('recognises a condition that did not hold by its name, as another copy of the SDK throws it', async () => {
    const failing = {
      send: async () => {
        throw Object.assign(new Error('The conditional request failed'), {
          name: 'ConditionalCheckFailedException',
        });
      },
    } as unknown as DynamoDBClient;
    const ledger = new RunLedger(failing, { tableName: 'runs' });

    const recorded = await ledger.recordJob(run, 'exec-a', 'job-1', '2026-11-28T02:00:06Z');

    expect(recorded).toBe(false);
  });

  it('passes on a call that failed with no error object at all', async () => {
    const failing = {
      send: () => Promise.reject(undefined),
    } as unknown as DynamoDBClient;
    const ledger = new RunLedger(failing, { tableName: 'runs' });

    const outcome = await ledger.recordJob(run, 'exec-a', 'job-1', '2026-11-28T02:00:06Z').then(
      () => 'resolved',
      (error: unknown) => error,
    );

    expect(outcome).toBeUndefined();
  });
});

describe('run ledger history', () => {
  async function night(ledger: RunLedger, day: number, status: string, processed: number) {
    const night = {
      ...run,
      scheduledTime: `2026-11-${String(day).padStart(2, '0')}T02:00:00.000Z`,
    };
    clock = new Date(`2026-11-${String(day).padStart(2, '0')}T02:00:05Z`);
    await ledger.claim(night, `exec-${day}`);
    await ledger.recordJob(night, `exec-${day}`, `job-${day}`, clock.toISOString());
    await ledger.recordOutcome(night, {
      status,
      jobId: `job-${day}`,
      jobStatus: status === 'COMPLETED' ? 'COMPLETED' : 'FAILED',
      totalProcessed: processed,
      totalFailures: 0,
      durationSeconds: 600,
      statusChecks: 9,
      summaryMessageId: `m-${day}`,
      finishedAt: clock.toISOString(),
      headline: status,
    });
    return night;
  }

  it('finds the newest earlier COMPLETED run of the same target, skipping failed nights', async () => {
    const ledger = await freshLedger();
    await night(ledger, 25, 'COMPLETED', 50_000);
    await night(ledger, 26, 'COMPLETED', 51_000);
    await night(ledger, 27, 'FAILED', 0);
    const tonight = await night(ledger, 28, 'COMPLETED', 45_000);

    const previous = await ledger.previousCompleted(tonight);

    expect(previous?.scheduledTime).toBe('2026-11-26T02:00:00.000Z');
    expect(previous?.outcome?.totalProcessed).toBe(51_000);
  });

  it('finds the previous good run however many runs that were not a success came since (150 on a 15-minute schedule)', async () => {
    const ledger = await freshLedger();
    const quarter = (i: number) =>
      new Date(Date.parse('2026-11-20T00:00:00.000Z') + i * 900_000).toISOString();
    const at = (i: number) => ({ ...run, scheduledTime: quarter(i) });
    const record = async (i: number, status: string) => {
      clock = new Date(Date.parse(quarter(i)) + 5_000);
      await ledger.claim(at(i), `exec-${i}`);
      await ledger.recordOutcome(at(i), {
        status,
        jobId: null,
        jobStatus: null,
        totalProcessed: i,
        totalFailures: 0,
        durationSeconds: 60,
        statusChecks: 2,
        summaryMessageId: null,
        finishedAt: clock.toISOString(),
        headline: status,
        ...(status === 'COMPLETED' ? { coveredUntil: quarter(i) } : {}),
      });
    };
    await record(0, 'COMPLETED');
    for (let i = 1; i <= 150; i++) await record(i, i % 2 ? 'MISMATCH' : 'UNVERIFIED');

    const previous = await ledger.previousCompleted(at(151));

    expect(previous?.scheduledTime).toBe(quarter(0));
    expect(previous?.outcome?.coveredUntil).toBe(quarter(0));
  }, 60_000);

  it('takes a run out of the good index when a later outcome of the same night is not a success', async () => {
    const ledger = await freshLedger();
    await night(ledger, 25, 'COMPLETED', 50_000);
    const redone = await night(ledger, 26, 'COMPLETED', 51_000);
    await ledger.recordOutcome(redone, {
      status: 'MISMATCH',
      jobId: 'job-26',
      jobStatus: 'COMPLETED',
      totalProcessed: 51_000,
      totalFailures: 0,
      durationSeconds: 600,
      statusChecks: 9,
      summaryMessageId: 'm-26b',
      finishedAt: '2026-11-26T03:00:00Z',
      headline: 'MISMATCH',
    });

    const previous = await ledger.previousCompleted({ ...run, scheduledTime: '2026-11-27T02:00:00.000Z' });

    expect(previous?.scheduledTime).toBe('2026-11-25T02:00:00.000Z');
    expect((await ledger.get(redone))?.goodTarget).toBeUndefined();
  });

  it('lists runs newest first, across targets and for one target by name', async () => {
    const ledger = await freshLedger();
    await night(ledger, 26, 'COMPLETED', 1);
    await night(ledger, 27, 'COMPLETED', 2);
    const other = { ...run, target: 'pinpoint#other', targetName: 'weekly-vip' };
    clock = new Date('2026-11-28T03:00:00Z');
    await ledger.claim({ ...other, scheduledTime: '2026-11-28T03:00:00.000Z' }, 'exec-vip');

    const recent = await ledger.recent(10);
    const history = await ledger.history('nightly-all-endpoints', 10);

    expect(recent.map((r) => r.targetName)).toEqual([
      'weekly-vip',
      'nightly-all-endpoints',
      'nightly-all-endpoints',
    ]);
    expect(history.map((r) => r.outcome?.totalProcessed)).toEqual([2, 1]);
  });
});

describe('run ledger history over more than one page', () => {
  /** `count` runs of one target, a quarter of an hour apart, written 25 to a BatchWriteItem. */
  async function manyRuns(count: number): Promise<{ ledger: RunLedger; times: string[] }> {
    const tableName = await server.table();
    const times = Array.from({ length: count }, (_, i) =>
      new Date(Date.parse('2026-11-01T00:00:00.000Z') + i * 900_000).toISOString(),
    );
    for (let i = 0; i < count; i += 25) {
      const writes = times.slice(i, i + 25).map((time) => ({
        PutRequest: {
          Item: marshall({ ...run, scheduledTime: time, kind: 'run', startedAt: time, attempt: 1 }),
        },
      }));
      await server.client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: writes } }));
    }
    return { ledger: new RunLedger(server.client, { tableName }), times };
  }

  it('reads on past the first page, newest first, each run once, up to the limit', async () => {
    const { ledger, times } = await manyRuns(230);

    const history = await ledger.history(run.targetName, 150);

    expect(history.map((r) => r.scheduledTime)).toEqual(times.toReversed().slice(0, 150));
  }, 60_000);

  it('lists every run when the limit is more than there are', async () => {
    const { ledger, times } = await manyRuns(130);

    const recent = await ledger.recent(500);

    expect(recent.map((r) => r.startedAt)).toEqual(times.toReversed());
  }, 60_000);

  it('stops at the limit when more runs are left than it asked for', async () => {
    const { ledger, times } = await manyRuns(130);

    const recent = await ledger.recent(100);

    expect(recent.map((r) => r.startedAt)).toEqual(times.toReversed().slice(0, 100));
  }, 60_000);
});
