import { Logger } from '@aws-lambda-powertools/logger';
import {
  BadRequestException,
  CreateExportJobCommand,
  type ExportJobResponse,
  ForbiddenException,
  GetExportJobsCommand,
  InternalServerErrorException,
  NotFoundException,
  PinpointClient,
  TooManyRequestsException,
} from '@aws-sdk/client-pinpoint';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type CreateExportJobDeps,
  createExportJob,
  LOOKUP_MAX_PAGES,
} from '../../functions/create-export-job/create-export-job.ts';
import type { CreateExportJobConfig } from '../../functions/shared/config.ts';
import {
  InvalidExportInputError,
  PinpointRequestRejectedError,
  PinpointThrottledError,
  PinpointUnavailableError,
} from '../../functions/shared/errors.ts';
import type { CreateExportJobEvent } from '../../functions/shared/types.ts';

const APPLICATION_ID = '7f3c9a1b2c3d4e5f60718293a4b5c6d7';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/pinpoint-export';
const RESOLVED_PREFIX = `s3://exports-bucket/pinpoint/${APPLICATION_ID}/2026-11-28/`;
const SCHEDULED_TIME = '2026-11-28T02:00:00Z';
const START_TIME = '2026-11-28T02:00:07.412Z';
const NOW = new Date('2026-11-28T02:00:09.000Z');
const EXECUTION = {
  Id: 'arn:aws:states:us-east-1:123456789012:execution:pinpoint-export-dev:0c5e1a52-6f7e-4f5c-9a38-1d2b3c4d5e6f',
  Name: '0c5e1a52-6f7e-4f5c-9a38-1d2b3c4d5e6f',
  StartTime: START_TIME,
};

const config: CreateExportJobConfig = {
  stage: 'dev',
  defaultRoleArn: ROLE_ARN,
  defaultS3UrlPrefix: 's3://exports-bucket/pinpoint/{ApplicationId}/{date}/',
  poll: { minWaitSeconds: 5, maxWaitSeconds: 300, runDeadlineSeconds: 12 * 3600 },
};

const pinpointMock = mockClient(PinpointClient);
let deps: CreateExportJobDeps;

beforeEach(() => {
  pinpointMock.reset();
  deps = {
    pinpoint: new PinpointClient({}),
    pinpointCreate: new PinpointClient({ maxAttempts: 1 }),
    config,
    logger: new Logger({ serviceName: 'create-export-job', logLevel: 'SILENT' }),
    now: () => NOW,
  };
});

function scheduledEvent(request: Record<string, unknown> = {}): CreateExportJobEvent {
  return {
    Input: {
      ApplicationId: APPLICATION_ID,
      ExportJobRequest: { SegmentId: 'vip-customers', ...request },
      ScheduledTime: SCHEDULED_TIME,
    },
    Execution: EXECUTION,
  };
}

/** A job as Pinpoint lists it, for the run `scheduledEvent()` describes unless overridden. */
function existingJob(overrides: Partial<ExportJobResponse> = {}, definition: object = {}): ExportJobResponse {
  return {
    ApplicationId: APPLICATION_ID,
    Id: 'e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6',
    JobStatus: 'PROCESSING',
    CreationDate: '2026-11-28T02:00:03.118Z',
    Definition: {
      RoleArn: ROLE_ARN,
      S3UrlPrefix: RESOLVED_PREFIX,
      SegmentId: 'vip-customers',
      ...definition,
    },
    TotalPieces: 8,
    CompletedPieces: 2,
    FailedPieces: 0,
    TotalProcessed: 2_000,
    TotalFailures: 0,
    Type: 'EXPORT',
    ...overrides,
  };
}

/** An unrelated job (another prefix) created at `creationDate`. */
function otherJob(creationDate: string, id: string): ExportJobResponse {
  return existingJob(
    { Id: id, CreationDate: creationDate, JobStatus: 'COMPLETED' },
    { S3UrlPrefix: 's3://exports-bucket/adhoc/' },
  );
}

