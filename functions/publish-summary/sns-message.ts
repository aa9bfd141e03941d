import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import type { ExportSummary } from '../shared/types.ts';

/*
 * The SNS message for a summary, shaped by SNS's limits: the message and its
 * attributes at most 262,144 bytes; the Subject ASCII, under 100 characters,
 * without line breaks; attributes delivered to every protocol only as plain
 * Strings. With MessageStructure=json, email subscribers get the short text and
 * every other protocol (SQS, Lambda, HTTPS, email-json) the full JSON summary.
 */

/** SNS's limit for the message plus its attributes, bytes. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
/** SNS allows Subjects shorter than 100 characters. */
export const SNS_MAX_SUBJECT_CHARS = 99;
/** Failures listed in the email text; the JSON carries all that fit. */
export const EMAIL_FAILURES_SHOWN = 10;
/** Longest error message kept, so a runaway message cannot crowd out the summary. */
export const MAX_ERROR_MESSAGE_CHARS = 4_000;

export interface SnsMessage {
  Subject: string;
  Message: string;
  MessageStructure: 'json';
  MessageAttributes: Record<string, MessageAttributeValue>;
  /** The summary as sent (Failures possibly cut to fit). */
  summary: ExportSummary;
}

/** ASCII only, no line breaks, under 100 characters. */
export function toSnsSubject(text: string): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[\r\n\t\u0085\u2028\u2029]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return ascii.length > SNS_MAX_SUBJECT_CHARS ? `${ascii.slice(0, SNS_MAX_SUBJECT_CHARS - 3)}...` : ascii;
}

function shortId(id: string | null): string {
  return id ? (id.length > 12 ? `${id.slice(0, 8)}...` : id) : 'unknown';
}

export function subjectOf(s: ExportSummary): string {
  const target = `app ${shortId(s.applicationId)}${s.segmentId ? ` segment ${s.segmentId}` : ''}`;
  const detail =
    s.status === 'COMPLETED' || s.status === 'FAILED'
      ? `: ${s.TotalProcessed ?? '?'} processed, ${s.TotalFailures ?? '?'} failed`
      : s.status === 'ERROR'
        ? `: ${s.error?.name ?? 'error'}`
        : '';
  return toSnsSubject(`[${s.stage}] Pinpoint export ${s.status} ${target}${detail}`);
}

/** Message attributes subscribers can filter on (for example `status` to get failures only). */
export function attributesOf(s: ExportSummary): Record<string, MessageAttributeValue> {
  const attributes: Record<string, string> = {
    status: s.status,
    stage: s.stage,
    trigger: s.execution.trigger,
    hasFailures: String((s.TotalFailures ?? 0) > 0 || s.status !== 'COMPLETED'),
  };
  if (s.applicationId) attributes.applicationId = s.applicationId;
  if (s.segmentId) attributes.segmentId = s.segmentId;
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
  );
}

function line(label: string, value: unknown): string | null {
  return value === null || value === undefined || value === '' ? null : `${label.padEnd(16)}${value}`;
}

/** The text an email reader reads at a glance. */
export function emailTextOf(s: ExportSummary): string {
  const lines = [
    `Pinpoint export ${s.status}`,
    '',
    s.headline,
    '',
    line('Application', s.applicationId),
    line(
      'Segment',
      s.segmentId ? `${s.segmentId}${s.segmentVersion ? ` v${s.segmentVersion}` : ''}` : 'all endpoints',
    ),
    line('Export job', s.jobId ? `${s.jobId} (${s.jobStatus}${s.jobReused ? ', reused' : ''})` : null),
    line('S3 location', s.s3UrlPrefix),
    line('Processed', s.TotalProcessed?.toLocaleString('en-US')),
    line('Failed', s.TotalFailures?.toLocaleString('en-US')),
    line(
      'Pieces',
      s.TotalPieces === null
        ? null
        : `${s.CompletedPieces ?? 0}/${s.TotalPieces} (${s.FailedPieces ?? 0} failed)`,
    ),
    line('Created', s.creationDate),
    line('Completed', s.completionDate),
    line('Duration', s.durationSeconds === null ? null : `${s.durationSeconds} s`),
    line('Status checks', s.statusChecks),
    line('Scheduled for', s.scheduledTime),
    line('Execution', `${s.execution.name} (${s.execution.trigger})`),
    line('Stage', s.stage),
  ];
  if (s.error) {
    lines.push('', `Error: ${s.error.name}`, s.error.message, '', `What to do: ${s.error.advice}`);
  }
  if (s.Failures.length > 0) {
    lines.push(
      '',
      `First failures (${Math.min(EMAIL_FAILURES_SHOWN, s.Failures.length)} of ${s.TotalFailures ?? '?'}):`,
    );
    for (const failure of s.Failures.slice(0, EMAIL_FAILURES_SHOWN)) lines.push(`  - ${failure}`);
  }
  if (s.failuresOmitted > 0)
    lines.push(`  (${s.failuresOmitted} more failure entries left out to fit SNS's size limit)`);
  lines.push('', `Execution ARN: ${s.execution.id}`);
  return lines.filter((l): l is string => l !== null).join('\n');
}

/** At most MAX_ERROR_MESSAGE_CHARS characters, saying how many were left out. */
export function capErrorMessage(message: string): string {
  if (message.length <= MAX_ERROR_MESSAGE_CHARS) return message;
  // The note's length depends on the count it states: size it for the largest count first.
  const note = (left: number) => `... (${left} more characters left out)`;
  const keep = MAX_ERROR_MESSAGE_CHARS - note(message.length).length;
  return `${message.slice(0, keep)}${note(message.length - keep)}`;
}

function attributesBytes(attributes: Record<string, MessageAttributeValue>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(attributes)) {
    bytes +=
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType ?? '') +
      Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}

function render(s: ExportSummary): string {
  return JSON.stringify({ default: JSON.stringify(s), email: emailTextOf(s) });
}

/**
 * Builds the SNS message, dropping Failures entries from the end (and saying
 * how many in `failuresOmitted`) until message and attributes fit SNS's limit.
 */
export function buildSnsMessage(summary: ExportSummary, maxBytes = SNS_MAX_MESSAGE_BYTES): SnsMessage {
  const MessageAttributes = attributesOf(summary);
  const budget = maxBytes - attributesBytes(MessageAttributes);
  let fitted: ExportSummary = summary.error
    ? { ...summary, error: { ...summary.error, message: capErrorMessage(summary.error.message) } }
    : summary;
  const all = fitted.Failures;
  const fits = (kept: number): boolean => {
    const candidate = {
      ...fitted,
      Failures: all.slice(0, kept),
      failuresOmitted: summary.failuresOmitted + all.length - kept,
    };
    return Buffer.byteLength(render(candidate)) <= budget;
  };
  let kept = all.length;
  if (!fits(kept)) {
    // Binary search for the most entries that fit.
    let low = 0;
    let high = all.length;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (fits(mid)) low = mid;
      else high = mid - 1;
    }
    kept = low;
  }
  fitted = {
    ...fitted,
    Failures: all.slice(0, kept),
    failuresOmitted: summary.failuresOmitted + all.length - kept,
  };
  if (!fits(kept)) {
    // Still too large with no Failures at all (absurdly long fields): cut the headline too.
    fitted = { ...fitted, headline: fitted.headline.slice(0, 500) };
  }
  return {
    Subject: subjectOf(fitted),
    Message: render(fitted),
    MessageStructure: 'json',
    MessageAttributes,
    summary: fitted,
  };
}
