import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import {
  attributesOf,
  buildSnsMessage,
  EMAIL_FAILURES_SHOWN,
  emailTextOf,
  MAX_ERROR_MESSAGE_CHARS,
  readSummaryMessage,
  redactFailure,
  SNS_MAX_MESSAGE_BYTES,
  SNS_MAX_RAW_SQS_ATTRIBUTES,
  SNS_MAX_SUBJECT_CHARS,
  SUMMARY_ATTRIBUTE,
  subjectOf,
  toSnsSubject,
} from '../../core/sns-message.ts';
import type { ExportSummary } from '../../core/types.ts';
import { loadPublishSummaryConfig } from '../../functions/shared/config.ts';
import { PINPOINT } from '../../sources/pinpoint/describe.ts';
import type { PinpointRequest } from '../../sources/pinpoint/types.ts';

const APPLICATION_ID = '7f3c9a1b2c3d4e5f60718293a4b5c6d7';
const JOB_ID = '9a8b7c6d5e4f30211f2e3d4c5b6a7980';

function failedSummary(overrides: Partial<ExportSummary> = {}): ExportSummary {
  return {
    status: 'FAILED',
    headline: `The Pinpoint export ${JOB_ID} of segment vip-customers of ${APPLICATION_ID} FAILED: 2,431 endpoints failed, 48,198 processed.`,
    stage: 'prod',
    source: 'pinpoint',
    service: 'Pinpoint',
    what: 'segment vip-customers',
    target: 'nightly-vip',
    previousRun: null,
    recordsDrop: false,
    sourceFields: { applicationId: APPLICATION_ID, segmentId: 'vip-customers', segmentVersion: 4 },
    jobId: JOB_ID,
    jobStatus: 'FAILED',
    jobReused: false,
    s3UrlPrefix: `s3://exports-bucket/pinpoint/${APPLICATION_ID}/2026-11-28/`,
    TotalProcessed: 48_198,
    TotalFailures: 2_431,
    Failures: [],
    failuresOmitted: 0,
    TotalPieces: 8,
    CompletedPieces: 7,
    FailedPieces: 1,
    creationDate: '2026-11-28T02:00:08.734Z',
    completionDate: '2026-11-28T02:14:40.120Z',
    durationSeconds: 871,
    statusChecks: 9,
    scheduledTime: '2026-11-28T02:00:00.000Z',
    execution: {
      id: 'arn:aws:states:us-east-1:123456789012:execution:pinpoint-export-prod:0c5e1a52-6f7e-4f5c-9a38-1d2b3c4d5e6f',
      name: '0c5e1a52-6f7e-4f5c-9a38-1d2b3c4d5e6f',
      startTime: '2026-11-28T02:00:07.412Z',
      trigger: 'schedule',
    },
    error: null,
    ...overrides,
  };
}

/** 100 Failures of about 5 KB each (Pinpoint keeps at most the first 100). */
const BIG_FAILURES = Array.from(
  { length: 100 },
  (_, i) =>
    `Endpoint ep-${String(i).padStart(3, '0')}: ${'Attributes.Interests value too long; '.repeat(140)}`,
);

