import {
  type ExplainedError,
  type Explanation,
  OrchestratorBugError,
  PinpointRequestRejectedError,
  PinpointThrottledError,
  PinpointUnavailableError,
  RunLedgerRejectedError,
  RunLedgerThrottledError,
  RunLedgerUnavailableError,
  S3RequestRejectedError,
  S3ThrottledError,
  S3UnavailableError,
  SnsPublishRejectedError,
  SnsThrottledError,
  SnsUnavailableError,
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

/** Amazon Pinpoint's engagement features (endpoints, segments, exports) reached end of support on this date. */
export const PINPOINT_END_OF_SUPPORT_DATE = '2026-10-30';

/**
 * Pinpoint's end-of-support wording. AWS documents the end of support ("On October 30,
 * 2026, AWS will end support for Amazon Pinpoint") but not the API's answer after it,
 * so only a refusal (4xx) that speaks of the end of support counts; a "deprecated"
 * or "no longer available" alone does not.
 */
export const PINPOINT_END_OF_SUPPORT = /\bend(?:ed)? (?:of )?support\b/i;

export const PINPOINT_END_OF_SUPPORT_ADVICE = `Amazon Pinpoint's engagement features (endpoints, segments, exports) reached end of support on ${PINPOINT_END_OF_SUPPORT_DATE}; this application can no longer export endpoints, and re-running cannot help. Disable this schedule (enabled: false on its target in config/stages/<stage>.yml, then redeploy) and move the audience to AWS End User Messaging or Amazon Connect.`;

const SCHEDULE_INPUT_FIELDS = ['RoleArn', 'S3UrlPrefix', 'SegmentId', 'SegmentVersion'];

export const PINPOINT_SOURCE: AwsErrorSource = {
  service: 'Pinpoint',
  errors: {
    throttled: PinpointThrottledError,
    unavailable: PinpointUnavailableError,
    rejected: PinpointRequestRejectedError,
  },
  permissions: {
    CreateExportJob: [
      'mobiletargeting:CreateExportJob on the application',
      'iam:PassRole on the export role (PinpointExportRole)',
    ],
    GetExportJobs: ['mobiletargeting:GetExportJobs on the application'],
    GetExportJob: ['mobiletargeting:GetExportJob on the application'],
  },
  rows: [
    {
      statusRange: [400, 499],
      message: PINPOINT_END_OF_SUPPORT,
      kind: 'rejected',
      reason: 'end of support',
      advice: PINPOINT_END_OF_SUPPORT_ADVICE,
    },
    {
      statusRange: [400, 499],
      message: /unable to assume|cannot assume|could not assume|assume ?role/i,
      kind: 'rejected',
      reason: 'role cannot be assumed',
      advice:
        'Pinpoint could not assume the export role: its trust policy must allow pinpoint.amazonaws.com (sts:AssumeRole), and the role must be allowed to write to the S3 prefix (s3:PutObject) and list the bucket. Fix ExportJobRequest.RoleArn or the role (PinpointExportRole), then start the run again with `npm run export`.',
    },
    {
      names: ['NotFoundException'],
      message: /segment/i,
      kind: 'rejected',
      reason: 'segment not found',
      advice:
        'Pinpoint has no such segment or segment version: fix ExportJobRequest.SegmentId/SegmentVersion in the schedule input (config/stages/<stage>.yml), redeploy, then start the run again with `npm run export`.',
    },
    {
      names: ['NotFoundException'],
      message: /\bjob\b/i,
      kind: 'rejected',
      reason: 'export job not found',
      advice:
        'Pinpoint no longer knows the export job (the application or the job was deleted while it ran): check the application in the Pinpoint console; files already written are under the S3 prefix.',
    },
    {
      names: ['NotFoundException'],
      message: /\b(?:app|application|project)\b/i,
      kind: 'rejected',
      reason: 'application not found',
      advice:
        'Pinpoint has no such application (project) in this account and region: check ApplicationId in the schedule input; if the project was deleted on purpose, disable or delete the schedule.',
    },
    {
      names: ['NotFoundException'],
      kind: 'rejected',
      reason: 'not found',
      advice:
        'Pinpoint does not know the application, segment or job (any more): check ApplicationId and SegmentId/SegmentVersion in the schedule input.',
    },
    {
      names: ['BadRequestException'],
      kind: 'rejected',
      reason: ({ facts }) => {
        const field = SCHEDULE_INPUT_FIELDS.find((f) => facts.message.includes(f));
        return field ? `invalid input: ExportJobRequest.${field}` : 'invalid request';
      },
      advice:
        'Pinpoint rejected the request as malformed: check the schedule input (RoleArn, S3UrlPrefix, SegmentId, SegmentVersion) against the stage configuration, fix it, then start the run again with `npm run export`.',
    },
    {
      names: ['PayloadTooLargeException'],
      kind: 'rejected',
      reason: 'request too large',
      advice:
        'The request is too large for Pinpoint: shorten ExportJobRequest.S3UrlPrefix or the other input fields.',
    },
    {
      names: ['MethodNotAllowedException'],
      kind: 'rejected',
      reason: 'method not allowed',
      advice:
        'Pinpoint does not allow this operation here; this is likely a bug in the orchestrator: report it with the execution name.',
    },
    {
      names: ['ForbiddenException'],
      kind: 'rejected',
      reason: 'forbidden',
      advice:
        "Pinpoint refused access: check that the export role (PinpointExportRole) trusts pinpoint.amazonaws.com and may write to the S3 prefix, and that this stack's function role may call the operation on the application.",
    },
  ],
  rejectedAdvice:
    'Pinpoint refused the request; the message says why. Fix it, then start the run again with `npm run export`.',
};

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
