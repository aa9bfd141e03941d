import { Logger } from '@aws-lambda-powertools/logger';
import { GetExportJobCommand, InternalServerErrorException, PinpointClient } from '@aws-sdk/client-pinpoint';
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
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SnsPublishRejectedError, SnsThrottledError, SnsUnavailableError } from '../../core/errors.ts';
import { readSummaryMessage, SNS_MAX_MESSAGE_BYTES } from '../../core/sns-message.ts';
import type { ExportSummary } from '../../core/types.ts';
import { type PublishSummaryDeps, publishSummary } from '../../functions/publish-summary/publish-summary.ts';
import type { RunLedger } from '../../functions/shared/run-ledger.ts';
import type { PinpointRequest } from '../../sources/pinpoint/types.ts';
import { type LocalLedgerServer, startLocalLedgerServer } from '../ledger/local-ledger.ts';
import {
  APPLICATION_ID,
  EXECUTION_ID,
  EXECUTION_NAME,
  eventFor,
  FAILURES,
  finishedRun,
  INVALID_INPUT,
  invalidInputRun,
  JOB_ID,
  lambdaCause,
  pinpointJob,
  TOPIC_ARN,
} from './runs-at-publish.ts';
import { buildSummary } from './summary-of.ts';

const snsMock = mockClient(SNSClient);
const pinpointMock = mockClient(PinpointClient);
let deps: PublishSummaryDeps;
let ledgerServer: LocalLedgerServer;
let ledger: RunLedger;

beforeAll(async () => {
  ledgerServer = await startLocalLedgerServer();
});

afterAll(async () => {
  await ledgerServer.close();
});

beforeEach(async () => {
  ledger = await ledgerServer.ledger();
  snsMock.reset();
  pinpointMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: '5f1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d' });
  deps = {
    pinpoint: new PinpointClient({}),
    sns: new SNSClient({}),
    ledger,
    config: {
      stage: 'prod',
      topicArn: TOPIC_ARN,
      ledgerTableName: 'runs',
      metricsNamespace: 'ExportOrchestrator',
    },
    logger: new Logger({ serviceName: 'publish-summary', logLevel: 'SILENT' }),
  };
});

function publishedInput(): PublishCommandInput {
  const calls = snsMock.commandCalls(PublishCommand);
  expect(calls).toHaveLength(1);
  return calls[0]!.args[0].input;
}