/** Bytes SNS counts: the message plus each attribute's name, type and value (an independent count). */
function snsBytes(message: string, attributes: Record<string, MessageAttributeValue>): number {
  let bytes = Buffer.byteLength(message);
  for (const [name, value] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    bytes += Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}

/** The summary as a program subscriber reads it: the JSON of the `summary` attribute. */
function sentSummary(message: { MessageAttributes: Record<string, MessageAttributeValue> }): ExportSummary {
  return JSON.parse(message.MessageAttributes[SUMMARY_ATTRIBUTE]!.StringValue!) as ExportSummary;
}

/** An ERROR summary carrying the classifier's `reason` (a field the error object gains with issue 10). */
function errorSummary(reason: string | undefined, name = 'PinpointRequestRejectedError'): ExportSummary {
  return failedSummary({
    status: 'ERROR',
    what: 'all endpoints',
    error: {
      name,
      message: 'Application not found',
      advice: 'Check the application id.',
      ...(reason !== undefined && { reason }),
    } as ExportSummary['error'],
  });
}

describe('buildSnsMessage', () => {
  it('publishes with the String structure: the body is the readable text, the summary rides in an attribute', () => {
    const summary = failedSummary({ Failures: BIG_FAILURES.slice(0, 3) });

    const message = buildSnsMessage(summary);

    expect(message.MessageStructure).toBeUndefined();
    expect(message.Message).toBe(emailTextOf(message.summary));
    expect(() => JSON.parse(message.Message)).toThrow();
    expect(message.MessageAttributes[SUMMARY_ATTRIBUTE]?.DataType).toBe('String');
    expect(sentSummary(message)).toEqual(summary);
    expect(message.summary.failuresOmitted).toBe(0);
  });

  it('reads back through the one parser, from the SDK shape and from a delivered notification', () => {
    const message = buildSnsMessage(failedSummary());
    const delivered = Object.fromEntries(
      Object.entries(message.MessageAttributes).map(([k, v]) => [
        k,
        { Type: v.DataType, Value: v.StringValue },
      ]),
    );

    expect(readSummaryMessage(message.Message, message.MessageAttributes)).toEqual({
      summary: message.summary,
      emailText: message.Message,
    });
    expect(readSummaryMessage(message.Message, delivered).summary).toEqual(message.summary);
    expect(readSummaryMessage('alarm text', {}).summary).toBeNull();
  });

  it('fits 100 Failures of 5 KB each within 262,144 bytes including the attributes', () => {
    expect(Buffer.byteLength(BIG_FAILURES[0]!)).toBeGreaterThan(5_000);
    const summary = failedSummary({ Failures: BIG_FAILURES });

    const message = buildSnsMessage(summary);

    expect(snsBytes(message.Message, message.MessageAttributes)).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
  });

  it('keeps as many Failures as fit, in order, and says how many were left out', () => {
    const message = buildSnsMessage(failedSummary({ Failures: BIG_FAILURES }));

    const sent = sentSummary(message);
    const kept = sent.Failures.length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(100);
    expect(sent.Failures).toEqual(BIG_FAILURES.slice(0, kept));
    expect(sent.failuresOmitted).toBe(100 - kept);
    expect(message.summary).toEqual(sent);
    expect(message.Message).toContain(
      `(${100 - kept} more failure entries left out to fit SNS's size limit)`,
    );
  });

  // Entry sizes from 10 bytes to 12 KB, multi-byte characters among them: the attributes (the summary
  // JSON with its escaping, and the filter attributes) must be counted, or the message overshoots.
  const VARIED_FAILURES = Array.from({ length: 100 }, (_, i) => {
    const size = [10, 300, 2_000, 7_500, 12_000][i % 5]!;
    return `Endpoint ep-${i}: "${'é"\\'.repeat(Math.ceil(size / 4))}"`.slice(0, size + 20);
  });

  it.each([
    { what: 'uniform 5 KB entries', failures: BIG_FAILURES },
    { what: 'entries of varied sizes with characters JSON escapes', failures: VARIED_FAILURES },
  ])('counts the attributes in the size budget and keeps the most that fit ($what)', ({ failures }) => {
    const message = buildSnsMessage(failedSummary({ Failures: failures }));
    const kept = message.summary.Failures.length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(100);
    expect(snsBytes(message.Message, message.MessageAttributes)).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);

    // One more entry, rendered the way buildSnsMessage renders, would overshoot SNS's limit.
    const oneMore = buildSnsMessage(
      { ...message.summary, Failures: failures.slice(0, kept + 1), failuresOmitted: 100 - kept - 1 },
      { maxBytes: Number.MAX_SAFE_INTEGER },
    );
    expect(oneMore.summary.Failures).toHaveLength(kept + 1);
    expect(snsBytes(oneMore.Message, oneMore.MessageAttributes)).toBeGreaterThan(SNS_MAX_MESSAGE_BYTES);
  });

  it('lists at most the first Failures in the email text', () => {
    const failures = Array.from({ length: 25 }, (_, i) => `Piece ${i} of 25 failed: unable to write`);

    const message = buildSnsMessage(failedSummary({ Failures: failures, TotalFailures: 25 }));

    expect(message.Message).toContain(`First failures (${EMAIL_FAILURES_SHOWN} of 25;`);
    expect(message.Message).toContain(`  - Piece ${EMAIL_FAILURES_SHOWN - 1} of 25 failed: unable to write`);
    expect(message.Message).not.toContain(`  - Piece ${EMAIL_FAILURES_SHOWN} of 25 failed`);
  });

  it('still produces a parseable summary with every Failures entry left out under a tiny budget', () => {
    const summary = failedSummary({ Failures: BIG_FAILURES, headline: `FAILED ${'x'.repeat(2_000)}` });

    const message = buildSnsMessage(summary, { maxBytes: 4_000 });

    const sent = sentSummary(message);
    expect(sent.Failures).toEqual([]);
    expect(sent.failuresOmitted).toBe(100);
    expect(sent.headline.length).toBeLessThanOrEqual(500);
    expect(message.Message).toContain(sent.headline);
  });

  it(`cuts an ERROR message to ${MAX_ERROR_MESSAGE_CHARS} characters and says how many were left out`, () => {
    const summary = failedSummary({
      status: 'ERROR',
      error: {
        name: 'PinpointRequestRejectedError',
        message: 'm'.repeat(20_000),
        advice: 'Fix it.',
        reason: 'request rejected',
      } as ExportSummary['error'],
    });

    const message = buildSnsMessage(summary);

    const sent = message.summary.error?.message ?? '';
    expect(sent.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS);
    expect(sent.length).toBeGreaterThan(MAX_ERROR_MESSAGE_CHARS - 50);
    const kept = sent.indexOf('...');
    expect(sent).toMatch(new RegExp(`\\.\\.\\. \\(${20_000 - kept} more characters left out\\)$`));
    expect(message.summary.error?.advice).toBe('Fix it.');
  });

  it("sends only String attributes: the seven every source has, the source's own, and the summary, within raw SQS delivery's 10", () => {
    const message = buildSnsMessage(
      failedSummary({ sourceAttributes: { applicationId: APPLICATION_ID, segmentId: 'vip-customers' } }),
    );

    const { [SUMMARY_ATTRIBUTE]: summary, ...filter } = message.MessageAttributes;
    expect(filter).toEqual({
      status: { DataType: 'String', StringValue: 'FAILED' },
      stage: { DataType: 'String', StringValue: 'prod' },
      trigger: { DataType: 'String', StringValue: 'schedule' },
      hasFailures: { DataType: 'String', StringValue: 'true' },
      recordsDrop: { DataType: 'String', StringValue: 'false' },
      verification: { DataType: 'String', StringValue: 'none' },
      source: { DataType: 'String', StringValue: 'pinpoint' },
      applicationId: { DataType: 'String', StringValue: APPLICATION_ID },
      segmentId: { DataType: 'String', StringValue: 'vip-customers' },
    });
    expect(summary?.DataType).toBe('String');
    expect(Object.keys(message.MessageAttributes).length).toBeLessThanOrEqual(SNS_MAX_RAW_SQS_ATTRIBUTES);
  });

  it("carries Pinpoint's applicationId and segmentId, naming what stands in for them", () => {
    const attributesFor = (request: PinpointRequest | undefined, raw?: Record<string, string>) =>
      attributesOf(
        failedSummary({ sourceAttributes: PINPOINT.summaryFacts?.(request, raw)?.attributes ?? {} }),
      );
    const allEndpoints = attributesFor({
      ApplicationId: APPLICATION_ID,
      ExportJobRequest: { RoleArn: 'arn:aws:iam::123456789012:role/x', S3UrlPrefix: 's3://b/p/' },
      ScheduledTime: '2026-11-28T02:00:00.000Z',
    });
    const noInput = attributesFor(undefined, {});
    const rawInput = attributesFor(undefined, {
      applicationId: `${'x'.repeat(200)}`,
      segmentId: 'vip customers\n<script>',
    });

    expect(allEndpoints.segmentId?.StringValue).toBe('all-endpoints');
    expect(noInput.applicationId?.StringValue).toBe('unknown');
    expect(noInput.segmentId?.StringValue).toBe('all-endpoints');
    expect(rawInput.applicationId?.StringValue).toBe('invalid');
    expect(rawInput.segmentId?.StringValue).toBe('invalid');
  });

  it.each([
    { status: 'COMPLETED' as const, TotalFailures: 0, hasFailures: 'false' },
    { status: 'COMPLETED' as const, TotalFailures: 3, hasFailures: 'true' },
    { status: 'FAILED' as const, TotalFailures: 0, hasFailures: 'true' },
    { status: 'TIMED_OUT' as const, TotalFailures: null, hasFailures: 'true' },
    { status: 'ERROR' as const, TotalFailures: null, hasFailures: 'true' },
  ])(
    'sets hasFailures=$hasFailures for $status with $TotalFailures failures',
    ({ status, TotalFailures, hasFailures }) => {
      expect(attributesOf(failedSummary({ status, TotalFailures })).hasFailures?.StringValue).toBe(
        hasFailures,
      );
    },
  );
});

