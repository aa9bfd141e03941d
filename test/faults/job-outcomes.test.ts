import { afterEach, describe, expect, it } from 'vitest';
import { type Outcome, retriesOf, type Stack, startStack } from './harness.ts';
import { countHistoryEvents, HISTORY_EVENT_LIMIT } from './history.ts';
import { record } from './matrix.ts';

/*
 * Jobs that do not end well: FAILED with Failures, never finishing (the
 * deadline gives TIMED_OUT), stuck in PENDING_JOB, and the poll loop running to
 * its iteration cap, with the Step Functions history it would leave.
 */

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('export jobs that do not complete', () => {
  it('publishes one FAILED summary with the Failures and fails the execution when the job FAILS', async ({
    task,
  }) => {
    stack = await startStack({
      endpoints: 1000,
      pieces: 4,
      malformedEvery: 100,
      faults: [{ kind: 'job-fail', failedPieces: 2, count: 1 }],
    });

    const result = await stack.run();

    const expected: Outcome = {
      execution: 'FAILED',
      summary: 'FAILED',
      createCalls: 1,
      jobs: 1,
      messages: 1,
    };
    const observed = stack.outcome([result]);
    record(task, 'job FAILED with Failures', expected, observed);
    expect(observed).toEqual(expected);
    expect(result.error).toBe('ExportJobFailed');
    const [message] = stack.published();
    expect(message?.summary).toMatchObject({ status: 'FAILED', jobStatus: 'FAILED', FailedPieces: 2 });
    expect(message?.summary.Failures.some((f) => /Piece \d of 4 failed/.test(f))).toBe(true);
    expect(message?.summary.Failures.some((f) => /^Endpoint /.test(f))).toBe(true);
    expect(message?.summary.TotalFailures).toBeGreaterThanOrEqual(message?.summary.Failures.length ?? 0);
    expect(message?.attributes).toMatchObject({ status: 'FAILED', hasFailures: 'true' });
    expect(message?.emailText).toContain('First failures');
  });

  it('publishes one TIMED_OUT summary when a job never finishes and the run deadline passes', async ({
    task,
  }) => {
    stack = await startStack({ deadlineSeconds: 2, faults: [{ kind: 'job-stuck', count: 1 }] });

    const result = await stack.run(undefined, { waitMs: 100 });

    const expected: Outcome = {
      execution: 'FAILED',
      summary: 'TIMED_OUT',
      createCalls: 1,
      jobs: 1,
      messages: 1,
    };
    const observed = stack.outcome([result]);
    const summary = stack.published()[0]?.summary;
    record(task, 'job never finishes (deadline 2 s)', expected, observed, `${summary?.statusChecks} checks`);
    expect(observed).toEqual(expected);
    expect(result.error).toBe('ExportJobTimedOut');
    expect(summary).toMatchObject({ status: 'TIMED_OUT', jobStatus: 'PROCESSING', completionDate: null });
    expect(summary?.headline).toMatch(/did not finish in time: last seen PROCESSING/);
    // Bounded by the deadline: about one check per 100 ms wait, not an endless loop.
    expect(summary?.statusChecks).toBeGreaterThanOrEqual(5);
    expect(summary?.statusChecks).toBeLessThan(40);
  });

  it('keeps waiting through a long PENDING_JOB and reports COMPLETED once the job runs', async ({ task }) => {
    stack = await startStack({
      deadlineSeconds: 30,
      faults: [{ kind: 'job-pending', pendingSeconds: 3, count: 1 }],
    });

    const result = await stack.run(undefined, { waitMs: 100 });

    const expected: Outcome = {
      execution: 'SUCCEEDED',
      summary: 'COMPLETED',
      createCalls: 1,
      jobs: 1,
      messages: 1,
    };
    const observed = stack.outcome([result]);
    const seen = stack.statusesSeen();
    const pendingChecks = seen.filter((s) => s === 'PENDING_JOB').length;
    record(
      task,
      'job in PENDING_JOB for 3 s (deadline 30 s)',
      expected,
      observed,
      `${pendingChecks} checks pending`,
    );
    expect(observed).toEqual(expected);
    expect(pendingChecks).toBeGreaterThanOrEqual(5);
    expect(seen.at(-1)).toBe('COMPLETED');
    expect(stack.published()[0]?.summary.durationSeconds).toBeGreaterThanOrEqual(3);
  });

  it('reports TIMED_OUT with the job still PENDING_JOB when the queue outlasts the deadline', async ({
    task,
  }) => {
    stack = await startStack({
      deadlineSeconds: 2,
      faults: [{ kind: 'job-pending', pendingSeconds: 3600, count: 1 }],
    });

    const result = await stack.run(undefined, { waitMs: 100 });

    const expected: Outcome = {
      execution: 'FAILED',
      summary: 'TIMED_OUT',
      createCalls: 1,
      jobs: 1,
      messages: 1,
    };
    const observed = stack.outcome([result]);
    record(task, 'job in PENDING_JOB past the deadline', expected, observed);
    expect(observed).toEqual(expected);
    expect(stack.published()[0]?.summary).toMatchObject({ status: 'TIMED_OUT', jobStatus: 'PENDING_JOB' });
    expect(stack.published()[0]?.summary.headline).toContain('last seen PENDING_JOB');
  });
});

describe('the poll loop at its iteration cap', () => {
  it('stops at 1,000 status checks with a history far below the 25,000-event limit', async ({ task }) => {
    stack = await startStack({ deadlineSeconds: 3600, faults: [{ kind: 'job-stuck', count: 1 }] });
    // A few transient faults on the way, so retries are in the count too.
    stack.emulator.faults.add({ kind: 'error500', operation: 'GetExportJob', count: 6 });

    const started = Date.now();
    const result = await stack.run(undefined, { waitMs: 0 });
    const seconds = (Date.now() - started) / 1000;

    const expected: Outcome = {
      execution: 'FAILED',
      summary: 'TIMED_OUT',
      createCalls: 1,
      jobs: 1,
      messages: 1,
    };
    const observed = stack.outcome([result]);
    const history = countHistoryEvents(result.events);
    const summary = stack.published()[0]?.summary;
    record(
      task,
      'poll loop at the 1,000-check cap',
      `${expected.execution} | ${expected.summary} | 1000 checks | history < 10,000`,
      `${observed.execution} | ${observed.summary} | ${summary?.statusChecks} checks | history ${history}`,
      `${seconds.toFixed(1)} s`,
    );
    expect(observed).toEqual(expected);
    expect(summary?.statusChecks).toBe(1000);
    expect(summary?.jobStatus).toBe('PROCESSING');
    expect(retriesOf(result, 'GetExportJobStatus')).toBeGreaterThanOrEqual(1);
    // 9 events per check (Wait 2 + Task 5 + Choice 2), the states around the loop, and 3 per retry.
    const retries = result.events.filter((e) => e.type === 'StateRetried').length;
    expect(history).toBeGreaterThanOrEqual(9 * 1000);
    expect(history).toBeLessThanOrEqual(9 * 1000 + 30 + 3 * retries);
    expect(history).toBeLessThan(HISTORY_EVENT_LIMIT / 2);
  }, 120_000);
});
