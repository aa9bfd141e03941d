import { Logger } from '@aws-lambda-powertools/logger';
import {
  DescribeContinuousBackupsCommand,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import {
  BadRequestException,
  CreateExportJobCommand,
  type ExportJobResponse,
  ForbiddenException,
  GetExportJobCommand,
  GetExportJobsCommand,
  InternalServerErrorException,
  NotFoundException,
  PinpointClient,
  TooManyRequestsException,
} from '@aws-sdk/client-pinpoint';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  InvalidExportInputError,
  PinpointRequestRejectedError,
  PinpointThrottledError,
  PinpointUnavailableError,
  RunInProgressError,
} from '../../core/errors.ts';
import type { CreateExportJobEvent } from '../../core/types.ts';
import {
  type CreateExportJobDeps,
  createExportJob,
  runIdentityOf,
} from '../../functions/create-export-job/create-export-job.ts';
import type { CreateExportJobConfig } from '../../functions/shared/config.ts';
import { resolveExecutionInput } from '../../sources/input.ts';
import type { PinpointRequest } from '../../sources/pinpoint/types.ts';
import { type LocalLedgerServer, startLocalLedgerServer } from '../ledger/local-ledger.ts';

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
  inputDefaults: {
    RoleArn: ROLE_ARN,
    S3UrlPrefix: 's3://exports-bucket/pinpoint/{ApplicationId}/{date}/',
  },
  poll: { minWaitSeconds: 5, maxWaitSeconds: 300, runDeadlineSeconds: 12 * 3600 },
  ledger: { tableName: 'runs', claimSeconds: 90, retentionDays: 400 },
};

const pinpointMock = mockClient(PinpointClient);
let deps: CreateExportJobDeps;
// The run ledger is a real DynamoDB (dynalite over HTTP), a fresh table per test.
let ledgerServer: LocalLedgerServer;

beforeAll(async () => {
  ledgerServer = await startLocalLedgerServer();
});

afterAll(async () => {
  await ledgerServer.close();
});

