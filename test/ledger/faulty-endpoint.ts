import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * An HTTP proxy in front of a local DynamoDB (dynalite) that answers chosen calls with what
 * DynamoDB answers under load or in trouble: a throttle, a 500, an access denial, or the real
 * answer lost after the write was made. Every other call goes through unchanged, so the run
 * ledger's conditional writes still run against a real implementation over HTTP with the real
 * SDK, and a test sees what the ledger does with each error, not what a mock says it does.
 */

/** What the proxy answers instead of DynamoDB's answer. */
export type FaultAnswer =
  /** 400 ProvisionedThroughputExceededException, before the call reaches DynamoDB. */
  | 'throttle'
  /** 500 InternalServerError, before the call reaches DynamoDB. */
  | 'server-error'
  /** 400 AccessDeniedException, before the call reaches DynamoDB. */
  | 'access-denied'
  /** The call reaches DynamoDB and is done; its answer is replaced by a 500 (a lost answer). */
  | 'lost-answer';

/** One injected fault: which calls it answers, and how many times. */
export interface LedgerFault {
  /** The DynamoDB operation, as in X-Amz-Target (`PutItem`, `UpdateItem`, `GetItem`, `Query`). */
  operation: string;
  answer: FaultAnswer;
  /** Only calls whose request body this accepts (for example one UpdateExpression); default every call. */
  when?: (body: Record<string, unknown>) => boolean;
  /** How many matching calls it answers; default 1. */
  times?: number;
}

/** A call the proxy saw. */
export interface SeenCall {
  operation: string;
  body: Record<string, unknown>;
  /** The fault that answered it, if any. */
  answer?: FaultAnswer;
}

/** A hook run once before a matching call goes on: a race made deterministic. */
export interface BeforeCall {
  operation: string;
  when?: (body: Record<string, unknown>) => boolean;
  run: () => Promise<void>;
}

export interface FaultyEndpoint {
  /** Point a DynamoDBClient here. */
  endpoint: string;
  /** Every call, in the order they arrived. */
  calls: SeenCall[];
  inject(fault: LedgerFault): void;
  /** Runs `hook.run` once, before the first matching call is passed on. */
  before(hook: BeforeCall): void;
  close(): Promise<void>;
}

const ERROR_BODIES: Record<Exclude<FaultAnswer, 'lost-answer'>, { status: number; type: string }> = {
  throttle: { status: 400, type: 'ProvisionedThroughputExceededException' },
  'server-error': { status: 500, type: 'InternalServerError' },
  'access-denied': { status: 400, type: 'AccessDeniedException' },
};

function answerError(res: ServerResponse, answer: Exclude<FaultAnswer, 'lost-answer'>): void {
  const { status, type } = ERROR_BODIES[answer];
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'fault' });
  res.end(
    JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: `injected ${answer}` }),
  );
}

function forward(
  target: URL,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const out = httpRequest(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () =>
          resolve({ status: answer.statusCode ?? 500, headers: answer.headers, body: Buffer.concat(chunks) }),
        );
        answer.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts the proxy on 127.0.0.1 in front of `target` (a dynalite endpoint). */
export async function startFaultyEndpoint(target: string): Promise<FaultyEndpoint> {
  const upstream = new URL(target);
  const faults: (LedgerFault & { left: number })[] = [];
  const hooks: BeforeCall[] = [];
  const calls: SeenCall[] = [];

  const server = createServer(async (req, res) => {
    try {
      const raw = await readAll(req);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
      const applies = (rule: { operation: string; when?: (b: Record<string, unknown>) => boolean }) =>
        rule.operation === operation && (rule.when?.(body) ?? true);
      const fault = faults.find((f) => f.left > 0 && applies(f));
      if (fault) fault.left--;
      calls.push({ operation, body, ...(fault ? { answer: fault.answer } : {}) });
      if (fault && fault.answer !== 'lost-answer') return answerError(res, fault.answer);
      const hook = hooks.findIndex(applies);
      if (hook >= 0) await hooks.splice(hook, 1)[0]?.run();
      const answer = await forward(upstream, req, raw);
      if (fault) return answerError(res, 'server-error');
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    } catch (error) {
      res.writeHead(599);
      res.end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    inject: (fault) => faults.push({ ...fault, left: fault.times ?? 1 }),
    before: (hook) => hooks.push(hook),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
