import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BadRequestException,
  ForbiddenException,
  GetExportJobsCommand,
  NotFoundException,
  PinpointClient,
  TooManyRequestsException,
} from '@aws-sdk/client-pinpoint';
import { AuthorizationErrorException, KMSThrottlingException } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AwsErrorSource,
  classifyAwsError,
  type ErrorKind,
  SNS_SOURCE,
  toWorkflowError,
} from '../../core/aws-errors.ts';
import {
  ConfigurationError,
  InvalidExportInputError,
  MAX_REASON_CHARS,
  OrchestratorBugError,
  PinpointRequestRejectedError,
  PinpointThrottledError,
  PinpointUnavailableError,
  parseExplainedMessage,
} from '../../core/errors.ts';
import { asWorkflowError } from '../../functions/shared/lambda.ts';
import { PINPOINT_SOURCE } from '../../sources/pinpoint/errors.ts';

/*
 * The one classifier for every AWS call: the table's rows, checked with errors
 * shaped like the SDK's (and, for the HTTP statuses, with what the real Pinpoint
 * client throws for a real answer from a local server).
 */

const CREATE = { operation: 'CreateExportJob', caller: 'create-export-job' };
const meta = (httpStatusCode: number) => ({ httpStatusCode });

function sdkError(name: string, status: number, message: string, fault: 'client' | 'server' = 'client') {
  return Object.assign(new Error(message), { name, $fault: fault, $metadata: meta(status) });
}

interface Row {
  what: string;
  error: () => unknown;
  kind: ErrorKind;
  reason: string;
  /** Words the advice must contain. */
  advice?: RegExp;
}

const PINPOINT_ROWS: Row[] = [
  {
    what: 'a 429',
    error: () => new TooManyRequestsException({ message: 'Too many requests', $metadata: meta(429) }),
    kind: 'throttled',
    reason: 'throttled',
  },
  ...[500, 502, 503, 504].map(
    (status): Row => ({
      what: `a ${status}`,
      error: () => sdkError('UnknownError', status, 'Service Unavailable', 'server'),
      kind: 'unavailable',
      reason: 'service unavailable',
    }),
  ),
  {
    what: 'a 408 (a client-fault status, still transient)',
    error: () => sdkError('RequestTimeoutException', 408, 'Request Timeout'),
    kind: 'unavailable',
    reason: 'no answer (timeout)',
  },
  {
    what: 'a 408 under an unknown name',
    error: () => sdkError('UnknownError', 408, 'Request Timeout'),
    kind: 'unavailable',
    reason: 'request timed out',
  },
  {
    what: 'a 200 whose body could not be read (Pinpoint may have created the job)',
    error: () =>
      Object.assign(new SyntaxError('Unexpected token < in JSON at position 0'), {
        $metadata: meta(200),
        $response: { statusCode: 200 },
      }),
    kind: 'unavailable',
    reason: 'unreadable answer',
  },
  {
    what: 'a connection reset',
    error: () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    kind: 'unavailable',
    reason: 'no answer (network)',
  },
  {
    what: 'the SDK request timeout',
    error: () => Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }),
    kind: 'unavailable',
    reason: 'no answer (timeout)',
  },
  {
    what: 'an IAM denial (AccessDeniedException)',
    error: () =>
      sdkError(
        'AccessDeniedException',
        403,
        'User: arn:aws:sts::123456789012:assumed-role/exports-CreateExportJobRole-1/fn is not authorized to perform: mobiletargeting:CreateExportJob on resource: arn:aws:mobiletargeting:eu-west-1:123456789012:apps/x',
      ),
    kind: 'rejected',
    reason: 'access denied',
    advice: /CreateExportJobRole role .* needs mobiletargeting:CreateExportJob/,
  },
  {
    what: 'a 403 with access-denied text under another name',
    error: () => new ForbiddenException({ message: 'Access Denied', $metadata: meta(403) }),
    kind: 'rejected',
    reason: 'access denied',
    advice: /needs mobiletargeting:CreateExportJob on the application and iam:PassRole on the export role/,
  },
  {
    what: 'a role Pinpoint cannot assume',
    error: () =>
      new ForbiddenException({
        message: 'Unable to assume role arn:aws:iam::1:role/x',
        $metadata: meta(403),
      }),
    kind: 'rejected',
    reason: 'role cannot be assumed',
    advice: /trust policy must allow pinpoint\.amazonaws\.com/,
  },
  {
    what: "Pinpoint's end-of-support answer",
    error: () =>
      new ForbiddenException({
        message:
          'Amazon Pinpoint engagement features (endpoints, segments, campaigns, journeys and export jobs) reached end of support on October 30, 2026 and are no longer available for application x.',
        $metadata: meta(403),
      }),
    kind: 'rejected',
    reason: 'end of support',
    advice: /Disable this schedule/,
  },
  {
    what: 'a 400 that merely says "deprecated"',
    error: () =>
      new BadRequestException({ message: 'Parameter PageSize is deprecated', $metadata: meta(400) }),
    kind: 'rejected',
    reason: 'invalid request',
  },
  {
    what: 'a 400 naming an input field',
    error: () => new BadRequestException({ message: 'Invalid RoleArn', $metadata: meta(400) }),
    kind: 'rejected',
    reason: 'invalid input: ExportJobRequest.RoleArn',
  },
  {
    what: 'a 5xx that speaks of the end of support (retried, not end of support)',
    error: () =>
      sdkError('InternalServerErrorException', 500, 'end of support migration in progress', 'server'),
    kind: 'unavailable',
    reason: 'service unavailable',
  },
  {
    what: 'an application that does not exist',
    error: () => new NotFoundException({ message: 'Application not found', $metadata: meta(404) }),
    kind: 'rejected',
    reason: 'application not found',
  },
  {
    what: 'a TypeError of our own',
    error: () => new TypeError("Cannot read properties of undefined (reading 'Item')"),
    kind: 'bug',
    reason: 'orchestrator bug',
    advice: /bug in the orchestrator, not an AWS problem \(TypeError in create-export-job/,
  },
  {
    what: 'a ReferenceError of our own',
    error: () => new ReferenceError('job is not defined'),
    kind: 'bug',
    reason: 'orchestrator bug',
  },
  {
    what: 'a plain Error without any AWS marks',
    error: () => new Error('something else'),
    kind: 'bug',
    reason: 'orchestrator bug',
  },
  {
    what: 'a thrown string',
    error: () => 'boom',
    kind: 'bug',
    reason: 'orchestrator bug',
  },
];

