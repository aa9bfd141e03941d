/*
 * The emulator's DynamoDB tables: dynalite (a DynamoDB implementation speaking the real
 * awsJson1_0 protocol, in memory) behind the emulator's port, so one endpoint URL serves
 * every service and `AWS_ENDPOINT_URL_DYNAMODB` points the functions' unmodified SDK client
 * at it (the run ledger's table among others). It is the TableStore every service is given:
 * a source's service reads the tables in process and watches the requests they answer
 * (DynamoDB's exports follow the writes to tables under point-in-time recovery,
 * sources/dynamodb/emulator-writes.ts); operations dynalite does not implement are a
 * source's service's, recognised before these.
 *
 * Fault rules reach an operation dynalite answers (PutItem, Query, …) only when they name
 * it: the run ledger shares the endpoint, and a rule meant for the exports must not
 * throttle its writes.
 */

import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DYNAMODB_MAX_BODY_BYTES,
  DYNAMODB_TOO_LARGE,
  dynamoFaultResult,
  dynamoOperationOf,
} from '../../sources/dynamodb/emulator-wire.ts';
import type { FaultContext, FaultController, FaultKind } from '../../sources/emulator/faults.ts';
import type {
  EmulatedService,
  Exchange,
  TableHook,
  TableStore,
  TableWatcher,
} from '../../sources/emulator/service.ts';

const require = createRequire(import.meta.url);
/** dynalite is CommonJS, and loaded only when a local DynamoDB is started (the CLI's AWS mode never needs it). */
const dynalite = () => require('dynalite') as (options: Record<string, unknown>) => Server;

/** The operations dynalite implements (its index.js `validOperations`). */
const DYNALITE_OPERATIONS = [
  'BatchGetItem',
  'BatchWriteItem',
  'CreateTable',
  'DeleteItem',
  'DeleteTable',
  'DescribeTable',
  'DescribeTimeToLive',
  'GetItem',
  'ListTables',
  'PutItem',
  'Query',
  'Scan',
  'TagResource',
  'UntagResource',
  'ListTagsOfResource',
  'UpdateItem',
  'UpdateTable',
];

/** The emulator's tables: the service that answers their requests, and the store the other services are given. */
export interface Tables {
  service: EmulatedService<TableStore>;
  store: TableStore;
  close(): Promise<void>;
}