describe('personal data in the email text', () => {
  const PERSONAL = [
    "Endpoint ep-00000097: Address 'mia.97@example.com' is not a valid EMAIL address",
    'Endpoint user-42-phone: Address +1 (206) 555-0142 is not a valid SMS address',
    'Endpoint 12345678: token 3f2a9c0d1e2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081 rejected from 10.0.0.12',
  ];

  it('masks addresses, phone numbers, tokens and ids in the listed Failures by default', () => {
    const message = buildSnsMessage(failedSummary({ Failures: PERSONAL, TotalFailures: 3 }));

    for (const secret of [
      'mia.97',
      'example.com',
      '555-0142',
      '3f2a9c0d1e2b',
      '10.0.0.12',
      'ep-00000097',
      'user-42',
      'Endpoint 12345678',
    ])
      expect(message.Message).not.toContain(secret);
    expect(message.Message).toContain("  - Endpoint [id]: Address '[value]' is not a valid EMAIL address");
    expect(message.Message).toContain('  - Endpoint [id]: Address [phone] is not a valid SMS address');
    expect(message.Message).toContain('masked');
  });

  it('keeps the raw entries in the structured summary for programs', () => {
    const message = buildSnsMessage(failedSummary({ Failures: PERSONAL, TotalFailures: 3 }));

    expect(sentSummary(message).Failures).toEqual(PERSONAL);
  });

  it('lists the raw entries in the email text when the stage opts in (RAW_FAILURES_IN_EMAIL=true)', () => {
    const config = loadPublishSummaryConfig({
      SUMMARY_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:t',
      RUN_LEDGER_TABLE: 'runs',
      RAW_FAILURES_IN_EMAIL: 'true',
    });

    const message = buildSnsMessage(failedSummary({ Failures: PERSONAL, TotalFailures: 3 }), {
      rawFailuresInEmail: config.rawFailuresInEmail,
    });

    for (const entry of PERSONAL) expect(message.Message).toContain(`  - ${entry}`);
  });

  it('leaves the stage setting off unless set, and refuses anything but true or false', () => {
    expect(
      loadPublishSummaryConfig({
        SUMMARY_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:t',
        RUN_LEDGER_TABLE: 'runs',
      }).rawFailuresInEmail,
    ).toBeFalsy();
    expect(() =>
      loadPublishSummaryConfig({
        SUMMARY_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:t',
        RUN_LEDGER_TABLE: 'runs',
        RAW_FAILURES_IN_EMAIL: 'yes',
      }),
    ).toThrow(/RAW_FAILURES_IN_EMAIL must be true or false/);
  });

  it('leaves failure text without personal data readable', () => {
    const entry =
      'Piece 3 of 8 failed: unable to write to s3://bucket/pinpoint/7f3c9a1b2c3d4e5f60718293a4b5c6d7/2026-11-28/ (250 endpoints not exported)';

    expect(redactFailure(entry)).toBe(entry);
    expect(redactFailure('The user has opted out of all channels')).toBe(
      'The user has opted out of all channels',
    );
  });
});

