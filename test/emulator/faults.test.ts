import { CreateExportJobCommand, GetExportJobCommand, GetExportJobsCommand } from '@aws-sdk/client-pinpoint';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_APPLICATION_ID, DEFAULT_TOPIC_ARN } from '../../dev/emulator/index.ts';
import { type Harness, ROLE_ARN, rejectionOf, startHarness } from './helpers.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const OTHER_APP = 'b'.repeat(32);
const createJob = (harness: Harness, applicationId = DEFAULT_APPLICATION_ID) =>
  harness.pinpoint.send(
    new CreateExportJobCommand({
      ApplicationId: applicationId,
      ExportJobRequest: { RoleArn: ROLE_ARN, S3UrlPrefix: 's3://exports-bucket/faults/' },
    }),
  );
const getJob = async (harness: Harness, jobId: string) =>
  (
    await harness.pinpoint.send(
      new GetExportJobCommand({ ApplicationId: DEFAULT_APPLICATION_ID, JobId: jobId }),
    )
  ).ExportJobResponse!;

describe('response faults', () => {
  it('throttles Pinpoint with 429 TooManyRequestsException for `count` calls, then answers normally', async () => {
    h = await startHarness();
    h.emu.faults.add({ kind: 'throttle', service: 'pinpoint', operation: 'CreateExportJob', count: 2 });

    const first = await rejectionOf(createJob(h));
    const second = await rejectionOf(createJob(h));
    const third = await createJob(h);

    expect([first.name, first.$metadata?.httpStatusCode]).toEqual(['TooManyRequestsException', 429]);
    expect(second.name).toBe('TooManyRequestsException');
    expect(third.ExportJobResponse!.JobStatus).toBe('CREATED');
    expect(h.emu.state.count('CreateExportJob')).toBe(3);
    expect(h.emu.state.count('CreateExportJob', 429)).toBe(2);
    expect(h.emu.state.jobs).toHaveLength(1);
  });

  it('lets the SDK retry a throttled call to success with its default retry policy', async () => {
    h = await startHarness({}, {});
    h.emu.faults.add({ kind: 'throttle', operation: 'GetExportJobs', count: 1 });

    const out = await h.pinpoint.send(new GetExportJobsCommand({ ApplicationId: DEFAULT_APPLICATION_ID }));

    expect(out.$metadata.attempts).toBe(2);
    expect(h.emu.state.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('answers 500 InternalServerErrorException forever when no count is given', async () => {
    h = await startHarness();
    h.emu.faults.add({ kind: 'error500', service: 'pinpoint' });
    for (let i = 0; i < 3; i++) {
      const error = await rejectionOf(createJob(h));
      expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['InternalServerErrorException', 500]);
    }
    expect(h.emu.faults.list()).toEqual([
      expect.objectContaining({ kind: 'error500', remaining: null, hits: 3 }),
    ]);
  });

  it('throttles and fails SNS Publish with awsQuery error codes', async () => {
    h = await startHarness();
    h.emu.faults.add({ kind: 'throttle', service: 'sns', operation: 'Publish', count: 1 });
    h.emu.faults.add({ kind: 'error500', service: 'sns', operation: 'Publish', count: 1 });
    const publish = () => h!.sns.send(new PublishCommand({ TopicArn: DEFAULT_TOPIC_ARN, Message: 'hi' }));

    const throttled = await rejectionOf(publish());
    const failed = await rejectionOf(publish());
    await publish();

    expect([throttled.name, throttled.$metadata?.httpStatusCode]).toEqual(['ThrottledException', 429]);
    expect([failed.name, failed.$metadata?.httpStatusCode]).toEqual(['InternalErrorException', 500]);
    expect(h.emu.state.published).toHaveLength(1);
  });

  it('creates the job and then answers 500 on create-then-500', async () => {
    h = await startHarness();
    h.emu.faults.add({ kind: 'create-then-500', count: 1 });

    const error = await rejectionOf(createJob(h));

    expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['InternalServerErrorException', 500]);
    expect(h.emu.state.jobs).toHaveLength(1);
    const listed = await h.pinpoint.send(new GetExportJobsCommand({ ApplicationId: DEFAULT_APPLICATION_ID }));
    expect(listed.ExportJobsResponse!.Item!.map((j) => j.Id)).toEqual([h.emu.state.jobs[0]!.id]);
    expect(h.emu.state.requests[0]).toMatchObject({
      operation: 'CreateExportJob',
      status: 500,
      fault: 'create-then-500',
    });
  });

  it('resets the connection without an answer', async () => {
    h = await startHarness();
    h.emu.faults.add({ kind: 'reset', operation: 'GetExportJobs', count: 1 });

    const error = await rejectionOf(
      h.pinpoint.send(new GetExportJobsCommand({ ApplicationId: DEFAULT_APPLICATION_ID })),
    );

    expect(error.$metadata?.httpStatusCode).toBeUndefined();
    expect(`${error.name} ${error.message} ${(error as { code?: string }).code}`).toMatch(
      /ECONNRESET|socket hang up/,
    );
    expect(h.emu.state.requests[0]).toMatchObject({ status: 0, fault: 'reset' });
  });

  it('delays the answer by delayMs', async () => {
    h = await startHarness();
    h.emu.faults.add({ kind: 'delay', delayMs: 300, operation: 'GetExportJobs', count: 1 });

    const started = performance.now();
    await h.pinpoint.send(new GetExportJobsCommand({ ApplicationId: DEFAULT_APPLICATION_ID }));
    const elapsed = performance.now() - started;

    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(h.emu.faults.list()).toEqual([]);
  });

  it('only matches the named application', async () => {
    h = await startHarness({ applications: [DEFAULT_APPLICATION_ID, OTHER_APP] });
    h.emu.faults.add({ kind: 'throttle', applicationId: OTHER_APP });

    await createJob(h);
    const error = await rejectionOf(createJob(h, OTHER_APP));

    expect(error.name).toBe('TooManyRequestsException');
  });
});

describe('job outcome faults', () => {
  it('makes the next job fail: FAILING then FAILED with failed pieces and Failures', async () => {
    h = await startHarness({ job: { durationSeconds: 10, pieces: 4 } });
    h.emu.faults.add({ kind: 'job-fail', failedPieces: 2, count: 1 });

    const failing = (await createJob(h)).ExportJobResponse!.Id!;
    const healthy = (await createJob(h)).ExportJobResponse!.Id!;
    h.clock.advance(9_500);
    const midway = await getJob(h, failing);
    h.clock.advance(1_000);
    const failed = await getJob(h, failing);

    expect(midway.JobStatus).toBe('FAILING');
    expect(failed).toMatchObject({
      JobStatus: 'FAILED',
      CompletedPieces: 2,
      FailedPieces: 2,
      TotalProcessed: 1000,
    });
    expect(failed.TotalFailures).toBe(500);
    expect(failed.Failures).toEqual([
      expect.stringMatching(/^Piece 3 of 4 failed/),
      expect.stringMatching(/^Piece 4 of 4/),
    ]);
    expect((await getJob(h, healthy)).JobStatus).toBe('COMPLETED');
  });

  it('keeps a stuck job in PROCESSING forever', async () => {
    h = await startHarness({ job: { durationSeconds: 10, pieces: 4 } });
    h.emu.faults.add({ kind: 'job-stuck', count: 1 });

    const id = (await createJob(h)).ExportJobResponse!.Id!;
    h.clock.advance(24 * 3600_000);
    const job = await getJob(h, id);

    expect(job).toMatchObject({ JobStatus: 'PROCESSING', CompletedPieces: 2, TotalPieces: 4 });
    expect(job.CompletionDate).toBeUndefined();
  });

  it('holds a job in PENDING_JOB for pendingSeconds', async () => {
    h = await startHarness({ job: { durationSeconds: 10 } });
    h.emu.faults.add({ kind: 'job-pending', pendingSeconds: 600, count: 1 });

    const id = (await createJob(h)).ExportJobResponse!.Id!;
    h.clock.advance(3_000);
    const early = await getJob(h, id);
    h.clock.advance(600_000);
    const later = await getJob(h, id);
    h.clock.advance(10_000);
    const done = await getJob(h, id);

    expect(early.JobStatus).toBe('PENDING_JOB');
    expect(later.JobStatus).toBe('PROCESSING');
    expect(done.JobStatus).toBe('COMPLETED');
  });

  it('turns an application end-of-support on demand, leaving others alone', async () => {
    h = await startHarness({ applications: [DEFAULT_APPLICATION_ID, OTHER_APP] });
    h.emu.faults.add({ kind: 'end-of-support', applicationId: OTHER_APP });

    await createJob(h);
    const error = await rejectionOf(createJob(h, OTHER_APP));

    expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['ForbiddenException', 403]);
    expect(error.message).toContain('end of support');
  });
});