describe('the AWS error classifier, Pinpoint rows', () => {
  it.for(PINPOINT_ROWS)('classifies $what as $kind: "$reason"', ({ error, kind, reason, advice }) => {
    const c = classifyAwsError(error(), PINPOINT_SOURCE, CREATE);

    expect(c.kind).toBe(kind);
    expect(c.reason).toBe(reason);
    expect(c.reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
    expect(c.reason).toMatch(/^[\x20-\x7e]+$/);
    if (advice) expect(c.advice).toMatch(advice);
  });

  it.for([
    ['throttled', PinpointThrottledError],
    ['unavailable', PinpointUnavailableError],
    ['rejected', PinpointRequestRejectedError],
    ['bug', OrchestratorBugError],
  ] as const)('turns a %s verdict into the workflow error the ASL retries or catches', ([kind, type]) => {
    const row = PINPOINT_ROWS.find((r) => r.kind === kind) as Row;

    const error = toWorkflowError(row.error(), PINPOINT_SOURCE, CREATE);

    expect(error).toBeInstanceOf(type);
    // Reason and advice survive the trip through Lambda's {errorType, errorMessage}.
    const parsed = parseExplainedMessage(error.message);
    expect(parsed.reason).toBe(row.reason);
    expect(parsed.advice).toBe(error.advice);
    expect(parsed.detail).toBe(error.detail);
  });

  it('caps an enormous AWS message in the workflow error', () => {
    const error = toWorkflowError(
      new BadRequestException({ message: 'x'.repeat(300_000), $metadata: meta(400) }),
      PINPOINT_SOURCE,
      CREATE,
    );

    expect(error.message.length).toBeLessThan(2_500);
    expect(error.detail).toMatch(/\.\.\. \(299000 more characters\)$/);
  });
});

describe('the AWS error classifier, SNS rows', () => {
  it('names the permission and the role for a denied Publish', () => {
    const c = classifyAwsError(
      new AuthorizationErrorException({ message: 'not authorized', $metadata: meta(403) }),
      SNS_SOURCE,
      { operation: 'Publish', caller: 'publish-summary' },
    );

    expect(c).toMatchObject({ kind: 'rejected', reason: 'access denied' });
    expect(c.advice).toMatch(/PublishSummaryRole role .* needs sns:Publish on the summary topic/);
  });

  it("retries KMS throttling (HTTP 400 in SNS's model)", () => {
    const c = classifyAwsError(
      new KMSThrottlingException({ message: 'Rate exceeded', $metadata: meta(400) }),
      SNS_SOURCE,
      { operation: 'Publish', caller: 'publish-summary' },
    );

    expect(c.kind).toBe('throttled');
  });
});

describe('a new source plugs in its own rows', () => {
  class LedgerBusyError extends PinpointUnavailableError {}
  const DYNAMODB: AwsErrorSource = {
    service: 'DynamoDB',
    errors: {
      throttled: LedgerBusyError,
      unavailable: LedgerBusyError,
      rejected: PinpointRequestRejectedError,
    },
    permissions: { PutItem: ['dynamodb:PutItem on the run ledger table'] },
    rows: [
      {
        names: ['ConditionalCheckFailedException'],
        kind: 'rejected',
        reason: 'run already claimed',
        advice: 'Another execution holds this run.',
      },
    ],
    rejectedAdvice: 'DynamoDB refused the request.',
  };
  const PUT = { operation: 'PutItem', caller: 'create-export-job' };

  it('uses the source row, and the shared transport and access rows around it', () => {
    expect(
      classifyAwsError(
        sdkError('ConditionalCheckFailedException', 400, 'The conditional request failed'),
        DYNAMODB,
        PUT,
      ).reason,
    ).toBe('run already claimed');
    expect(
      classifyAwsError(
        sdkError('ProvisionedThroughputExceededException', 503, 'slow down', 'server'),
        DYNAMODB,
        PUT,
      ).kind,
    ).toBe('unavailable');
    expect(classifyAwsError(sdkError('AccessDeniedException', 400, 'denied'), DYNAMODB, PUT).advice).toMatch(
      /needs dynamodb:PutItem on the run ledger table/,
    );
    expect(
      toWorkflowError(sdkError('InternalServerError', 500, 'x', 'server'), DYNAMODB, PUT),
    ).toBeInstanceOf(LedgerBusyError);
  });
});

describe('what the real Pinpoint client throws for real answers', () => {
  let server: Server;
  let answer: { status: number; body: string } = { status: 200, body: '' };
  let client: PinpointClient;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new PinpointClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client?.destroy();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function thrown(): Promise<unknown> {
    try {
      await client.send(new GetExportJobsCommand({ ApplicationId: 'a'.repeat(32) }));
    } catch (error) {
      return error;
    }
    throw new Error('expected the call to fail');
  }

  it.for([
    { status: 502, body: '<html>Bad Gateway</html>', kind: 'unavailable' },
    { status: 503, body: '', kind: 'unavailable' },
    { status: 504, body: '<html>Gateway Timeout</html>', kind: 'unavailable' },
    { status: 408, body: '', kind: 'unavailable' },
    { status: 200, body: '<html>not json', kind: 'unavailable' },
    { status: 404, body: '{"message":"Application not found"}', kind: 'rejected' },
  ])('classifies HTTP $status as $kind', async ({ status, body, kind }) => {
    answer = { status, body };

    const c = classifyAwsError(await thrown(), PINPOINT_SOURCE, {
      operation: 'GetExportJobs',
      caller: 'create-export-job',
    });

    expect(c.kind).toBe(kind);
    expect(c.facts.status).toBe(status);
    expect(c.facts.fromAws).toBe(true);
  });
});

describe('errors thrown outside AWS calls', () => {
  it('turns anything that is not a workflow error into an OrchestratorBugError', () => {
    const error = asWorkflowError(new TypeError('x is not a function'), 'publish-summary');

    expect(error).toBeInstanceOf(OrchestratorBugError);
    expect(parseExplainedMessage(error.message).reason).toBe('orchestrator bug');
    expect(error.message).toContain('Orchestrator bug in publish-summary (TypeError): x is not a function');
  });

  it('leaves the workflow errors as they are', () => {
    const input = new InvalidExportInputError('ApplicationId', 'is required');
    const config = new ConfigurationError('Environment variable SUMMARY_TOPIC_ARN is not set');

    expect(asWorkflowError(input, 'create-export-job')).toBe(input);
    expect(asWorkflowError(config, 'publish-summary')).toBe(config);
  });
});
