import {
  type ExplainedError,
  type Explanation,
  OrchestratorBugError,
  RunLedgerRejectedError,
  RunLedgerThrottledError,
  RunLedgerUnavailableError,
  S3RequestRejectedError,
  S3ThrottledError,
  S3UnavailableError,
  SnsPublishRejectedError,
  SnsThrottledError,
  SnsUnavailableError,
  toReason,
} from './errors.ts';
import { FUNCTION_KEYS, FUNCTIONS, roleIdOf } from './functions.ts';

/*
 * One classifier for every AWS call the functions make. What the AWS SDK throws
 * is reduced to facts (exception name, HTTP status, Node error code, whether it
 * came from AWS at all) and matched against a table of rows, first match wins:
 *
 *   transport rows (any service)  our own bugs, no answer, unreadable answer, 429, 408, 5xx
 *   access rows (any service)     IAM denials, with the permission and role to fix
 *   the source's rows             what only this service says (Pinpoint's end of support, …)
 *   fallback rows (any service)   any other 4xx, or a fault without a status
 *
 * A row names the kind (throttled and unavailable are retried by the state
 * machine; rejected and bug are not), a short reason in words and the advice.
 * A new source (Customer Profiles, DynamoDB, S3) is an {@link AwsErrorSource}:
 * its error classes and its own rows.
 */

/** What the state machine does with an error of this kind. */
export type ErrorKind = 'throttled' | 'unavailable' | 'rejected' | 'bug';

/** What the classifier knows about one failed call. */
export interface ErrorFacts {
  /** The exception's name (`NotFoundException`, `TimeoutError`, `TypeError`). */
  name: string;
  message: string;
  /** HTTP status of the answer, when there was one. */
  status: number | undefined;
  /** Node.js system error code (`ECONNRESET`), when there was one. */
  code: string | undefined;
  /** True when the error came from the AWS SDK or the network below it, not from our own code. */
  fromAws: boolean;
}

/** The call being classified. */
export interface CallContext {
  /** The API operation, for example `CreateExportJob`. */
  operation: string;
  /** The function making the call (the function key in serverless.yml), for example `create-export-job`. */
  caller: string;
  /** What the call was about, when one thing (an S3 key): the message names it. */
  resource?: string;
}

/** Everything a row's advice may use. */
export interface RowContext extends CallContext {
  facts: ErrorFacts;
  source: AwsErrorSource;
}

export interface ErrorRow {
  /** Every given condition must hold. */
  names?: readonly string[];
  statuses?: readonly number[];
  /** Inclusive status range, such as [400, 499]. */
  statusRange?: readonly [number, number];
  codes?: readonly string[];
  message?: RegExp;
  fromAws?: boolean;
  /** A last condition on the facts, for what the fields above cannot say. */
  when?: (facts: ErrorFacts) => boolean;
  kind: ErrorKind;
  /** Short lowercase phrase naming the cause (at most 60 ASCII characters). */
  reason: string | ((context: RowContext) => string);
  advice: string | ((context: RowContext) => string);
}

type ExplainedErrorClass = new (
  detail: string,
  explanation: Explanation,
  options?: ErrorOptions,
) => ExplainedError;

/** One AWS service as the workflow calls it. */
export interface AwsErrorSource {
  /** As people name it: `Pinpoint`, `SNS`. */
  service: string;
  /** The workflow error for each retried or refused kind (a bug is always {@link OrchestratorBugError}). */
  errors: Record<Exclude<ErrorKind, 'bug'>, ExplainedErrorClass>;
  /** The IAM permissions each operation needs, for access-denied advice. */
  permissions: Readonly<Record<string, readonly string[]>>;
  /** This service's own rows, checked after the transport and access rows, before the fallback rows. */
  rows: readonly ErrorRow[];
  /** Advice for a refusal no row explains. */
  rejectedAdvice: string;
}

/** The classifier's verdict. */
export interface Classification extends Explanation {
  kind: ErrorKind;
  facts: ErrorFacts;
}

/** Each function's IAM role by the function's name, as the stack names it (core/functions.ts). */
export const FUNCTION_ROLES: Readonly<Record<string, string>> = Object.fromEntries(
  FUNCTION_KEYS.map((key) => [FUNCTIONS[key], roleIdOf(key)]),
);