beforeEach(async () => {
  pinpointMock.reset();
  deps = {
    pinpoint: new PinpointClient({}),
    pinpointCreate: new PinpointClient({ maxAttempts: 1 }),
    ledger: await ledgerServer.ledger({ now: () => NOW }),
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

/**
 * This execution already claimed the run in an earlier attempt whose create answer
 * was lost (a timeout, a 5xx): its retry looks for the job before creating.
 */
async function givenAnEarlierAttempt(request: Record<string, unknown> = {}): Promise<void> {
  const event = scheduledEvent(request);
  const resolved = resolveExecutionInput(
    event.Input,
    { RoleArn: ROLE_ARN, S3UrlPrefix: config.inputDefaults.S3UrlPrefix },
    START_TIME,
  );
  const template = (request.S3UrlPrefix as string | undefined) ?? config.inputDefaults.S3UrlPrefix ?? '';
  await deps.ledger.claim(runIdentityOf(resolved, template), EXECUTION.Name);
}

const OTHER_EXECUTION = { ...EXECUTION, Name: 'b7d9e2f4-duplicate-delivery' };

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

  it('creates with the no-retry client, without a look-up, when this execution is the first to claim the run', async () => {
    givenNoExistingJobs();

    await createExportJob(scheduledEvent(), deps);

    expect(pinpointMock.commandCalls(GetExportJobsCommand)).toHaveLength(0);
    expect(pinpointMock.commandCalls(CreateExportJobCommand)[0]?.thisValue).toBe(deps.pinpointCreate);
  });

  it('looks up this application’s jobs with the look-up client when retrying its own claim', async () => {
    givenNoExistingJobs();
    await givenAnEarlierAttempt();

    await createExportJob(scheduledEvent(), deps);

    const lookups = pinpointMock.commandCalls(GetExportJobsCommand);
    expect(lookups[0]?.args[0].input).toEqual({ ApplicationId: APPLICATION_ID, PageSize: '50' });
    expect(lookups[0]?.thisValue).toBe(deps.pinpoint);
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

describe('createExportJob retried after a lost create answer (the claim is its own)', () => {
  it('reuses a running job with the same definition created after the run was claimed', async () => {
    await givenAnEarlierAttempt();
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

  it('reuses a job created within a minute before the run was first claimed (clock skew)', async () => {
    await givenAnEarlierAttempt();
    pinpointMock.on(GetExportJobsCommand).resolves({
      ExportJobsResponse: { Item: [existingJob({ CreationDate: '2026-11-28T01:59:30.000Z' })] },
    });

    const state = await createExportJob(scheduledEvent(), deps);

    expect(state.job.Reused).toBe(true);
    expect(pinpointMock.commandCalls(CreateExportJobCommand)).toHaveLength(0);
  });

  it('reuses a job without a requested version even though Pinpoint echoes the latest version number', async () => {
    await givenAnEarlierAttempt();
    pinpointMock
      .on(GetExportJobsCommand)
      .resolves({ ExportJobsResponse: { Item: [existingJob({}, { SegmentVersion: 7 })] } });

    const state = await createExportJob(scheduledEvent(), deps);

    expect(state.job.Reused).toBe(true);
  });

  it('reuses a COMPLETED job and asks to check it again soon', async () => {
    await givenAnEarlierAttempt();
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
      what: 'a job created just over a minute before the run was first claimed',
      job: existingJob({ CreationDate: '2026-11-28T01:58:59.000Z' }),
    },
    { what: 'a job without a definition', job: existingJob({ Definition: undefined }) },
  ])('does not reuse $what but creates a new one', async ({ job, request }) => {
    await givenAnEarlierAttempt(request);
    pinpointMock.on(GetExportJobsCommand).resolves({ ExportJobsResponse: { Item: [job] } });
    pinpointMock.on(CreateExportJobCommand).resolves({ ExportJobResponse: CREATED_JOB });

    const state = await createExportJob(scheduledEvent(request), deps);

    expect(pinpointMock.commandCalls(CreateExportJobCommand)).toHaveLength(1);
    expect(state.job).toMatchObject({ Id: CREATED_JOB.Id, Reused: false });
  });
});

describe('createExportJob paging through GetExportJobs', () => {
  it('follows NextToken to find the job of this run on a later page', async () => {
    await givenAnEarlierAttempt();
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

  it('stops paging once newest-first pages reach jobs older than the claim', async () => {
    await givenAnEarlierAttempt();
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

  it('reads past 300 other jobs of the application to find the job of this run (no page cap)', async () => {
    await givenAnEarlierAttempt();
    // 7 pages of 50 jobs created after the claim, newest first; the run's job is on the 7th page.
    pinpointMock.on(GetExportJobsCommand).callsFake(async (input: { Token?: string }) => {
      const page = Number(input.Token ?? '0');
      const item = Array.from({ length: 50 }, (_, i) =>
        otherJob(
          new Date(Date.parse('2026-11-28T05:00:00Z') - (page * 50 + i) * 1000).toISOString(),
          `o${page}-${i}`,
        ),
      );
      if (page === 6) item.push(existingJob({ CreationDate: '2026-11-28T02:00:30.000Z' }));
      return { ExportJobsResponse: { Item: item, ...(page < 6 ? { NextToken: String(page + 1) } : {}) } };
    });

    const state = await createExportJob(scheduledEvent(), deps);

    expect(pinpointMock.commandCalls(GetExportJobsCommand)).toHaveLength(7);
    expect(state.job).toMatchObject({ Id: 'e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6', Reused: true });
    expect(pinpointMock.commandCalls(CreateExportJobCommand)).toHaveLength(0);
  });

  it('keeps reading when the pages are not newest first, even past old jobs', async () => {
    await givenAnEarlierAttempt();
    // Oldest first: the first page reaches past the claim, yet the run's job is on the last page.
    pinpointMock
      .on(GetExportJobsCommand)
      .resolvesOnce({
        ExportJobsResponse: {
          Item: [otherJob('2026-11-20T02:00:00.000Z', 'old'), otherJob('2026-11-27T02:00:00.000Z', 'older')],
          NextToken: 'p2',
        },
      })
      .resolvesOnce({
        ExportJobsResponse: { Item: [otherJob('2026-11-28T01:00:00.000Z', 'a')], NextToken: 'p3' },
      })
      .resolvesOnce({ ExportJobsResponse: { Item: [existingJob()] } });

    const state = await createExportJob(scheduledEvent(), deps);

    expect(pinpointMock.commandCalls(GetExportJobsCommand)).toHaveLength(3);
    expect(state.job.Reused).toBe(true);
  });
});

describe('createExportJob error mapping', () => {
  const metadata = (httpStatusCode: number) => ({
    httpStatusCode,
    requestId: 'b3f1c2d4-0000-4e5f-8a9b-0c1d2e3f4a5b',
  });

  it('maps a 429 on the lookup to PinpointThrottledError, keeping the SDK error as cause', async () => {
    await givenAnEarlierAttempt();
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
    pinpointMock.on(CreateExportJobCommand).rejects(timeout);

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
    // The first attempt claims and creates without a look-up; its retry looks up and finds the job.
    pinpointMock
      .on(GetExportJobsCommand)
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
    pinpointMock.on(CreateExportJobCommand).rejects(
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
      .on(CreateExportJobCommand)
      .rejects(new ForbiddenException({ message, $metadata: metadata(403) }));

    const error = (await rejectionOf(
      createExportJob(scheduledEvent(), deps),
    )) as PinpointRequestRejectedError;

    expect(error.reason).not.toBe('end of support');
    expect(error.advice).not.toContain('end of support');
  });

  it("does not reuse a segment's job for a request without a segment, even with the same prefix and role", async () => {
    const prefix = 's3://exports-bucket/fixed-prefix/';
    await givenAnEarlierAttempt({ SegmentId: undefined, S3UrlPrefix: prefix });
    pinpointMock.on(GetExportJobsCommand).resolves({
      ExportJobsResponse: { Item: [existingJob({}, { S3UrlPrefix: prefix, SegmentId: 'vip-customers' })] },
    });
    pinpointMock.on(CreateExportJobCommand).resolves({ ExportJobResponse: CREATED_JOB });

    const state = await createExportJob(scheduledEvent({ SegmentId: undefined, S3UrlPrefix: prefix }), deps);

    expect((state.request as PinpointRequest).ExportJobRequest).toEqual({
      RoleArn: ROLE_ARN,
      S3UrlPrefix: prefix,
    });
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

describe('createExportJob with the run ledger', () => {
  it('records the created job so a duplicate execution reuses it without a second create', async () => {
    givenNoExistingJobs();
    pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: existingJob({ ...CREATED_JOB }) });

    const first = await createExportJob(scheduledEvent(), deps);
    const duplicate = await createExportJob({ ...scheduledEvent(), Execution: OTHER_EXECUTION }, deps);

    expect(pinpointMock.commandCalls(CreateExportJobCommand)).toHaveLength(1);
    expect(pinpointMock.commandCalls(GetExportJobsCommand)).toHaveLength(0);
    expect(duplicate.job).toMatchObject({ Id: CREATED_JOB.Id, Reused: true });
    expect(first.run).toEqual(duplicate.run);
  });

  it('tells a duplicate to retry (RunInProgressError) while the first execution still holds the claim', async () => {
    givenNoExistingJobs();
    await givenAnEarlierAttempt();

    const error = await rejectionOf(
      createExportJob({ ...scheduledEvent(), Execution: OTHER_EXECUTION }, deps),
    );

    expect(error).toBeInstanceOf(RunInProgressError);
    expect(error.message).toContain(EXECUTION.Name);
    expect(pinpointMock.calls()).toHaveLength(0);
  });

  it('starts the run over when its recorded job FAILED, and the next duplicate reuses the new job', async () => {
    givenNoExistingJobs();
    await createExportJob(scheduledEvent(), deps);
    const newJob = { ...CREATED_JOB, Id: '0badc0ffee0badc0ffee0badc0ffee00' };
    pinpointMock.on(CreateExportJobCommand).resolves({ ExportJobResponse: newJob });
    pinpointMock
      .on(GetExportJobCommand, { JobId: CREATED_JOB.Id })
      .resolves({ ExportJobResponse: existingJob({ ...CREATED_JOB, JobStatus: 'FAILED' }) })
      .on(GetExportJobCommand, { JobId: newJob.Id })
      .resolves({ ExportJobResponse: existingJob({ ...newJob }) });

    const redo = await createExportJob({ ...scheduledEvent(), Execution: OTHER_EXECUTION }, deps);
    const third = await createExportJob(
      { ...scheduledEvent(), Execution: { ...EXECUTION, Name: 'third-delivery' } },
      deps,
    );

    expect(redo.job).toMatchObject({ Id: newJob.Id, Reused: false });
    expect(redo.run?.attempt).toBe(2);
    expect(third.job).toMatchObject({ Id: newJob.Id, Reused: true });
    expect(pinpointMock.commandCalls(CreateExportJobCommand)).toHaveLength(2);
  });

  it('starts the run over when Pinpoint no longer knows the recorded job', async () => {
    givenNoExistingJobs();
    await createExportJob(scheduledEvent(), deps);
    const newJob = { ...CREATED_JOB, Id: '0badc0ffee0badc0ffee0badc0ffee01' };
    pinpointMock.on(CreateExportJobCommand).resolves({ ExportJobResponse: newJob });
    pinpointMock
      .on(GetExportJobCommand)
      .rejects(
        new NotFoundException({ message: 'Export job not found', $metadata: { httpStatusCode: 404 } }),
      );

    const redo = await createExportJob({ ...scheduledEvent(), Execution: OTHER_EXECUTION }, deps);

    expect(redo.job).toMatchObject({ Id: newJob.Id, Reused: false });
    expect(redo.run?.attempt).toBe(2);
  });

  it('reports any other refusal of the recorded job as the rejection it is', async () => {
    givenNoExistingJobs();
    await createExportJob(scheduledEvent(), deps);
    pinpointMock
      .on(GetExportJobCommand)
      .rejects(
        new NotFoundException({ message: 'Application not found', $metadata: { httpStatusCode: 404 } }),
      );

    const error = await rejectionOf(
      createExportJob({ ...scheduledEvent(), Execution: OTHER_EXECUTION }, deps),
    );

    expect(error).toMatchObject({ name: 'PinpointRequestRejectedError', reason: 'application not found' });
  });

  it('releases the claim when Pinpoint refuses the create, so a corrected re-run need not wait', async () => {
    pinpointMock
      .on(CreateExportJobCommand)
      .rejectsOnce(new BadRequestException({ message: 'Invalid S3 URL', $metadata: { httpStatusCode: 400 } }))
      .resolves({ ExportJobResponse: CREATED_JOB });
    pinpointMock.on(GetExportJobsCommand).resolves({ ExportJobsResponse: { Item: [] } });

    await rejectionOf(createExportJob(scheduledEvent(), deps));
    const rerun = await createExportJob({ ...scheduledEvent(), Execution: OTHER_EXECUTION }, deps);

    expect(rerun.job).toMatchObject({ Id: CREATED_JOB.Id, Reused: false });
  });

  it("names the run's target after the input's Target, or derives a name from the definition", async () => {
    givenNoExistingJobs();
    const named = scheduledEvent();
    (named.Input as Record<string, unknown>).Target = 'nightly-vip';

    const withName = await createExportJob(named, deps);
    const derived = await createExportJob(
      { ...scheduledEvent({ SegmentId: 'churned' }), Execution: OTHER_EXECUTION },
      deps,
    );

    expect(withName.run).toMatchObject({
      targetName: 'nightly-vip',
      scheduledTime: '2026-11-28T02:00:00.000Z',
      attempt: 1,
    });
    expect(withName.run?.target).toMatch(
      /^pinpoint#7f3c9a1b2c3d4e5f60718293a4b5c6d7#vip-customers#latest#[0-9a-f]{12}$/,
    );
    expect(derived.run?.targetName).toMatch(/^7f3c9a1b-churned-[0-9a-f]{6}$/);
  });

  it('rejects a ScheduledTime in the future before claiming or calling Pinpoint', async () => {
    givenNoExistingJobs();
    const event = scheduledEvent();
    (event.Input as Record<string, unknown>).ScheduledTime = '2026-11-28T04:00:00Z';

    const error = await rejectionOf(createExportJob(event, deps));

    expect(error).toBeInstanceOf(InvalidExportInputError);
    expect(error.message).toMatch(
      /^ScheduledTime: is 7193 s after the execution started .*cannot be scheduled in the future/,
    );
    expect(pinpointMock.calls()).toHaveLength(0);
  });
});

describe('createExportJob and the poller prior (the target previous COMPLETED run)', () => {
  /** Records last night's run of the same target as COMPLETED after `durationSeconds`. */
  async function givenLastNight(
    durationSeconds: number | null,
    timing: { setupSeconds?: number; finishingStartedSeconds?: number } = {},
  ): Promise<void> {
    const event = scheduledEvent();
    const resolved = resolveExecutionInput(
      event.Input,
      { RoleArn: ROLE_ARN, S3UrlPrefix: config.inputDefaults.S3UrlPrefix },
      START_TIME,
    );
    const lastNight = {
      ...runIdentityOf(resolved, config.inputDefaults.S3UrlPrefix ?? ''),
      scheduledTime: '2026-11-27T02:00:00.000Z',
    };
    await deps.ledger.claim(lastNight, 'last-night');
    await deps.ledger.recordJob(lastNight, 'last-night', 'f'.repeat(32), '2026-11-27T02:00:05.000Z');
    await deps.ledger.recordOutcome(lastNight, {
      status: 'COMPLETED',
      jobId: 'f'.repeat(32),
      jobStatus: 'COMPLETED',
      totalProcessed: 2_000,
      totalFailures: 0,
      durationSeconds,
      statusChecks: 20,
      summaryMessageId: 'm-1',
      finishedAt: '2026-11-27T04:00:00.000Z',
      headline: 'completed',
      ...timing,
    });
  }

  it('starts the poll state from the previous COMPLETED run of the target', async () => {
    givenNoExistingJobs();
    await givenLastNight(7_200);

    const state = await createExportJob(scheduledEvent(), deps);

    expect(state.poll.expectedSeconds).toBe(7_200);
    // The first look goes to a tenth of last night's duration, not to the minimum wait.
    expect(state.poll.waitSeconds).toBeGreaterThan(config.poll.minWaitSeconds);
  });

  it("passes the previous run's recorded setup and COMPLETING start with its duration", async () => {
    givenNoExistingJobs();
    await givenLastNight(7_200, { setupSeconds: 1_800, finishingStartedSeconds: 6_480 });

    const state = await createExportJob(scheduledEvent(), deps);

    expect(state.poll.expectedSeconds).toBe(7_200);
    expect(state.poll.priorSetupSeconds).toBe(1_800);
    expect(state.poll.priorFinishingStartSeconds).toBe(6_480);
  });

  it('drops recorded timing that is out of order with the duration', async () => {
    givenNoExistingJobs();
    await givenLastNight(7_200, { setupSeconds: 1_800, finishingStartedSeconds: 9_000 });

    const state = await createExportJob(scheduledEvent(), deps);

    expect(state.poll.expectedSeconds).toBe(7_200);
    expect(state.poll.priorSetupSeconds).toBeUndefined();
    expect(state.poll.priorFinishingStartSeconds).toBeUndefined();
  });

  it('starts without a prior for a target that never completed, or whose duration is unknown', async () => {
    givenNoExistingJobs();
    const first = await createExportJob(scheduledEvent(), deps);
    expect(first.poll.expectedSeconds).toBeUndefined();
    expect(first.poll.waitSeconds).toBe(config.poll.minWaitSeconds);
  });

  it('ignores a previous run recorded without a duration', async () => {
    givenNoExistingJobs();
    await givenLastNight(null);

    const state = await createExportJob(scheduledEvent(), deps);

    expect(state.poll.expectedSeconds).toBeUndefined();
  });

  it('goes on without a prior when the ledger cannot be read for history', async () => {
    givenNoExistingJobs();
    deps.ledger.previousCompleted = async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    };

    const state = await createExportJob(scheduledEvent(), deps);

    expect(state.job.Id).toBe(CREATED_JOB.Id);
    expect(state.poll.expectedSeconds).toBeUndefined();
  });

  describe('when the run continues the previous one (an incremental DynamoDB export)', () => {
    // A mock of one client, not of the class: the run ledger is a DynamoDBClient too.
    const exportClient = new DynamoDBClient({ region: 'us-east-1' });
    const dynamoMock = mockClient(exportClient);
    const dynamoEvent = (ExportType: string): CreateExportJobEvent => ({
      Input: {
        Source: 'dynamodb',
        TableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders',
        ExportType,
        S3Bucket: 'exports-bucket',
        S3Prefix: 'dynamodb/orders/{date}/',
        ScheduledTime: SCHEDULED_TIME,
      },
      Execution: EXECUTION,
    });
    const failedRead = async (exportType: string) => {
      dynamoMock.reset();
      // Point-in-time recovery off: a create that gets past the ledger read stops at its first call.
      dynamoMock.on(DescribeContinuousBackupsCommand).resolves({
        ContinuousBackupsDescription: { ContinuousBackupsStatus: 'DISABLED' },
      });
      deps.clients = { dynamodb: exportClient };
      deps.ledger.previousCompleted = async () => {
        throw new ProvisionedThroughputExceededException({
          message: 'Rate exceeded',
          $metadata: { httpStatusCode: 400 },
        });
      };
      return createExportJob(dynamoEvent(exportType), deps).then(
        () => {
          throw new Error('expected the create to fail');
        },
        (error: Error) => error,
      );
    };

    it('fails the create with the retried ledger error rather than guess where the window starts, calling DynamoDB nothing', async () => {
      const error = await failedRead('INCREMENTAL_EXPORT');

      expect(error.name).toBe('RunLedgerThrottledError');
      expect(dynamoMock.commandCalls(DescribeContinuousBackupsCommand)).toHaveLength(0);
    });

    it('goes on without the previous run for a full export, which needs no window', async () => {
      const error = await failedRead('FULL_EXPORT');

      expect(error.name).not.toBe('RunLedgerThrottledError');
      expect(error.message).toMatch(/Point-in-time recovery is not enabled/);
      expect(dynamoMock.commandCalls(DescribeContinuousBackupsCommand)).toHaveLength(1);
    });
  });
});
