import type { ExportJobResponse } from '@aws-sdk/client-pinpoint';
import { appendInputFacts } from '../../core/errors.ts';
import type { JobSnapshot, PublishSummaryEvent, RunState, VerificationResult } from '../../core/types.ts';
import { rawInputFacts } from '../../sources/input.ts';

/*
 * Runs as they reach PublishSummary (a Pinpoint job that ended, a create that failed on bad
 * input), and the job as GetExportJob returns it at the end: what build-summary.test.ts and
 * publish-summary.test.ts both start from.
 */

export const APPLICATION_ID = '7f3c9a1b2c3d4e5f60718293a4b5c6d7';
export const JOB_ID = '9a8b7c6d5e4f30211f2e3d4c5b6a7980';
export const PREFIX = `s3://exports-bucket/pinpoint/${APPLICATION_ID}/2026-11-28/`;
export const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:pinpoint-export-summary-dev';
export const EXECUTION_ID =
  'arn:aws:states:us-east-1:123456789012:execution:pinpoint-export-dev:0c5e1a52-6f7e-4f5c-9a38-1d2b3c4d5e6f';
export const EXECUTION_NAME = '0c5e1a52-6f7e-4f5c-9a38-1d2b3c4d5e6f';
export const START_TIME = '2026-11-28T02:00:07.412Z';

/** The run state at PublishSummary after the poll loop ended with the job as `job`. */
export function finishedRun(
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

export const VERIFIED: VerificationResult = {
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

export function eventFor(run: PublishSummaryEvent['Run']): PublishSummaryEvent {
  return {
    Run: run,
    Execution: { Id: EXECUTION_ID, Name: EXECUTION_NAME, StartTime: START_TIME },
  };
}

/** The job as GetExportJob returns it at the end (with Failures, which the run state leaves out). */
export function pinpointJob(overrides: Partial<ExportJobResponse> = {}): ExportJobResponse {
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

export const FAILURES = [
  'Endpoint 8a1d2c3b: Attributes.Interests exceeds 50 values',
  'Endpoint 4e5f6a7b: Address is not a valid phone number',
  'Endpoint c0ffee01: ChannelType is missing',
];

export function lambdaCause(errorType: string, errorMessage: string): string {
  return JSON.stringify({
    errorType,
    errorMessage,
    trace: [`${errorType}: ${errorMessage}`, '    at file:///var/task/index.mjs:1:2345'],
  });
}

export const INVALID_INPUT = {
  ApplicationId: APPLICATION_ID,
  ExportJobRequest: { RoleArn: 'arn:aws:iam::123456789012:user/exporter', SegmentId: 'vip-customers' },
  ScheduledTime: '2026-11-28T02:00:00Z',
};
export const INVALID_INPUT_MESSAGE =
  'ExportJobRequest.RoleArn: must be an IAM role ARN (arn:aws:iam::123456789012:role/name), got "arn:aws:iam::123456789012:user/exporter"';

/**
 * The state after CreateExportJob's Catch and CaptureCreateError: only the error, whose
 * message ends with what create-export-job's handler saw of the raw input.
 */
export function createErrorRun(
  input: unknown,
  errorType: string,
  message: string,
): PublishSummaryEvent['Run'] {
  return {
    error: {
      Error: errorType,
      Cause: lambdaCause(errorType, appendInputFacts(message, rawInputFacts(input))),
    },
  };
}

export function invalidInputRun(input: unknown = INVALID_INPUT): PublishSummaryEvent['Run'] {
  return createErrorRun(input, 'InvalidExportInputError', INVALID_INPUT_MESSAGE);
}
