import {
  CreateExportJobCommand,
  GetExportJobCommand,
  GetExportJobsCommand,
  PinpointClient,
} from '@aws-sdk/client-pinpoint';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { splitInputFacts } from '../../core/errors.ts';
import type {
  CreateExportJobEvent,
  PublishSummaryEvent,
  PublishSummaryResult,
  RunState,
} from '../../core/types.ts';
import { createLedgerTable } from '../../dev/emulator/dynamodb.ts';
import { type LocalLedgerServer, startLocalLedgerServer } from '../ledger/local-ledger.ts';

const APPLICATION_ID = '7f3c9a1b2c3d4e5f60718293a4b5c6d7';
const JOB_ID = '9a8b7c6d5e4f30211f2e3d4c5b6a7980';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/pinpoint-export-staging';
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:pinpoint-export-summary-staging';
const EXECUTION = {
  Id: 'arn:aws:states:us-east-1:123456789012:execution:pinpoint-export-staging:0c5e1a52-6f7e-4f5c-9a38-1d2b3c4d5e6f',
  Name: '0c5e1a52-6f7e-4f5c-9a38-1d2b3c4d5e6f',
  StartTime: '2026-11-28T02:00:07.412Z',
};

const pinpointMock = mockClient(PinpointClient);
const snsMock = mockClient(SNSClient);

function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/28/[$LATEST]2f7c3a9d0e1b4c5d',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

// The run ledger is a real DynamoDB (dynalite over HTTP); each test gets a fresh table.
let ledgerServer: LocalLedgerServer;
let tables = 0;

beforeAll(async () => {
  ledgerServer = await startLocalLedgerServer();
});

afterAll(async () => {
  await ledgerServer.close();
});

