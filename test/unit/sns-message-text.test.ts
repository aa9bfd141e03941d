import { describe, expect, it } from 'vitest';
import {
  attributesOf,
  buildSnsMessage,
  capErrorMessage,
  emailTextOf,
  fitSubject,
  MAX_ERROR_MESSAGE_CHARS,
  readSummaryMessage,
  redactFailure,
  SNS_MAX_SUBJECT_CHARS,
  snsMessageBytes,
  subjectOf,
} from '../../core/sns-message.ts';
import type { ExportSummary } from '../../core/types.ts';
import { PINPOINT } from '../../sources/pinpoint/describe.ts';
import type { PinpointRequest } from '../../sources/pinpoint/types.ts';

const pinpointRequest = (applicationId: string, segmentId?: string): PinpointRequest => ({
  ApplicationId: applicationId,
  ExportJobRequest: {
    RoleArn: 'arn:aws:iam::123456789012:role/pinpoint-export',
    S3UrlPrefix: 's3://exports-bucket/p/',
    ...(segmentId === undefined ? {} : { SegmentId: segmentId }),
  },
  ScheduledTime: '2026-11-28T02:00:00.000Z',
});

/*
 * The text people read and the Subject they scan: every line of the email for a run that
 * needs attention, the Subject's few words for each outcome, what is masked in a failure, and
 * the byte count the size limit is held to. An email is read at a glance, so its lines are part
 * of the contract: a line lost or mislabelled is a fact on-call no longer sees.
 */

const APPLICATION_ID = '7f3c9a1b2c3d4e5f60718293a4b5c6d7';
const JOB_ID = '9a8b7c6d5e4f30211f2e3d4c5b6a7980';
const EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:pinpoint-export-prod:nightly-1';

/** A Pinpoint run with too many failures, every fact the email can show present. */
function tooManyFailures(overrides: Partial<ExportSummary> = {}): ExportSummary {
  return {
    status: 'TOO_MANY_FAILURES',
    headline: 'TOO MANY FAILURES: the export job exported 45,767 of 48,198 endpoints.',
    advice: 'Read the first Failures in this summary.',
    stage: 'prod',
    source: 'pinpoint',
    service: 'Pinpoint',
    what: 'all endpoints',
    target: 'nightly-vip',
    previousRun: null,
    recordsDrop: false,
    sourceFields: { applicationId: APPLICATION_ID, segmentId: 'vip-customers', segmentVersion: 4 },
    jobId: JOB_ID,
    jobStatus: 'COMPLETED',
    jobReused: true,
    s3UrlPrefix: `s3://exports-bucket/pinpoint/${APPLICATION_ID}/2026-11-28/`,
    TotalProcessed: 48_198,
    TotalFailures: 2_431,
    exported: 45_767,
    failurePercent: 5,
    maxFailurePercent: 1,
    Failures: [
      'Endpoint ep-1: bad address "jane@example.com"',
      'Endpoint ep-2: phone +1 (555) 010-9999 invalid',
    ],
    failuresOmitted: 3,
    TotalPieces: 8,
    CompletedPieces: 7,
    FailedPieces: 1,
    creationDate: '2026-11-28T02:00:08.734Z',
    completionDate: '2026-11-28T02:14:40.120Z',
    durationSeconds: 871,
    statusChecks: 9,
    scheduledTime: '2026-11-28T02:00:00.000Z',
    execution: {
      id: EXECUTION_ARN,
      name: 'nightly-1',
      startTime: '2026-11-28T02:00:07.412Z',
      trigger: 'schedule',
    },
    verification: {
      verdict: 'VERIFIED',
      files: 8,
      bytes: 1_000,
      records: 45_767,
      expected: 45_767,
      manifestUri: 's3://exports-bucket/pinpoint/_manifest.json',
      note: 'as reported',
    },
    details: null,
    error: null,
    links: {
      execution: 'https://console.example/execution',
      s3: 'https://console.example/s3',
      dashboard: null,
      runbook: 'https://wiki.example/runbook',
    },
    ...overrides,
  };
}

