import { Logger } from '@aws-lambda-powertools/logger';
import {
  type ExportJobResponse,
  GetExportJobCommand,
  InternalServerErrorException,
  PinpointClient,
} from '@aws-sdk/client-pinpoint';
import {
  AuthorizationErrorException,
  InternalErrorException,
  NotFoundException,
  PublishCommand,
  type PublishCommandInput,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type PublishSummaryDeps, publishSummary } from '../../functions/publish-summary/publish-summary.ts';
import { SNS_MAX_MESSAGE_BYTES } from '../../functions/publish-summary/sns-message.ts';
import { buildSummary } from '../../functions/publish-summary/summary.ts';
import {
  SnsPublishRejectedError,
  SnsThrottledError,
  SnsUnavailableError,
} from '../../functions/shared/errors.ts';
import type {
  ExportSummary,
  JobSnapshot,
  PublishSummaryEvent,
  RunState,
} from '../../functions/shared/types.ts';

const APPLICATION_ID = '7f3c9a1b2c3d4e5f60718293a4b5c6d7';
const JOB_ID = '9a8b7c6d5e4f30211f2e3d4c5b6a7980';
const PREFIX = `s3://exports-bucket/pinpoint/${APPLICATION_ID}/2026-11-28/`;
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:pinpoint-export-summary-dev';
const EXECUTION_ID =
  'arn:aws:states:us-east-1:123456789012:execution:pinpoint-export-dev:0c5e1a52-6f7e-4f5c-9a38-1d2b3c4d5e6f';
const EXECUTION_NAME = '0c5e1a52-6f7e-4f5c-9a38-1d2b3c4d5e6f';
const START_TIME = '2026-11-28T02:00:07.412Z';

/** The run state at PublishSummary after the poll loop ended with the job as `job`. */
function finishedRun(
  job: Partial<JobSnapshot>,
  poll: { checks?: number; deadlinePassed?: boolean } = {},
): RunState {
  return {
    execution: { Id: EXECUTION_ID, Name: EXECUTION_NAME, StartTime: START_TIME, Trigger: 'schedule' },
    request: {
      ApplicationId: APPLICATION_ID,
      ExportJobRequest: {
        RoleArn: 'arn:aws:iam::123456789012:role/pinpoint-export',
        S3UrlPrefix: PREFIX,
        SegmentId: 'vip-customers',
      },
      ScheduledTime: '2026-11-28T02:00:00.000Z',
    },
    job: {
      Id: JOB_ID,
      JobStatus: 'COMPLETED',
      CreationDate: '2026-11-28T02:00:08.734Z',
      CompletionDate: '2026-11-28T02:14:40.120Z',
      TotalPieces: 8,
      CompletedPieces: 8,
      FailedPieces: 0,
      TotalProcessed: 48_210,
      TotalFailures: 0,
      Reused: false,
      ...job,
    },
    poll: {
      checks: poll.checks ?? 9,
      waitSeconds: 20,
      deadline: '2026-11-28T14:00:07.412Z',
      deadlinePassed: poll.deadlinePassed ?? false,
      lastProgressAt: '2026-11-28T02:14:20.000Z',
      lastPiecesDone: 8,
      lastStatus: job.JobStatus ?? 'COMPLETED',
    },
  };
}

function eventFor(run: PublishSummaryEvent['Run']): PublishSummaryEvent {
  return {
    Run: run,
    Execution: { Id: EXECUTION_ID, Name: EXECUTION_NAME, StartTime: START_TIME },
  };
}

/** The job as GetExportJob returns it at the end (with Failures, which the run state leaves out). */
function pinpointJob(overrides: Partial<ExportJobResponse> = {}): ExportJobResponse {
  return {
    ApplicationId: APPLICATION_ID,
    Id: JOB_ID,
    JobStatus: 'COMPLETED',
    CreationDate: '2026-11-28T02:00:08.734Z',
    CompletionDate: '2026-11-28T02:14:40.120Z',
    Definition: {
      RoleArn: 'arn:aws:iam::123456789012:role/pinpoint-export',
      S3UrlPrefix: PREFIX,
      SegmentId: 'vip-customers',
      SegmentVersion: 4,
    },
    TotalPieces: 8,
    CompletedPieces: 8,
    FailedPieces: 0,
    TotalProcessed: 48_210,
    TotalFailures: 0,
    Type: 'EXPORT',
    ...overrides,
  };
}