function publishedSummary(): ExportSummary {
  const input = publishedInput();
  const { summary } = readSummaryMessage(input.Message ?? '', input.MessageAttributes);
  if (!summary) throw new Error('published a message without a summary');
  return summary;
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
  it('publishes one message to the topic with the summary for programs and the text for people', async () => {
    pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: pinpointJob() });

    const result = await publishSummary(eventFor(finishedRun({})), deps);

    const input = publishedInput();
    expect(input.TopicArn).toBe(TOPIC_ARN);
    const summary = publishedSummary();
    expect(summary).toEqual(buildSummary(eventFor(finishedRun({})), 'prod', pinpointJob()));
    expect(input.Message).toContain(summary.headline);
    expect(input.Message).toContain(`Execution ARN: ${EXECUTION_ID}`);
    expect(result).toEqual({
      status: 'COMPLETED',
      messageId: '5f1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d',
      subject: input.Subject,
      headline: summary.headline,
      advice: null,
      verdict: 'VERIFIED',
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
    expect(publishedInput().Message).toContain('First failures (3 of 3');
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
    expect(publishedSummary().sourceFields?.applicationId).toBe(APPLICATION_ID);
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
    // The outcome and the reason stay whole; what was exported is what is shortened.
    expect(subject).toMatch(
      /^\[prod\] Pinpoint export ERROR segment Kunden Munchen.*\.\.\.: invalid input: ExportJobRequest\.RoleArn$/,
    );
    expect(result.subject).toBe(subject);
  });

  it('shortens what was exported, never the outcome or the counts, in a Subject that would be 100 characters or more', async () => {
    const run = finishedRun({});
    (run.request as PinpointRequest).ExportJobRequest.SegmentId = 's'.repeat(64);
    pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: pinpointJob() });

    await publishSummary(eventFor(run), deps);

    const subject = publishedInput().Subject!;
    expect(subject).toHaveLength(99);
    expect(subject).toMatch(/^\[prod\] Pinpoint export COMPLETED segment s+\.\.\.: 48,210 exported$/);
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

describe('publishSummary and the run ledger', () => {
  const RUN = finishedRun({}).run!;

  /** A finished earlier night of the same target, as the ledger holds it. */
  async function earlierNight(day: string, status: string, totalProcessed: number) {
    const night = { ...RUN, source: 'pinpoint', scheduledTime: `${day}T02:00:00.000Z` };
    await ledger.claim(night, `exec-${day}`);
    await ledger.recordOutcome(night, {
      status,
      jobId: `job-${day}`,
      jobStatus: status,
      totalProcessed,
      totalFailures: 0,
      durationSeconds: 800,
      statusChecks: 9,
      summaryMessageId: `m-${day}`,
      finishedAt: `${day}T02:15:00.000Z`,
      headline: status,
    });
  }

  it("records the run's outcome, counts and message id on its ledger item after publishing", async () => {
    pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: pinpointJob() });
    await ledger.claim({ ...RUN, source: 'pinpoint' }, EXECUTION_NAME);

    await publishSummary(eventFor(finishedRun({})), deps);

    const item = await ledger.get(RUN);
    expect(item?.outcome).toMatchObject({
      status: 'COMPLETED',
      jobId: JOB_ID,
      totalProcessed: 48_210,
      totalFailures: 0,
      statusChecks: 9,
      summaryMessageId: '5f1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d',
      verdict: 'VERIFIED',
    });
  });

  it("records the job's setup and COMPLETING start from the poll state: the next run's prior", async () => {
    pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: pinpointJob() });
    await ledger.claim({ ...RUN, source: 'pinpoint' }, EXECUTION_NAME);
    const run = finishedRun({});
    run.poll = {
      ...run.poll,
      createdAt: '2026-11-28T02:00:08.734Z',
      setupMinSeconds: 100,
      setupMaxSeconds: 140,
      // The last check that saw PROCESSING, and the first that saw COMPLETING.
      finishingStartedAt: '2026-11-28T02:12:08.734Z',
      finishingSeenAt: '2026-11-28T02:12:48.734Z',
    };

    await publishSummary(eventFor(run), deps);

    const item = await ledger.get(RUN);
    expect(item?.outcome?.setupSeconds).toBe(120);
    expect(item?.outcome?.finishingStartedSeconds).toBe(740);
  });

  it('records no timing when the poll state has none', async () => {
    pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: pinpointJob() });
    await ledger.claim({ ...RUN, source: 'pinpoint' }, EXECUTION_NAME);

    await publishSummary(eventFor(finishedRun({})), deps);

    const item = await ledger.get(RUN);
    expect(item?.outcome?.setupSeconds).toBeUndefined();
    expect(item?.outcome?.finishingStartedSeconds).toBeUndefined();
  });

  it("compares the records with the target's previous COMPLETED night, skipping a failed one", async () => {
    pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: pinpointJob() });
    await earlierNight('2026-11-26', 'COMPLETED', 50_000);
    await earlierNight('2026-11-27', 'FAILED', 0);

    await publishSummary(eventFor(finishedRun({})), deps);

    const summary = publishedSummary();
    expect(summary.previousRun).toEqual({
      scheduledTime: '2026-11-26T02:00:00.000Z',
      TotalProcessed: 50_000,
      changePercent: -3.6,
    });
    expect(summary.headline).toContain('; -3.6 % against 2026-11-26; verified: 48,210 records in 8 files.');
    expect(summary.recordsDrop).toBe(false);
  });

  it('warns in the headline and the recordsDrop attribute when records drop more than the stage allows', async () => {
    pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: pinpointJob() });
    await earlierNight('2026-11-27', 'COMPLETED', 60_000);
    deps.config = { ...deps.config, recordsDropWarnPercent: 15 };

    await publishSummary(eventFor(finishedRun({})), deps);

    const summary = publishedSummary();
    expect(summary.recordsDrop).toBe(true);
    expect(summary.headline).toMatch(
      /^WARNING, fewer records than last time: Exported 48,210 .*-19.6 % against 2026-11-27; verified: .*\.$/,
    );
    expect(publishedInput().MessageAttributes?.recordsDrop).toEqual({
      DataType: 'String',
      StringValue: 'true',
    });
  });

  it('still publishes, without a comparison, when the ledger cannot be reached', async () => {
    pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: pinpointJob() });
    await ledgerServer.close();
    ledgerServer = await startLocalLedgerServer();

    const result = await publishSummary(eventFor(finishedRun({})), deps);

    expect(result.status).toBe('COMPLETED');
    expect(publishedSummary().previousRun).toBeNull();
  });
});