/** A DynamoDB run that ended in an error after its export started: no pieces, no counts. */
function dynamoDbError(overrides: Partial<ExportSummary> = {}): ExportSummary {
  return tooManyFailures({
    status: 'ERROR',
    headline:
      'The DynamoDB export of table orders (full) was last seen IN_PROGRESS when the workflow stopped.',
    advice: 'Start it again.',
    source: 'dynamodb',
    service: 'DynamoDB',
    what: 'table orders (full)',
    sourceFields: { applicationId: null, segmentId: null, segmentVersion: null },
    jobStatus: 'IN_PROGRESS' as ExportSummary['jobStatus'],
    jobReused: false,
    s3UrlPrefix: 's3://exports-bucket/dynamodb/orders/',
    TotalProcessed: null,
    TotalFailures: null,
    exported: null,
    failurePercent: null,
    Failures: ['S3AccessDenied: denied for arn:aws:iam::123456789012:role/x.'],
    failuresOmitted: 0,
    TotalPieces: null,
    CompletedPieces: null,
    FailedPieces: null,
    completionDate: null,
    durationSeconds: null,
    verification: null,
    details: { ExportType: 'FULL_EXPORT', Exports: 1 },
    error: {
      name: 'SourceUnavailableError',
      message: 'DynamoDB answered 500',
      reason: 'service error',
      advice: 'x',
    },
    links: { execution: null, s3: null, dashboard: null, runbook: null },
    ...overrides,
  });
}

describe('the email text', () => {
  it('shows every fact of a run that needs attention, one labelled line each, then the failures and links', () => {
    expect(emailTextOf(tooManyFailures())).toBe(
      [
        'Pinpoint export TOO_MANY_FAILURES',
        '',
        'TOO MANY FAILURES: the export job exported 45,767 of 48,198 endpoints.',
        '',
        'What to do: Read the first Failures in this summary.',
        '',
        'Exported        all endpoints',
        `applicationId   ${APPLICATION_ID}`,
        'segmentId       vip-customers',
        'segmentVersion  4',
        `Export job      ${JOB_ID} (COMPLETED, reused)`,
        `S3 location     s3://exports-bucket/pinpoint/${APPLICATION_ID}/2026-11-28/`,
        'Records         45,767',
        'Processed       48,198',
        'Failed          2,431 (5 %, limit 1 %)',
        'Verification    VERIFIED: as reported',
        'Manifest        s3://exports-bucket/pinpoint/_manifest.json',
        'Pieces          7/8 (1 failed)',
        'Created         2026-11-28T02:00:08.734Z',
        'Completed       2026-11-28T02:14:40.120Z',
        'Duration        871 s',
        'Status checks   9',
        'Scheduled for   2026-11-28T02:00:00.000Z',
        'Execution       nightly-1 (schedule)',
        'Stage           prod',
        '',
        'First failures (2 of 2,431; addresses, numbers and ids masked):',
        '  - Endpoint [id]: bad address "[value]"',
        '  - Endpoint [id]: phone [phone] invalid',
        "  (3 more failure entries left out to fit SNS's size limit)",
        '',
        'Links:',
        '  Execution     https://console.example/execution',
        '  Files in S3   https://console.example/s3',
        '  Runbook       https://wiki.example/runbook',
        '',
        `Execution ARN: ${EXECUTION_ARN}`,
      ].join('\n'),
    );
  });

  it("shows another source's facts and its reported failure, leaving out what it does not report", () => {
    expect(emailTextOf(dynamoDbError(), { rawFailures: true })).toBe(
      [
        'DynamoDB export ERROR',
        '',
        'The DynamoDB export of table orders (full) was last seen IN_PROGRESS when the workflow stopped.',
        '',
        'What to do: Start it again.',
        '',
        'Exported        table orders (full)',
        'ExportType      FULL_EXPORT',
        'Exports         1',
        `Export job      ${JOB_ID} (IN_PROGRESS)`,
        'S3 location     s3://exports-bucket/dynamodb/orders/',
        'Created         2026-11-28T02:00:08.734Z',
        'Status checks   9',
        'Scheduled for   2026-11-28T02:00:00.000Z',
        'Execution       nightly-1 (schedule)',
        'Stage           prod',
        '',
        'Error: service error (SourceUnavailableError)',
        'DynamoDB answered 500',
        '',
        'Failure reported (1):',
        '  - S3AccessDenied: denied for arn:aws:iam::123456789012:role/x.',
        '',
        `Execution ARN: ${EXECUTION_ARN}`,
      ].join('\n'),
    );
  });

  it('gives the failure count without a share when the share is unknown, and leaves out a source fact that is null', () => {
    const text = emailTextOf(
      tooManyFailures({
        sourceFields: { applicationId: APPLICATION_ID, segmentId: null, segmentVersion: null },
        failurePercent: null,
        Failures: [],
        failuresOmitted: 0,
      }),
    );

    expect(text).not.toContain('segmentId');
    expect(text).toContain('\nFailed          2,431\n');
    expect(text).not.toContain('failures (');
  });

  it('shows a segment without a version as its id alone, and a success without links', () => {
    const text = emailTextOf(
      tooManyFailures({
        status: 'COMPLETED',
        sourceFields: { applicationId: APPLICATION_ID, segmentId: 'vip-customers', segmentVersion: null },
        advice: null,
      }),
    );

    expect(text).toContain('\nsegmentId       vip-customers\n');
    expect(text).not.toContain('Links:');
    expect(text.split('\n').slice(0, 5)).toEqual([
      'Pinpoint export COMPLETED',
      '',
      'TOO MANY FAILURES: the export job exported 45,767 of 48,198 endpoints.',
      '',
      'Exported        all endpoints',
    ]);
  });

  it('leaves out a line whose value is empty', () => {
    expect(emailTextOf(tooManyFailures({ s3UrlPrefix: '' }))).not.toContain('S3 location');
  });
});

