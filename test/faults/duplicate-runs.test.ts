import { CreateExportJobCommand, PinpointClient } from '@aws-sdk/client-pinpoint';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultInput, type Outcome, retriesOf, type Stack, startStack } from './harness.ts';
import { record } from './matrix.ts';

/*
 * EventBridge Scheduler delivers at least once: the same scheduled run can
 * start twice, at the same moment or after the first finished. Both executions
 * run on one stack (shared bindings, no reserved concurrency: the run ledger's
 * claim is what makes them converge), and there must be one export job, with
 * each execution reporting it.
 */

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

// The RunInProgressError retrier (index 3) waits a little so a duplicate that found the run
// claimed retries after the first create finished; the others do not wait.
const CREATE_RETRY = { CreateExportJob: [0, 0, 0, 150, 0] };

describe('the same scheduled run started twice', () => {
  it('creates one export job when both executions start at the same moment', async ({ task }) => {
    stack = await startStack({
      // A slow create keeps the first invocation busy, so the second finds the run claimed.
      faults: [{ kind: 'delay', service: 'pinpoint', operation: 'CreateExportJob', delayMs: 300, count: 1 }],
    });
    const input = defaultInput();

    const first = stack.start(input, { retryIntervals: CREATE_RETRY });
    const second = stack.start(input, { retryIntervals: CREATE_RETRY });
    const results = await Promise.all([first.result, second.result]);

    const expected: Outcome = {
      execution: 'SUCCEEDED,SUCCEEDED',
      summary: 'COMPLETED,COMPLETED',
      createCalls: 1,
      jobs: 1,
      messages: 2,
    };
    const observed = stack.outcome(results);
    record(
      task,
      'duplicate run, concurrent',
      expected,
      observed,
      `RunInProgressError retries ${results.map((r) => retriesOf(r, 'CreateExportJob')).reduce((a, b) => a + b)}`,
    );
    expect(observed).toEqual(expected);
    // Nothing is serialized: no Lambda throttling; the duplicate waits on the ledger claim.
    expect(first.stats.CreateExportJob.throttles).toBe(0);
    expect(
      results.map((r) => retriesOf(r, 'CreateExportJob')).reduce((a, b) => a + b),
    ).toBeGreaterThanOrEqual(1);
    const inProgress = results.flatMap((r) =>
      r.events.filter((e) => e.type === 'StateFailed' && JSON.stringify(e).includes('RunInProgressError')),
    );
    expect(inProgress.length).toBeGreaterThanOrEqual(1);
    const summaries = stack.published().map((p) => p.summary);
    const jobId = stack.emulator.state.jobs[0]?.id;
    expect(summaries.map((s) => s.jobId)).toEqual([jobId, jobId]);
    expect(summaries.map((s) => s.jobReused).sort()).toEqual([false, true]);
    expect(new Set(summaries.map((s) => s.execution.name)).size).toBe(2);
  });

  it('reuses the finished job when the run starts again after the first completed', async ({ task }) => {
    stack = await startStack();
    const input = defaultInput();

    const first = await stack.run(input);
    const second = await stack.run(input);

    const expected: Outcome = {
      execution: 'SUCCEEDED,SUCCEEDED',
      summary: 'COMPLETED,COMPLETED',
      createCalls: 1,
      jobs: 1,
      messages: 2,
    };
    const observed = stack.outcome([first, second]);
    record(task, 'duplicate run, after the first completed', expected, observed);
    expect(observed).toEqual(expected);
    const [a, b] = stack.published().map((p) => p.summary);
    expect(a).toMatchObject({ jobReused: false, TotalProcessed: 200 });
    expect(b).toMatchObject({ jobReused: true, jobId: a?.jobId, TotalProcessed: 200 });
  });

  it('exports again when the run is started again after its job FAILED (a failed job is redone, not reused)', async ({
    task,
  }) => {
    stack = await startStack({ faults: [{ kind: 'job-fail', count: 1 }] });
    const input = defaultInput();

    const first = await stack.run(input);
    const second = await stack.run(input);

    const expected: Outcome = {
      execution: 'FAILED,SUCCEEDED',
      summary: 'FAILED,COMPLETED',
      createCalls: 2,
      jobs: 2,
      messages: 2,
    };
    const observed = stack.outcome([first, second]);
    record(task, 'run started again after a FAILED job', expected, observed);
    expect(observed).toEqual(expected);
    const [a, b] = stack.published().map((p) => p.summary);
    expect(b?.jobId).not.toBe(a?.jobId);
    expect(b?.jobReused).toBe(false);
  });

  it('reuses the job for a duplicate delivered after 300 other jobs of the same application', async ({
    task,
  }) => {
    stack = await startStack();
    const input = defaultInput();
    const first = await stack.run(input);
    // 300 other exports of the application since: six pages of GetExportJobs above this run's job.
    const pinpoint = new PinpointClient({
      endpoint: stack.emulator.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    for (let i = 0; i < 300; i++) {
      await pinpoint.send(
        new CreateExportJobCommand({
          ApplicationId: input.ApplicationId as string,
          ExportJobRequest: {
            RoleArn: 'arn:aws:iam::000000000000:role/pinpoint-export-faults',
            S3UrlPrefix: `s3://fault-exports/other/${i}/`,
          },
        }),
      );
    }
    pinpoint.destroy();

    const duplicate = await stack.run(input);

    const expected: Outcome = {
      execution: 'SUCCEEDED,SUCCEEDED',
      summary: 'COMPLETED,COMPLETED',
      createCalls: 301,
      jobs: 301,
      messages: 2,
    };
    const observed = stack.outcome([first, duplicate]);
    record(task, 'duplicate run after 300 other jobs of the application', expected, observed);
    expect(observed).toEqual(expected);
    const [a, b] = stack.published().map((p) => p.summary);
    expect(b).toMatchObject({ jobReused: true, jobId: a?.jobId });
  });
});
