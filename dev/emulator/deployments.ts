/**
 * A deployed stage as the doctor (`npm run export -- doctor`) reads it: CloudFormation's
 * DescribeStacks and ListStackResources (awsQuery, signing name `cloudformation`) and EventBridge
 * Scheduler's GetSchedule (restJson1, signing name `scheduler`), over stacks and schedules the
 * emulator is given (nothing deploys into it). Shapes and error codes follow botocore's models
 * (cloudformation 2010-05-15, scheduler 2021-06-30): a missing stack is a 400 ValidationError
 * "Stack with id <name> does not exist", a missing schedule a 404 ResourceNotFoundException.
 * Every other operation of the two services answers that the emulator does not serve it.
 */

import { type HttpResult, restJson, xmlEscape } from '../../sources/emulator/protocol.ts';
import { type EmulatedService, type ErrorShapes, serveWhole } from '../../sources/emulator/service.ts';

/** A stack as deployed: what DescribeStacks and ListStackResources say of it. */
export interface DeployedStack {
  name: string;
  /** Default CREATE_COMPLETE. */
  status?: string;
  outputs: Record<string, string>;
  /** Logical id → physical id (a role's name, a table's name). */
  resources?: Record<string, { type: string; physicalId: string }>;
}

/** A schedule as deployed. */
export interface DeployedSchedule {
  group: string;
  name: string;
  state: 'ENABLED' | 'DISABLED';
}

/** What the emulator holds of deployments; tests add to it. */
export interface Deployments {
  stacks: DeployedStack[];
  schedules: DeployedSchedule[];
}

const CFN_NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
const CFN_ACTIONS = ['DescribeStacks', 'ListStackResources'];

function cfnResult(action: string, body: string, requestId: string): HttpResult {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: `<${action}Response xmlns="${CFN_NS}"><${action}Result>${body}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  };
}

function cfnError(status: number, code: string, message: string, requestId: string): HttpResult {
  return {
    status,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse xmlns="${CFN_NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    errorType: code,
  };
}

const member = (fields: Record<string, string>) =>
  `<member>${Object.entries(fields)
    .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
    .join('')}</member>`;

/** CloudFormation's DescribeStacks and ListStackResources over `deployments.stacks`. */
export function createCloudFormationService(
  deployments: Deployments,
  ctx: { region: string; account: string; now: () => number },
): EmulatedService<Deployments> {
  const stackId = (name: string) =>
    `arn:aws:cloudformation:${ctx.region}:${ctx.account}:stack/${name}/00000000-0000-0000-0000-000000000000`;
  const errors: ErrorShapes = {
    fault: (kind, message, requestId) =>
      kind === 'throttle'
        ? cfnError(400, 'Throttling', message ?? 'Rate exceeded', requestId)
        : cfnError(500, 'InternalFailure', message ?? 'Internal error', requestId),
    tooLarge: (requestId) => cfnError(400, 'ValidationError', 'Request too large', requestId),
  };
  const answer = (body: string, requestId: string): HttpResult => {
    const params = new URLSearchParams(body);
    const action = params.get('Action') ?? 'Unknown';
    if (!CFN_ACTIONS.includes(action))
      return cfnError(400, 'InvalidAction', `The emulator does not serve ${action}`, requestId);
    const name = params.get('StackName') ?? '';
    const stack = deployments.stacks.find((s) => s.name === name || stackId(s.name) === name);
    if (!stack) return cfnError(400, 'ValidationError', `Stack with id ${name} does not exist`, requestId);
    if (action === 'ListStackResources') {
      const now = new Date(ctx.now()).toISOString();
      const summaries = Object.entries(stack.resources ?? {})
        .map(([logicalId, r]) =>
          member({
            LogicalResourceId: logicalId,
            PhysicalResourceId: r.physicalId,
            ResourceType: r.type,
            LastUpdatedTimestamp: now,
            ResourceStatus: 'CREATE_COMPLETE',
          }),
        )
        .join('');
      return cfnResult(action, `<StackResourceSummaries>${summaries}</StackResourceSummaries>`, requestId);
    }
    const outputs = Object.entries(stack.outputs)
      .map(([key, value]) => member({ OutputKey: key, OutputValue: value }))
      .join('');
    const described = `<member><StackName>${xmlEscape(stack.name)}</StackName><StackId>${stackId(stack.name)}</StackId><CreationTime>${new Date(ctx.now()).toISOString()}</CreationTime><StackStatus>${stack.status ?? 'CREATE_COMPLETE'}</StackStatus><Outputs>${outputs}</Outputs></member>`;
    return cfnResult(action, `<Stacks>${described}</Stacks>`, requestId);
  };
  return {
    name: 'cloudformation',
    // awsQuery posts to `/`, as SNS does: only a request signed for CloudFormation is one. Its
    // operation is in the body: the request log and the fault rules name it `Unknown`.
    recognises: { signingName: 'cloudformation' },
    operations: CFN_ACTIONS,
    state: deployments,
    serve: (exchange) =>
      serveWhole(exchange, { maxBodyBytes: 1024 * 1024, errors }, async (body) => ({
        result: answer(body, exchange.requestId),
      })),
    snapshot: async () => ({}),
  };
}

/** EventBridge Scheduler's GetSchedule (`GET /schedules/<name>?groupName=<group>`) over `deployments.schedules`. */
export function createSchedulerService(
  deployments: Deployments,
  ctx: { region: string; account: string },
): EmulatedService<Deployments> {
  const operationOf = (method: string, path: string) =>
    method === 'GET' && /^\/schedules\/[^/]+$/.test(path) ? 'GetSchedule' : undefined;
  const error = (status: number, type: string, message: string, requestId: string): HttpResult => ({
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': type },
    body: JSON.stringify({ Message: message }),
    errorType: type,
  });
  const errors: ErrorShapes = {
    fault: (kind, message, requestId) =>
      kind === 'throttle'
        ? error(429, 'ThrottlingException', message ?? 'Rate exceeded', requestId)
        : error(500, 'InternalServerException', message ?? 'Internal error', requestId),
    tooLarge: (requestId) => error(400, 'ValidationException', 'Request too large', requestId),
  };
  const answer = (method: string, path: string, query: URLSearchParams, requestId: string): HttpResult => {
    if (operationOf(method, path) === undefined)
      return error(400, 'ValidationException', `The emulator does not serve ${method} ${path}`, requestId);
    const name = decodeURIComponent(path.slice('/schedules/'.length));
    const group = query.get('groupName') ?? 'default';
    const schedule = deployments.schedules.find((s) => s.name === name && s.group === group);
    if (!schedule)
      return error(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`, requestId);
    return restJson(
      200,
      {
        Arn: `arn:aws:scheduler:${ctx.region}:${ctx.account}:schedule/${group}/${name}`,
        Name: name,
        GroupName: group,
        State: schedule.state,
        ScheduleExpression: 'cron(0 3 * * ? *)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: 'arn:aws:states:::stateMachine', RoleArn: 'arn:aws:iam::role/scheduler' },
      },
      requestId,
    );
  };
  return {
    name: 'scheduler',
    recognises: {
      signingName: 'scheduler',
      claims: (head) => head.signingName === undefined && operationOf(head.method, head.path) !== undefined,
    },
    operations: ['GetSchedule'],
    state: deployments,
    serve: (exchange) => {
      const { method, path, query } = exchange.head;
      exchange.identify(operationOf(method, path) ?? 'Unknown');
      return serveWhole(exchange, { maxBodyBytes: 1024 * 1024, errors }, async () => ({
        result: answer(method, path, query, exchange.requestId),
      }));
    },
    snapshot: async () => ({}),
  };
}
