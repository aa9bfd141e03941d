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
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  appendInputFacts,
  formatExplainedMessage,
  SnsPublishRejectedError,
  SnsThrottledError,
  SnsUnavailableError,
} from '../../core/errors.ts';
import { readSummaryMessage, SNS_MAX_MESSAGE_BYTES } from '../../core/sns-message.ts';
import type {
  ExportSummary,
  JobSnapshot,
  PublishSummaryEvent,
  RunState,
  VerificationResult,
} from '../../core/types.ts';
import { type PublishSummaryDeps, publishSummary } from '../../functions/publish-summary/publish-summary.ts';
import type { RunLedger } from '../../functions/shared/run-ledger.ts';
import { rawInputFacts } from '../../sources/input.ts';
import type { PinpointRequest } from '../../sources/pinpoint/types.ts';
import { type LocalLedgerServer, startLocalLedgerServer } from '../ledger/local-ledger.ts';
import { buildSummary } from './summary-of.ts';

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
    run: {
      target: `pinpoint#${APPLICATION_ID}#vip-customers#latest#0123456789ab`,
      targetName: 'nightly-vip',
      scheduledTime: '2026-11-28T02:00:00.000Z',
      attempt: 1,
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
    // VerifyExport runs after every COMPLETED job (IsExportJobDone → VerifyExport → PublishSummary).
    ...((job.JobStatus ?? 'COMPLETED') === 'COMPLETED' && { verification: VERIFIED }),
  };
}

const VERIFIED: VerificationResult = {
  verdict: 'VERIFIED',
  location: `${PREFIX}${JOB_ID}/`,
  files: 8,
  bytes: 9_876_543,
  records: 48_210,
  countedFiles: 8,
  expected: 48_210,
  manifestUri: `${PREFIX}${JOB_ID}/_manifest.json`,
  note: '8 files, 9.4 MB, 48,210 records: as Pinpoint reported 48,210 (TotalProcessed - TotalFailures)',
};

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

/**
 * The state after CreateExportJob's Catch and CaptureCreateError: only the error, whose
 * message ends with what create-export-job's handler saw of the raw input.
 */
function createErrorRun(input: unknown, errorType: string, message: string): PublishSummaryEvent['Run'] {
  return {
    error: {
      Error: errorType,
      Cause: lambdaCause(errorType, appendInputFacts(message, rawInputFacts(input))),
    },
  };
}

function invalidInputRun(input: unknown = INVALID_INPUT): PublishSummaryEvent['Run'] {
  return createErrorRun(input, 'InvalidExportInputError', INVALID_INPUT_MESSAGE);
}

