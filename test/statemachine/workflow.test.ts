import { Readable } from 'node:stream';
import {
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
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { InternalErrorException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { readSummaryMessage } from '../../core/sns-message.ts';
import type { ExportSummary } from '../../core/types.ts';
import { createLedgerTable } from '../../dev/emulator/dynamodb.ts';
import type { LambdaHandler } from '../../dev/local/lambda-binding.ts';
import { loadHandlers, startExecution, type TaskState } from '../../dev/local/workflow.ts';
import { type LocalLedgerServer, startLocalLedgerServer } from '../ledger/local-ledger.ts';

/*
 * The deployed ASL file run by aws-local-stepfunctions with the real handlers
 * bound in-process; the handlers' SDK clients are mocked with aws-sdk-client-mock.
 * (The same workflow against the HTTP emulator is in test/e2e.)
 */

const APP = '7f3c0a1b2c3d4e5f60718293a4b5c6d7';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:export-summaries';
const INPUT = { ApplicationId: APP, ScheduledTime: '2026-11-28T02:00:00Z' };
const NO_WAIT = { WaitForExportJob: 5 };
const NO_RETRY_WAIT = {
  CreateExportJob: 0,
  GetExportJobStatus: 0,
  VerifyExport: 0,
  CountExportBatch: 0,
  FinishVerification: 0,
  PublishSummary: 0,
};

const pinpoint = mockClient(PinpointClient);
const sns = mockClient(SNSClient);
const s3 = mockClient(S3Client);

/** The job's folder in S3 holds one gzip-less NDJSON file of `records` lines. */
function exportFiles(records: number): void {
  const text = Array.from({ length: records }, (_, i) => `{"Id":"e-${i}"}\n`).join('');
  s3.on(ListObjectsV2Command).resolves({
    Contents: [
      { Key: `pinpoint/${APP}/2026-11-28/job-0001/part-00001.json`, Size: text.length, ETag: '"e"' },
    ],
    IsTruncated: false,
  });
  s3.on(GetObjectCommand).callsFake(async () => ({
    // The SDK's Body is a Node Readable with helpers; the verification only iterates it.
    Body: Readable.from([Buffer.from(text)]) as never,
  }));
}
let handlers: Record<TaskState, LambdaHandler>;

// The run ledger is a real DynamoDB (dynalite over HTTP); each test gets a fresh table, and
// handlers loaded afresh to read it (a run of INPUT is the same run in every test).
let ledgerServer: LocalLedgerServer;
let tables = 0;

beforeAll(async () => {
  ledgerServer = await startLocalLedgerServer();
});

afterAll(async () => {
  await ledgerServer.close();
});

beforeEach(async () => {
  const table = `workflow-runs-${++tables}`;
  await createLedgerTable(ledgerServer.endpoint, table);
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', ledgerServer.endpoint);
  vi.stubEnv('RUN_LEDGER_TABLE', table);
  vi.stubEnv('SUMMARY_TOPIC_ARN', TOPIC);
  vi.stubEnv('STAGE', 'test');
  vi.stubEnv('DEFAULT_ROLE_ARN', 'arn:aws:iam::123456789012:role/pinpoint-export');
  vi.stubEnv('DEFAULT_S3_URL_PREFIX', 's3://exports-bucket/pinpoint/{ApplicationId}/{date}/');
  vi.stubEnv('POLL_MIN_WAIT_SECONDS', '1');
  vi.stubEnv('POLL_MAX_WAIT_SECONDS', '2');
  vi.stubEnv('RUN_DEADLINE_SECONDS', '1');
  handlers = await loadHandlers();
});

function job(overrides: Partial<ExportJobResponse> = {}): ExportJobResponse {
  return {
    Id: 'job-0001',
    ApplicationId: APP,
    JobStatus: 'CREATED',
    CreationDate: new Date().toISOString(),
    Type: 'EXPORT',
    Definition: {
      RoleArn: 'arn:aws:iam::123456789012:role/pinpoint-export',
      S3UrlPrefix: `s3://exports-bucket/pinpoint/${APP}/2026-11-28/`,
    },
    ...overrides,
  };
}

function published(): { summary: ExportSummary; attributes: Record<string, unknown>; subject: string }[] {
  return sns.commandCalls(PublishCommand).map((call) => {
    const input = call.args[0].input;
    const { summary } = readSummaryMessage(input.Message ?? '', input.MessageAttributes);
    if (!summary) throw new Error('published a message without a summary');
    return {
      summary,
      attributes: input.MessageAttributes ?? {},
      subject: input.Subject ?? '',
    };
  });
}

function run(input: unknown = INPUT) {
  return startExecution(input, {
    handlers,
    waitTimeOverrides: NO_WAIT,
    retryIntervalOverrides: NO_RETRY_WAIT,
  }).result;
}

beforeEach(() => {
  pinpoint.reset();
  sns.reset();
  pinpoint.on(GetExportJobsCommand).resolves({ ExportJobsResponse: { Item: [] } });
  pinpoint.on(CreateExportJobCommand).resolves({ ExportJobResponse: job() });
  sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });
  // A job that reports no records and wrote no files: VERIFIED (nothing to count).
  s3.reset();
  s3.on(ListObjectsV2Command).resolves({ IsTruncated: false });
  s3.on(PutObjectCommand).resolves({ ETag: '"m"' });
});