/** Names and codes of failures where no answer came back (what @smithy's retry strategy also treats as transient). */
const NO_ANSWER_NAMES = ['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'AbortError'];
const NO_ANSWER_CODES = [
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
];

/** Reduces anything thrown to the facts the rows match on. */
export function factsOf(error: unknown): ErrorFacts {
  if (typeof error !== 'object' || error === null) {
    return { name: typeof error, message: String(error), status: undefined, code: undefined, fromAws: false };
  }
  const e = error as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    $fault?: unknown;
    $response?: unknown;
  };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const code = typeof e.code === 'string' ? e.code : undefined;
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const fromAws =
    status !== undefined ||
    e.$fault === 'client' ||
    e.$fault === 'server' ||
    e.$response !== undefined ||
    NO_ANSWER_NAMES.includes(name) ||
    (code !== undefined && NO_ANSWER_CODES.includes(code));
  return { name, message: typeof e.message === 'string' ? e.message : '', status, code, fromAws };
}

function roleOf(caller: string): string {
  return FUNCTION_ROLES[caller] ?? `the ${caller} function's role`;
}

/** The IAM action an AWS denial message names ("… is not authorized to perform: sns:Publish on …"). */
function deniedAction(message: string): string | undefined {
  return /not authorized to perform:?\s*([\w-]+:[\w*]+)/i.exec(message)?.[1];
}

const BUG_ADVICE = ({ facts, caller, operation }: RowContext) =>
  `This is a bug in the orchestrator, not an AWS problem (${facts.name} in ${caller} while calling ${operation}): report it with the execution name and the function's log. Re-running fails the same way until it is fixed.`;

// Whether a re-run reuses a job is the summary's to say: it knows the job and the ScheduledTime.
const RETRY_LATER = ({ source }: RowContext) =>
  `${source.service} stayed unavailable through every retry: check the AWS Health Dashboard, then start the run again later with \`npm run export\`.`;

/** Rows about the transport, the same for every service. */
export const TRANSPORT_ROWS: readonly ErrorRow[] = [
  { fromAws: false, kind: 'bug', reason: 'orchestrator bug', advice: BUG_ADVICE },
  { names: NO_ANSWER_NAMES, kind: 'unavailable', reason: 'no answer (timeout)', advice: RETRY_LATER },
  { codes: NO_ANSWER_CODES, kind: 'unavailable', reason: 'no answer (network)', advice: RETRY_LATER },
  {
    // A 2xx the SDK could not read: the request may well have been carried out (a
    // created job), so it is retried, and a retried create looks for the job first.
    statusRange: [200, 299],
    kind: 'unavailable',
    reason: 'unreadable answer',
    advice: RETRY_LATER,
  },
  {
    names: ['TooManyRequestsException', 'ThrottlingException', 'ThrottledException', 'Throttling'],
    kind: 'throttled',
    reason: 'throttled',
    advice: ({ source }) =>
      `${source.service} kept throttling through every retry: move this schedule away from other jobs in the account, or start the run again later with \`npm run export\`.`,
  },
  { statuses: [429], kind: 'throttled', reason: 'throttled', advice: RETRY_LATER },
  { statuses: [408], kind: 'unavailable', reason: 'request timed out', advice: RETRY_LATER },
  { statuses: [500, 502, 503, 504], kind: 'unavailable', reason: 'service unavailable', advice: RETRY_LATER },
  { statusRange: [500, 599], kind: 'unavailable', reason: 'service error', advice: RETRY_LATER },
];

/** IAM denials, the same for every service: name the permission and the role that lacks it. */
export const ACCESS_ROWS: readonly ErrorRow[] = [
  {
    when: (f) =>
      ['AccessDeniedException', 'AccessDenied', 'AuthorizationErrorException', 'AuthorizationError'].includes(
        f.name,
      ) ||
      (f.status === 403 && /access denied|not authori[sz]ed/i.test(f.message)),
    kind: 'rejected',
    reason: 'access denied',
    advice: ({ facts, operation, caller, source }) => {
      const action = deniedAction(facts.message);
      const needed = action ? [action] : (source.permissions[operation] ?? [`${operation}`]);
      return `IAM denied ${source.service} ${operation}: the ${roleOf(caller)} role (the ${caller} function's) needs ${needed.join(' and ')}. Check the role's policy, and any permissions boundary, SCP or resource policy that denies it; redeploy, then start the run again with \`npm run export\`.`;
    },
  },
];

