import { isSuccess, OUTCOMES } from './outcome.ts';
import type { ExportSummary } from './types.ts';

/*
 * The SNS message for a summary, shaped by what SNS documents:
 *
 * - Routing rests on message attributes, published with the plain String
 *   message structure. "Message attributes are sent only when the message
 *   structure is String, not JSON" (Amazon SNS Developer Guide, "Amazon SNS
 *   message attributes", https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html),
 *   and a subscription filter policy with the default scope MessageAttributes
 *   accepts a message only on its attributes ("Amazon SNS subscription filter
 *   policy scope", https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering-scope.html).
 *   A failures-only subscription ({"status": ["FAILED", "TIMED_OUT", "ERROR"]})
 *   therefore works the same for every protocol, email included.
 * - The body is the readable text, since with the String structure every
 *   protocol gets the same body and email can only show the body. Filtering on
 *   the body (scope MessageBody) is not used: it "assume[s] that the message
 *   payload is a well-formed JSON object" ("Amazon SNS message filtering"), and
 *   nothing documents which body it reads under MessageStructure=json.
 * - Programs get the full structured summary as JSON in the `summary` String
 *   attribute: SNS delivers attributes in the notification to SQS (or as SQS
 *   message attributes with raw delivery, at most 10), Lambda (`Sns.MessageAttributes`)
 *   and HTTP/S without raw delivery ("Amazon SNS raw message delivery": with raw
 *   delivery to HTTP/S, attributes are not sent). Nine attributes in all.
 * - Limits: message plus attributes at most 262,144 bytes (attribute name, type
 *   and value all count: Publish, MessageAttributeValue); the Subject ASCII,
 *   under 100 characters, without line breaks.
 * - Personal data: the email text lists the first Failures entries with
 *   addresses, phone numbers, tokens, endpoint ids and quoted values masked,
 *   unless the stage opts in to raw entries (`rawFailuresInEmail`); the JSON
 *   for programs keeps Pinpoint's entries as they are.
 */

/** A message attribute as SNS Publish takes it (the SDK's MessageAttributeValue, String only). */
export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
}

/** SNS's limit for the message plus its attributes, bytes. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
/** SNS allows Subjects shorter than 100 characters. */
export const SNS_MAX_SUBJECT_CHARS = 99;
/** Failures listed in the email text; the JSON carries all that fit. */
export const EMAIL_FAILURES_SHOWN = 10;
/** Longest error message kept, so a runaway message cannot crowd out the summary. */
export const MAX_ERROR_MESSAGE_CHARS = 4_000;
/** The String attribute that carries the full summary as JSON, for programs. */
export const SUMMARY_ATTRIBUTE = 'summary';
/** SNS sends at most 10 attributes to SQS with raw message delivery. */
export const SNS_MAX_RAW_SQS_ATTRIBUTES = 10;

export interface SnsMessageOptions {
  /** Budget for message plus attributes; SNS's limit unless a test shrinks it. */
  maxBytes?: number;
  /** List Pinpoint's Failures entries unmasked in the email text (the stage's `notifications.rawFailuresInEmail`). */
  rawFailuresInEmail?: boolean;
}

export interface SnsMessage {
  Subject: string;
  /** The readable text (every protocol's body: the String message structure). */
  Message: string;
  /** Always absent: the String message structure, so that attributes are delivered and filterable. */
  MessageStructure?: undefined;
  /** Filter attributes plus `summary`, the full summary as JSON. */
  MessageAttributes: Record<string, MessageAttributeValue>;
  /** The summary as sent (Failures possibly cut to fit). */
  summary: ExportSummary;
}

