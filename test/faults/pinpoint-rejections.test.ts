import { afterEach, describe, expect, it } from 'vitest';
import { endOfSupportMessage } from '../../dev/emulator/index.ts';
import { APP, defaultInput, type Outcome, retriesOf, type Stack, startStack } from './harness.ts';
import { record } from './matrix.ts';

/*
 * Pinpoint errors that no retry can fix (400, 403, 404, and the answers of an
 * application after Pinpoint's end of support): no retry, no job, one ERROR
 * summary whose message and advice tell an operator what to do.
 */

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const GONE_APP = '0123456789abcdef0123456789abcdef';

function errorOutcome(createCalls: number, jobs = 0): Outcome {
  return { execution: 'FAILED', summary: 'ERROR', createCalls, jobs, messages: 1 };
}

describe('Pinpoint refuses the export', () => {
  it('BadRequest: does not retry and says to check the schedule input', async ({ task }) => {
    stack = await startStack();
    // Valid to our input checks, refused by Pinpoint: a '..' path segment in the prefix.
    const input = defaultInput({
      ExportJobRequest: { S3UrlPrefix: 's3://fault-exports/pinpoint/../other/' },
    });

    const result = await stack.run(input);

    const expected = errorOutcome(1);
    const observed = stack.outcome([result]);
    const error = stack.published()[0]?.summary.error;
    record(task, 'Pinpoint 400 BadRequest on create', expected, observed, error?.name);
    expect(observed).toEqual(expected);
    expect(result.error).toBe('ExportWorkflowError');
    expect(retriesOf(result, 'CreateExportJob')).toBe(0);
    expect(error?.name).toBe('PinpointRequestRejectedError');
    expect(error?.message).toMatch(
      /rejected CreateExportJob \(BadRequestException, HTTP 400\): Invalid S3UrlPrefix/,
    );
    expect(error?.reason).toBe('invalid input: ExportJobRequest.S3UrlPrefix');
    expect(error?.advice).toMatch(/check the schedule input \(RoleArn, S3UrlPrefix/);
    expect(error?.advice).toMatch(/then start the run again with `npm run export`/);
  });

  it('Forbidden: a role Pinpoint cannot assume is reported with what to fix in the role', async ({
    task,
  }) => {
    stack = await startStack();
    const roleArn = 'arn:aws:iam::000000000000:role/pinpoint-export-no-trust';

    const result = await stack.run(defaultInput({ ExportJobRequest: { RoleArn: roleArn } }));

    const expected = errorOutcome(1);
    const observed = stack.outcome([result]);
    const [message] = stack.published();
    record(
      task,
      'Pinpoint 403 Forbidden (role not assumable)',
      expected,
      observed,
      message?.summary.error?.name,
    );
    expect(observed).toEqual(expected);
    expect(retriesOf(result, 'CreateExportJob')).toBe(0);
    expect(message?.summary.error?.message).toContain(`Unable to assume role ${roleArn}`);
    expect(message?.summary.error?.reason).toBe('role cannot be assumed');
    expect(message?.summary.error?.advice).toMatch(
      /trust policy must allow pinpoint\.amazonaws\.com .* write to the S3 prefix/,
    );
    expect(message?.subject).toMatch(/^\[faults\] Pinpoint export ERROR .*role cannot be assumed/);
    expect(message?.attributes).toMatchObject({ status: 'ERROR', applicationId: APP });
  });

  it('NotFound: an application that no longer exists is reported before any job is created', async ({
    task,
  }) => {
    stack = await startStack();

    const result = await stack.run(defaultInput({ ApplicationId: GONE_APP }));

    // The first claim of a run creates without a look-up: Pinpoint refuses the create itself.
    const expected = errorOutcome(1);
    const observed = stack.outcome([result]);
    const summary = stack.published()[0]?.summary;
    record(task, 'Pinpoint 404 NotFound (application gone)', expected, observed, summary?.error?.name);
    expect(observed).toEqual(expected);
    expect(retriesOf(result, 'CreateExportJob')).toBe(0);
    expect(summary?.sourceFields?.applicationId).toBe(GONE_APP);
    expect(summary?.error?.message).toMatch(
      /rejected CreateExportJob \(NotFoundException, HTTP 404\): Application not found/,
    );
    expect(summary?.error?.reason).toBe('application not found');
    expect(summary?.error?.advice).toMatch(/check ApplicationId in the schedule input/);
    expect(summary?.headline).toMatch(/did not run: application not found/);
  });

  it('NotFound: a segment that does not exist is reported with the segment id', async ({ task }) => {
    stack = await startStack();

    const result = await stack.run(defaultInput({ ExportJobRequest: { SegmentId: 'no-such-segment' } }));

    const expected = errorOutcome(1);
    const observed = stack.outcome([result]);
    const summary = stack.published()[0]?.summary;
    record(task, 'Pinpoint 404 NotFound (segment)', expected, observed, summary?.error?.name);
    expect(observed).toEqual(expected);
    expect(summary?.sourceFields?.segmentId).toBe('no-such-segment');
    expect(summary?.error?.message).toMatch(
      /NotFoundException, HTTP 404\): Segment no-such-segment not found/,
    );
    expect(summary?.error?.reason).toBe('segment not found');
  });

  it('NotFound mid-run: the application deleted while its job runs ends in an ERROR summary naming the job', async ({
    task,
  }) => {
    let statusChecks = 0;
    stack = await startStack({
      jobDurationSeconds: 2,
      beforeInvoke: (functionName) => {
        if (functionName.endsWith('get-export-job-status') && ++statusChecks === 2) {
          stack?.emulator.state.applications.delete(APP);
        }
      },
    });

    const result = await stack.run(undefined, { waitMs: 100 });

    const expected = errorOutcome(1, 1);
    const observed = stack.outcome([result]);
    const summary = stack.published()[0]?.summary;
    record(task, 'application deleted while the job runs', expected, observed, summary?.error?.name);
    expect(observed).toEqual(expected);
    expect(summary?.jobId).toBe(stack.emulator.state.jobs[0]?.id);
    expect(summary?.statusChecks).toBe(1);
    expect(summary?.error?.message).toMatch(/rejected GetExportJob \(NotFoundException, HTTP 404\)/);
    // The job exists: the headline says how it was last seen, not that the export did not run.
    expect(summary?.headline).toMatch(
      /^The Pinpoint export \w+ of .* was last seen \w+ when the workflow stopped/,
    );
    expect(summary?.error?.advice).toMatch(/aws pinpoint get-export-job/);
  });
});