/** What no other row explains. */
export const FALLBACK_ROWS: readonly ErrorRow[] = [
  {
    statusRange: [400, 499],
    kind: 'rejected',
    reason: ({ facts }) => `request rejected (${facts.name})`,
    advice: ({ source }) => source.rejectedAdvice,
  },
  {
    // From AWS, without an HTTP status: a server fault is retried, a client fault is not.
    when: (f) => f.status === undefined,
    kind: 'unavailable',
    reason: 'no answer',
    advice: RETRY_LATER,
  },
  {
    kind: 'rejected',
    reason: ({ facts }) => `request rejected (${facts.name})`,
    advice: ({ source }) => source.rejectedAdvice,
  },
];

function matches(row: ErrorRow, facts: ErrorFacts): boolean {
  if (row.fromAws !== undefined && row.fromAws !== facts.fromAws) return false;
  if (row.names && !row.names.includes(facts.name)) return false;
  if (row.statuses && (facts.status === undefined || !row.statuses.includes(facts.status))) return false;
  if (row.statusRange) {
    const [low, high] = row.statusRange;
    if (facts.status === undefined || facts.status < low || facts.status > high) return false;
  }
  if (row.codes && (facts.code === undefined || !row.codes.includes(facts.code))) return false;
  if (row.message && !row.message.test(facts.message)) return false;
  if (row.when && !row.when(facts)) return false;
  return true;
}

/** The rows a source is classified with, in order. */
export function rowsOf(source: AwsErrorSource): readonly ErrorRow[] {
  return [...TRANSPORT_ROWS, ...ACCESS_ROWS, ...source.rows, ...FALLBACK_ROWS];
}

/** Classifies what an AWS SDK call threw. */
export function classifyAwsError(error: unknown, source: AwsErrorSource, call: CallContext): Classification {
  const facts = factsOf(error);
  const context: RowContext = { ...call, facts, source };
  // FALLBACK_ROWS ends with a row that matches anything.
  const row = rowsOf(source).find((r) => matches(r, facts)) as ErrorRow;
  const pick = (value: string | ((c: RowContext) => string)) =>
    typeof value === 'string' ? value : value(context);
  return { kind: row.kind, reason: pick(row.reason), advice: pick(row.advice), facts };
}

/** Longest part of an AWS error message quoted in a workflow error (the whole is in the function's log). */
export const MAX_QUOTED_MESSAGE_CHARS = 1_000;

function quote(message: string): string {
  const text = message.replace(/\.\s*$/, '');
  return text.length > MAX_QUOTED_MESSAGE_CHARS
    ? `${text.slice(0, MAX_QUOTED_MESSAGE_CHARS)}... (${text.length - MAX_QUOTED_MESSAGE_CHARS} more characters)`
    : text;
}

/** Turns what an AWS SDK call threw into the workflow error the state machine retries or catches. */
export function toWorkflowError(error: unknown, source: AwsErrorSource, call: CallContext): ExplainedError {
  const c = classifyAwsError(error, source, call);
  const { name, status } = c.facts;
  const what = `${name}${status === undefined ? '' : `, HTTP ${status}`}`;
  const operation = call.resource === undefined ? call.operation : `${call.operation} of ${call.resource}`;
  const message = quote(c.facts.message);
  const explanation = { reason: c.reason, advice: c.advice };
  const options = { cause: error };
  switch (c.kind) {
    case 'bug':
      return new OrchestratorBugError(
        `Orchestrator bug in ${call.caller} while calling ${source.service} ${operation} (${what}): ${message}`,
        explanation,
        options,
      );
    case 'throttled':
      return new source.errors.throttled(
        `${source.service} throttled ${operation} (${what}): ${message}`,
        explanation,
        options,
      );
    case 'unavailable':
      return new source.errors.unavailable(
        `${source.service} ${operation} failed or could not be reached (${what}): ${message}`,
        explanation,
        options,
      );
    case 'rejected':
      return new source.errors.rejected(
        `${source.service} rejected ${operation} (${what}): ${message}`,
        explanation,
        options,
      );
  }
}