/** ASCII only, no line breaks, whitespace collapsed. */
function asciiLine(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\r\n\t\u0085\u2028\u2029]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** At most `max` characters, cut at a word where one is near, ending "...". */
function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, Math.max(0, max - 3));
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}...`;
}

/** ASCII only, no line breaks, under 100 characters. */
export function toSnsSubject(text: string): string {
  return cutAtWord(asciiLine(text), SNS_MAX_SUBJECT_CHARS);
}

/** Shortest description kept before it is dropped from a Subject that is too long. */
const MIN_SUBJECT_DESCRIPTION = 12;

/**
 * `head description: detail` under SNS's limit. What is cut first is the description (what
 * was exported), then the detail at a word: the head (stage, service, outcome) always stays.
 */
export function fitSubject(head: string, description: string, detail: string): string {
  const [h, d, r] = [asciiLine(head), asciiLine(description), asciiLine(detail)];
  const tail = r ? `: ${r}` : '';
  const whole = `${h}${d ? ` ${d}` : ''}${tail}`;
  if (whole.length <= SNS_MAX_SUBJECT_CHARS) return whole;
  const room = SNS_MAX_SUBJECT_CHARS - h.length - tail.length - 1;
  if (d && room >= MIN_SUBJECT_DESCRIPTION) return `${h} ${cutAtWord(d, room)}${tail}`;
  return cutAtWord(`${h}${tail}`, SNS_MAX_SUBJECT_CHARS);
}

/** The cause of an ERROR in words (the classifier's `reason`), else the error's name. */
function causeOf(error: NonNullable<ExportSummary['error']>): string {
  return typeof error.reason === 'string' && error.reason.trim() !== '' ? error.reason : error.name;
}

/** "2,000"; the words for a count a source did not report are left out by the callers. */
const n = (value: number) => value.toLocaleString('en-US');

/** What the Subject says after the outcome, in a few words; never a placeholder for an unknown count. */
function subjectDetailOf(s: ExportSummary): string {
  const v = s.verification;
  const exported = s.exported ?? null;
  const failures = s.TotalFailures;
  switch (s.status) {
    case 'COMPLETED':
      if (exported === null) return '';
      return `${n(exported)} exported${failures ? `, ${n(failures)} failed` : ''}`;
    case 'MISMATCH':
      return v && v.records !== null && v.expected !== null
        ? `${n(v.records)} of ${n(v.expected)} records in S3`
        : "files differ from the job's report";
    case 'UNVERIFIED':
      return 'files not verified';
    case 'TOO_MANY_FAILURES':
      return failures !== null && s.TotalProcessed !== null
        ? `${n(failures)} of ${n(s.TotalProcessed)} failed`
        : 'too many failures';
    case 'FAILED':
      if (failures !== null && s.TotalProcessed !== null)
        return `${n(s.TotalProcessed)} processed, ${n(failures)} failed`;
      return s.Failures[0]?.replace(/\.$/, '') ?? 'the job failed';
    case 'TIMED_OUT':
      return s.jobStatus ? `last seen ${s.jobStatus}` : '';
    case 'ERROR':
      return s.error ? causeOf(s.error) : 'error';
  }
}

export function subjectOf(s: ExportSummary): string {
  return fitSubject(
    `[${s.stage}] ${s.service ?? 'Unknown source'} export ${s.status}`,
    s.what ?? 'unknown target',
    subjectDetailOf(s),
  );
}

/**
 * The String attributes every message carries whatever its source, and what each holds: the one
 * list of them (attributesOf sends exactly these, then the source's own; docs/OPERATE.md shows
 * attributeTableMarkdown).
 */
export const COMMON_ATTRIBUTES = {
  status: `the run's outcome: ${OUTCOMES.map((o) => `\`${o}\``).join(', ')} ([docs/OUTCOMES.md](OUTCOMES.md))`,
  stage: 'the stage',
  trigger: '`schedule`, `manual` or `other`',
  hasFailures: '`true` for any outcome but COMPLETED, and for a COMPLETED export with failed records',
  verification:
    '`VERIFIED`, `MISMATCH`, `COUNTED`, `NOT_COUNTED`, `UNVERIFIED`; `none` when the job did not complete',
  recordsDrop: "`true` when the records dropped past the stage's limit since the previous good night",
  source: "the source's id, or `unknown` when the input was too broken to say",
} as const;

/**
 * The attributes as a Markdown table: every message's, then each source's own (`sources`: the
 * registered ones, their id and attributes), then `summary`.
 */
export function attributeTableMarkdown(
  sources: readonly { id: string; attributes?: Readonly<Record<string, string>> | undefined }[],
): string {
  const row = (name: string, on: string, holds: string) => `| \`${name}\` | ${on} | ${holds} |`;
  const ids = sources.map((source) => `\`${source.id}\``).join(', ');
  return [
    '| attribute | on | holds |',
    '| --- | --- | --- |',
    ...Object.entries(COMMON_ATTRIBUTES).map(([name, holds]) =>
      row(name, 'every message', name === 'source' ? `${holds} (the sources: ${ids})` : holds),
    ),
    ...sources.flatMap((source) =>
      Object.entries(source.attributes ?? {}).map(([name, holds]) =>
        row(name, `\`${source.id}\` runs`, holds),
      ),
    ),
    row(SUMMARY_ATTRIBUTE, 'every message', 'the whole summary as JSON, for programs'),
  ].join('\n');
}