describe("after Amazon Pinpoint's end of support", () => {
  it('an application past end of support gets an ERROR summary telling the operator to migrate', async ({
    task,
  }) => {
    stack = await startStack({ endOfSupportApplications: [APP] });

    const result = await stack.run();

    // The first claim of a run creates without a look-up: Pinpoint refuses the create itself.
    const expected = errorOutcome(1);
    const observed = stack.outcome([result]);
    const [message] = stack.published();
    const error = message?.summary.error;
    record(task, 'application past end of support', expected, observed, error?.name);
    expect(observed).toEqual(expected);
    expect(retriesOf(result, 'CreateExportJob')).toBe(0);
    expect(error?.message).toContain(endOfSupportMessage(APP).replace(/\.$/, ''));
    expect(error?.reason).toBe('end of support');
    expect(error?.advice).toMatch(/end of support on 2026-10-30; .* Disable this schedule/);
    expect(error?.advice).toMatch(/AWS End User Messaging or Amazon Connect/);
    expect(message?.emailText).toMatch(/What to do: .*Disable this schedule/);
    expect(message?.subject).toMatch(/end of support/);
    // Said once in each place, never cut mid-word (issue 10 item 14).
    expect(message?.summary.headline).toBe(
      `The Pinpoint export of all endpoints of ${APP} did not run: end of support (PinpointRequestRejectedError).`,
    );
    expect(error?.advice.match(/end of support/g)).toHaveLength(1);
  });

  it('end of support reached while the job runs: ERROR summary with the job and the same advice', async ({
    task,
  }) => {
    let statusChecks = 0;
    stack = await startStack({
      jobDurationSeconds: 2,
      beforeInvoke: (functionName) => {
        if (functionName.endsWith('get-export-job-status') && ++statusChecks === 2) {
          stack?.emulator.faults.add({ kind: 'end-of-support', applicationId: APP });
        }
      },
    });

    const result = await stack.run(undefined, { waitMs: 100 });

    const expected = errorOutcome(1, 1);
    const observed = stack.outcome([result]);
    const summary = stack.published()[0]?.summary;
    record(task, 'end of support reached mid-run', expected, observed, summary?.error?.name);
    expect(observed).toEqual(expected);
    expect(summary?.jobId).toBe(stack.emulator.state.jobs[0]?.id);
    expect(summary?.error?.message).toMatch(
      /rejected GetExportJob \(ForbiddenException, HTTP 403\): Amazon Pinpoint engagement/,
    );
    expect(summary?.error?.reason).toBe('end of support');
    expect(summary?.error?.advice).toMatch(/Disable this schedule/);
  });
});
