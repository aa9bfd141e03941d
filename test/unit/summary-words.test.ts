import { describe, expect, it } from 'vitest';
import { appendInputFacts, formatExplainedMessage } from '../../core/errors.ts';
import {
  adviceForError,
  changePercent,
  describeCaughtError,
  reasonForError,
  verificationOf,
} from '../../core/summary.ts';
import type {
  CaughtError,
  JobSnapshot,
  PublishSummaryEvent,
  RunState,
  VerificationResult,
} from '../../core/types.ts';
import type { ProfilesRequest } from '../../sources/customer-profiles/types.ts';
import type { DynamoDbRequest } from '../../sources/dynamodb/types.ts';
import type { PinpointRequest } from '../../sources/pinpoint/types.ts';
import { buildSummary } from './summary-of.ts';

/*
 * What the summary says of each way a run can end, for every source: the headline on-call reads
 * first, the reason an ERROR's Subject names, and the facts the headline is built from (which
 * snapshot wins, which limit applies). Each case is one a careless edit got wrong unnoticed.
 */

const EXECUTION = {
  Id: 'arn:aws:states:eu-west-1:123456789012:execution:export-prod:nightly-1',
  Name: 'nightly-1',
  StartTime: '2026-11-28T02:00:04.000Z',
};
const SCHEDULED = '2026-11-28T02:00:00.000Z';
const APPLICATION_ID = '7f3c9a1b2c3d4e5f60718293a4b5c6d7';
const PREFIX = `s3://exports-bucket/pinpoint/${APPLICATION_ID}/2026-11-28/`;

const PINPOINT: PinpointRequest = {
  ApplicationId: APPLICATION_ID,
  ExportJobRequest: {
    RoleArn: 'arn:aws:iam::123456789012:role/pinpoint-export',
    S3UrlPrefix: PREFIX,
    SegmentId: 'vip-customers',
  },
  ScheduledTime: SCHEDULED,
};

const TABLE: DynamoDbRequest = {
  Source: 'dynamodb',
  TableArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders',
  ExportType: 'FULL_EXPORT',
  ExportFormat: 'DYNAMODB_JSON',
  S3Bucket: 'exports-bucket',
  S3Prefix: 'dynamodb/orders/2026-11-28/',
  S3SseAlgorithm: 'AES256',
  OutsideRecoveryWindow: 'ERROR',
  ScheduledTime: SCHEDULED,
};

const PROFILES: ProfilesRequest = {
  Source: 'customer-profiles',
  DomainName: 'crm',
  SegmentDefinitionName: 'vip-customers',
  DataFormat: 'JSONL',
  RoleArn: 'arn:aws:iam::123456789012:role/profiles-export',
  DestinationUri: 's3://exports-bucket/customer-profiles/crm/vip-customers/20261128T020000Z/',
  ScheduledTime: SCHEDULED,
};

const verified = (records: number, files = 2): VerificationResult => ({
  verdict: 'VERIFIED',
  location: 's3://exports-bucket/exports/',
  files,
  bytes: 4_000,
  records,
  countedFiles: files,
  expected: records,
  manifestUri: 's3://exports-bucket/exports/_manifest.json',
  note: 'as reported',
});

/** The run state at PublishSummary: the request, the job's last snapshot and whatever else `extra` adds. */
function event(
  request: PinpointRequest | DynamoDbRequest | ProfilesRequest,
  job: Partial<JobSnapshot>,
  extra: Partial<RunState> & { error?: CaughtError } = {},
): PublishSummaryEvent {
  const completed = (job.JobStatus ?? 'COMPLETED') === 'COMPLETED';
  const state: Partial<RunState> = {
    execution: { ...EXECUTION, Trigger: 'schedule' },
    request,
    run: { target: 'target#1', targetName: 'nightly', scheduledTime: SCHEDULED, attempt: 1 },
    job: {
      Id: 'job-0123456789abcdef',
      JobStatus: 'COMPLETED',
      CreationDate: '2026-11-28T02:00:05.000Z',
      CompletionDate: '2026-11-28T02:06:05.000Z',
      Reused: false,
      ...job,
    },
    poll: {
      checks: 7,
      waitSeconds: 20,
      deadline: '2026-11-28T14:00:00.000Z',
      deadlinePassed: false,
      lastProgressAt: SCHEDULED,
      lastPiecesDone: 0,
      lastStatus: job.JobStatus ?? 'COMPLETED',
    },
    ...(completed && job.TotalProcessed !== undefined ? { verification: verified(job.TotalProcessed) } : {}),
    ...extra,
  };
  return { Run: state, Execution: EXECUTION };
}