/**
 * The attributes subscriptions filter on, on every message whatever its source: `status`
 * (the outcome), `stage`, `trigger`, `hasFailures` (any outcome but COMPLETED, or failed
 * records), `recordsDrop` (the stage's drop warning), `verification` (`VERIFIED`, `MISMATCH`,
 * `COUNTED`, `NOT_COUNTED`, `UNVERIFIED`; `none` when the job did not complete), `source`
 * (`unknown` when the input was too broken to say); then the source's own, only where they
 * apply (Pinpoint: `applicationId`, `segmentId`) — never raw input. With the `summary`
 * attribute that is at most SQS raw delivery's limit of 10.
 */
export function attributesOf(s: ExportSummary): Record<string, MessageAttributeValue> {
  const verdict = s.verification?.verdict ?? 'none';
  const attributes: Record<keyof typeof COMMON_ATTRIBUTES, string> & Record<string, string> = {
    status: s.status,
    stage: s.stage,
    trigger: s.execution.trigger,
    hasFailures: String((s.TotalFailures ?? 0) > 0 || !isSuccess(s.status)),
    verification: verdict,
    recordsDrop: String(s.recordsDrop === true),
    source: s.source ?? 'unknown',
    ...s.sourceAttributes,
  };
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
  );
}

/**
 * A Failures entry with what can identify a person masked: email addresses,
 * phone numbers, device tokens, IP addresses, endpoint and user ids, and any
 * quoted value (Pinpoint quotes the offending value).
 */