beforeEach(async () => {
  pinpointMock.reset();
  snsMock.reset();
  vi.resetModules();
  const table = `handler-runs-${++tables}`;
  await createLedgerTable(ledgerServer.endpoint, table);
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', ledgerServer.endpoint);
  vi.stubEnv('RUN_LEDGER_TABLE', table);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

function expectPlainObject(result: unknown): void {
  expect(result).toBeTypeOf('object');
  expect(result).not.toHaveProperty('statusCode');
  expect(result).not.toHaveProperty('body');
  expect(JSON.parse(JSON.stringify(result))).toEqual(result);
}

function runState(): RunState {
  return {
    execution: { ...EXECUTION, Trigger: 'schedule' },
    request: {
      ApplicationId: APPLICATION_ID,
      ExportJobRequest: {
        RoleArn: ROLE_ARN,
        S3UrlPrefix: `s3://exports-bucket/staging/${APPLICATION_ID}/2026-11-28/`,
      },
      ScheduledTime: '2026-11-28T02:00:00.000Z',
    },
    job: { Id: JOB_ID, JobStatus: 'PROCESSING', CreationDate: '2026-11-28T02:00:08.734Z', Reused: false },
    poll: {
      checks: 2,
      waitSeconds: 10,
      deadline: '2099-01-01T00:00:00.000Z',
      deadlinePassed: false,
      lastProgressAt: '2026-11-28T02:00:30.000Z',
      lastPiecesDone: 0,
      lastStatus: 'PROCESSING',
    },
  };
}

describe('create-export-job handler', () => {
  beforeEach(() => {
    vi.stubEnv('STAGE', 'staging');
    vi.stubEnv('DEFAULT_ROLE_ARN', ROLE_ARN);
    vi.stubEnv('DEFAULT_S3_URL_PREFIX', 's3://exports-bucket/staging/{ApplicationId}/{date}/');
  });

  it('creates the export job with the stage defaults and returns the run state as a plain object', async () => {
    pinpointMock.on(GetExportJobsCommand).resolves({ ExportJobsResponse: { Item: [] } });
    pinpointMock.on(CreateExportJobCommand).resolves({
      ExportJobResponse: {
        ApplicationId: APPLICATION_ID,
        Id: JOB_ID,
        Definition: {
          RoleArn: ROLE_ARN,
          S3UrlPrefix: `s3://exports-bucket/staging/${APPLICATION_ID}/2026-11-28/`,
        },
        JobStatus: 'CREATED',
        CreationDate: '2026-11-28T02:00:08.734Z',
        Type: 'EXPORT',
      },
    });
    const { handler } = await import('../../functions/create-export-job/handler.ts');
    const event: CreateExportJobEvent = {
      Input: { ApplicationId: APPLICATION_ID, ScheduledTime: '2026-11-28T02:00:00Z' },
      Execution: EXECUTION,
    };

    const result = await handler(event, lambdaContext('pinpoint-export-staging-createExportJob'));

    expectPlainObject(result);
    expect(pinpointMock.commandCalls(CreateExportJobCommand)[0]?.args[0].input.ExportJobRequest).toEqual({
      RoleArn: ROLE_ARN,
      S3UrlPrefix: `s3://exports-bucket/staging/${APPLICATION_ID}/2026-11-28/`,
    });
    expect(result.job).toMatchObject({ Id: JOB_ID, JobStatus: 'CREATED', Reused: false });
    expect(result.poll.checks).toBe(0);
    expect(result.execution.Trigger).toBe('schedule');
  });

  it('fails with InvalidExportInputError for a malformed input, without calling Pinpoint', async () => {
    const { handler } = await import('../../functions/create-export-job/handler.ts');
    const event: CreateExportJobEvent = {
      Input: { ApplicationId: 'not-a-project-id' },
      Execution: EXECUTION,
    };

    await expect(
      handler(event, lambdaContext('pinpoint-export-staging-createExportJob')),
    ).rejects.toMatchObject({
      name: 'InvalidExportInputError',
      field: 'ApplicationId',
    });
    expect(pinpointMock.calls()).toHaveLength(0);
  });

  it('appends what a summary may show of the raw input to its error, sanitized and capped (the input itself never enters the state)', async () => {
    const { handler } = await import('../../functions/create-export-job/handler.ts');
    const event: CreateExportJobEvent = {
      Input: {
        ApplicationId: `bad\n${'x'.repeat(200_000)}`,
        ExportJobRequest: { SegmentId: 'vip' },
        ScheduledTime: '2026-11-28T02:00:00Z',
      },
      Execution: EXECUTION,
    };

    const error = (await handler(event, lambdaContext('create')).catch((e: unknown) => e)) as Error;

    expect(error.name).toBe('InvalidExportInputError');
    expect(error.message.length).toBeLessThan(600);
    const { message, input } = splitInputFacts(error.message);
    expect(message).toMatch(/^ApplicationId: must be a Pinpoint project id/);
    const applicationId = `bad ${'x'.repeat(60)}... (200004 characters)`;
    expect(input).toEqual({
      hasScheduledTime: true,
      What: `segment vip of ${applicationId}`,
      fields: { applicationId, segmentId: 'vip' },
      ScheduledTime: '2026-11-28T02:00:00Z',
    });
  });

  it('turns a bug in our own code into an OrchestratorBugError, which the state machine does not retry', async () => {
    pinpointMock.on(GetExportJobsCommand).callsFake(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'Item')");
    });
    const { handler } = await import('../../functions/create-export-job/handler.ts');
    const event: CreateExportJobEvent = {
      Input: { ApplicationId: APPLICATION_ID, ScheduledTime: '2026-11-28T02:00:00Z' },
      Execution: EXECUTION,
    };

    const error = (await handler(event, lambdaContext('create')).catch((e: unknown) => e)) as Error;

    expect(error.name).toBe('OrchestratorBugError');
    expect(error.message).toContain('\nreason: orchestrator bug\n');
  });

  it('refuses to load with a non-integer poll setting, naming the variable', async () => {
    vi.stubEnv('POLL_MIN_WAIT_SECONDS', '2.5');

    await expect(import('../../functions/create-export-job/handler.ts')).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringContaining('POLL_MIN_WAIT_SECONDS'),
    });
  });
});