describe('buildSummary', () => {
  it('names the cause in words in the headline, not the long error message (kept whole in error.message)', () => {
    const long = `Pinpoint said: ${'x'.repeat(5_000)}`;
    const run = createErrorRun(INVALID_INPUT, 'PinpointRequestRejectedError', long);

    const summary = buildSummary(eventFor(run), 'prod', undefined);

    expect(summary.error?.message).toBe(long);
    expect(summary.headline).toBe(
      `The Pinpoint export of segment vip-customers of ${APPLICATION_ID} did not run: request rejected (PinpointRequestRejectedError).`,
    );
  });

  it('says the end of support once in the advice, not again in the headline, and never cuts it mid-word', () => {
    const pinpoint =
      'Amazon Pinpoint engagement features (endpoints, segments, campaigns, journeys and export jobs) reached end of support on October 30, 2026 and are no longer available for application x.';
    const message = formatExplainedMessage(
      `Pinpoint rejected CreateExportJob (ForbiddenException, HTTP 403): ${pinpoint}`,
      { reason: 'end of support', advice: 'Disable this schedule (end of support on 2026-10-30).' },
    );
    const run = createErrorRun(INVALID_INPUT, 'PinpointRequestRejectedError', message);

    const summary = buildSummary(eventFor(run), 'prod', undefined);

    expect(summary.error).toMatchObject({
      reason: 'end of support',
      message: `Pinpoint rejected CreateExportJob (ForbiddenException, HTTP 403): ${pinpoint}`,
    });
    expect(summary.error?.advice.match(/end of support/g)).toHaveLength(1);
    expect(summary.headline).toBe(
      `The Pinpoint export of segment vip-customers of ${APPLICATION_ID} did not run: end of support (PinpointRequestRejectedError).`,
    );
    const all = `${summary.headline}\n${summary.error?.message}\n${summary.error?.advice}`;
    expect(all.match(/reached end of support/g)).toHaveLength(1);
  });

  it('summarises a COMPLETED export', () => {
    const summary = buildSummary(eventFor(finishedRun({})), 'prod', pinpointJob());

    expect(summary).toEqual<ExportSummary>({
      status: 'COMPLETED',
      headline: `Exported 48,210 endpoints (segment vip-customers of ${APPLICATION_ID}) to ${PREFIX}; verified: 48,210 records in 8 files.`,
      stage: 'prod',
      source: 'pinpoint',
      service: 'Pinpoint',
      what: `segment vip-customers of ${APPLICATION_ID}`,
      details: null,
      target: 'nightly-vip',
      previousRun: null,
      recordsDrop: false,
      sourceFields: { applicationId: APPLICATION_ID, segmentId: 'vip-customers', segmentVersion: null },
      sourceAttributes: { applicationId: APPLICATION_ID, segmentId: 'vip-customers' },
      jobId: JOB_ID,
      jobStatus: 'COMPLETED',
      jobReused: false,
      s3UrlPrefix: PREFIX,
      TotalProcessed: 48_210,
      TotalFailures: 0,
      exported: 48_210,
      failurePercent: 0,
      maxFailurePercent: 1,
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
      verification: {
        verdict: 'VERIFIED',
        files: 8,
        bytes: 9_876_543,
        records: 48_210,
        expected: 48_210,
        manifestUri: `${PREFIX}${JOB_ID}/_manifest.json`,
        note: VERIFIED.note,
      },
      error: null,
      advice: null,
      links: {
        execution: `https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${EXECUTION_ID}`,
        s3: expect.stringMatching(/^https:\/\/s3\.console\.aws\.amazon\.com\/s3\/buckets\//),
        dashboard: null,
        runbook: null,
      },
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
      `The Pinpoint export ${JOB_ID} of segment vip-customers of ${APPLICATION_ID} FAILED: 12 endpoints failed, 48,198 processed.`,
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
      `The Pinpoint export ${JOB_ID} of segment vip-customers of ${APPLICATION_ID} did not finish in time: last seen PROCESSING, 5/8 pieces, after 120 checks.`,
    );
  });

  it('summarises TIMED_OUT from the snapshot when the job could not be re-read and is not terminal', () => {
    const run = finishedRun({ JobStatus: 'COMPLETING', CompletionDate: undefined }, { checks: 1000 });

    const summary = buildSummary(eventFor(run), 'prod', undefined);

    expect(summary).toMatchObject({ status: 'TIMED_OUT', jobStatus: 'COMPLETING', statusChecks: 1000 });
  });

  it('is UNVERIFIED, not COMPLETED, when the job completed between the last check and the summary (its files were never checked)', () => {
    const run = finishedRun({ JobStatus: 'COMPLETING', CompletionDate: undefined }, { deadlinePassed: true });

    const summary = buildSummary(eventFor(run), 'prod', pinpointJob());

    expect(summary.status).toBe('UNVERIFIED');
    expect(summary.jobStatus).toBe('COMPLETED');
    expect(summary.verification?.note).toMatch(/seen COMPLETED only when the summary re-read it/);
    expect(summary.advice).toMatch(/its files were not verified/);
  });

  it('says MISMATCH plainly in the headline when the files hold fewer records than Pinpoint reported', () => {
    const note =
      '8 files, 9.4 MB hold 48,000 records, but Pinpoint reported 48,210 (TotalProcessed - TotalFailures): 210 missing';
    const run = {
      ...finishedRun({}),
      verification: { ...VERIFIED, verdict: 'MISMATCH' as const, records: 48_000, note },
    };

    const summary = buildSummary(eventFor(run), 'prod', pinpointJob());

    expect(summary.status).toBe('MISMATCH');
    expect(summary.jobStatus).toBe('COMPLETED');
    expect(summary.verification).toMatchObject({ verdict: 'MISMATCH', records: 48_000, expected: 48_210 });
    expect(summary.advice).toMatch(/^Do not use these files as a complete copy/);
    expect(summary.headline).toBe(
      `MISMATCH: The Pinpoint export ${JOB_ID} of segment vip-customers of ${APPLICATION_ID} COMPLETED, but what it wrote to ${PREFIX} differs from what it reported: ${note}.`,
    );
  });

  it('is UNVERIFIED when the records were not counted (NOT_COUNTED), naming the files and bytes', () => {
    const run = {
      ...finishedRun({}),
      verification: {
        ...VERIFIED,
        verdict: 'NOT_COUNTED' as const,
        records: null,
        countedFiles: 3,
        note: '8 files, 9.4 MB; records not counted: 5 not reached in the 280 s counting budget',
      },
    };

    const summary = buildSummary(eventFor(run), 'prod', pinpointJob());

    expect(summary.verification).toMatchObject({
      verdict: 'NOT_COUNTED',
      files: 8,
      bytes: 9_876_543,
      records: null,
    });
    expect(summary.status).toBe('UNVERIFIED');
    expect(summary.headline).toMatch(
      /^UNVERIFIED: The Pinpoint export .* COMPLETED, exporting 48,210 endpoints to .*, but its files were not verified: 8 files, 9\.4 MB; records not counted: 5 not reached in the 280 s counting budget\.$/,
    );
  });

  it('summarises a completed job whose verification failed through every retry as UNVERIFIED, saying why', () => {
    const { verification: _, ...completed } = finishedRun({});
    const run = {
      ...completed,
      verificationError: {
        Error: 'S3RequestRejectedError',
        Cause: lambdaCause(
          'S3RequestRejectedError',
          formatExplainedMessage('S3 rejected ListObjectsV2 (AccessDenied, HTTP 403): Access Denied', {
            reason: 'access denied',
            advice: 'Grant s3:ListBucket.',
          }),
        ),
      },
    };

    const summary = buildSummary(eventFor(run), 'prod', pinpointJob());

    expect(summary.status).toBe('UNVERIFIED');
    expect(summary.error).toBeNull();
    expect(summary.verification).toEqual({
      verdict: 'UNVERIFIED',
      files: null,
      bytes: null,
      records: null,
      expected: null,
      manifestUri: null,
      note: 'the verification could not run: access denied (S3RequestRejectedError). Grant s3:ListBucket.',
    });
    expect(summary.headline).toMatch(
      /but its files were not verified: the verification could not run: access denied \(S3RequestRejectedError\)\. Grant s3:ListBucket\.\.?$/,
    );
  });

  it('keeps the provisional verdict when a later verification step failed, saying where it stopped (UNVERIFIED)', () => {
    const run = {
      ...finishedRun({}),
      verification: {
        ...VERIFIED,
        verdict: 'NOT_COUNTED' as const,
        records: null,
        countedFiles: 0,
        note: '8 files, 9.4 MB checked; the count did not finish',
      },
      verificationError: { Error: 'States.Timeout', Cause: 'the Map timed out' },
    };

    const summary = buildSummary(eventFor(run), 'prod', pinpointJob());

    expect(summary.status).toBe('UNVERIFIED');
    expect(summary.verification?.note).toBe(
      '8 files, 9.4 MB checked; the count did not finish; the verification stopped there: function timed out (States.Timeout)',
    );
  });

  it('carries no verification for a summary that is not COMPLETED', () => {
    const summary = buildSummary(
      eventFor(finishedRun({ JobStatus: 'FAILED' })),
      'prod',
      pinpointJob({ JobStatus: 'FAILED' }),
    );

    expect(summary.verification).toBeNull();
  });

  it('summarises ERROR from a caught Lambda error, reading reason and advice back from its JSON Cause', () => {
    const detail = 'Pinpoint rejected GetExportJob (AccessDeniedException, HTTP 403): User is not authorized';
    const run = {
      ...finishedRun({ JobStatus: 'PROCESSING', CompletionDate: undefined }),
      error: {
        Error: 'PinpointRequestRejectedError',
        Cause: lambdaCause(
          'PinpointRequestRejectedError',
          formatExplainedMessage(detail, { reason: 'access denied', advice: 'Grant the permission.' }),
        ),
      },
    };

    const summary = buildSummary(eventFor(run), 'prod', undefined);

    expect(summary.status).toBe('ERROR');
    expect(summary.error).toEqual({
      name: 'PinpointRequestRejectedError',
      message: detail,
      reason: 'access denied',
      advice: expect.stringMatching(/^Grant the permission\. The export job /),
    });
    expect(summary.jobId).toBe(JOB_ID);
  });

  it('after the job exists: the headline reports its last known status, the advice how to check and re-run it truthfully', () => {
    const run = {
      ...finishedRun({ JobStatus: 'PROCESSING', CompletionDate: undefined }),
      error: { Error: 'States.Timeout', Cause: 'Task timed out after 60.00 seconds' },
    };

    const summary = buildSummary(eventFor(run), 'prod', undefined);

    expect(summary.headline).toBe(
      `The Pinpoint export ${JOB_ID} of segment vip-customers of ${APPLICATION_ID} was last seen PROCESSING when the workflow stopped: function timed out (States.Timeout).`,
    );
    expect(summary.error?.advice).toContain(
      `The export job ${JOB_ID} was last seen PROCESSING and may still finish on its own: check it with \`aws pinpoint get-export-job --application-id ${APPLICATION_ID} --job-id ${JOB_ID}\``,
    );
    expect(summary.error?.advice).toContain(
      'A re-run with the same ScheduledTime (`--scheduled-time 2026-11-28T02:00:00.000Z`) reuses it',
    );
    expect(summary.error?.advice).not.toMatch(/no duplicate|did not run/);
  });

  it('reports the status of the job as re-read at the end, and that a FAILED job is redone by a re-run', () => {
    const run = {
      ...finishedRun({ JobStatus: 'PROCESSING', CompletionDate: undefined }),
      error: { Error: 'States.Timeout', Cause: 'Task timed out after 60.00 seconds' },
    };

    const summary = buildSummary(eventFor(run), 'prod', pinpointJob({ JobStatus: 'FAILED' }));

    expect(summary.headline).toContain('was last seen FAILED');
    expect(summary.error?.advice).toContain('a re-run with the same ScheduledTime');
    expect(summary.error?.advice).toContain('creates a new job');
  });

  it('before any job: says a re-run with the same ScheduledTime reuses a job Pinpoint may have created', () => {
    const run = createErrorRun(
      { ApplicationId: APPLICATION_ID, ScheduledTime: '2026-11-28T02:00:00Z' },
      'PinpointUnavailableError',
      'Pinpoint CreateExportJob failed or could not be reached (InternalServerErrorException, HTTP 503): Service Unavailable',
    );

    const summary = buildSummary(eventFor(run), 'prod', undefined);

    expect(summary.headline).toBe(
      `The Pinpoint export of all endpoints of ${APPLICATION_ID} did not run: service unavailable (PinpointUnavailableError).`,
    );
    expect(summary.error?.advice).toContain(
      'No export job of this run is known. A re-run with the same ScheduledTime (`--scheduled-time 2026-11-28T02:00:00Z`) reuses one if Pinpoint did create it',
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
      reason: 'function timed out',
      advice: expect.stringContaining('A function timed out (or ran out of memory) through every retry'),
    });
  });

  it.for(['Sandbox.Timedout', 'Lambda.Unknown'])(
    'advises on a Lambda function timeout (%s) like a Step Functions timeout',
    (name) => {
      const run = {
        ...finishedRun({}),
        error: { Error: name, Cause: lambdaCause(name, 'Task timed out after 30.00 seconds') },
      };

      const summary = buildSummary(eventFor(run), 'prod', undefined);

      expect(summary.error?.name).toBe(name);
      expect(summary.error?.reason).toMatch(/timed out/);
      expect(summary.error?.advice).toContain(
        'A function timed out (or ran out of memory) through every retry',
      );
    },
  );

  it('summarises ERROR with a placeholder message when the error has no Cause', () => {
    const run = { ...finishedRun({}), error: { Error: 'Lambda.ServiceException' } };

    const summary = buildSummary(eventFor(run), 'prod', undefined);

    expect(summary.error).toMatchObject({
      name: 'Lambda.ServiceException',
      message: '(no cause given)',
      reason: 'lambda service error',
    });
    expect(summary.error?.advice).toContain('The Lambda service failed');
  });

  it("summarises ERROR for an invalid input, taking ApplicationId and SegmentId from what create-export-job's error saw of the raw input", () => {
    const summary = buildSummary(eventFor(invalidInputRun()), 'prod', undefined);

    expect(summary).toMatchObject({
      status: 'ERROR',
      sourceFields: { applicationId: APPLICATION_ID, segmentId: 'vip-customers', segmentVersion: null },
      jobId: null,
      jobStatus: null,
      s3UrlPrefix: null,
      TotalProcessed: null,
      statusChecks: 0,
      scheduledTime: '2026-11-28T02:00:00Z',
      execution: { trigger: 'schedule' },
      error: {
        name: 'InvalidExportInputError',
        message: INVALID_INPUT_MESSAGE,
        reason: 'invalid input: ExportJobRequest.RoleArn',
      },
    });
    expect(summary.error?.advice).toContain('Fix the field the error names');
    expect(summary.headline).toBe(
      `The Pinpoint export of segment vip-customers of ${APPLICATION_ID} did not run: invalid input: ExportJobRequest.RoleArn (InvalidExportInputError).`,
    );
  });

  it('summarises ERROR for an input that is not even an object', () => {
    const summary = buildSummary(eventFor(invalidInputRun('nightly')), 'prod', undefined);

    expect(summary).toMatchObject({
      status: 'ERROR',
      sourceFields: { applicationId: null, segmentId: null },
    });
    expect(summary.headline).toContain('The Pinpoint export of an unknown target did not run');
  });

  it.for([
    // The end of support is Pinpoint's classifier row (sources/pinpoint/errors.ts), which every
    // rejection it raises carries; a rejection without its reason line is a plain rejection.
    [
      'a rejection without a reason line, whatever its message says',
      'Amazon Pinpoint reached end of support for this application',
      'request rejected',
    ],
    ['a message that merely says deprecated', 'The parameter PageSize is deprecated', 'request rejected'],
    [
      'a message that says no longer supported',
      'The requested API is no longer supported.',
      'request rejected',
    ],
  ])('recovers the reason of %s from the message', ([, message, reason]) => {
    const run = {
      ...finishedRun({}),
      error: {
        Error: 'PinpointRequestRejectedError',
        Cause: lambdaCause('PinpointRequestRejectedError', message ?? ''),
      },
    };

    const summary = buildSummary(eventFor(run), 'prod', undefined);

    expect(summary.error?.reason).toBe(reason);
    expect(summary.error?.advice).not.toContain('end of support on 2026-10-30');
  });

  it.for([
    ['TypeError', 'orchestrator bug'],
    ['ReferenceError', 'orchestrator bug'],
    ['OrchestratorBugError', 'orchestrator bug'],
    ['ConfigurationError', 'function misconfigured'],
    ['Lambda.TooManyRequestsException', 'lambda throttled'],
    ['States.Runtime', 'unexpected error'],
  ])('names the cause of a %s without a reason line: %s', ([name, reason]) => {
    const run = { ...finishedRun({}), error: { Error: name ?? '', Cause: lambdaCause(name ?? '', 'boom') } };

    const summary = buildSummary(eventFor(run), 'prod', undefined);

    expect(summary.error?.reason).toBe(reason);
    if (reason === 'orchestrator bug') expect(summary.error?.advice).toMatch(/bug in the orchestrator/);
  });

  it('keeps every reason within 60 printable ASCII characters, whatever the input field', () => {
    const field = `ExportJobRequest.${'Ünïcode\u0000'.repeat(30)}`;
    const run = createErrorRun(INVALID_INPUT, 'InvalidExportInputError', `${field}: unknown field`);

    const summary = buildSummary(eventFor(run), 'prod', undefined);

    expect(summary.error?.reason.length).toBeLessThanOrEqual(60);
    expect(summary.error?.reason).toMatch(/^invalid input: ExportJobRequest\.[\x20-\x7e]*$/);
  });

  it('shows raw input values only sanitized and capped (they reach message attributes)', () => {
    const input = {
      ApplicationId: `app\r\nX-Injected: 1${'z'.repeat(100_000)}`,
      ExportJobRequest: { SegmentId: '\u0000seg\u202e' },
      ScheduledTime: 'x'.repeat(100_000),
    };
    const run = createErrorRun(
      input,
      'InvalidExportInputError',
      'ApplicationId: must be a Pinpoint project id',
    );

    const summary = buildSummary(eventFor(run), 'prod', undefined);

    for (const value of [
      summary.sourceFields?.applicationId,
      summary.sourceFields?.segmentId,
      summary.scheduledTime,
    ]) {
      expect(value).toMatch(/^[\x20-\x7e]{1,100}$/);
    }
    expect(summary.sourceFields?.applicationId).toMatch(/\.\.\. \(100018 characters\)$/);
    expect(summary.sourceFields?.applicationId).not.toMatch(/[\r\n]/);
  });
});

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