describe('the export workflow on the local engine', () => {
  it('publishes one COMPLETED summary and succeeds when the job completes', async () => {
    pinpoint
      .on(GetExportJobCommand)
      .resolvesOnce({
        ExportJobResponse: job({ JobStatus: 'PROCESSING', TotalPieces: 4, CompletedPieces: 1 }),
      })
      .resolves({
        ExportJobResponse: job({
          JobStatus: 'COMPLETED',
          TotalPieces: 4,
          CompletedPieces: 4,
          TotalProcessed: 1200,
          TotalFailures: 0,
          CompletionDate: new Date().toISOString(),
        }),
      });

    exportFiles(1200);

    const result = await run();

    expect(result.status).toBe('SUCCEEDED');
    expect(pinpoint.commandCalls(CreateExportJobCommand)).toHaveLength(1);
    const [message, ...more] = published();
    expect(more).toHaveLength(0);
    expect(message?.summary).toMatchObject({
      status: 'COMPLETED',
      TotalProcessed: 1200,
      jobId: 'job-0001',
      statusChecks: 2,
      verification: { verdict: 'VERIFIED', files: 1, records: 1200, expected: 1200 },
    });
    expect(message?.attributes.status).toEqual({ DataType: 'String', StringValue: 'COMPLETED' });
    expect(message?.attributes.verification).toEqual({ DataType: 'String', StringValue: 'VERIFIED' });
    // The job's own folder under the resolved prefix; the manifest beside its files, written after them.
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toMatchObject({
      Bucket: 'exports-bucket',
      Prefix: `pinpoint/${APP}/2026-11-28/job-0001/`,
    });
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Key).toBe(
      `pinpoint/${APP}/2026-11-28/job-0001/_manifest.json`,
    );
  });

  it('publishes a MISMATCH summary and fails the execution when the files hold fewer records than reported', async () => {
    pinpoint.on(GetExportJobCommand).resolves({
      ExportJobResponse: job({ JobStatus: 'COMPLETED', TotalProcessed: 1200, TotalFailures: 0 }),
    });
    exportFiles(1100);

    const result = await run();

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ExportVerificationMismatch');
    expect(result.cause).toContain('100 missing');
    const [message, ...more] = published();
    expect(more).toHaveLength(0);
    expect(message?.summary.status).toBe('MISMATCH');
    expect(message?.attributes.status).toEqual({ DataType: 'String', StringValue: 'MISMATCH' });
    expect(message?.summary.verification).toMatchObject({
      verdict: 'MISMATCH',
      records: 1100,
      expected: 1200,
    });
    expect(message?.subject).toContain('MISMATCH');
    expect(message?.attributes.verification).toEqual({ DataType: 'String', StringValue: 'MISMATCH' });
  });

  it('publishes an UNVERIFIED summary and fails the execution, saying the verification could not run, when S3 refuses it (caught)', async () => {
    pinpoint.on(GetExportJobCommand).resolves({
      ExportJobResponse: job({ JobStatus: 'COMPLETED', TotalProcessed: 10, TotalFailures: 0 }),
    });
    s3.on(ListObjectsV2Command).rejects(
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        message: 'User is not authorized to perform: s3:ListBucket',
        $metadata: { httpStatusCode: 403 },
      }),
    );

    const result = await run();

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ExportUnverified');
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(1);
    const [message, ...more] = published();
    expect(more).toHaveLength(0);
    expect(message?.summary).toMatchObject({ status: 'UNVERIFIED', jobStatus: 'COMPLETED', error: null });
    expect(message?.summary.verification?.verdict).toBe('UNVERIFIED');
    expect(message?.summary.verification?.note).toMatch(
      /^the verification could not run: access denied \(S3RequestRejectedError\)/,
    );
  });

  it('retries S3 unavailability during the verification, then verifies', async () => {
    // A job that reported 0 records and wrote none: VERIFIED (without a reported count, COUNTED 0).
    pinpoint.on(GetExportJobCommand).resolves({
      ExportJobResponse: job({ JobStatus: 'COMPLETED', TotalProcessed: 0, TotalFailures: 0 }),
    });
    s3.on(ListObjectsV2Command)
      .rejectsOnce(
        new S3ServiceException({
          name: 'SlowDown',
          $fault: 'server',
          message: 'Please reduce your request rate.',
          $metadata: { httpStatusCode: 503 },
        }),
      )
      .resolves({ IsTruncated: false });

    const result = await run();

    expect(result.status).toBe('SUCCEEDED');
    // VerifyExport's throttled listing and its retry, then FinishVerification's (no files: no batch to count).
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(3);
    expect(published()[0]?.summary.verification?.verdict).toBe('VERIFIED');
  });

  it('publishes a FAILED summary with the Failures and fails the execution when the job fails', async () => {
    const failures = ['Endpoint e-17: invalid ChannelType', 'Endpoint e-42: missing Address'];
    pinpoint.on(GetExportJobCommand).resolves({
      ExportJobResponse: job({
        JobStatus: 'FAILED',
        TotalFailures: 2,
        TotalProcessed: 98,
        Failures: failures,
        FailedPieces: 1,
      }),
    });

    const result = await run();

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ExportJobFailed');
    const [message, ...more] = published();
    expect(more).toHaveLength(0);
    expect(message?.summary).toMatchObject({ status: 'FAILED', TotalFailures: 2, Failures: failures });
  });

  it('retries a throttled CreateExportJob, looking for the job an attempt may have created before each retry', async () => {
    pinpoint
      .on(CreateExportJobCommand)
      .rejectsOnce(
        new TooManyRequestsException({ message: 'Too many requests', $metadata: { httpStatusCode: 429 } }),
      )
      .rejectsOnce(
        new TooManyRequestsException({ message: 'Too many requests', $metadata: { httpStatusCode: 429 } }),
      )
      .resolves({ ExportJobResponse: job() });
    pinpoint.on(GetExportJobCommand).resolves({ ExportJobResponse: job({ JobStatus: 'COMPLETED' }) });

    const result = await run();

    expect(result.status).toBe('SUCCEEDED');
    expect(pinpoint.commandCalls(CreateExportJobCommand)).toHaveLength(3);
    // The first attempt claimed the run in the ledger: nothing to look for. Each retry holds
    // that claim, so it looks first.
    expect(pinpoint.commandCalls(GetExportJobsCommand)).toHaveLength(2);
    expect(result.events.filter((e) => e.type === 'StateRetried')).toHaveLength(2);
    expect(published()).toHaveLength(1);
  });

  it('does not retry a Forbidden CreateExportJob and publishes an ERROR summary that says what to do', async () => {
    pinpoint
      .on(CreateExportJobCommand)
      .rejects(
        new ForbiddenException({ message: 'Unable to assume role', $metadata: { httpStatusCode: 403 } }),
      );

    const result = await run();

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ExportWorkflowError');
    expect(pinpoint.commandCalls(CreateExportJobCommand)).toHaveLength(1);
    const [message] = published();
    expect(message?.summary.status).toBe('ERROR');
    expect(message?.summary.error?.name).toBe('PinpointRequestRejectedError');
    expect(message?.summary.error?.message).toContain('Unable to assume role');
    expect(message?.summary.error?.reason).toBe('role cannot be assumed');
    expect(message?.summary.error?.advice).toMatch(/trust policy must allow pinpoint\.amazonaws\.com/);
  });

  it('rejects bad input before calling Pinpoint and still publishes an ERROR summary naming the field', async () => {
    const result = await run({ ApplicationId: APP, ExportJobRequest: { SegmentVersion: 3 } });

    expect(result.status).toBe('FAILED');
    expect(pinpoint.calls()).toHaveLength(0);
    const [message] = published();
    expect(message?.summary.status).toBe('ERROR');
    expect(message?.summary.error?.name).toBe('InvalidExportInputError');
    expect(message?.summary.error?.message).toContain('ExportJobRequest.SegmentVersion');
    expect(message?.summary.sourceFields?.applicationId).toBe(APP);
  });

  it('publishes a TIMED_OUT summary when the deadline passes before the job ends', async () => {
    pinpoint
      .on(GetExportJobCommand)
      .resolves({ ExportJobResponse: job({ JobStatus: 'PROCESSING', TotalPieces: 8, CompletedPieces: 1 }) });

    const result = await startExecution(INPUT, {
      handlers,
      waitTimeOverrides: { WaitForExportJob: 150 },
      retryIntervalOverrides: NO_RETRY_WAIT,
    }).result;

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ExportJobTimedOut');
    const [message, ...more] = published();
    expect(more).toHaveLength(0);
    expect(message?.summary.status).toBe('TIMED_OUT');
    expect(message?.summary.statusChecks).toBeGreaterThanOrEqual(2);
    expect(message?.summary.statusChecks).toBeLessThan(50);
  });

  it('fails the execution visibly when SNS stays unavailable, after retrying the publish', async () => {
    pinpoint.on(GetExportJobCommand).resolves({ ExportJobResponse: job({ JobStatus: 'COMPLETED' }) });
    sns
      .on(PublishCommand)
      .rejects(new InternalErrorException({ message: 'boom', $metadata: { httpStatusCode: 500 } }));

    const result = await run();

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('SnsUnavailableError');
    // One attempt plus the 8 retries of the ASL's SNS retrier.
    expect(sns.commandCalls(PublishCommand)).toHaveLength(9);
  });

  it.for(['Lambda.Unknown', 'Lambda.ClientExecutionTimeoutException', 'Sandbox.Timedout'])(
    'recovers a create that succeeded but timed out (%s): the retry finds the job, one job, COMPLETED',
    async (timeoutError) => {
      // The first attempt creates the job, then its answer is lost to a function timeout.
      let attempts = 0;
      const slowCreate: LambdaHandler = async (event, context) => {
        const result = await handlers.CreateExportJob(event, context);
        attempts++;
        if (attempts === 1)
          throw Object.assign(new Error('Task timed out after 30.00 seconds'), { name: timeoutError });
        return result;
      };
      pinpoint
        .on(GetExportJobsCommand)
        .resolvesOnce({ ExportJobsResponse: { Item: [] } })
        .resolves({ ExportJobsResponse: { Item: [job()] } });
      pinpoint.on(GetExportJobCommand).resolves({ ExportJobResponse: job({ JobStatus: 'COMPLETED' }) });

      const result = await startExecution(INPUT, {
        handlers: { ...handlers, CreateExportJob: slowCreate },
        waitTimeOverrides: NO_WAIT,
        retryIntervalOverrides: NO_RETRY_WAIT,
      }).result;

      expect(result.status).toBe('SUCCEEDED');
      expect(pinpoint.commandCalls(CreateExportJobCommand)).toHaveLength(1);
      const [message, ...more] = published();
      expect(more).toHaveLength(0);
      expect(message?.summary).toMatchObject({ status: 'COMPLETED', jobId: 'job-0001', jobReused: true });
    },
  );

  it('retries a publish that timed out: a second summary rather than none (the timed-out attempt may have published)', async () => {
    pinpoint.on(GetExportJobCommand).resolves({ ExportJobResponse: job({ JobStatus: 'COMPLETED' }) });
    let attempts = 0;
    const slowPublish: LambdaHandler = async (event, context) => {
      const result = await handlers.PublishSummary(event, context);
      attempts++;
      if (attempts === 1) throw Object.assign(new Error('Task timed out'), { name: 'Lambda.Unknown' });
      return result;
    };

    const result = await startExecution(INPUT, {
      handlers: { ...handlers, PublishSummary: slowPublish },
      waitTimeOverrides: NO_WAIT,
      retryIntervalOverrides: NO_RETRY_WAIT,
    }).result;

    expect(result.status).toBe('SUCCEEDED');
    expect(published().map((m) => m.summary.status)).toEqual(['COMPLETED', 'COMPLETED']);
  });

  it('fails fast on a bug in our own code: not retried, ERROR summary calling it an orchestrator bug', async () => {
    pinpoint
      .on(CreateExportJobCommand)
      .rejects(new TypeError("Cannot read properties of undefined (reading 'Item')"));

    const result = await run();

    expect(result.status).toBe('FAILED');
    expect(result.events.filter((e) => e.type === 'StateRetried')).toHaveLength(0);
    expect(pinpoint.commandCalls(CreateExportJobCommand)).toHaveLength(1);
    const [message] = published();
    expect(message?.summary.error).toMatchObject({
      name: 'OrchestratorBugError',
      reason: 'orchestrator bug',
    });
    expect(message?.summary.error?.advice).toMatch(/bug in the orchestrator/);
  });

  it('reports an error after the job exists with the job and its last status, and advice that is true', async () => {
    pinpoint
      .on(GetExportJobCommand)
      .rejects(
        new InternalServerErrorException({ message: 'Internal error', $metadata: { httpStatusCode: 502 } }),
      );

    const result = await run();

    expect(result.status).toBe('FAILED');
    // 502 is retried: one attempt plus the Pinpoint retrier's 6.
    expect(pinpoint.commandCalls(GetExportJobCommand).length).toBeGreaterThanOrEqual(7);
    const [message] = published();
    const summary = message?.summary;
    expect(summary?.status).toBe('ERROR');
    expect(summary?.headline).not.toMatch(/did not run/);
    expect(summary?.headline).toMatch(/export job-0001 .* was last seen CREATED .*service unavailable/);
    expect(summary?.error?.advice).toContain('aws pinpoint get-export-job');
    expect(summary?.error?.advice).toContain('--scheduled-time 2026-11-28T02:00:00.000Z');
    expect(summary?.error?.advice).not.toMatch(/no duplicate/i);
  });

  it('ends with a summary, every state small, for a ~250 KB input (an unknown field with a 250,000-character name)', async () => {
    const sizes: number[] = [];
    const measured = Object.fromEntries(
      (Object.keys(handlers) as TaskState[]).map((state) => [
        state,
        (async (event, context) => {
          sizes.push(JSON.stringify(event).length);
          const result = await handlers[state](event, context);
          sizes.push(JSON.stringify(result ?? null).length);
          return result;
        }) satisfies LambdaHandler,
      ]),
    ) as Record<TaskState, LambdaHandler>;
    const input = { ...INPUT, ['k'.repeat(250_000)]: 'v' };
    expect(JSON.stringify(input).length).toBeGreaterThan(250_000);

    const result = await startExecution(input, {
      handlers: measured,
      waitTimeOverrides: NO_WAIT,
      retryIntervalOverrides: NO_RETRY_WAIT,
    }).result;

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ExportWorkflowError');
    const [message] = published();
    expect(message?.summary.error?.name).toBe('InvalidExportInputError');
    expect(message?.summary.error?.message.length).toBeLessThan(300);
    expect(message?.summary.error?.reason.length).toBeLessThanOrEqual(60);
    // Past CreateExportJob (which reads the input from the context object) nothing carries it.
    const outputs = result.events.flatMap((e) =>
      e.type === 'StateExited' && 'state' in e ? [JSON.stringify(e.state.output ?? null).length] : [],
    );
    expect(Math.max(...outputs)).toBeLessThan(16_000);
    expect(sizes.slice(1).every((size) => size < 16_000)).toBe(true);
  });

  it('reads a caught Pinpoint rejection on a status check as the job it was (application deleted mid-run)', async () => {
    pinpoint
      .on(GetExportJobCommand)
      .rejects(new NotFoundException({ message: 'Job not found', $metadata: { httpStatusCode: 404 } }));

    const result = await run();

    expect(result.status).toBe('FAILED');
    const [message] = published();
    expect(message?.summary.error?.reason).toBe('export job not found');
    expect(message?.summary.jobId).toBe('job-0001');
  });
});