describe('the Subject', () => {
  const subject = (s: ExportSummary) => subjectOf(s);

  it('says UNVERIFIED, TOO_MANY_FAILURES and TIMED_OUT in a few words, never a placeholder', () => {
    const dynamo = {
      segmentId: null,
      source: 'dynamodb' as const,
      service: 'DynamoDB',
      what: 'table orders',
    };

    expect(subject(tooManyFailures({ ...dynamo, status: 'UNVERIFIED' }))).toBe(
      '[prod] DynamoDB export UNVERIFIED table orders: files not verified',
    );
    expect(subject(tooManyFailures({ ...dynamo }))).toBe(
      '[prod] DynamoDB export TOO_MANY_FAILURES table orders: 2,431 of 48,198 failed',
    );
    expect(subject(tooManyFailures({ ...dynamo, TotalFailures: null }))).toBe(
      '[prod] DynamoDB export TOO_MANY_FAILURES table orders: too many failures',
    );
    expect(subject(tooManyFailures({ ...dynamo, TotalProcessed: null }))).toBe(
      '[prod] DynamoDB export TOO_MANY_FAILURES table orders: too many failures',
    );
    expect(subject(tooManyFailures({ ...dynamo, status: 'TIMED_OUT', jobStatus: 'PENDING_JOB' }))).toBe(
      '[prod] DynamoDB export TIMED_OUT table orders: last seen PENDING_JOB',
    );
    expect(subject(tooManyFailures({ ...dynamo, status: 'TIMED_OUT', jobStatus: null }))).toBe(
      '[prod] DynamoDB export TIMED_OUT table orders',
    );
  });

  it('says what a MISMATCH found in S3, or that the files differ when the counts are unknown', () => {
    const mismatch = (records: number | null, expected: number | null) =>
      subject(
        tooManyFailures({
          status: 'MISMATCH',
          verification: { ...tooManyFailures().verification!, verdict: 'MISMATCH', records, expected },
        }),
      );

    expect(mismatch(45_000, 45_767)).toBe(
      '[prod] Pinpoint export MISMATCH all endpoints: 45,000 of 45,767 records in S3',
    );
    expect(mismatch(null, 45_767)).toBe(
      "[prod] Pinpoint export MISMATCH all endpoints: files differ from the job's report",
    );
    expect(mismatch(45_000, null)).toBe(
      "[prod] Pinpoint export MISMATCH all endpoints: files differ from the job's report",
    );
  });

  it('says what a COMPLETED run exported, and nothing when the count is unknown', () => {
    const completed = { status: 'COMPLETED' as const };

    expect(subject(tooManyFailures({ ...completed }))).toBe(
      '[prod] Pinpoint export COMPLETED all endpoints: 45,767 exported, 2,431 failed',
    );
    expect(subject(tooManyFailures({ ...completed, TotalFailures: 0 }))).toBe(
      '[prod] Pinpoint export COMPLETED all endpoints: 45,767 exported',
    );
    expect(subject(tooManyFailures({ ...completed, exported: null }))).toBe(
      '[prod] Pinpoint export COMPLETED all endpoints',
    );
  });

  it("gives a FAILED job's counts, or its first failure without the final dot, or that it failed", () => {
    const failed = { status: 'FAILED' as const };

    expect(subject(tooManyFailures({ ...failed }))).toBe(
      '[prod] Pinpoint export FAILED all endpoints: 48,198 processed, 2,431 failed',
    );
    expect(
      subject(tooManyFailures({ ...failed, TotalFailures: null, Failures: ['S3 bucket a.b denied.'] })),
    ).toBe('[prod] Pinpoint export FAILED all endpoints: S3 bucket a.b denied');
    expect(subject(tooManyFailures({ ...failed, TotalProcessed: null, Failures: [] }))).toBe(
      '[prod] Pinpoint export FAILED all endpoints: the job failed',
    );
  });

  it("names an ERROR's cause, its error's name when the reason is blank, or just the error", () => {
    const error = { name: 'States.Runtime', message: 'boom', reason: '  ', advice: 'x' };

    expect(subject(dynamoDbError({ error }))).toBe(
      '[prod] DynamoDB export ERROR table orders (full): States.Runtime',
    );
    expect(subject(dynamoDbError({ error: null }))).toBe(
      '[prod] DynamoDB export ERROR table orders (full): error',
    );
  });

  it('names what was exported, or an unknown target when the input was too broken to say', () => {
    expect(subject(tooManyFailures({ what: 'segment vip of crm' }))).toContain(
      'TOO_MANY_FAILURES segment vip of crm:',
    );
    expect(subject(dynamoDbError({ what: null }))).toContain('ERROR unknown target:');
  });
});

