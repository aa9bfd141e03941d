import { describe, expect, it } from 'vitest';
import { formatExplainedMessage } from '../../core/errors.ts';
import type { ExportSummary } from '../../core/types.ts';
import {
  APPLICATION_ID,
  createErrorRun,
  EXECUTION_ID,
  EXECUTION_NAME,
  eventFor,
  FAILURES,
  finishedRun,
  INVALID_INPUT,
  INVALID_INPUT_MESSAGE,
  invalidInputRun,
  JOB_ID,
  lambdaCause,
  PREFIX,
  pinpointJob,
  START_TIME,
  VERIFIED,
} from './runs-at-publish.ts';
import { buildSummary } from './summary-of.ts';

/*
 * buildSummary (core/summary.ts through ./summary-of.ts): the one summary a run's state gives,
 * whatever state the workflow reached. Pure: no SNS, no ledger (publish-summary.test.ts).
 */

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
