import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import {
  buildSnsMessage,
  EMAIL_FAILURES_SHOWN,
  emailTextOf,
  MAX_ERROR_MESSAGE_CHARS,
  SNS_MAX_MESSAGE_BYTES,
  SNS_MAX_SUBJECT_CHARS,
  subjectOf,
  toSnsSubject,
} from '../../functions/publish-summary/sns-message.ts';
import type { ExportSummary } from '../../functions/shared/types.ts';

const APPLICATION_ID = '7f3c9a1b2c3d4e5f60718293a4b5c6d7';
const JOB_ID = '9a8b7c6d5e4f30211f2e3d4c5b6a7980';

function failedSummary(overrides: Partial<ExportSummary> = {}): ExportSummary {
  return {
    status: 'FAILED',
    headline: `The export job ${JOB_ID} of ${APPLICATION_ID} (segment vip-customers) FAILED: 2,431 endpoints failed, 48,198 processed.`,
    stage: 'prod',
    applicationId: APPLICATION_ID,
    segmentId: 'vip-customers',
    segmentVersion: 4,
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

/** Bytes SNS counts: the message plus each attribute's name, type and value. */
function snsBytes(message: string, attributes: Record<string, MessageAttributeValue>): number {
  let bytes = Buffer.byteLength(message);
  for (const [name, value] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    bytes += Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}

/** The message as SNS would get it for `summary` as is (the shape buildSnsMessage sends). */
function renderedAs(summary: ExportSummary): string {
  return JSON.stringify({ default: JSON.stringify(summary), email: emailTextOf(summary) });
}

describe('buildSnsMessage', () => {
  it('sends every Failures entry when they fit', () => {
    const summary = failedSummary({ Failures: BIG_FAILURES.slice(0, 3) });

    const message = buildSnsMessage(summary);

    expect(message.summary.Failures).toEqual(BIG_FAILURES.slice(0, 3));
    expect(message.summary.failuresOmitted).toBe(0);
    expect(JSON.parse(JSON.parse(message.Message).default)).toEqual(summary);
  });

  it('fits 100 Failures of 5 KB each within 262,144 bytes including the attributes', () => {
    expect(Buffer.byteLength(BIG_FAILURES[0]!)).toBeGreaterThan(5_000);
    const summary = failedSummary({ Failures: BIG_FAILURES });

    const message = buildSnsMessage(summary);

    expect(snsBytes(message.Message, message.MessageAttributes)).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
  });

  it('keeps as many Failures as fit, in order, and says how many were left out', () => {
    const message = buildSnsMessage(failedSummary({ Failures: BIG_FAILURES }));

    const sent = JSON.parse(JSON.parse(message.Message).default) as ExportSummary;
    const kept = sent.Failures.length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(100);
    expect(sent.Failures).toEqual(BIG_FAILURES.slice(0, kept));
    expect(sent.failuresOmitted).toBe(100 - kept);
    expect(message.summary).toEqual(sent);
    expect(JSON.parse(message.Message).email).toContain(
      `(${100 - kept} more failure entries left out to fit SNS's size limit)`,
    );
  });

  it('could not have kept one more Failures entry', () => {
    const message = buildSnsMessage(failedSummary({ Failures: BIG_FAILURES }));
    const kept = message.summary.Failures.length;

    const oneMore = renderedAs({
      ...message.summary,
      Failures: BIG_FAILURES.slice(0, kept + 1),
      failuresOmitted: 100 - kept - 1,
    });

    expect(snsBytes(oneMore, message.MessageAttributes)).toBeGreaterThan(SNS_MAX_MESSAGE_BYTES);
  });

  it('lists at most the first Failures in the email text', () => {
    const failures = Array.from({ length: 25 }, (_, i) => `Endpoint ep-${i}: ChannelType is missing`);

    const message = buildSnsMessage(failedSummary({ Failures: failures, TotalFailures: 25 }));

    const email = JSON.parse(message.Message).email as string;
    expect(email).toContain(`First failures (${EMAIL_FAILURES_SHOWN} of 25):`);
    expect(email).toContain(`  - Endpoint ep-${EMAIL_FAILURES_SHOWN - 1}: ChannelType is missing`);
    expect(email).not.toContain(`  - Endpoint ep-${EMAIL_FAILURES_SHOWN}: ChannelType is missing`);
  });

  it('still produces valid JSON with every Failures entry left out under a tiny budget', () => {
    const summary = failedSummary({ Failures: BIG_FAILURES, headline: `FAILED ${'x'.repeat(2_000)}` });

    const message = buildSnsMessage(summary, 3_000);

    const parsed = JSON.parse(message.Message) as { default: string; email: string };
    const sent = JSON.parse(parsed.default) as ExportSummary;
    expect(sent.Failures).toEqual([]);
    expect(sent.failuresOmitted).toBe(100);
    expect(sent.headline.length).toBeLessThanOrEqual(500);
    expect(parsed.email).toContain(sent.headline);
  });

  it(`cuts an ERROR message to ${MAX_ERROR_MESSAGE_CHARS} characters and says how many were left out`, () => {
    const summary = failedSummary({
      status: 'ERROR',
      error: { name: 'PinpointRequestRejectedError', message: 'm'.repeat(20_000), advice: 'Fix it.' },
    });

    const message = buildSnsMessage(summary);

    const sent = message.summary.error?.message ?? '';
    expect(sent.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS);
    expect(sent.length).toBeGreaterThan(MAX_ERROR_MESSAGE_CHARS - 50);
    const kept = sent.indexOf('...');
    expect(sent).toMatch(new RegExp(`\\.\\.\\. \\(${20_000 - kept} more characters left out\\)$`));
    expect(message.summary.error?.advice).toBe('Fix it.');
  });

  it('sends only String attributes: status, stage, trigger, hasFailures, applicationId, segmentId', () => {
    const message = buildSnsMessage(failedSummary());

    expect(message.MessageAttributes).toEqual({
      status: { DataType: 'String', StringValue: 'FAILED' },
      stage: { DataType: 'String', StringValue: 'prod' },
      trigger: { DataType: 'String', StringValue: 'schedule' },
      hasFailures: { DataType: 'String', StringValue: 'true' },
      applicationId: { DataType: 'String', StringValue: APPLICATION_ID },
      segmentId: { DataType: 'String', StringValue: 'vip-customers' },
    });
  });

  it('leaves out the applicationId and segmentId attributes when unknown', () => {
    const message = buildSnsMessage(failedSummary({ applicationId: null, segmentId: null }));

    expect(Object.keys(message.MessageAttributes).sort()).toEqual([
      'hasFailures',
      'stage',
      'status',
      'trigger',
    ]);
  });
});

describe('subjectOf', () => {
  it('names the stage, status, application and counts', () => {
    expect(subjectOf(failedSummary())).toBe(
      '[prod] Pinpoint export FAILED app 7f3c9a1b... segment vip-customers: 48198 processed, 2431 failed',
    );
  });

  it('names the error for ERROR', () => {
    const summary = failedSummary({
      status: 'ERROR',
      segmentId: null,
      error: { name: 'InvalidExportInputError', message: 'ApplicationId: is required', advice: 'Fix it.' },
    });

    expect(subjectOf(summary)).toBe('[prod] Pinpoint export ERROR app 7f3c9a1b...: InvalidExportInputError');
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