const lambdaError = (errorType: string, errorMessage: string): CaughtError => ({
  Error: errorType,
  Cause: JSON.stringify({ errorType, errorMessage }),
});

describe('the reason and advice of an error that carries none', () => {
  it.each([
    ['States.DataLimitExceeded', 'state too large'],
    ['PinpointThrottledError', 'throttled'],
    ['SnsThrottledError', 'throttled'],
    ['PinpointUnavailableError', 'service unavailable'],
    ['SnsUnavailableError', 'service unavailable'],
    ['Lambda.ServiceException', 'lambda service error'],
    ['States.Runtime', 'unexpected error'],
  ])('names %s as %s', (name, reason) => {
    expect(reasonForError(name, 'message')).toBe(reason);
  });

  it.each(['Error', 'TypeError', 'RangeError', 'SyntaxError', 'EvalError', 'URIError', 'AggregateError'])(
    'calls %s, which only our own code throws, an orchestrator bug and says re-running will not help',
    (name) => {
      expect(reasonForError(name, 'x is not a function')).toBe('orchestrator bug');
      expect(adviceForError(name, 'x is not a function')).toContain(`bug in the orchestrator (${name})`);
    },
  );

  it('tells what to do for each error it knows', () => {
    expect(adviceForError('PinpointRequestRejectedError', 'Invalid S3 URL')).toContain(
      'The source refused the request',
    );
    expect(adviceForError('PinpointThrottledError', 'Rate exceeded')).toContain('Start the run again later');
    expect(adviceForError('PinpointUnavailableError', 'Internal error')).toContain(
      'Start the run again later',
    );
    expect(adviceForError('ConfigurationError', 'RUN_LEDGER_TABLE is missing')).toContain(
      'fix the stage configuration and redeploy',
    );
    expect(adviceForError('States.Runtime', 'boom')).toContain('check the function logs');
  });
});

describe("reading a caught error's Cause", () => {
  it('names an error without a name UnknownError', () => {
    const described = describeCaughtError({ Cause: 'something went wrong' } as CaughtError);

    expect(described.name).toBe('UnknownError');
    expect(described.message).toBe('something went wrong');
  });

  it("keeps a JSON Cause that is not a Lambda error's as the message", () => {
    const described = describeCaughtError({ Error: 'States.Runtime', Cause: '{"detail":"bad path"}' });

    expect(described).toMatchObject({ name: 'States.Runtime', message: '{"detail":"bad path"}' });
  });

  it("takes the Lambda error's type as the name only when it is a string", () => {
    const typed = describeCaughtError({
      Error: 'States.TaskFailed',
      Cause: JSON.stringify({ errorType: 'RangeError', errorMessage: 'Invalid time value' }),
    });
    const untyped = describeCaughtError({
      Error: 'Lambda.Unknown',
      Cause: JSON.stringify({ errorType: 5, errorMessage: 'Task timed out' }),
    });

    expect(typed).toMatchObject({
      name: 'RangeError',
      message: 'Invalid time value',
      reason: 'orchestrator bug',
    });
    expect(untyped).toMatchObject({ name: 'Lambda.Unknown', message: 'Task timed out' });
  });
});

describe('the change against the previous good night', () => {
  it('cannot be said without both counts or against 0', () => {
    expect(changePercent(null, 100)).toBeNull();
    expect(changePercent(100, null)).toBeNull();
    expect(changePercent(0, 100)).toBeNull();
    expect(changePercent(200, 150)).toBe(-25);
  });

  it('is shown without a sign when nothing changed', () => {
    const summary = buildSummary(
      event(PINPOINT, { TotalProcessed: 1_000, TotalFailures: 0 }),
      'prod',
      undefined,
      {
        previous: { scheduledTime: '2026-11-27T02:00:00.000Z', exported: 1_000 },
      },
    );

    expect(summary.headline).toContain('; 0.0 % against 2026-11-27;');
  });
});