/** An in-memory DynamoDB; tables are ACTIVE at once. */
export function createTables(ctx: { faults: FaultController }): Tables {
  const server = dynalite()({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const watchers: TableWatcher[] = [];
  const store: TableStore = {
    call: (operation, body) => callInProcess(server, operation, body),
    watch: (watcher) => {
      watchers.push(watcher);
    },
  };

  async function serve(exchange: Exchange): Promise<void> {
    const { req, res } = exchange;
    const operation = dynamoOperationOf(exchange.head.target);
    exchange.identify(operation);
    const injected = await forwardedFault(ctx.faults, operation);
    if (injected) {
      req.resume();
      exchange.reply(
        injected.kind === 'reset'
          ? 'reset'
          : dynamoFaultResult(injected.kind, injected.message, operation, exchange.requestId),
        injected.kind,
      );
      return;
    }
    // dynalite writes the answer: it is logged when it is sent.
    res.once('finish', () => exchange.replied(res.statusCode));
    const watching = watchers.filter((w) => w.watches(operation));
    if (watching.length === 0) {
      server.emit('request', req, res);
      return;
    }
    const body = await exchange.readBody(DYNAMODB_MAX_BODY_BYTES);
    if (body === undefined) {
      const { status, headers } = DYNAMODB_TOO_LARGE;
      res.writeHead(status, { ...headers, 'content-length': 0 });
      res.end();
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined; // dynalite answers SerializationException
    }
    const hooks: TableHook[] = [];
    if (parsed !== undefined) {
      for (const watcher of watching) {
        const hook = await watcher.before(operation, parsed);
        if (hook) hooks.push(hook);
      }
    }
    if (hooks.length > 0) {
      // dynalite ends every answer with res.end(body): that is the moment the write happened.
      const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
      res.end = ((...args: unknown[]) => {
        const chunk = args[0];
        const text = typeof chunk === 'string' || Buffer.isBuffer(chunk) ? chunk.toString() : '';
        for (const hook of hooks) hook.after(res.statusCode, text);
        return end(...args);
      }) as typeof res.end;
      res.once('close', () => {
        for (const hook of hooks) hook.after(0, '');
      });
    }
    server.emit('request', replayOf(req, body), res);
  }

  return {
    store,
    service: {
      name: 'dynamodb',
      recognises: { target: /^DynamoDB_\d+\./ },
      operations: DYNALITE_OPERATIONS,
      state: store,
      serve,
      snapshot: async () => ({}),
    },
    // dynalite closes its store when its server closes; the server never listened.
    close: () => new Promise<void>((resolveClose) => server.close(() => resolveClose())),
  };
}

/**
 * A fault for an operation dynalite answers. Only rules that name the operation apply
 * (`operation: 'PutItem'`), so a rule for any DynamoDB operation (meant for the exports)
 * leaves the run ledger's calls alone.
 */
async function forwardedFault(
  faults: FaultController,
  operation: string,
): Promise<{ kind: 'reset' | 'throttle' | 'error500'; message?: string } | undefined> {
  const context: FaultContext = { service: 'dynamodb', operation };
  const delays = namedRules(faults, context, ['delay']);
  if (delays.length > 0 && delays.every((rule) => rule.operation === operation)) {
    const taken = faults.take(context, ['delay']);
    const delayMs = taken.reduce((sum, rule) => sum + (rule.delayMs ?? 0), 0);
    if (delayMs > 0) await sleep(delayMs);
  }
  // FaultController uses up rules in the order they were added; a rule for any operation ahead of
  // one naming this operation would be taken instead, so then the call goes through untouched.
  const first = namedRules(faults, context, ['reset', 'throttle', 'error500'])[0];
  if (!first || first.operation !== operation) return undefined;
  const injected = faults.take(context, ['reset', 'throttle', 'error500'], true)[0];
  if (!injected) return undefined;
  return {
    kind: injected.kind as 'reset' | 'throttle' | 'error500',
    ...(injected.message !== undefined ? { message: injected.message } : {}),
  };
}

/** Active rules of these kinds that match a DynamoDB request, in FaultController's order. */
function namedRules(faults: FaultController, context: FaultContext, kinds: readonly FaultKind[]) {
  return faults
    .list()
    .filter(
      (rule) =>
        kinds.includes(rule.kind) &&
        (rule.remaining === null || rule.remaining > 0) &&
        ['*', 'dynamodb'].includes(rule.service ?? '*') &&
        (!rule.operation || rule.operation === '*' || rule.operation === context.operation) &&
        !rule.applicationId,
    );
}

/** The request again, its body already read: dynalite reads it as it would the socket. */
function replayOf(req: Exchange['req'], body: string): Exchange['req'] {
  return Object.assign(Readable.from([Buffer.from(body)], { objectMode: false }), {
    headers: req.headers,
    method: req.method,
    url: req.url,
    socket: req.socket,
  }) as unknown as Exchange['req'];
}

/**
 * One DynamoDB call answered by dynalite without a socket: the emulator's own reads
 * (DescribeTable, GetItem, Scan) for exports. dynalite checks that a request is signed,
 * not the signature.
 */
function callInProcess(
  server: Server,
  operation: string,
  body: Record<string, unknown>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolveCall) => {
    const request = Object.assign(Readable.from([Buffer.from(JSON.stringify(body))], { objectMode: false }), {
      method: 'POST',
      url: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
        'x-amz-date': '20260101T000000Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
    });
    const response = {
      statusCode: 200,
      setHeader: () => undefined,
      end: (text?: string) => {
        let parsed: Record<string, unknown> = {};
        try {
          parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          parsed = { message: text };
        }
        resolveCall({ status: response.statusCode, body: parsed });
      },
    };
    server.emit('request', request, response);
  });
}