export const SNS_SOURCE: AwsErrorSource = {
  service: 'SNS',
  errors: {
    throttled: SnsThrottledError,
    unavailable: SnsUnavailableError,
    rejected: SnsPublishRejectedError,
  },
  permissions: {
    Publish: [
      'sns:Publish on the summary topic',
      "kms:GenerateDataKey* and kms:Decrypt on the topic's KMS key",
    ],
  },
  rows: [
    { names: ['KMSThrottlingException'], kind: 'throttled', reason: 'kms throttled', advice: RETRY_LATER },
    {
      names: [
        'KMSAccessDeniedException',
        'KMSDisabledException',
        'KMSInvalidStateException',
        'KMSNotFoundException',
        'KMSOptInRequired',
      ],
      kind: 'rejected',
      reason: "topic's kms key unusable",
      advice:
        "SNS could not use the summary topic's KMS key (disabled, deleted, or its key policy does not let SNS use it for PublishSummaryRole): fix the key or its policy and redeploy.",
    },
    {
      names: ['NotFoundException', 'ResourceNotFoundException'],
      kind: 'rejected',
      reason: 'topic not found',
      advice:
        'The summary topic does not exist: check SUMMARY_TOPIC_ARN of the publish-summary function and redeploy the stack.',
    },
    {
      names: ['InvalidParameterException', 'InvalidParameterValueException', 'ValidationException'],
      kind: 'rejected',
      reason: 'message rejected',
      advice:
        'SNS refused the message itself (size, Subject or attributes): this is likely a bug in the orchestrator; report it with the execution name.',
    },
  ],
  rejectedAdvice:
    "SNS refused the publish: fix the topic or the function's sns:Publish permission and redeploy; the export itself may have completed (`npm run export -- status <name>`).",
};

/** DynamoDB as the run ledger (functions/shared/run-ledger.ts). */
export const LEDGER_SOURCE: AwsErrorSource = {
  service: 'DynamoDB (run ledger)',
  errors: {
    throttled: RunLedgerThrottledError,
    unavailable: RunLedgerUnavailableError,
    rejected: RunLedgerRejectedError,
  },
  permissions: {
    GetItem: ['dynamodb:GetItem on the run ledger table'],
    PutItem: ['dynamodb:PutItem on the run ledger table'],
    UpdateItem: ['dynamodb:UpdateItem on the run ledger table'],
    Query: ['dynamodb:Query on the run ledger table'],
  },
  rows: [
    {
      names: ['ProvisionedThroughputExceededException', 'RequestLimitExceeded'],
      kind: 'throttled',
      reason: 'run ledger throttled',
      advice: RETRY_LATER,
    },
    {
      names: ['ResourceNotFoundException'],
      kind: 'rejected',
      reason: 'run ledger table not found',
      advice:
        'The run ledger table does not exist: check RUN_LEDGER_TABLE of the function and redeploy the stack (the table is part of it).',
    },
  ],
  rejectedAdvice:
    'DynamoDB refused a run ledger call; the message says why. Fix the table or the function role, redeploy, then start the run again with `npm run export` and the same --scheduled-time.',
};

/** S3 as the export verification reads it (functions/verify-export): list, read, write the manifest. */
export const S3_SOURCE: AwsErrorSource = {
  service: 'S3',
  errors: {
    throttled: S3ThrottledError,
    unavailable: S3UnavailableError,
    rejected: S3RequestRejectedError,
  },
  permissions: {
    ListObjectsV2: ['s3:ListBucket on the export bucket (condition s3:prefix under the export prefix)'],
    GetObject: ['s3:GetObject on the export prefix', "kms:Decrypt on the bucket's KMS key, if it uses one"],
    PutObject: [
      "s3:PutObject on the export prefix's _manifest.json keys",
      "kms:GenerateDataKey on the bucket's KMS key, if it uses one",
    ],
  },
  rows: [
    // S3 answers SlowDown with 503, so the transport rows already retry it; named here for other statuses.
    { names: ['SlowDown'], kind: 'throttled', reason: 'throttled', advice: RETRY_LATER },
    {
      names: ['NoSuchBucket'],
      kind: 'rejected',
      reason: 'export bucket not found',
      advice:
        'The export bucket does not exist (any more): check the S3UrlPrefix of the run (the stage default or the input). The export job reported COMPLETED, so its files went somewhere else or were deleted with the bucket.',
    },
    {
      names: ['NoSuchKey', 'NotFound'],
      kind: 'rejected',
      reason: 'export file disappeared',
      advice: ({ resource }) =>
        `${resource === undefined ? 'A file' : `The object ${resource}`} was listed under the export location but gone when it was read: something deleted or moved it while the verification ran. Check what else writes to or expires objects under the export prefix, then re-run the export.`,
    },
    {
      names: ['KMS.DisabledException', 'KMS.NotFoundException', 'KMS.KMSInvalidStateException'],
      kind: 'rejected',
      reason: "export bucket's kms key unusable",
      advice:
        "S3 could not use the export bucket's KMS key for the verification's roles (VerifyExportRole, CountExportBatchRole, FinishVerificationRole): enable the key, or set exportDestination's KMS key in the stage configuration so the roles get kms:Decrypt (and FinishVerificationRole kms:GenerateDataKey), and redeploy.",
    },
  ],
  rejectedAdvice:
    'S3 refused a call of the export verification; the message says why. The export itself COMPLETED: its files are under the S3 location in the summary.',
};