const FAILURES = [
  'Endpoint 8a1d2c3b: Attributes.Interests exceeds 50 values',
  'Endpoint 4e5f6a7b: Address is not a valid phone number',
  'Endpoint c0ffee01: ChannelType is missing',
];

function lambdaCause(errorType: string, errorMessage: string): string {
  return JSON.stringify({
    errorType,
    errorMessage,
    trace: [`${errorType}: ${errorMessage}`, '    at file:///var/task/index.mjs:1:2345'],
  });
}

const INVALID_INPUT = {
  ApplicationId: APPLICATION_ID,
  ExportJobRequest: { RoleArn: 'arn:aws:iam::123456789012:user/exporter', SegmentId: 'vip-customers' },
  ScheduledTime: '2026-11-28T02:00:00Z',
};
const INVALID_INPUT_MESSAGE =
  'ExportJobRequest.RoleArn: must be an IAM role ARN (arn:aws:iam::123456789012:role/name), got "arn:aws:iam::123456789012:user/exporter"';

/** The state after CreateExportJob's Catch: the input as CaptureInput wrapped it, plus the error. */
function invalidInputRun(input: unknown = INVALID_INPUT): PublishSummaryEvent['Run'] {
  const state = {
    Input: input,
    error: {
      Error: 'InvalidExportInputError',
      Cause: lambdaCause('InvalidExportInputError', INVALID_INPUT_MESSAGE),
    },
  };
  return state;
}