describe('get-export-job-status handler', () => {
  it('reads the job and returns the next run state as a plain object', async () => {
    vi.stubEnv('STAGE', 'staging');
    pinpointMock.on(GetExportJobCommand).resolves({
      ExportJobResponse: {
        ApplicationId: APPLICATION_ID,
        Id: JOB_ID,
        Definition: {
          RoleArn: ROLE_ARN,
          S3UrlPrefix: `s3://exports-bucket/staging/${APPLICATION_ID}/2026-11-28/`,
        },
        JobStatus: 'PROCESSING',
        CreationDate: '2026-11-28T02:00:08.734Z',
        TotalPieces: 8,
        CompletedPieces: 3,
        FailedPieces: 0,
        Type: 'EXPORT',
      },
    });
    const { handler } = await import('../../functions/get-export-job-status/handler.ts');

    const result = await handler(runState(), lambdaContext('pinpoint-export-staging-getExportJobStatus'));

    expectPlainObject(result);
    expect(pinpointMock.commandCalls(GetExportJobCommand)[0]?.args[0].input).toEqual({
      ApplicationId: APPLICATION_ID,
      JobId: JOB_ID,
    });
    expect(result.job).toMatchObject({ CompletedPieces: 3, TotalPieces: 8, Reused: false });
    expect(result.poll).toMatchObject({ checks: 3, deadlinePassed: false });
  });

  it('leaves the timeout to Lambda: no early TimeoutError the state machine would not retry', async () => {
    vi.stubEnv('STAGE', 'staging');
    pinpointMock.on(GetExportJobCommand).callsFake(async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return {
        ExportJobResponse: {
          ApplicationId: APPLICATION_ID,
          Id: JOB_ID,
          JobStatus: 'PROCESSING',
          CreationDate: '2026-11-28T02:00:08.734Z',
          Type: 'EXPORT',
        },
      };
    });
    const { handler } = await import('../../functions/get-export-job-status/handler.ts');
    // Lambda says 20 ms are left: middy's default would throw TimeoutError after 15 ms.
    const context = {
      ...lambdaContext('pinpoint-export-staging-getExportJobStatus'),
      getRemainingTimeInMillis: () => 20,
    };

    const result = await handler(runState(), context);

    expect(result.poll.checks).toBe(3);
  });
});

describe('publish-summary handler', () => {
  it('publishes the summary to the configured topic and returns the result as a plain object', async () => {
    vi.stubEnv('STAGE', 'staging');
    vi.stubEnv('SUMMARY_TOPIC_ARN', TOPIC_ARN);
    pinpointMock.on(GetExportJobCommand).resolves({
      ExportJobResponse: {
        ApplicationId: APPLICATION_ID,
        Id: JOB_ID,
        Definition: {
          RoleArn: ROLE_ARN,
          S3UrlPrefix: `s3://exports-bucket/staging/${APPLICATION_ID}/2026-11-28/`,
        },
        JobStatus: 'COMPLETED',
        CreationDate: '2026-11-28T02:00:08.734Z',
        CompletionDate: '2026-11-28T02:14:40.120Z',
        TotalPieces: 8,
        CompletedPieces: 8,
        FailedPieces: 0,
        TotalProcessed: 48_210,
        TotalFailures: 0,
        Type: 'EXPORT',
      },
    });
    snsMock.on(PublishCommand).resolves({ MessageId: '5f1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d' });
    const { handler } = await import('../../functions/publish-summary/handler.ts');
    const state = runState();
    const event: PublishSummaryEvent = {
      // A job that completed and whose files VerifyExport counted: the run's outcome is COMPLETED.
      Run: {
        ...state,
        job: { ...state.job, JobStatus: 'COMPLETED', TotalProcessed: 48_210, TotalFailures: 0 },
        verification: {
          verdict: 'VERIFIED',
          location: `s3://exports-bucket/staging/${APPLICATION_ID}/2026-11-28/${JOB_ID}/`,
          files: 8,
          bytes: 9_000_000,
          records: 48_210,
          countedFiles: 8,
          expected: 48_210,
          manifestUri: `s3://exports-bucket/staging/${APPLICATION_ID}/2026-11-28/${JOB_ID}/_manifest.json`,
          note: '8 files, 48,210 records: as Pinpoint reported',
        },
      },
      Execution: EXECUTION,
    };

    const result: PublishSummaryResult = await handler(
      event,
      lambdaContext('pinpoint-export-staging-publishSummary'),
    );

    expectPlainObject(result);
    expect(result).toMatchObject({
      status: 'COMPLETED',
      messageId: '5f1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d',
      failure: null,
    });
    expect(result.subject).toContain('[staging] Pinpoint export COMPLETED');
    const publish = snsMock.commandCalls(PublishCommand);
    expect(publish).toHaveLength(1);
    expect(publish[0]?.args[0].input.TopicArn).toBe(TOPIC_ARN);
  });

  it('refuses to load without SUMMARY_TOPIC_ARN, naming it', async () => {
    vi.stubEnv('SUMMARY_TOPIC_ARN', '');

    await expect(import('../../functions/publish-summary/handler.ts')).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: 'Environment variable SUMMARY_TOPIC_ARN is not set',
    });
  });
});
