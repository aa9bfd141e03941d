import { afterEach, describe, expect, it } from 'vitest';
import { APP, defaultInput, type Outcome, retriesOf, type Stack, startStack } from './harness.ts';
import { record } from './matrix.ts';

/*
 * The summary is the night's only voice: SNS faults must not lose it nor send
 * it twice, SNS down for good must fail the execution (so the alarm fires), and
 * a summary larger than SNS accepts must be cut to fit, saying what was left out.
 */

const SNS_MAX_MESSAGE_BYTES = 262_144;

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('SNS faults', () => {
  it('sends one summary, not two, when SNS throttles and then recovers', async ({ task }) => {
    stack = await startStack({
      faults: [{ kind: 'throttle', service: 'sns', operation: 'Publish', count: 4 }],
    });

    const result = await stack.run();

    const expected: Outcome = {
      execution: 'SUCCEEDED',
      summary: 'COMPLETED',
      createCalls: 1,
      jobs: 1,
      messages: 1,
    };
    const observed = stack.outcome([result]);
    record(task, 'SNS 429 x4 on Publish, then recovers', expected, observed);
    expect(observed).toEqual(expected);
    expect(stack.emulator.state.count('Publish', 429)).toBe(4);
    // The SNS client makes one attempt (no hidden SDK resend): the state machine retries the task, once per throttle.
    expect(retriesOf(result, 'PublishSummary')).toBe(4);
  });

  it('sends one summary when Publish connections are reset and when an answer is slower than the SDK timeout', async ({
    task,
  }) => {
    stack = await startStack({
      sdkRequestTimeoutMs: 300,
      faults: [
        { kind: 'reset', service: 'sns', operation: 'Publish', count: 2 },
        { kind: 'delay', service: 'sns', operation: 'Publish', delayMs: 800, count: 1 },
      ],
    });

    const result = await stack.run();

    const expected: Outcome = {
      execution: 'SUCCEEDED',
      summary: 'COMPLETED',
      createCalls: 1,
      jobs: 1,
      messages: 1,
    };
    const observed = stack.outcome([result]);
    record(task, 'SNS resets x2 + one Publish 800 ms slow (SDK timeout 300 ms)', expected, observed);
    expect(observed).toEqual(expected);
    expect(
      stack.emulator.state.requests.filter((r) => r.operation === 'Publish' && r.status === 0),
    ).toHaveLength(2);
  });

  it('fails the execution visibly when SNS stays unavailable, after every retry', async ({ task }) => {
    stack = await startStack({ faults: [{ kind: 'error500', service: 'sns', operation: 'Publish' }] });

    const result = await stack.run();

    const expected: Outcome = { execution: 'FAILED', summary: 'none', createCalls: 1, jobs: 1, messages: 0 };
    const observed = stack.outcome([result]);
    record(task, 'SNS 500 on every Publish', expected, observed, result.error);
    expect(observed).toEqual(expected);
    expect(result.error).toBe('SnsUnavailableError');
    expect(result.cause).toMatch(
      /SNS Publish failed or could not be reached \(InternalErrorException, HTTP 500\)/,
    );
    expect(retriesOf(result, 'PublishSummary')).toBe(8);
    // One attempt per task try: the first and the SNS retrier's 8 retries.
    expect(stack.emulator.state.count('Publish', 500)).toBe(9);
  });
});

describe('summaries larger than SNS accepts', () => {
  it('cuts 100 long Failures to fit 262,144 bytes and says how many were left out', async ({ task }) => {
    // Pinpoint keeps at most 100 Failures but not their length: 100 failed pieces
    // whose messages carry a long (multi-byte) reason come to about 290 KB.
    const longReason = `unable to write: ${'€'.repeat(950)}`;
    stack = await startStack({
      endpoints: 1000,
      pieces: 100,
      faults: [{ kind: 'job-fail', failedPieces: 100, count: 1, message: longReason }],
    });

    const result = await stack.run(defaultInput());

    const expected: Outcome = {
      execution: 'FAILED',
      summary: 'FAILED',
      createCalls: 1,
      jobs: 1,
      messages: 1,
    };
    const observed = stack.outcome([result]);
    const [message] = stack.published();
    const summary = message?.summary;
    record(
      task,
      '100 Failures of ~2.9 KB each (too large for SNS)',
      expected,
      observed,
      `${message?.bytes} bytes, ${summary?.Failures.length} kept, ${summary?.failuresOmitted} omitted`,
    );
    expect(observed).toEqual(expected);
    expect(message?.bytes).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    expect(summary?.TotalFailures).toBe(1000);
    expect(summary?.failuresOmitted).toBeGreaterThan(0);
    expect((summary?.Failures.length ?? 0) + (summary?.failuresOmitted ?? 0)).toBe(100);
    expect(message?.emailText).toContain(
      `(${summary?.failuresOmitted} more failure entries left out to fit SNS's size limit)`,
    );
  });

  it('cuts a huge Pinpoint error message so the ERROR summary still fits SNS', async ({ task }) => {
    stack = await startStack({
      faults: [
        {
          kind: 'end-of-support',
          applicationId: APP,
          message: `Amazon Pinpoint engagement features reached end of support. ${'Details. '.repeat(40_000)}`,
        },
      ],
    });

    const result = await stack.run();

    // Refused on the create itself (the first claim of a run creates without a look-up).
    const expected: Outcome = { execution: 'FAILED', summary: 'ERROR', createCalls: 1, jobs: 0, messages: 1 };
    const observed = stack.outcome([result]);
    const [message] = stack.published();
    record(task, '360 KB Pinpoint error message', expected, observed, `${message?.bytes} bytes`);
    expect(observed).toEqual(expected);
    expect(message?.bytes).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    expect(message?.summary.error?.message.length).toBeLessThanOrEqual(4_000);
    expect(message?.summary.error?.advice).toMatch(/Disable this schedule/);
    expect(message?.subject.length).toBeLessThan(100);
  });
});
