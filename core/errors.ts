/**
 * Errors the state machine tells apart. Each `name` is a string literal equal to
 * the `ErrorEquals` value in `statemachine/export-workflow.asl.json`: minifiers
 * rename classes, so never rely on `constructor.name`.
 *
 * Transient errors are retried by the state machine (Retry with backoff);
 * terminal errors are caught and turned into an ERROR summary.
 */

/** Longest `reason`: a short lowercase phrase, ASCII, that fits an SNS Subject beside the rest. */
export const MAX_REASON_CHARS = 60;

/** A reason made safe: printable ASCII on one line, at most {@link MAX_REASON_CHARS} (rows write them lowercase). */
export function toReason(text: string): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (ascii.length <= MAX_REASON_CHARS) return ascii || 'unknown error';
  const cut = ascii.slice(0, MAX_REASON_CHARS - 3);
  const space = cut.lastIndexOf(' ');
  return `${space > MAX_REASON_CHARS / 2 ? cut.slice(0, space) : cut}...`;
}

/*
 * Only `errorType` and `errorMessage` cross Lambda's error boundary into the
 * state machine's Cause, so a classified error writes its reason and advice as
 * the message's last two lines; publish-summary reads them back with
 * {@link parseExplainedMessage}. The first line stays what happened.
 */
const REASON_LINE = '\nreason: ';
const ADVICE_LINE = '\nadvice: ';

/** What a classified error carries besides what happened. */
export interface Explanation {
  /** Short lowercase phrase naming the cause ("application not found", "throttled"). */
  reason: string;
  /** What an operator should do about it. */
  advice: string;
}

/** A message as written by an {@link ExplainedError}, split back into its parts. */
export interface ParsedMessage {
  detail: string;
  reason?: string;
  advice?: string;
}

export function formatExplainedMessage(detail: string, explanation: Explanation): string {
  return `${detail}${REASON_LINE}${toReason(explanation.reason)}${ADVICE_LINE}${explanation.advice.replace(/\s*\n\s*/g, ' ')}`;
}

/** Splits a message written by {@link formatExplainedMessage}; any other message is all detail. */
export function parseExplainedMessage(message: string): ParsedMessage {
  const advice = message.lastIndexOf(ADVICE_LINE);
  const reason = advice < 0 ? -1 : message.lastIndexOf(REASON_LINE, advice);
  if (reason < 0) return { detail: message };
  return {
    detail: message.slice(0, reason),
    reason: toReason(message.slice(reason + REASON_LINE.length, advice)),
    advice: message.slice(advice + ADVICE_LINE.length),
  };
}

/*
 * The raw execution input never travels in the workflow's state (it may be up to
 * 256 KB, and the state has the same limit), so when create-export-job fails it
 * appends what a summary shows of the input, capped, as one more line.
 */
const INPUT_LINE = '\ninput: ';

/** What an ERROR summary shows of the raw (possibly invalid) execution input: sanitized and capped strings. */
export interface RawInputFacts {
  /** The input's Source, when it named a registered one (absent: Pinpoint). */
  Source?: string;
  /** What the input asked to export, in its source's words. */
  What?: string;
  /** The source's own facts of the input (Pinpoint: applicationId, segmentId), each quoted safely. */
  fields?: Record<string, string>;
  ScheduledTime?: string;
  /** Whether the input had a ScheduledTime at all (EventBridge Scheduler always sends one). */
  hasScheduledTime: boolean;
}

export function appendInputFacts(message: string, facts: RawInputFacts): string {
  return `${message}${INPUT_LINE}${JSON.stringify(facts)}`;
}

/** Splits off the line {@link appendInputFacts} added, if any. */
export function splitInputFacts(message: string): { message: string; input?: RawInputFacts } {
  const at = message.lastIndexOf(INPUT_LINE);
  if (at < 0) return { message };
  try {
    const parsed = JSON.parse(message.slice(at + INPUT_LINE.length)) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return { message };
    const p = parsed as Record<string, unknown>;
    const text = (v: unknown) => (typeof v === 'string' ? { value: v } : undefined);
    const facts: RawInputFacts = { hasScheduledTime: p.hasScheduledTime === true };
    const time = text(p.ScheduledTime);
    const source = text(p.Source);
    const what = text(p.What);
    if (source) facts.Source = source.value;
    if (what) facts.What = what.value;
    if (p.fields && typeof p.fields === 'object' && !Array.isArray(p.fields)) {
      const fields = Object.entries(p.fields as Record<string, unknown>).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      );
      if (fields.length > 0) facts.fields = Object.fromEntries(fields);
    }
    if (time) facts.ScheduledTime = time.value;
    return { message: message.slice(0, at), input: facts };
  } catch {
    return { message };
  }
}

/** An error that says why (reason) and what to do (advice), in a form that survives the trip through Step Functions. */
export abstract class ExplainedError extends Error {
  readonly reason: string;
  readonly advice: string;
  /** What happened, without the reason and advice lines. */
  readonly detail: string;
  constructor(detail: string, explanation: Explanation, options?: ErrorOptions) {
    super(formatExplainedMessage(detail, explanation), options);
    this.detail = detail;
    this.reason = toReason(explanation.reason);
    this.advice = explanation.advice;
  }
}