export function redactFailure(entry: string): string {
  return entry
    .replace(/(['"])(?:(?!\1).)*\1/g, '$1[value]$1')
    .replace(/[^\s'"<>()[\],;]*@[^\s'"<>()[\],;]*/g, '[email]')
    .replace(/\b(Endpoint|EndpointId|UserId|Id)(\s*[:=]?\s*)(?=[^\s:,;]*\d)[^\s:,;[\]]+/g, '$1$2[id]')
    .replace(/\+\d[\d ().-]{5,}\d/g, '[phone]')
    .replace(/\b\d{7,}\b/g, '[number]')
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, '[ip]')
    .replace(/[A-Za-z0-9_+=-]{40,}/g, '[token]');
}

function line(label: string, value: unknown): string | null {
  return value === null || value === undefined || value === '' ? null : `${label.padEnd(16)}${value}`;
}

/** The text an email reader reads at a glance (Failures masked unless `rawFailures`). */
export function emailTextOf(s: ExportSummary, options: { rawFailures?: boolean } = {}): string {
  const lines = [
    `${s.service ?? 'Unknown source'} export ${s.status}`,
    '',
    s.headline,
    ...(s.advice ? ['', `What to do: ${s.advice}`] : []),
    '',
    line('Exported', s.what),
    ...Object.entries(s.sourceFields ?? {}).map(([name, value]) => line(name, value)),
    ...Object.entries(s.details ?? {}).map(([name, value]) => line(name, value)),
    line('Export job', s.jobId ? `${s.jobId} (${s.jobStatus}${s.jobReused ? ', reused' : ''})` : null),
    line('S3 location', s.s3UrlPrefix),
    line('Records', s.exported?.toLocaleString('en-US')),
    line('Processed', s.TotalProcessed?.toLocaleString('en-US')),
    line(
      'Failed',
      s.TotalFailures === null
        ? null
        : `${s.TotalFailures.toLocaleString('en-US')}${
            s.failurePercent === null || s.failurePercent === undefined
              ? ''
              : ` (${s.failurePercent} %, limit ${s.maxFailurePercent} %)`
          }`,
    ),
    line('Verification', s.verification ? `${s.verification.verdict}: ${s.verification.note}` : null),
    line('Manifest', s.verification?.manifestUri),
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
  if (s.error) lines.push('', `Error: ${causeOf(s.error)} (${s.error.name})`, s.error.message);
  if (s.Failures.length > 0) {
    const shown = Math.min(EMAIL_FAILURES_SHOWN, s.Failures.length);
    // A source that reports no failure count (DynamoDB, Customer Profiles) lists its reason alone.
    const of = s.TotalFailures === null ? `${shown}` : `${shown} of ${n(s.TotalFailures)}`;
    const label = s.TotalFailures === null ? 'Failure reported' : 'First failures';
    lines.push(
      '',
      options.rawFailures ? `${label} (${of}):` : `${label} (${of}; addresses, numbers and ids masked):`,
    );
    for (const failure of s.Failures.slice(0, EMAIL_FAILURES_SHOWN))
      lines.push(`  - ${options.rawFailures ? failure : redactFailure(failure)}`);
  }
  if (s.failuresOmitted > 0)
    lines.push(`  (${s.failuresOmitted} more failure entries left out to fit SNS's size limit)`);
  const links = s.links;
  if (links && !isSuccess(s.status)) {
    const rows = [
      line('  Execution', links.execution),
      line('  Files in S3', links.s3),
      line('  Dashboard', links.dashboard),
      line('  Runbook', links.runbook),
    ].filter((l): l is string => l !== null);
    if (rows.length > 0) lines.push('', 'Links:', ...rows);
  }
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

/** Bytes SNS counts against its limit: the message plus each attribute's name, type and value. */
export function snsMessageBytes(message: string, attributes: Record<string, MessageAttributeValue>): number {
  let bytes = Buffer.byteLength(message);
  for (const [name, value] of Object.entries(attributes)) {
    bytes +=
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType ?? '') +
      Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}

function render(
  s: ExportSummary,
  options: SnsMessageOptions,
): { Message: string; MessageAttributes: Record<string, MessageAttributeValue> } {
  return {
    Message: emailTextOf(s, { rawFailures: options.rawFailuresInEmail === true }),
    MessageAttributes: {
      ...attributesOf(s),
      [SUMMARY_ATTRIBUTE]: { DataType: 'String', StringValue: JSON.stringify(s) },
    },
  };
}

/**
 * Builds the SNS message, dropping Failures entries from the end (and saying
 * how many in `failuresOmitted`) until message and attributes fit SNS's limit.
 */
export function buildSnsMessage(summary: ExportSummary, options: SnsMessageOptions = {}): SnsMessage {
  const maxBytes = options.maxBytes ?? SNS_MAX_MESSAGE_BYTES;
  let fitted: ExportSummary = summary.error
    ? { ...summary, error: { ...summary.error, message: capErrorMessage(summary.error.message) } }
    : summary;
  const all = fitted.Failures;
  const withKept = (kept: number): ExportSummary => ({
    ...fitted,
    Failures: all.slice(0, kept),
    failuresOmitted: summary.failuresOmitted + all.length - kept,
  });
  const fits = (candidate: ExportSummary): boolean => {
    const { Message, MessageAttributes } = render(candidate, options);
    return snsMessageBytes(Message, MessageAttributes) <= maxBytes;
  };
  let kept = all.length;
  if (!fits(withKept(kept))) {
    // Binary search for the most entries that fit.
    let low = 0;
    let high = all.length;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (fits(withKept(mid))) low = mid;
      else high = mid - 1;
    }
    kept = low;
  }
  fitted = withKept(kept);
  if (!fits(fitted)) {
    // Still too large with no Failures at all (absurdly long fields): cut the headline too.
    fitted = { ...fitted, headline: fitted.headline.slice(0, 500) };
  }
  const { Message, MessageAttributes } = render(fitted, options);
  return { Subject: subjectOf(fitted), Message, MessageAttributes, summary: fitted };
}

/** A message attribute as the SDK sends it (`StringValue`) or as SNS delivers it in a notification (`Value`). */
export type ReceivedAttribute = { StringValue?: string } | { Value?: string };

/**
 * Reads a summary message back (what a program subscriber does): the summary
 * from the `summary` attribute, the text from the body. The one parser for
 * everything that displays a published summary.
 */
export function readSummaryMessage(
  message: string,
  attributes: Record<string, ReceivedAttribute> | undefined,
): { summary: ExportSummary | null; emailText: string } {
  const attribute = attributes?.[SUMMARY_ATTRIBUTE];
  const json =
    attribute && 'StringValue' in attribute
      ? attribute.StringValue
      : attribute && 'Value' in attribute
        ? attribute.Value
        : undefined;
  let summary: ExportSummary | null = null;
  if (json) {
    try {
      summary = JSON.parse(json) as ExportSummary;
    } catch {
      summary = null;
    }
  }
  return { summary, emailText: message };
}
