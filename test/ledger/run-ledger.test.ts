import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunIdentity, RunLedger } from '../../functions/shared/run-ledger.ts';
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