describe('control API over HTTP', () => {
  it('adds, lists and clears faults and serves the state as JSON', async () => {
    h = await startHarness();
    const added = await fetch(`${h.emu.url}/_emulator/faults`, {
      method: 'POST',
      body: JSON.stringify([
        { kind: 'throttle', service: 'pinpoint', operation: 'CreateExportJob', count: 1 },
        { kind: 'job-fail' },
      ]),
    });
    const listed = await (await fetch(`${h.emu.url}/_emulator/faults`)).json();
    const throttled = await rejectionOf(createJob(h));
    await createJob(h);
    const state = (await (await fetch(`${h.emu.url}/_emulator/state`)).json()) as {
      jobs: unknown[];
      requests: { operation: string }[];
      faults: unknown[];
    };
    const cleared = await fetch(`${h.emu.url}/_emulator/faults`, { method: 'DELETE' });
    const afterClear = await (await fetch(`${h.emu.url}/_emulator/faults`)).json();
    const bad = await fetch(`${h.emu.url}/_emulator/faults`, { method: 'POST', body: '{"kind":"explode"}' });

    expect(added.status).toBe(201);
    expect(await added.json()).toEqual({ ids: ['fault-1', 'fault-2'] });
    expect(listed).toHaveLength(2);
    expect(throttled.name).toBe('TooManyRequestsException');
    expect(state.jobs).toEqual([expect.objectContaining({ JobStatus: 'CREATED', TotalPieces: 4 })]);
    expect(state.requests.filter((r) => r.operation === 'CreateExportJob')).toHaveLength(2);
    expect(state.faults).toEqual([expect.objectContaining({ kind: 'job-fail', remaining: null, hits: 1 })]);
    expect(cleared.status).toBe(200);
    expect(afterClear).toEqual([]);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: expect.stringContaining('kind must be one of') });
  });
});