describe('the verification in the message', () => {
  const completed = (verification: ExportSummary['verification']): ExportSummary =>
    failedSummary({
      status: 'COMPLETED',
      jobStatus: 'COMPLETED',
      TotalFailures: 0,
      headline: 'Exported 48,198 endpoints.',
      verification,
    });
  const mismatch = {
    verdict: 'MISMATCH' as const,
    files: 8,
    bytes: 1_000,
    records: 48_000,
    expected: 48_198,
    manifestUri: 's3://exports-bucket/p/job/_manifest.json',
    note: '8 files hold 48,000 records, but Pinpoint reported 48,198: 198 missing',
  };

  it('puts MISMATCH in the Subject with the counts, and flags hasFailures and the verification attribute', () => {
    const message = buildSnsMessage({ ...completed(mismatch), status: 'MISMATCH' });

    expect(message.Subject).toBe(
      // Short enough whole: nothing gives way.
      `[prod] Pinpoint export MISMATCH segment vip-customers: 48,000 of 48,198 records in S3`,
    );
    expect(message.MessageAttributes.status).toEqual({ DataType: 'String', StringValue: 'MISMATCH' });
    expect(message.MessageAttributes.verification).toEqual({ DataType: 'String', StringValue: 'MISMATCH' });
    expect(message.MessageAttributes.hasFailures).toEqual({ DataType: 'String', StringValue: 'true' });
  });

  it('lets subscribers filter VERIFIED, NOT_COUNTED and UNVERIFIED, and says none for other statuses', () => {
    for (const verdict of ['VERIFIED', 'NOT_COUNTED', 'UNVERIFIED'] as const) {
      const attributes = attributesOf(completed({ ...mismatch, verdict }));
      expect(attributes.verification?.StringValue).toBe(verdict);
      expect(attributes.hasFailures?.StringValue).toBe('false');
    }
    expect(attributesOf(failedSummary({ verification: null })).verification?.StringValue).toBe('none');
  });

  it('shows the verdict, its note and the manifest in the email text', () => {
    const text = emailTextOf(completed(mismatch));

    expect(text).toContain(`Verification    MISMATCH: ${mismatch.note}`);
    expect(text).toContain('Manifest        s3://exports-bucket/p/job/_manifest.json');
  });
});