/** The execution input is malformed. Terminal: retrying cannot fix the input. */
export class InvalidExportInputError extends Error {
  override readonly name = 'InvalidExportInputError';
  /** The input field at fault, as a path such as `ExportJobRequest.RoleArn`. */
  readonly field: string;
  // No parameter property: the stack loads this module (through config.ts) with Node's
  // type stripping, which accepts erasable TypeScript only.
  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.field = field;
  }
}

/** A Lambda function's environment is misconfigured (a deploy problem). Terminal. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/**
 * A fault in the orchestrator's own code (a TypeError, a ReferenceError, anything
 * that did not come from AWS). Terminal: retrying the same code cannot help.
 */
export class OrchestratorBugError extends ExplainedError {
  override readonly name = 'OrchestratorBugError';
}

/** Pinpoint throttled the request (HTTP 429). Transient. */
export class PinpointThrottledError extends ExplainedError {
  override readonly name = 'PinpointThrottledError';
}

/** Pinpoint failed on its side (HTTP 5xx, 408, an unreadable answer) or could not be reached. Transient. */
export class PinpointUnavailableError extends ExplainedError {
  override readonly name = 'PinpointUnavailableError';
}

/** Pinpoint refused the request (400, 403, 404, 405, 413). Terminal. */
export class PinpointRequestRejectedError extends ExplainedError {
  override readonly name = 'PinpointRequestRejectedError';
}

/** SNS throttled the publish. Transient. */
export class SnsThrottledError extends ExplainedError {
  override readonly name = 'SnsThrottledError';
}

/** SNS failed on its side or could not be reached. Transient. */
export class SnsUnavailableError extends ExplainedError {
  override readonly name = 'SnsUnavailableError';
}

/** SNS refused the publish (missing topic, no permission, bad parameter). Terminal. */
export class SnsPublishRejectedError extends ExplainedError {
  override readonly name = 'SnsPublishRejectedError';
}

/**
 * Another execution holds a live claim on this run in the run ledger and has not
 * recorded its export job yet. Transient: the state machine retries, and the retry
 * finds the job (or takes over a claim whose holder died).
 */
export class RunInProgressError extends ExplainedError {
  override readonly name = 'RunInProgressError';
}

/** DynamoDB throttled a run ledger call. Transient. */
export class RunLedgerThrottledError extends ExplainedError {
  override readonly name = 'RunLedgerThrottledError';
}

/** DynamoDB failed on its side or could not be reached for a run ledger call. Transient. */
export class RunLedgerUnavailableError extends ExplainedError {
  override readonly name = 'RunLedgerUnavailableError';
}

/** DynamoDB refused a run ledger call (missing table, no permission). Terminal. */
export class RunLedgerRejectedError extends ExplainedError {
  override readonly name = 'RunLedgerRejectedError';
}

/** S3 throttled a call of the export verification (503 SlowDown). Transient. */
export class S3ThrottledError extends ExplainedError {
  override readonly name = 'S3ThrottledError';
}

/** S3 failed on its side or could not be reached while verifying an export. Transient. */
export class S3UnavailableError extends ExplainedError {
  override readonly name = 'S3UnavailableError';
}

/** S3 refused a call of the export verification (missing bucket, no permission, unusable KMS key). Terminal. */
export class S3RequestRejectedError extends ExplainedError {
  override readonly name = 'S3RequestRejectedError';
}

/*
 * The errors of every export source other than Pinpoint (which keeps its own names,
 * above, for the alarms and filters that already match them). The message names the
 * service; the state machine retries the first two for every source, so adding a
 * source never edits the ASL (docs/SOURCES.md).
 */

/** The export source (Customer Profiles, DynamoDB, …) throttled the request. Transient. */
export class SourceThrottledError extends ExplainedError {
  override readonly name = 'SourceThrottledError';
}

/** The export source failed on its side (5xx, 408, an unreadable answer) or could not be reached. Transient. */
export class SourceUnavailableError extends ExplainedError {
  override readonly name = 'SourceUnavailableError';
}

/** The export source refused the request (unknown domain or table, invalid parameter, no permission). Terminal. */
export class SourceRequestRejectedError extends ExplainedError {
  override readonly name = 'SourceRequestRejectedError';
}

/** Every custom error name the state machine may match, for the ASL contract test. */
export const WORKFLOW_ERROR_NAMES = [
  'InvalidExportInputError',
  'ConfigurationError',
  'OrchestratorBugError',
  'PinpointThrottledError',
  'PinpointUnavailableError',
  'PinpointRequestRejectedError',
  'SnsThrottledError',
  'SnsUnavailableError',
  'SnsPublishRejectedError',
  'RunInProgressError',
  'RunLedgerThrottledError',
  'RunLedgerUnavailableError',
  'RunLedgerRejectedError',
  'S3ThrottledError',
  'S3UnavailableError',
  'S3RequestRejectedError',
  'SourceThrottledError',
  'SourceUnavailableError',
  'SourceRequestRejectedError',
] as const;

/** Errors that refuse a create for good: no job exists, so the run's ledger claim is released at once. */
export const CREATE_REFUSED_ERRORS: ReadonlySet<string> = new Set([
  'PinpointRequestRejectedError',
  'SourceRequestRejectedError',
  'OrchestratorBugError',
]);

export type WorkflowErrorName = (typeof WORKFLOW_ERROR_NAMES)[number];