describe('the attributes subscriptions filter on', () => {
  it("never pass on Pinpoint's application or segment id when it is not one, whatever surrounds a valid one", () => {
    const attributes = (applicationId: string, segmentId: string) => {
      const request = pinpointRequest(applicationId, segmentId);
      const facts = PINPOINT.summaryFacts?.(request, undefined);
      const a = attributesOf(tooManyFailures({ sourceAttributes: facts?.attributes ?? {} }));
      return [a.applicationId?.StringValue, a.segmentId?.StringValue];
    };

    expect(attributes(`${APPLICATION_ID}0`, 'vip/customers')).toEqual(['invalid', 'invalid']);
    expect(attributes(`x${APPLICATION_ID}`, `${'s'.repeat(64)}`)).toEqual(['invalid', 's'.repeat(64)]);
    expect(attributes(APPLICATION_ID, 'vip-customers')).toEqual([APPLICATION_ID, 'vip-customers']);
  });

  it("say unknown for a source the input was too broken to name, and carry another source's attributes only where they apply", () => {
    expect(attributesOf(tooManyFailures({ source: null })).source?.StringValue).toBe('unknown');
    const dynamo = attributesOf(dynamoDbError({ sourceAttributes: {} }));
    expect(dynamo.applicationId).toBeUndefined();
    expect(dynamo.segmentId).toBeUndefined();
    expect(Object.keys(dynamo).sort()).toEqual(
      ['hasFailures', 'recordsDrop', 'source', 'stage', 'status', 'trigger', 'verification'].sort(),
    );
  });

  it('carry the summary for programs in the attribute named summary', () => {
    expect(buildSnsMessage(tooManyFailures()).MessageAttributes.summary?.DataType).toBe('String');
  });
});