describe('buildSummary', () => {
  it('quotes only the first 300 characters of a long error message in the headline, keeping it all in error.message', () => {
    const long = `Pinpoint said: ${'x'.repeat(5_000)}`;
    const run = {
      ...invalidInputRun(),
      error: {
        Error: 'PinpointRequestRejectedError',
        Cause: lambdaCause('PinpointRequestRejectedError', long),
      },
    };

    const summary = buildSummary(eventFor(run), 'prod', undefined);

    expect(summary.error?.message).toBe(long);
    expect(summary.headline.length).toBeLessThan(450);
    expect(summary.headline).toMatch(/PinpointRequestRejectedError: Pinpoint said: x+\.\.\.$/);
  });

  it('summarises a COMPLETED export', () => {
    const summary = buildSummary(eventFor(finishedRun({})), 'prod', pinpointJob());

    expect(summary).toEqual<ExportSummary>({
      status: 'COMPLETED',
      headline: `Exported 48,210 endpoints (segment vip-customers) of ${APPLICATION_ID} to ${PREFIX}.`,
      stage: 'prod',
      applicationId: APPLICATION_ID,
      segmentId: 'vip-customers',
      segmentVersion: 4,
      jobId: JOB_ID,
      jobStatus: 'COMPLETED',
      jobReused: false,
      s3UrlPrefix: PREFIX,
      TotalProcessed: 48_210,
      TotalFailures: 0,
      Failures: [],
      failuresOmitted: 0,
      TotalPieces: 8,
      CompletedPieces: 8,
      FailedPieces: 0,
      creationDate: '2026-11-28T02:00:08.734Z',
      completionDate: '2026-11-28T02:14:40.120Z',
      durationSeconds: 871,
      statusChecks: 9,
      scheduledTime: '2026-11-28T02:00:00.000Z',
      execution: { id: EXECUTION_ID, name: EXECUTION_NAME, startTime: START_TIME, trigger: 'schedule' },
      error: null,
    });
  });

  it('summarises a FAILED export with the Failures of the re-read job', () => {
    const finalJob = pinpointJob({
      JobStatus: 'FAILED',
      FailedPieces: 1,
      CompletedPieces: 7,
      TotalProcessed: 48_198,
      TotalFailures: 12,
      Failures: FAILURES,
    });

    const summary = buildSummary(eventFor(finishedRun({ JobStatus: 'FAILED' })), 'prod', finalJob);

    expect(summary).toMatchObject({
      status: 'FAILED',
      jobStatus: 'FAILED',
      TotalFailures: 12,
      TotalProcessed: 48_198,
      FailedPieces: 1,
      Failures: FAILURES,
      error: null,
    });
    expect(summary.headline).toBe(
      `The export job ${JOB_ID} of ${APPLICATION_ID} (segment vip-customers) FAILED: 12 endpoints failed, 48,198 processed.`,
    );
  });

  it('summarises TIMED_OUT when the deadline passed before the job ended', () => {
    const run = finishedRun(
      { JobStatus: 'PROCESSING', CompletedPieces: 5, CompletionDate: undefined },
      { checks: 120, deadlinePassed: true },
    );
    const finalJob = pinpointJob({ JobStatus: 'PROCESSING', CompletedPieces: 5, CompletionDate: undefined });

    const summary = buildSummary(eventFor(run), 'prod', finalJob);

    expect(summary.status).toBe('TIMED_OUT');
    expect(summary.durationSeconds).toBeNull();
    expect(summary.headline).toBe(
      `The export job ${JOB_ID} of ${APPLICATION_ID} (segment vip-customers) did not finish in time: last seen PROCESSING, 5/8 pieces, after 120 checks.`,
    );
  });

  it('summarises TIMED_OUT from the snapshot when the job could not be re-read and is not terminal', () => {
    const run = finishedRun({ JobStatus: 'COMPLETING', CompletionDate: undefined }, { checks: 1000 });

    const summary = buildSummary(eventFor(run), 'prod', undefined);

    expect(summary).toMatchObject({ status: 'TIMED_OUT', jobStatus: 'COMPLETING', statusChecks: 1000 });
  });

  it('summarises COMPLETED when the job completed between the last check and the summary', () => {
    const run = finishedRun({ JobStatus: 'COMPLETING', CompletionDate: undefined }, { deadlinePassed: true });

    const summary = buildSummary(eventFor(run), 'prod', pinpointJob());

    expect(summary.status).toBe('COMPLETED');
  });

  it('summarises ERROR from a caught Lambda error, reading its JSON Cause', () => {
    const message =
      'Pinpoint rejected GetExportJob (ForbiddenException): User is not authorized. Access was denied: check the role.';
    const run = {
      ...finishedRun({ JobStatus: 'PROCESSING', CompletionDate: undefined }),
      error: {
        Error: 'PinpointRequestRejectedError',
        Cause: lambdaCause('PinpointRequestRejectedError', message),
      },
    };

    const summary = buildSummary(eventFor(run), 'prod', undefined);

    expect(summary.status).toBe('ERROR');
    expect(summary.error).toEqual({
      name: 'PinpointRequestRejectedError',
      message,
      advice: expect.stringContaining('Pinpoint refused the request'),
    });
    expect(summary.jobId).toBe(JOB_ID);
    expect(summary.headline).toBe(
      `The export of ${APPLICATION_ID} (segment vip-customers) did not run: PinpointRequestRejectedError: ${message}`,
    );
  });

  it('summarises ERROR from a plain (non-JSON) Cause', () => {
    const run = {
      ...finishedRun({ JobStatus: 'PROCESSING', CompletionDate: undefined }),
      error: { Error: 'States.Timeout', Cause: 'Task timed out after 60.00 seconds' },
    };

    const summary = buildSummary(eventFor(run), 'prod', undefined);

    expect(summary.error).toEqual({
      name: 'States.Timeout',
      message: 'Task timed out after 60.00 seconds',
      advice: expect.stringContaining('A function timed out through every retry'),
    });
  });

  it('advises on a Lambda function timeout (Sandbox.Timedout) like a Step Functions timeout', () => {
    const run = {
      ...finishedRun({}),
      error: {
        Error: 'Sandbox.Timedout',
        Cause: lambdaCause('Sandbox.Timedout', 'Task timed out after 30.00 seconds'),
      },
    };

    const summary = buildSummary(eventFor(run), 'prod', undefined);

    expect(summary.error?.name).toBe('Sandbox.Timedout');
    expect(summary.error?.advice).toContain('A function timed out through every retry');
    expect(summary.error?.advice).toContain('no duplicate job will be created');
  });

  it('summarises ERROR with a placeholder message when the error has no Cause', () => {
    const run = { ...finishedRun({}), error: { Error: 'Lambda.Unknown' } };

    const summary = buildSummary(eventFor(run), 'prod', undefined);

    expect(summary.error).toMatchObject({ name: 'Lambda.Unknown', message: '(no cause given)' });
    expect(summary.error?.advice).toContain('The Lambda service failed');
  });

  it('summarises ERROR for an invalid input, taking ApplicationId and SegmentId from the raw input CaptureInput kept', () => {
    const summary = buildSummary(eventFor(invalidInputRun()), 'prod', undefined);

    expect(summary).toMatchObject({
      status: 'ERROR',
      applicationId: APPLICATION_ID,
      segmentId: 'vip-customers',
      segmentVersion: null,
      jobId: null,
      jobStatus: null,
      s3UrlPrefix: null,
      TotalProcessed: null,
      statusChecks: 0,
      scheduledTime: '2026-11-28T02:00:00Z',
      execution: { trigger: 'schedule' },
      error: { name: 'InvalidExportInputError', message: INVALID_INPUT_MESSAGE },
    });
    expect(summary.error?.advice).toContain('Fix the field named above');
    expect(summary.headline).toContain('did not run: InvalidExportInputError: ExportJobRequest.RoleArn');
  });

  it('summarises ERROR for an input that is not even an object', () => {
    const summary = buildSummary(eventFor(invalidInputRun('nightly')), 'prod', undefined);

    expect(summary).toMatchObject({ status: 'ERROR', applicationId: null, segmentId: null });
    expect(summary.headline).toContain('The export of unknown application (all endpoints) did not run');
  });

  it('advises on the end of support when the error says Pinpoint is no longer available', () => {
    const run = {
      ...finishedRun({}),
      error: {
        Error: 'PinpointRequestRejectedError',
        Cause: lambdaCause('PinpointRequestRejectedError', 'The requested API is no longer supported.'),
      },
    };

    const summary = buildSummary(eventFor(run), 'prod', undefined);

    expect(summary.error?.advice).toContain('end of support on 2026-10-30');
  });
});