const FUNCTION_TIMED_OUT =
  'A function timed out (or ran out of memory) through every retry, most likely on a hung AWS call. Check its logs for the execution, then start the run again with `npm run export`.';
const LAMBDA_FAILED =
  'The Lambda service failed through every retry. Start the run again with `npm run export`.';
const UNEXPECTED =
  'Unexpected error: check the function logs for this execution (see the README Logs Insights query).';
const STAYED_DOWN =
  'The service stayed throttled or unavailable through every retry. Start the run again later with `npm run export`.';

/** JavaScript's own error classes: thrown by our code, never by AWS. */
const OWN_BUG_NAMES = [
  'OrchestratorBugError',
  'Error',
  'TypeError',
  'ReferenceError',
  'RangeError',
  'SyntaxError',
  'EvalError',
  'URIError',
  'AggregateError',
];

/** One way of explaining an error that does not carry its own reason and advice. */
interface UnexplainedRow {
  /** The error names it explains, or a test on the name. */
  names: readonly string[] | ((name: string) => boolean);
  reason: string | ((message: string) => string);
  advice: string | ((name: string) => string);
}

/**
 * How an error that carries no reason and advice of its own is explained: Step Functions' and
 * Lambda's errors, input and configuration errors, and errors thrown outside the classifier.
 * An AWS error the classifier turned into a workflow error carries its row's reason and advice
 * in its message (the rows above); these are the rest, in one table, the first match winning.
 */
export const UNEXPLAINED_ERRORS: readonly UnexplainedRow[] = [
  {
    names: ['InvalidExportInputError'],
    reason: (message) => toReason(`invalid input: ${message.split(': ')[0] ?? ''}`),
    advice:
      'Fix the field the error names in the schedule input (config/stages/<stage>.yml) or the stage defaults, redeploy, then start the run again with `npm run export`.',
  },
  {
    names: ['ConfigurationError'],
    reason: 'function misconfigured',
    advice: 'A function is misconfigured for this stage: fix the stage configuration and redeploy.',
  },
  {
    names: ['States.Timeout', 'Sandbox.Timedout'],
    reason: 'function timed out',
    advice: FUNCTION_TIMED_OUT,
  },
  { names: ['Lambda.Unknown'], reason: 'function crashed or timed out', advice: FUNCTION_TIMED_OUT },
  {
    names: ['Lambda.TooManyRequestsException'],
    reason: 'lambda throttled',
    advice: LAMBDA_FAILED,
  },
  {
    names: ['States.DataLimitExceeded'],
    reason: 'state too large',
    advice: UNEXPECTED,
  },
  {
    names: ['PinpointThrottledError', 'SnsThrottledError', 'SourceThrottledError'],
    reason: 'throttled',
    advice: STAYED_DOWN,
  },
  {
    names: ['PinpointUnavailableError', 'SnsUnavailableError', 'SourceUnavailableError'],
    reason: 'service unavailable',
    advice: STAYED_DOWN,
  },
  {
    names: ['PinpointRequestRejectedError', 'SourceRequestRejectedError'],
    reason: 'request rejected',
    advice:
      'The source refused the request; the message says why. Fix it, then start the run again with `npm run export`.',
  },
  { names: (name) => name.startsWith('Lambda.'), reason: 'lambda service error', advice: LAMBDA_FAILED },
  {
    names: OWN_BUG_NAMES,
    reason: 'orchestrator bug',
    advice: (name) =>
      `This is a bug in the orchestrator (${name}), not an AWS problem: report it with the execution name and the function's log (see the README Logs Insights query). Re-running fails the same way until it is fixed.`,
  },
];

/** The reason and advice of an error that carries none: its row in {@link UNEXPLAINED_ERRORS}. */
export function explainUnexplained(name: string, message: string): { reason: string; advice: string } {
  const row = UNEXPLAINED_ERRORS.find((r) =>
    typeof r.names === 'function' ? r.names(name) : r.names.includes(name),
  );
  if (!row) return { reason: 'unexpected error', advice: UNEXPECTED };
  return {
    reason: typeof row.reason === 'function' ? row.reason(message) : row.reason,
    advice: typeof row.advice === 'function' ? row.advice(name) : row.advice,
  };
}