describe('subjectOf', () => {
  it('names the stage, status, application and counts', () => {
    expect(subjectOf(failedSummary())).toBe(
      '[prod] Pinpoint export FAILED segment vip-customers: 48,198 processed, 2,431 failed',
    );
  });

  it.each([
    'application not found',
    'end of support',
    'role cannot be assumed',
    'invalid input: ExportJobRequest.SegmentVersion',
  ])('names the cause of an ERROR in words: %s', (reason) => {
    expect(subjectOf(errorSummary(reason))).toBe(`[prod] Pinpoint export ERROR all endpoints: ${reason}`);
  });

  it('keeps a long or non-ASCII reason within SNS Subject rules, dropping what was exported before the reason', () => {
    const subject = subjectOf(errorSummary(`invalid input: ${'Ségment\n'.repeat(40)}`));

    expect(subject).toMatch(
      /^\[prod\] Pinpoint export ERROR: invalid input: Segment Segment .*Segment\.\.\.$/,
    );
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject.length).toBeLessThan(100);
  });

  it('falls back to the error name while the summary has no reason', () => {
    expect(subjectOf(errorSummary(undefined, 'InvalidExportInputError'))).toBe(
      '[prod] Pinpoint export ERROR all endpoints: InvalidExportInputError',
    );
  });

  it('says the cause in words in the email text too', () => {
    expect(emailTextOf(errorSummary('application not found'))).toContain(
      'Error: application not found (PinpointRequestRejectedError)',
    );
  });
});

describe('toSnsSubject', () => {
  it('strips non-ASCII characters, keeping the base letters of accented ones', () => {
    expect(toSnsSubject('Export für Zürich — café 🎉 日本')).toBe('Export fur Zurich cafe');
  });

  it('replaces line breaks and tabs with single spaces', () => {
    expect(toSnsSubject('Pinpoint export\r\nFAILED\tfor\n\nsegment vip\n')).toBe(
      'Pinpoint export FAILED for segment vip',
    );
  });

  it('removes Unicode line and paragraph separators', () => {
    expect(toSnsSubject('FAILED\u2028segment\u2029vip\u0085')).toMatch(/^[\x20-\x7e]+$/);
  });

  it('truncates to fewer than 100 characters with an ellipsis', () => {
    const subject = toSnsSubject(`[prod] Pinpoint export COMPLETED ${'segment-'.repeat(30)}`);

    expect(subject).toHaveLength(SNS_MAX_SUBJECT_CHARS);
    expect(subject.length).toBeLessThan(100);
    expect(subject.endsWith('...')).toBe(true);
  });

  it('keeps a 99-character subject as is', () => {
    const text = 'a'.repeat(99);

    expect(toSnsSubject(text)).toBe(text);
  });

  it('produces only printable ASCII for any input', () => {
    const subject = toSnsSubject(`\u0000\u0007bell\u001b[31m red\u007f ${'é'.repeat(200)}\n`);

    expect(subject).toMatch(/^[\x20-\x7e]*$/);
    expect(subject.length).toBeLessThan(100);
  });
});