const CREATED_JOB: ExportJobResponse = {
  ApplicationId: APPLICATION_ID,
  Id: '9a8b7c6d5e4f30211f2e3d4c5b6a7980',
  JobStatus: 'CREATED',
  CreationDate: '2026-11-28T02:00:08.734Z',
  Definition: { RoleArn: ROLE_ARN, S3UrlPrefix: RESOLVED_PREFIX, SegmentId: 'vip-customers' },
  Type: 'EXPORT',
};

function givenNoExistingJobs(): void {
  pinpointMock.on(GetExportJobsCommand).resolves({ ExportJobsResponse: { Item: [] } });
  pinpointMock.on(CreateExportJobCommand).resolves({ ExportJobResponse: CREATED_JOB });
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

describe('createExportJob when no job exists for this run', () => {
  it('creates a job with the resolved request and returns the run state the poll loop starts from', async () => {
    givenNoExistingJobs();

    const state = await createExportJob(scheduledEvent(), deps);

    expect(pinpointMock.commandCalls(CreateExportJobCommand)).toHaveLength(1);
    expect(pinpointMock.commandCalls(CreateExportJobCommand)[0]?.args[0].input).toEqual({
      ApplicationId: APPLICATION_ID,
      ExportJobRequest: { RoleArn: ROLE_ARN, S3UrlPrefix: RESOLVED_PREFIX, SegmentId: 'vip-customers' },
    });
    // poll is owned by poll-schedule.ts: assert the fields this function is responsible for.
    expect(state).toMatchObject({
      execution: { ...EXECUTION, Trigger: 'schedule' },
      request: {
        ApplicationId: APPLICATION_ID,
        ExportJobRequest: { RoleArn: ROLE_ARN, S3UrlPrefix: RESOLVED_PREFIX, SegmentId: 'vip-customers' },
        ScheduledTime: '2026-11-28T02:00:00.000Z',
      },
      job: {
        Id: CREATED_JOB.Id!,
        JobStatus: 'CREATED',
        CreationDate: CREATED_JOB.CreationDate!,
        Reused: false,
      },
      poll: {
        checks: 0,
        deadline: '2026-11-28T14:00:07.412Z',
        deadlinePassed: false,
        lastPiecesDone: 0,
        lastStatus: 'CREATED',
      },
    });
    expect(state.poll.waitSeconds).toBeGreaterThanOrEqual(1);
  });

  it('waits at least one second and sets the deadline runDeadlineSeconds after the start', async () => {
    givenNoExistingJobs();
    deps.config = { ...config, poll: { minWaitSeconds: 1, maxWaitSeconds: 60, runDeadlineSeconds: 900 } };

    const state = await createExportJob(scheduledEvent(), deps);

    expect(state.poll.checks).toBe(0);
    expect(state.poll.waitSeconds).toBeGreaterThanOrEqual(1);
    expect(Date.parse(state.poll.deadline) - Date.parse(START_TIME)).toBe(900_000);
  });

  it('looks up this application’s jobs with the lookup client and creates with the no-retry client', async () => {
    givenNoExistingJobs();

    await createExportJob(scheduledEvent(), deps);

    const lookups = pinpointMock.commandCalls(GetExportJobsCommand);
    const creates = pinpointMock.commandCalls(CreateExportJobCommand);
    expect(lookups[0]?.args[0].input).toEqual({ ApplicationId: APPLICATION_ID, PageSize: '50' });
    expect(lookups[0]?.thisValue).toBe(deps.pinpoint);
    expect(creates[0]?.thisValue).toBe(deps.pinpointCreate);
  });

  it('marks an execution started by the CLI as manual', async () => {
    givenNoExistingJobs();
    const event = { ...scheduledEvent(), Execution: { ...EXECUTION, Name: 'manual-20261128-0915-ab12' } };

    const state = await createExportJob(event, deps);

    expect(state.execution.Trigger).toBe('manual');
  });

  it('fails as unavailable when CreateExportJob answers without a job id', async () => {
    pinpointMock.on(GetExportJobsCommand).resolves({ ExportJobsResponse: { Item: [] } });
    pinpointMock
      .on(CreateExportJobCommand)
      .resolves({ ExportJobResponse: { ...CREATED_JOB, Id: undefined } });

    const error = await rejectionOf(createExportJob(scheduledEvent(), deps));

    expect(error).toBeInstanceOf(PinpointUnavailableError);
    expect(error.message).toContain('without a job id');
  });
});

describe('createExportJob when a job for this run already exists', () => {
  it('reuses a running job with the same definition created after the scheduled time', async () => {
    pinpointMock.on(GetExportJobsCommand).resolves({ ExportJobsResponse: { Item: [existingJob()] } });

    const state = await createExportJob(scheduledEvent(), deps);

    expect(pinpointMock.commandCalls(CreateExportJobCommand)).toHaveLength(0);
    expect(state.job).toEqual({
      Id: 'e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6',
      JobStatus: 'PROCESSING',
      CreationDate: '2026-11-28T02:00:03.118Z',
      TotalPieces: 8,
      CompletedPieces: 2,
      FailedPieces: 0,
      TotalProcessed: 2_000,
      TotalFailures: 0,
      Reused: true,
    });
    expect(state.poll.lastPiecesDone).toBe(2);
  });

  it('reuses a job created within a minute before the scheduled time (clock skew)', async () => {
    pinpointMock.on(GetExportJobsCommand).resolves({
      ExportJobsResponse: { Item: [existingJob({ CreationDate: '2026-11-28T01:59:30.000Z' })] },
    });

    const state = await createExportJob(scheduledEvent(), deps);

    expect(state.job.Reused).toBe(true);
    expect(pinpointMock.commandCalls(CreateExportJobCommand)).toHaveLength(0);
  });

  it('reuses a job without a requested version even though Pinpoint echoes the latest version number', async () => {
    pinpointMock
      .on(GetExportJobsCommand)
      .resolves({ ExportJobsResponse: { Item: [existingJob({}, { SegmentVersion: 7 })] } });

    const state = await createExportJob(scheduledEvent(), deps);

    expect(state.job.Reused).toBe(true);
  });

  it('reuses a COMPLETED job and asks to check it again soon', async () => {
    pinpointMock.on(GetExportJobsCommand).resolves({
      ExportJobsResponse: {
        Item: [
          existingJob({ JobStatus: 'COMPLETED', CompletedPieces: 8, CompletionDate: '2026-11-28T02:03:00Z' }),
        ],
      },
    });

    const state = await createExportJob(scheduledEvent(), deps);

    expect(state.job).toMatchObject({ JobStatus: 'COMPLETED', Reused: true });
    expect(state.poll.waitSeconds).toBeGreaterThanOrEqual(1);
    expect(state.poll.waitSeconds).toBeLessThanOrEqual(config.poll.minWaitSeconds);
  });

  it.each<{ what: string; job: ExportJobResponse; request?: Record<string, unknown> }>([
    { what: 'a FAILED job', job: existingJob({ JobStatus: 'FAILED' }) },
    { what: 'a FAILING job', job: existingJob({ JobStatus: 'FAILING' }) },
    {
      what: 'a job with another prefix',
      job: existingJob({}, { S3UrlPrefix: 's3://exports-bucket/adhoc/' }),
    },
    {
      what: 'a job with another role',
      job: existingJob({}, { RoleArn: 'arn:aws:iam::123456789012:role/other-export' }),
    },
    { what: 'a job of another segment', job: existingJob({}, { SegmentId: 'churned-customers' }) },
    {
      what: 'a job of all endpoints when a segment is asked for',
      job: existingJob({}, { SegmentId: undefined }),
    },
    {
      what: 'a job of another segment version',
      job: existingJob({}, { SegmentVersion: 2 }),
      request: { SegmentVersion: 3 },
    },
    {
      what: 'a job created before the scheduled time (yesterday’s run)',
      job: existingJob({ CreationDate: '2026-11-27T02:00:04.000Z', JobStatus: 'COMPLETED' }),
    },
    {
      what: 'a job created just over a minute before the scheduled time',
      job: existingJob({ CreationDate: '2026-11-28T01:58:59.000Z' }),
    },
    { what: 'a job without a definition', job: existingJob({ Definition: undefined }) },
  ])('does not reuse $what but creates a new one', async ({ job, request }) => {
    pinpointMock.on(GetExportJobsCommand).resolves({ ExportJobsResponse: { Item: [job] } });
    pinpointMock.on(CreateExportJobCommand).resolves({ ExportJobResponse: CREATED_JOB });

    const state = await createExportJob(scheduledEvent(request), deps);

    expect(pinpointMock.commandCalls(CreateExportJobCommand)).toHaveLength(1);
    expect(state.job).toMatchObject({ Id: CREATED_JOB.Id, Reused: false });
  });
});

describe('createExportJob paging through GetExportJobs', () => {
  it('follows NextToken to find the job of this run on a later page', async () => {
    const newer = Array.from({ length: 50 }, (_, i) =>
      otherJob(`2026-11-28T02:0${Math.floor(i / 10)}:${String(10 + i).slice(-2)}.000Z`, `newer${i}`),
    );
    pinpointMock
      .on(GetExportJobsCommand)
      .resolvesOnce({ ExportJobsResponse: { Item: newer, NextToken: 'page-2-token' } })
      .resolvesOnce({ ExportJobsResponse: { Item: [existingJob()] } });

    const state = await createExportJob(scheduledEvent(), deps);

    const lookups = pinpointMock.commandCalls(GetExportJobsCommand);
    expect(lookups).toHaveLength(2);
    expect(lookups[1]?.args[0].input).toEqual({
      ApplicationId: APPLICATION_ID,
      PageSize: '50',
      Token: 'page-2-token',
    });
    expect(state.job).toMatchObject({ Id: 'e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6', Reused: true });
    expect(pinpointMock.commandCalls(CreateExportJobCommand)).toHaveLength(0);
  });

  it('stops paging once a page reaches jobs older than the scheduled time', async () => {
    pinpointMock.on(GetExportJobsCommand).resolves({
      ExportJobsResponse: {
        Item: [
          otherJob('2026-11-28T02:00:05.000Z', 'recent'),
          otherJob('2026-11-27T02:00:05.000Z', 'yesterday'),
        ],
        NextToken: 'page-2-token',
      },
    });
    pinpointMock.on(CreateExportJobCommand).resolves({ ExportJobResponse: CREATED_JOB });

    const state = await createExportJob(scheduledEvent(), deps);

    expect(pinpointMock.commandCalls(GetExportJobsCommand)).toHaveLength(1);
    expect(state.job.Reused).toBe(false);
  });

  it(`reads at most ${LOOKUP_MAX_PAGES} pages before creating a job`, async () => {
    pinpointMock.on(GetExportJobsCommand).callsFake(async (input: { Token?: string }) => ({
      ExportJobsResponse: {
        Item: [otherJob('2026-11-28T02:00:05.000Z', `job-after-${input.Token ?? 'start'}`)],
        NextToken: `${input.Token ?? ''}+`,
      },
    }));
    pinpointMock.on(CreateExportJobCommand).resolves({ ExportJobResponse: CREATED_JOB });

    const state = await createExportJob(scheduledEvent(), deps);

    expect(LOOKUP_MAX_PAGES).toBe(5);
    expect(pinpointMock.commandCalls(GetExportJobsCommand)).toHaveLength(LOOKUP_MAX_PAGES);
    expect(pinpointMock.commandCalls(CreateExportJobCommand)).toHaveLength(1);
    expect(state.job.Reused).toBe(false);
  });
});

describe('createExportJob error mapping', () => {
  const metadata = (httpStatusCode: number) => ({
    httpStatusCode,
    requestId: 'b3f1c2d4-0000-4e5f-8a9b-0c1d2e3f4a5b',
  });

  it('maps a 429 on the lookup to PinpointThrottledError, keeping the SDK error as cause', async () => {
    const throttled = new TooManyRequestsException({
      message: 'Too many requests',
      $metadata: metadata(429),
    });
    pinpointMock.on(GetExportJobsCommand).rejects(throttled);

    const error = await rejectionOf(createExportJob(scheduledEvent(), deps));

    expect(error).toBeInstanceOf(PinpointThrottledError);
    expect(error.name).toBe('PinpointThrottledError');
    expect(error.message).toContain('GetExportJobs');
    expect(error.cause).toBe(throttled);
    expect(pinpointMock.commandCalls(CreateExportJobCommand)).toHaveLength(0);
  });

  it('maps a 429 on the create to PinpointThrottledError', async () => {
    pinpointMock.on(GetExportJobsCommand).resolves({ ExportJobsResponse: { Item: [] } });
    pinpointMock
      .on(CreateExportJobCommand)
      .rejects(new TooManyRequestsException({ message: 'Too many requests', $metadata: metadata(429) }));

    const error = await rejectionOf(createExportJob(scheduledEvent(), deps));

    expect(error.name).toBe('PinpointThrottledError');
    expect(error.message).toContain('CreateExportJob');
  });

  it('maps a 500 to PinpointUnavailableError', async () => {
    pinpointMock.on(GetExportJobsCommand).resolves({ ExportJobsResponse: { Item: [] } });
    pinpointMock
      .on(CreateExportJobCommand)
      .rejects(
        new InternalServerErrorException({ message: 'Internal server error', $metadata: metadata(500) }),
      );

    const error = await rejectionOf(createExportJob(scheduledEvent(), deps));

    expect(error).toBeInstanceOf(PinpointUnavailableError);
    expect(error.message).toContain('InternalServerErrorException');
  });

  it('maps a network timeout without any HTTP status to PinpointUnavailableError', async () => {
    const timeout = Object.assign(new Error('Connection timed out after 5000 ms'), { name: 'TimeoutError' });
    pinpointMock.on(GetExportJobsCommand).rejects(timeout);

    const error = await rejectionOf(createExportJob(scheduledEvent(), deps));

    expect(error.name).toBe('PinpointUnavailableError');
    expect(error.message).toContain('(TimeoutError): Connection timed out after 5000 ms');
    expect(error.cause).toBe(timeout);
  });

  it('creates the job on the retry after a 500 when Pinpoint had not created it', async () => {
    pinpointMock.on(GetExportJobsCommand).resolves({ ExportJobsResponse: { Item: [] } });
    pinpointMock
      .on(CreateExportJobCommand)
      .rejectsOnce(
        new InternalServerErrorException({ message: 'Internal server error', $metadata: metadata(500) }),
      )
      .resolves({ ExportJobResponse: CREATED_JOB });

    await rejectionOf(createExportJob(scheduledEvent(), deps));
    const retried = await createExportJob(scheduledEvent(), deps);

    expect(retried.job).toMatchObject({ Id: CREATED_JOB.Id, Reused: false });
  });

  it('reuses the job on the retry after a 500 when Pinpoint did create it', async () => {
    pinpointMock
      .on(GetExportJobsCommand)
      .resolvesOnce({ ExportJobsResponse: { Item: [] } })
      .resolves({ ExportJobsResponse: { Item: [existingJob({ ...CREATED_JOB })] } });
    pinpointMock
      .on(CreateExportJobCommand)
      .rejects(
        new InternalServerErrorException({ message: 'Internal server error', $metadata: metadata(500) }),
      );

    await rejectionOf(createExportJob(scheduledEvent(), deps));
    const retried = await createExportJob(scheduledEvent(), deps);

    expect(pinpointMock.commandCalls(CreateExportJobCommand)).toHaveLength(1);
    expect(retried.job).toMatchObject({ Id: CREATED_JOB.Id, Reused: true });
  });

  it.each([
    {
      status: 400,
      error: () => new BadRequestException({ message: 'Invalid S3 URL', $metadata: metadata(400) }),
      pinpointError: 'BadRequestException',
      reason: 'invalid request',
      advice: 'check the schedule input (RoleArn, S3UrlPrefix, SegmentId, SegmentVersion)',
    },
    {
      status: 403,
      error: () =>
        new ForbiddenException({
          message: 'Unable to assume role pinpoint-export',
          $metadata: metadata(403),
        }),
      pinpointError: 'ForbiddenException',
      reason: 'role cannot be assumed',
      advice: 'its trust policy must allow pinpoint.amazonaws.com',
    },
    {
      status: 404,
      error: () => new NotFoundException({ message: 'Segment not found', $metadata: metadata(404) }),
      pinpointError: 'NotFoundException',
      reason: 'segment not found',
      advice: 'fix ExportJobRequest.SegmentId/SegmentVersion in the schedule input',
    },
  ])(
    'maps a $status to PinpointRequestRejectedError with a reason and advice',
    async ({ status, error, pinpointError, reason, advice }) => {
      pinpointMock.on(GetExportJobsCommand).resolves({ ExportJobsResponse: { Item: [] } });
      const sdkError = error();
      pinpointMock.on(CreateExportJobCommand).rejects(sdkError);

      const rejected = await rejectionOf(createExportJob(scheduledEvent(), deps));

      expect(rejected).toBeInstanceOf(PinpointRequestRejectedError);
      expect(rejected.name).toBe('PinpointRequestRejectedError');
      const explained = rejected as PinpointRequestRejectedError;
      expect(explained.detail).toBe(
        `Pinpoint rejected CreateExportJob (${pinpointError}, HTTP ${status}): ${sdkError.message}`,
      );
      expect(explained.reason).toBe(reason);
      expect(explained.advice).toContain(advice);
      expect(rejected.cause).toBe(sdkError);
    },
  );

  it('tells the operator about the end of support when Pinpoint refuses for that reason', async () => {
    pinpointMock.on(GetExportJobsCommand).rejects(
      new ForbiddenException({
        message:
          'Amazon Pinpoint engagement features (endpoints, segments, campaigns, journeys and export jobs) reached end of support on October 30, 2026 and are no longer available for application x.',
        $metadata: metadata(403),
      }),
    );

    const error = (await rejectionOf(
      createExportJob(scheduledEvent(), deps),
    )) as PinpointRequestRejectedError;

    expect(error.name).toBe('PinpointRequestRejectedError');
    expect(error.reason).toBe('end of support');
    expect(error.advice).toContain('reached end of support on 2026-10-30');
    expect(error.advice).toContain('Disable this schedule');
  });

  it.for([
    'Amazon Pinpoint endpoint and segment APIs are no longer available for this account.',
    'The ExportJobRequest field SegmentVersion is deprecated',
  ])('does not mistake "%s" for the end of support', async (message) => {
    pinpointMock
      .on(GetExportJobsCommand)
      .rejects(new ForbiddenException({ message, $metadata: metadata(403) }));

    const error = (await rejectionOf(
      createExportJob(scheduledEvent(), deps),
    )) as PinpointRequestRejectedError;

    expect(error.reason).not.toBe('end of support');
    expect(error.advice).not.toContain('end of support');
  });

  it("does not reuse a segment's job for a request without a segment, even with the same prefix and role", async () => {
    const prefix = 's3://exports-bucket/fixed-prefix/';
    pinpointMock.on(GetExportJobsCommand).resolves({
      ExportJobsResponse: { Item: [existingJob({}, { S3UrlPrefix: prefix, SegmentId: 'vip-customers' })] },
    });
    pinpointMock.on(CreateExportJobCommand).resolves({ ExportJobResponse: CREATED_JOB });

    const state = await createExportJob(scheduledEvent({ SegmentId: undefined, S3UrlPrefix: prefix }), deps);

    expect(state.request.ExportJobRequest).toEqual({ RoleArn: ROLE_ARN, S3UrlPrefix: prefix });
    expect(pinpointMock.commandCalls(CreateExportJobCommand)).toHaveLength(1);
    expect(state.job).toMatchObject({ Id: CREATED_JOB.Id, Reused: false });
  });
});

describe('createExportJob with invalid input', () => {
  it('rejects the input with InvalidExportInputError before calling Pinpoint at all', async () => {
    givenNoExistingJobs();
    const event = scheduledEvent({ RoleArn: 'arn:aws:iam::123456789012:user/exporter' });

    const error = await rejectionOf(createExportJob(event, deps));

    expect(error).toBeInstanceOf(InvalidExportInputError);
    expect((error as InvalidExportInputError).field).toBe('ExportJobRequest.RoleArn');
    expect(pinpointMock.calls()).toHaveLength(0);
  });

  it('rejects an empty input before calling Pinpoint at all', async () => {
    givenNoExistingJobs();

    const error = await rejectionOf(createExportJob({ Input: {}, Execution: EXECUTION }, deps));

    expect(error.name).toBe('InvalidExportInputError');
    expect((error as InvalidExportInputError).field).toBe('ApplicationId');
    expect(pinpointMock.calls()).toHaveLength(0);
  });
});