describe('fitting a Subject', () => {
  it('keeps a Subject of exactly 99 characters whole', () => {
    const head = '[prod] Pinpoint export COMPLETED';
    const detail = '1 exported';
    const description = 'x'.repeat(SNS_MAX_SUBJECT_CHARS - head.length - detail.length - 3);

    expect(fitSubject(head, description, detail)).toBe(`${head} ${description}: ${detail}`);
  });

  it('shortens the description while 12 characters of it fit, then drops it', () => {
    const head = `[prod] ${'h'.repeat(60)}`;
    const detail = 'd'.repeat(SNS_MAX_SUBJECT_CHARS - head.length - 2 - 1 - 12);

    expect(fitSubject(head, 'description that is long', detail)).toBe(`${head} descripti...: ${detail}`);
    expect(fitSubject(head, 'description that is long', `${detail}d`)).toBe(`${head}: ${detail}d`);
  });

  it('cuts at a word in its second half, within one word of the limit', () => {
    const words = `${'word '.repeat(19)}lastword`;

    expect(fitSubject(words, '', '')).toBe(`${'word '.repeat(19).trim()}...`);
    expect(fitSubject(`${'w'.repeat(48)} ${'x'.repeat(60)}`, '', '')).toBe(
      `${'w'.repeat(48)} ${'x'.repeat(47)}...`,
    );
  });

  it('turns a run of line breaks into one space', () => {
    expect(fitSubject('a\r\n\r\nb', '', '')).toBe('a b');
  });
});

describe('masking personal data in a failure', () => {
  it.each([
    ['EndpointId:e-9 rejected', 'EndpointId:[id] rejected'],
    [
      'Endpoint ep-1: bad address jane.doe+x@mail.example.com, retry',
      'Endpoint [id]: bad address [email], retry',
    ],
    ['UserId: u123 and EndpointId e9f', 'UserId: [id] and EndpointId [id]'],
    ['Id u-77 failed', 'Id [id] failed'],
    ['customer number 12345678 refused', 'customer number [number] refused'],
    ['from 10.0.12.7 at 1.2.3', 'from [ip] at 1.2.3'],
    [`token ${'A'.repeat(40)} expired`, 'token [token] expired'],
  ])('masks %s', (entry, masked) => {
    expect(redactFailure(entry)).toBe(masked);
  });
});

describe('the size SNS counts', () => {
  it("counts the message and each attribute's name, type and value", () => {
    const bytes = snsMessageBytes('héllo', {
      status: { DataType: 'String', StringValue: 'ERROR' },
      x: { DataType: 'String' },
    });

    // 'héllo' is 6 bytes; status: 6 + 6 + 5; x: 1 + 6 + 0.
    expect(bytes).toBe(6 + 17 + 7);
  });

  it('keeps an error message of exactly the limit whole, and cuts one character more', () => {
    const limit = 'm'.repeat(MAX_ERROR_MESSAGE_CHARS);

    expect(capErrorMessage(limit)).toBe(limit);
    expect(capErrorMessage(`${limit}m`)).toMatch(/\.\.\. \(\d+ more characters left out\)$/);
    expect(capErrorMessage(`${limit}m`).length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS);
  });

  it('keeps every failure when the message fits the budget exactly, and cuts the headline only when nothing else fits', () => {
    const summary = tooManyFailures({ failuresOmitted: 0 });
    const whole = buildSnsMessage(summary);
    const exact = snsMessageBytes(whole.Message, whole.MessageAttributes);

    const atBudget = buildSnsMessage(summary, { maxBytes: exact });

    expect(atBudget.summary.Failures).toEqual(summary.Failures);
    expect(atBudget.summary.headline).toBe(summary.headline);
  });

  it('keeps a long headline whole when the message fits', () => {
    const headline = `${'A long headline. '.repeat(40)}`;

    expect(buildSnsMessage(tooManyFailures({ headline })).summary.headline).toBe(headline);
  });
});

describe('reading a summary message back', () => {
  it('gives no summary for a message without attributes, or whose summary attribute is not JSON', () => {
    expect(readSummaryMessage('text', undefined)).toEqual({ summary: null, emailText: 'text' });
    expect(readSummaryMessage('text', { summary: { StringValue: '{not json' } }).summary).toBeNull();
    expect(readSummaryMessage('text', { summary: { Value: '' } }).summary).toBeNull();
  });
});