describe('the headline of a Pinpoint run', () => {
  it('says how many failed and their share, and in how many files the records were verified', () => {
    const summary = buildSummary(
      event(PINPOINT, { TotalProcessed: 2_000, TotalFailures: 3 }, { verification: verified(1_997, 1) }),
      'prod',
      undefined,
    );

    expect(summary.headline).toBe(
      `Exported 1,997 endpoints (segment vip-customers of ${APPLICATION_ID}) to ${PREFIX}; 3 failed (0.2 %); verified: 1,997 records in 1 file.`,
    );
  });

  it('leaves out the share of failures the job did not let compute', () => {
    const summary = buildSummary(
      event(PINPOINT, { TotalFailures: 3 }, { verification: verified(40) }),
      'prod',
      undefined,
    );

    expect(summary.headline).toContain('; 3 failed; verified');
  });

  it('says TOO MANY FAILURES with the counts and the limit', () => {
    const summary = buildSummary(
      event(PINPOINT, { TotalProcessed: 2_000, TotalFailures: 100 }),
      'prod',
      undefined,
    );

    expect(summary.headline).toBe(
      `TOO MANY FAILURES: The Pinpoint export job-0123456789abcdef of segment vip-customers of ${APPLICATION_ID} exported 1,900 of 2,000 endpoints to ${PREFIX}: 100 failed (5 %), above the target's limit of 1 %.`,
    );
  });

  it("applies the request's own failure limit before the stage's", () => {
    const request = { ...PINPOINT, MaxFailurePercent: 10 };

    const summary = buildSummary(
      event(request, { TotalProcessed: 2_000, TotalFailures: 100 }),
      'prod',
      undefined,
      {
        maxFailurePercent: 1,
      },
    );

    expect(summary.status).toBe('COMPLETED');
  });

  it('summarises a FAILED job that reported no counts', () => {
    const summary = buildSummary(event(PINPOINT, { JobStatus: 'FAILED' }), 'prod', undefined);

    expect(summary.headline).toMatch(/^The Pinpoint export job-0123456789abcdef of .* FAILED: /);
  });

  it('takes the dates and pieces of the job as re-read at the end over the last snapshot', () => {
    const snapshot = { JobStatus: 'FAILED' as const, TotalPieces: 8, CompletedPieces: 5 };
    const finalJob = {
      ApplicationId: APPLICATION_ID,
      Id: 'job-0123456789abcdef',
      JobStatus: 'FAILED' as const,
      CreationDate: '2026-11-28T02:00:06.000Z',
      CompletionDate: '2026-11-28T02:09:06.000Z',
      TotalPieces: 9,
      CompletedPieces: 6,
      Type: 'EXPORT',
      Definition: { RoleArn: PINPOINT.ExportJobRequest.RoleArn, S3UrlPrefix: PREFIX },
    };

    const summary = buildSummary(event(PINPOINT, snapshot), 'prod', finalJob);

    expect(summary).toMatchObject({
      creationDate: '2026-11-28T02:00:06.000Z',
      completionDate: '2026-11-28T02:09:06.000Z',
      durationSeconds: 540,
      TotalPieces: 9,
      CompletedPieces: 6,
    });
  });
});

describe('the headline of another source', () => {
  const dynamodb = (job: Partial<JobSnapshot>, extra: Partial<RunState> & { error?: CaughtError } = {}) =>
    buildSummary(event(TABLE, job, extra), 'prod', undefined);

  it('says TOO MANY FAILURES for a DynamoDB export with too many failed items', () => {
    expect(dynamodb({ TotalProcessed: 1_000, TotalFailures: 50 }).headline).toMatch(
      /^TOO MANY FAILURES: The DynamoDB export job-0123456789abcdef of .* exported 950 of 1,000 items to .*: 50 failed \(5 %\)/,
    );
  });

  it('says UNVERIFIED for a DynamoDB export whose files could not be read', () => {
    const { verification: _, ...unverified } = event(TABLE, { TotalProcessed: 1_000 }).Run;
    const verificationError = lambdaError(
      'S3UnavailableError',
      formatExplainedMessage('S3 answered 503', { reason: 'service unavailable', advice: 'Start it again.' }),
    );

    const summary = buildSummary(
      { Run: { ...unverified, verificationError }, Execution: EXECUTION },
      'prod',
      undefined,
    );

    expect(summary.headline).toMatch(
      /^UNVERIFIED: The DynamoDB export .* but its files were not verified: the verification could not run: service unavailable/,
    );
  });

  it('says a DynamoDB export did not finish in time, naming the job and the checks', () => {
    const summary = dynamodb({ JobStatus: 'IN_PROGRESS' as JobSnapshot['JobStatus'] });

    expect(summary.headline).toMatch(
      /^The DynamoDB export job-0123456789abcdef of .* did not finish in time: last seen IN_PROGRESS, after 7 checks\.$/,
    );
  });

  it('names a FAILED export by its failure, keeping the dots inside it', () => {
    const summary = dynamodb({
      JobStatus: 'FAILED',
      Failures: ['S3AccessDenied: bucket exports.example denied it.'],
    });

    expect(summary.headline).toMatch(/ FAILED: S3AccessDenied: bucket exports\.example denied it\.$/);
    expect(summary.headline).not.toContain('it..');
  });

  it('says no reason was given for a FAILED export without one', () => {
    expect(dynamodb({ JobStatus: 'FAILED' }).headline).toMatch(/ FAILED: no reason given\.$/);
  });

  it('says where an ERROR found the job, and that the export did not run when there was none', () => {
    const error = lambdaError(
      'SourceUnavailableError',
      formatExplainedMessage('DynamoDB answered 500', { reason: 'service error', advice: 'Start it again.' }),
    );
    const withJob = dynamodb({ JobStatus: 'IN_PROGRESS' as JobSnapshot['JobStatus'] }, { error });
    const withoutJob = buildSummary(
      {
        Run: { execution: { ...EXECUTION, Trigger: 'schedule' }, request: TABLE, error },
        Execution: EXECUTION,
      },
      'prod',
      undefined,
    );

    expect(withJob.headline).toMatch(
      /^The DynamoDB export job-0123456789abcdef of .* was last seen IN_PROGRESS when the workflow stopped: service error \(SourceUnavailableError\)\.$/,
    );
    expect(withoutJob.headline).toMatch(
      /^The DynamoDB export of .* did not run: service error \(SourceUnavailableError\)\.$/,
    );
  });

  it('says nothing was exported for a skipped window, and why', () => {
    const summary = dynamodb({ TotalProcessed: 0, Details: { Skipped: 'the window is 10 minutes long' } });

    expect(summary.headline).toMatch(/^Nothing exported for .*: the window is 10 minutes long\.$/);
  });

  it('gives the records a Customer Profiles snapshot held as counted in its files', () => {
    const counted: VerificationResult = { ...verified(412, 3), verdict: 'COUNTED', expected: null };

    const summary = buildSummary(event(PROFILES, {}, { verification: counted }), 'prod', undefined);

    expect(summary.status).toBe('COMPLETED');
    expect(summary.exported).toBe(412);
    expect(summary.headline).toBe(
      `Exported 412 profiles (segment vip-customers of domain crm) to ${PROFILES.DestinationUri}; counted in 3 files.`,
    );
  });
});

