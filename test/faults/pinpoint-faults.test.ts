import { afterEach, describe, expect, it } from 'vitest';
import { type Outcome, retriesOf, type Stack, startStack } from './harness.ts';
import { record } from './matrix.ts';

/*
 * Transient Pinpoint and Lambda faults, injected by the emulator over HTTP (or
 * by the Lambda binding), on the real workflow: every one must be retried into
 * a normal night — one export job, one COMPLETED summary, a SUCCEEDED execution.
 */

const NORMAL_NIGHT = { execution: 'SUCCEEDED', summary: 'COMPLETED', jobs: 1, messages: 1 };

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('transient Pinpoint faults', () => {
  it('retries a burst of five throttled CreateExportJob calls into one job and one COMPLETED summary', async ({
    task,
  }) => {
    stack = await startStack({
      faults: [{ kind: 'throttle', service: 'pinpoint', operation: 'CreateExportJob', count: 5 }],
    });

    const result = await stack.run();

    const expected: Outcome = { ...NORMAL_NIGHT, createCalls: 6 };
    const observed = stack.outcome([result]);
    record(task, 'Pinpoint 429 burst (x5) on CreateExportJob', expected, observed);
    expect(observed).toEqual(expected);
    expect(stack.emulator.state.count('CreateExportJob', 429)).toBe(5);
    // The first attempt claimed the run: nothing to look for. Every retry holds that claim and
    // looks first, so a retry never creates blindly.
    expect(stack.emulator.state.count('GetExportJobs')).toBe(5);
    expect(retriesOf(result, 'CreateExportJob')).toBe(5);
    expect(stack.published()[0]?.summary).toMatchObject({ status: 'COMPLETED', jobReused: false });
  });

  it('rides out a burst of throttled status checks (SDK retries, then the state machine retries)', async ({
    task,
  }) => {
    stack = await startStack({
      faults: [{ kind: 'throttle', service: 'pinpoint', operation: 'GetExportJob', count: 7 }],
    });

    const result = await stack.run();

    const expected: Outcome = { ...NORMAL_NIGHT, createCalls: 1 };
    const observed = stack.outcome([result]);
    const retried = retriesOf(result, 'GetExportJobStatus');
    record(task, 'Pinpoint 429 burst (x7) on GetExportJob', expected, observed, `task retries ${retried}`);
    expect(observed).toEqual(expected);
    expect(stack.emulator.state.count('GetExportJob', 429)).toBe(7);
    // Seven 429s cannot all be absorbed by the SDK's three attempts per call.
    expect(retried).toBeGreaterThanOrEqual(2);
    expect(stack.published()[0]?.summary.TotalProcessed).toBe(200);
  });

  it('retries 500s on CreateExportJob and GetExportJob without a second job', async ({ task }) => {
    stack = await startStack({
      faults: [
        { kind: 'error500', service: 'pinpoint', operation: 'CreateExportJob', count: 3 },
        { kind: 'error500', service: 'pinpoint', operation: 'GetExportJob', count: 4 },
      ],
    });

    const result = await stack.run();

    const expected: Outcome = { ...NORMAL_NIGHT, createCalls: 4 };
    const observed = stack.outcome([result]);
    record(task, 'Pinpoint 500s (x3 create, x4 status)', expected, observed);
    expect(observed).toEqual(expected);
    expect(stack.emulator.state.count('CreateExportJob', 500)).toBe(3);
    expect(stack.emulator.state.count('GetExportJob', 500)).toBe(4);
  });

  it('retries connection resets on every Pinpoint operation the workflow uses', async ({ task }) => {
    stack = await startStack({
      faults: [
        { kind: 'reset', service: 'pinpoint', operation: 'GetExportJobs', count: 2 },
        { kind: 'reset', service: 'pinpoint', operation: 'CreateExportJob', count: 2 },
        { kind: 'reset', service: 'pinpoint', operation: 'GetExportJob', count: 4 },
      ],
    });

    const result = await stack.run();

    const expected: Outcome = { ...NORMAL_NIGHT, createCalls: 3 };
    const observed = stack.outcome([result]);
    record(task, 'connection resets (look-up x2, create x2, status x4)', expected, observed);
    expect(observed).toEqual(expected);
    expect(stack.emulator.state.requests.filter((r) => r.status === 0)).toHaveLength(8);
  });

  it('gives up on status checks slower than the SDK request timeout and retries them', async ({ task }) => {
    stack = await startStack({
      sdkRequestTimeoutMs: 300,
      faults: [{ kind: 'delay', service: 'pinpoint', operation: 'GetExportJob', delayMs: 1_000, count: 4 }],
    });

    const started = Date.now();
    const result = await stack.run();
    const elapsed = Date.now() - started;

    const expected: Outcome = { ...NORMAL_NIGHT, createCalls: 1 };
    const observed = stack.outcome([result]);
    record(task, 'GetExportJob 1 s slow, SDK timeout 300 ms (x4)', expected, observed, `${elapsed} ms`);
    expect(observed).toEqual(expected);
    // Four timed-out checks: the SDK's own attempts, then the state machine's retry.
    expect(retriesOf(result, 'GetExportJobStatus')).toBeGreaterThanOrEqual(1);
  });

  it('waits for a CreateExportJob slower than the SDK timeout instead of retrying it into a second job', async ({
    task,
  }) => {
    stack = await startStack({
      sdkRequestTimeoutMs: 300,
      faults: [{ kind: 'delay', service: 'pinpoint', operation: 'CreateExportJob', delayMs: 800, count: 1 }],
    });

    const result = await stack.run();

    const expected: Outcome = { ...NORMAL_NIGHT, createCalls: 1 };
    const observed = stack.outcome([result]);
    record(task, 'CreateExportJob 800 ms slow, SDK timeout 300 ms', expected, observed);
    expect(observed).toEqual(expected);
    expect(retriesOf(result, 'CreateExportJob')).toBe(0);
  });

  it('finds the job a lost CreateExportJob answer created, even when the next look-ups are throttled', async ({
    task,
  }) => {
    let createInvocations = 0;
    stack = await startStack({
      faults: [{ kind: 'create-then-500', service: 'pinpoint', operation: 'CreateExportJob', count: 1 }],
      beforeInvoke: (functionName) => {
        if (!functionName.endsWith('create-export-job')) return;
        createInvocations++;
        // After the lost answer, the look-up is throttled past the SDK's three attempts once.
        if (createInvocations === 2) {
          stack?.emulator.faults.add({ kind: 'throttle', operation: 'GetExportJobs', count: 4 });
        }
      },
    });

    const result = await stack.run();

    const expected: Outcome = { ...NORMAL_NIGHT, createCalls: 1 };
    const observed = stack.outcome([result]);
    record(task, '500 after CreateExportJob created the job, look-up 429 x4', expected, observed);
    expect(observed).toEqual(expected);
    expect(stack.emulator.state.count('CreateExportJob', 500)).toBe(1);
    expect(stack.emulator.state.count('GetExportJobs', 429)).toBe(4);
    expect(createInvocations).toBe(3);
    expect(stack.published()[0]?.summary).toMatchObject({
      status: 'COMPLETED',
      jobReused: true,
      jobId: stack.emulator.state.jobs[0]?.id,
    });
  });
});

describe('transient Lambda service faults', () => {
  it('retries Lambda.ServiceException on each of the three functions', async ({ task }) => {
    const failures = new Map<string, number>();
    stack = await startStack({
      beforeInvoke: (functionName) => {
        const n = (failures.get(functionName) ?? 0) + 1;
        failures.set(functionName, n);
        if (n <= 2) {
          throw Object.assign(new Error('Service unavailable'), { name: 'Lambda.ServiceException' });
        }
      },
    });

    const result = await stack.run();

    const expected: Outcome = { ...NORMAL_NIGHT, createCalls: 1 };
    const observed = stack.outcome([result]);
    record(task, 'Lambda.ServiceException x2 on every function', expected, observed);
    expect(observed).toEqual(expected);
    expect(retriesOf(result, 'CreateExportJob')).toBe(2);
    expect(retriesOf(result, 'GetExportJobStatus')).toBeGreaterThanOrEqual(2);
    expect(retriesOf(result, 'PublishSummary')).toBe(2);
  });
});