const snsMock = mockClient(SNSClient);
const pinpointMock = mockClient(PinpointClient);
let deps: PublishSummaryDeps;

beforeEach(() => {
  snsMock.reset();
  pinpointMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: '5f1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d' });
  deps = {
    pinpoint: new PinpointClient({}),
    sns: new SNSClient({}),
    config: { stage: 'prod', topicArn: TOPIC_ARN },
    logger: new Logger({ serviceName: 'publish-summary', logLevel: 'SILENT' }),
  };
});

function publishedInput(): PublishCommandInput {
  const calls = snsMock.commandCalls(PublishCommand);
  expect(calls).toHaveLength(1);
  return calls[0]!.args[0].input;
}

function publishedSummary(): ExportSummary {
  const message = JSON.parse(publishedInput().Message!) as { default: string; email: string };
  return JSON.parse(message.default) as ExportSummary;
}

function messageBytes(input: PublishCommandInput): number {
  let bytes = Buffer.byteLength(input.Message ?? '');
  for (const [name, value] of Object.entries(input.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    bytes += Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

describe('publishSummary', () => {
  it('publishes one JSON-structured message to the topic with a summary for programs and text for email', async () => {
    pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: pinpointJob() });

    const result = await publishSummary(eventFor(finishedRun({})), deps);

    const input = publishedInput();
    expect(input.TopicArn).toBe(TOPIC_ARN);
    expect(input.MessageStructure).toBe('json');
    const message = JSON.parse(input.Message!) as { default: string; email: string };
    expect(Object.keys(message).sort()).toEqual(['default', 'email']);
    const summary = JSON.parse(message.default) as ExportSummary;
    expect(summary).toEqual(buildSummary(eventFor(finishedRun({})), 'prod', pinpointJob()));
    expect(message.email).toContain(summary.headline);
    expect(message.email).toContain(`Execution ARN: ${EXECUTION_ID}`);
    expect(result).toEqual({
      status: 'COMPLETED',
      messageId: '5f1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d',
      subject: input.Subject,
      failure: null,
    });
  });

  it('sets filterable String message attributes', async () => {
    pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: pinpointJob() });

    await publishSummary(eventFor(finishedRun({})), deps);

    const attributes = publishedInput().MessageAttributes ?? {};
    for (const value of Object.values(attributes)) {
      expect(value.DataType).toBe('String');
      expect(value.BinaryValue).toBeUndefined();
    }
    expect(attributes).toMatchObject({
      status: { StringValue: 'COMPLETED' },
      stage: { StringValue: 'prod' },
      trigger: { StringValue: 'schedule' },
      hasFailures: { StringValue: 'false' },
      applicationId: { StringValue: APPLICATION_ID },
      segmentId: { StringValue: 'vip-customers' },
    });
  });

  it('flags hasFailures when a COMPLETED export had failed endpoints', async () => {
    pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: pinpointJob({ TotalFailures: 2 }) });

    await publishSummary(eventFor(finishedRun({})), deps);

    expect(publishedInput().MessageAttributes?.hasFailures?.StringValue).toBe('true');
  });

  it('re-reads the final job and uses its Failures', async () => {
    pinpointMock.on(GetExportJobCommand).resolves({
      ExportJobResponse: pinpointJob({ JobStatus: 'FAILED', TotalFailures: 3, Failures: FAILURES }),
    });

    const result = await publishSummary(eventFor(finishedRun({ JobStatus: 'FAILED' })), deps);

    expect(pinpointMock.commandCalls(GetExportJobCommand)[0]?.args[0].input).toEqual({
      ApplicationId: APPLICATION_ID,
      JobId: JOB_ID,
    });
    expect(publishedSummary().Failures).toEqual(FAILURES);
    expect(JSON.parse(publishedInput().Message!).email).toContain(`  - ${FAILURES[0]}`);
    expect(result.failure?.error).toBe('ExportJobFailed');
  });

  it('still publishes from the last snapshot when the final job cannot be re-read', async () => {
    pinpointMock
      .on(GetExportJobCommand)
      .rejects(
        new InternalServerErrorException({ message: 'Internal error', $metadata: { httpStatusCode: 500 } }),
      );
    const run = finishedRun({ JobStatus: 'FAILED', TotalFailures: 12 });

    const result = await publishSummary(eventFor(run), deps);

    expect(result.status).toBe('FAILED');
    expect(publishedSummary()).toMatchObject({
      status: 'FAILED',
      TotalFailures: 12,
      Failures: [],
      jobId: JOB_ID,
    });
  });

  it('does not call Pinpoint when the run never got a job (invalid input)', async () => {
    const result = await publishSummary(eventFor(invalidInputRun()), deps);

    expect(pinpointMock.calls()).toHaveLength(0);
    expect(result.status).toBe('ERROR');
    expect(publishedSummary().applicationId).toBe(APPLICATION_ID);
  });

  it('keeps the Subject ASCII, on one line and under 100 characters whatever the input holds', async () => {
    const input = {
      ...INVALID_INPUT,
      ExportJobRequest: {
        ...INVALID_INPUT.ExportJobRequest,
        SegmentId: 'Kunden München\r\nVIP 🎉 — très fidèles',
      },
    };

    const result = await publishSummary(eventFor(invalidInputRun(input)), deps);

    const subject = publishedInput().Subject!;
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject.length).toBeLessThan(100);
    expect(subject).toContain('[prod] Pinpoint export ERROR');
    expect(subject).toContain('Kunden Munchen VIP');
    expect(result.subject).toBe(subject);
  });

  it('truncates a Subject that would be 100 characters or more', async () => {
    const run = finishedRun({});
    run.request!.ExportJobRequest.SegmentId = 's'.repeat(64);
    pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: pinpointJob() });

    await publishSummary(eventFor(run), deps);

    const subject = publishedInput().Subject!;
    expect(subject).toHaveLength(99);
    expect(subject.endsWith('...')).toBe(true);
  });

  it('stays within the SNS size limit when the execution input carries huge values', async () => {
    const input = {
      ApplicationId: 'a'.repeat(60_000),
      ExportJobRequest: { SegmentId: 's'.repeat(60_000) },
      ScheduledTime: 't'.repeat(60_000),
    };
    const run = {
      Input: input,
      error: {
        Error: 'InvalidExportInputError',
        Cause: lambdaCause(
          'InvalidExportInputError',
          'ApplicationId: must be a Pinpoint project id (32 lowercase hex characters), got a 60000-character string',
        ),
      },
    };

    await publishSummary(eventFor(run), deps);

    const published = publishedInput();
    expect(messageBytes(published)).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    expect(published.Subject!.length).toBeLessThan(100);
  });

  it.each([
    {
      status: 'COMPLETED',
      run: () => finishedRun({}),
      job: pinpointJob(),
      failure: null,
    },
    {
      status: 'FAILED',
      run: () => finishedRun({ JobStatus: 'FAILED' }),
      job: pinpointJob({ JobStatus: 'FAILED', TotalFailures: 12, Failures: FAILURES }),
      failure: 'ExportJobFailed',
    },
    {
      status: 'TIMED_OUT',
      run: () =>
        finishedRun({ JobStatus: 'PROCESSING', CompletionDate: undefined }, { deadlinePassed: true }),
      job: pinpointJob({ JobStatus: 'PROCESSING', CompletionDate: undefined }),
      failure: 'ExportJobTimedOut',
    },
    {
      status: 'ERROR',
      run: () => ({ ...finishedRun({}), error: { Error: 'States.Timeout', Cause: 'Task timed out' } }),
      job: pinpointJob(),
      failure: 'ExportWorkflowError',
    },
  ])(
    'returns $status with failure error $failure for the Fail state',
    async ({ status, run, job, failure }) => {
      pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: job });

      const result = await publishSummary(eventFor(run()), deps);

      expect(result.status).toBe(status);
      if (failure === null) {
        expect(result.failure).toBeNull();
      } else {
        expect(result.failure).toEqual({ error: failure, cause: publishedSummary().headline });
      }
      expect(publishedInput().MessageAttributes?.status?.StringValue).toBe(status);
    },
  );

  it.each([
    {
      what: 'throttling to SnsThrottledError',
      error: () => new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } }),
      type: SnsThrottledError,
      name: 'SnsThrottledError',
    },
    {
      what: 'a 500 to SnsUnavailableError',
      error: () =>
        new InternalErrorException({ message: 'Internal error', $metadata: { httpStatusCode: 500 } }),
      type: SnsUnavailableError,
      name: 'SnsUnavailableError',
    },
    {
      what: 'a network error without a status to SnsUnavailableError',
      error: () =>
        Object.assign(new Error('getaddrinfo EAI_AGAIN sns.us-east-1.amazonaws.com'), { code: 'EAI_AGAIN' }),
      type: SnsUnavailableError,
      name: 'SnsUnavailableError',
    },
    {
      what: 'a missing topic to SnsPublishRejectedError',
      error: () =>
        new NotFoundException({ message: 'Topic does not exist', $metadata: { httpStatusCode: 404 } }),
      type: SnsPublishRejectedError,
      name: 'SnsPublishRejectedError',
    },
    {
      what: 'a denied publish to SnsPublishRejectedError',
      error: () =>
        new AuthorizationErrorException({
          message: 'User is not authorized to perform: SNS:Publish',
          $metadata: { httpStatusCode: 403 },
        }),
      type: SnsPublishRejectedError,
      name: 'SnsPublishRejectedError',
    },
  ])('maps $what', async ({ error, type, name }) => {
    const snsError = error();
    pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: pinpointJob() });
    snsMock.on(PublishCommand).rejects(snsError);

    const mapped = await rejectionOf(publishSummary(eventFor(finishedRun({})), deps));

    expect(mapped).toBeInstanceOf(type);
    expect(mapped.name).toBe(name);
    expect(mapped.message).toContain(snsError.message);
    expect(mapped.cause).toBe(snsError);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(1);
  });
});