describe('a run whose create failed before its request was validated', () => {
  const error: CaughtError = lambdaError(
    'InvalidExportInputError',
    appendInputFacts('TableArn: not a table ARN', {
      hasScheduledTime: true,
      Source: 'dynamodb',
      ScheduledTime: SCHEDULED,
    }),
  );
  const summary = buildSummary(
    { Run: { execution: { ...EXECUTION, Trigger: 'schedule' }, error }, Execution: EXECUTION },
    'prod',
    undefined,
  );

  it("is headlined in the source's words from what the input said", () => {
    expect(summary.headline).toBe(
      'The DynamoDB export of an unknown target did not run: invalid input: TableArn (InvalidExportInputError).',
    );
  });

  it('claims no reused job, no changed counts, and adds no re-run advice to a fix of the input', () => {
    expect(summary.jobReused).toBe(false);
    expect(summary.countsChanges).toBeUndefined();
    expect(summary.error?.advice).not.toMatch(/null|re-run/);
  });
});

describe('a run the workflow stopped before it read the input', () => {
  it("is headlined as Pinpoint's, the default source, saying it did not run", () => {
    const summary = buildSummary(
      { Run: { error: { Error: 'States.Runtime', Cause: 'path not found' } }, Execution: EXECUTION },
      'prod',
      undefined,
    );

    expect(summary.headline).toBe(
      'The Pinpoint export of an unknown target did not run: unexpected error (States.Runtime).',
    );
  });
});

describe('a job seen COMPLETED only when the summary re-read it', () => {
  it('is UNVERIFIED, saying once that its files were not verified, and why', () => {
    const { verification: _, ...seenLate } = event(TABLE, { TotalProcessed: 1_000 }).Run;

    const summary = buildSummary({ Run: seenLate, Execution: EXECUTION }, 'prod', undefined);

    expect(summary.verification?.verdict).toBe('UNVERIFIED');
    expect(summary.headline).toMatch(
      /but its files were not verified: the job was seen COMPLETED only when the summary re-read it, after the workflow had stopped waiting\.$/,
    );
  });
});

describe('the verification of a job whose verification failed', () => {
  it('is UNVERIFIED, saying why', () => {
    const found = verificationOf({
      verificationError: lambdaError(
        'S3UnavailableError',
        formatExplainedMessage('S3 answered 503', {
          reason: 'service unavailable',
          advice: 'Start it again.',
        }),
      ),
    });

    expect(found.verdict).toBe('UNVERIFIED');
    expect(found.note).toContain('the verification could not run: service unavailable (S3UnavailableError)');
  });
});
