/**
 * The one interface through which a service plugs into the local emulator
 * (dev/emulator/): every source's emulated API (`sources/<id>/emulator.ts`, registered
 * in sources/emulators.ts) and the emulator's own services (SNS, S3, DynamoDB's tables,
 * CloudFormation, Scheduler) are each an {@link EmulatedService}. The emulator owns the
 * port, the request log, the fault rules and the control API; a service owns its
 * requests, its answers in its protocol's shapes and its state.
 */

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { ActiveFault, FaultController, FaultKind, ServiceName } from './faults.ts';
import type { HttpResult } from './protocol.ts';

/** A request as the emulator routes it: what is known before its body is read. */
export interface RequestHead {
  method: string;
  /** The URL's path, not decoded. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The SigV4 credential scope's service (`…/<region>/<service>/aws4_request`), when the request is signed. */
  signingName?: string;
  /** `X-Amz-Target` (the awsJson protocols' operation), when sent. */
  target?: string;
}

/**
 * How the emulator tells a service's requests from the others'. It asks every service
 * in three rounds, first match wins, so a service need not know the others' paths:
 * 1. `target`: the `X-Amz-Target` header of a POST (awsJson: DynamoDB);
 *    then the control API (`/_emulator/…`);
 * 2. `signingName`: a request signed for this service;
 * 3. `claims(head)`: the path and protocol shape (method, path, content type) of a
 *    request no signature placed.
 * Within a round, sources come first (in their registry's order), then the emulator's
 * own services; S3 (path-style) claims whatever is left.
 */
export interface Recognition {
  target?: RegExp;
  signingName?: string;
  claims?(head: RequestHead): boolean;
}

/** One request being served: its head, the log entry the emulator keeps of it, and the way to answer. */
export interface Exchange {
  readonly head: RequestHead;
  /** A request id shaped like AWS's, for the answer. */
  readonly requestId: string;
  /** The raw request and response, for a service that streams (S3's objects, DynamoDB's tables). */
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Names the request in the log and for the fault rules (and, for Pinpoint, its application). */
  identify(operation: string, applicationId?: string): void;
  /** The body, up to `limit` bytes; undefined when larger (the rest is drained, not kept). */
  readBody(limit: number): Promise<string | undefined>;
  /**
   * Applies the fault rules for this request (its service, its operation as identified,
   * its application): waits out the `delay` rules, then takes and returns the first rule
   * that shapes the answer (`reset`, `throttle`, `error500`), if any.
   */
  fault(): Promise<ActiveFault | undefined>;
  /** Writes a whole answer (or drops the connection) and logs it; `fault` names the rule that shaped it. */
  reply(result: HttpResult | 'reset', fault?: FaultKind): void;
  /** Logs an answer the service wrote to {@link res} itself. */
  replied(status: number, errorType?: string, fault?: FaultKind): void;
}

/**
 * The emulator's DynamoDB tables (dynalite, dev/emulator/tables.ts), for a source whose
 * service reads them or follows their writes (DynamoDB's exports and point-in-time recovery).
 */
export interface TableStore {
  /** One call answered in process: no socket, no fault rules, not in the request log. */
  call(
    operation: string,
    body: Record<string, unknown>,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Adds a watcher of the requests the tables answer. */
  watch(watcher: TableWatcher): void;
}

/** Follows the requests the tables answer (the writes to a table under point-in-time recovery). */
export interface TableWatcher {
  /** Whether a request must be read first and given to {@link before}. */
  watches(operation: string): boolean;
  /** Before the tables see a watched request (its body parsed); the hook then hears how it ended. */
  before(operation: string, body: unknown): Promise<TableHook | undefined>;
}

/** Hears how a watched request ended: its status and body, exactly once (status 0 when the connection closed first). */
export interface TableHook {
  after(status: number, body: string): void;
}

/** What every service gets from the emulator. */
export interface ServiceContext {
  faults: FaultController;
  /** The emulator's clock (ms): jobs progress on it. */
  now: () => number;
  region: string;
  /** The account id in every ARN. */
  account: string;
  /** `<dataDir>/s3`: one folder per bucket, as the emulator's S3 serves them. */
  s3Root: string;
  /** The emulator's DynamoDB tables. */
  tables: TableStore;
}

/** A service on the emulator's port. `State` is what tests read of it. */
export interface EmulatedService<State = unknown> {
  /** The request log's and the fault rules' service name. */
  readonly name: ServiceName;
  /** How its requests are told from the others'. */
  readonly recognises: Recognition;
  /** The operations it answers: what the request log shows and fault rules may name as `operation`. */
  readonly operations: readonly string[];
  /**
   * Serves one request it recognised: identifies its operation, reads the body, applies the
   * fault rules and answers in its protocol's shapes, through the exchange.
   */
  serve(exchange: Exchange): Promise<void>;
  /** Its memory, for tests (`emulator.services.<name>.state`). */
  readonly state: State;
  /** Its part of `GET /_emulator/state` (JSON-safe), as of now. */
  snapshot(): Promise<Record<string, unknown>>;
  /** Finishes what is due (a finished job's files) before S3 serves the files or the state is read. */
  settle?(): Promise<void>;
  close?(): Promise<void>;
}

/** The answers a service gives in its own protocol's shapes when the emulator refuses a request or a fault rule shapes it. */
export interface ErrorShapes {
  /** A `throttle` or `error500` fault rule's answer. */
  fault(kind: 'throttle' | 'error500', message: string | undefined, requestId: string): HttpResult;
  /** A body over the service's limit. */
  tooLarge(requestId: string): HttpResult;
}

/** The answer of a fault rule {@link Exchange.fault} took: a dropped connection, or the service's error. */
export function faultReply(exchange: Exchange, rule: ActiveFault, errors: ErrorShapes): void {
  exchange.reply(
    rule.kind === 'reset'
      ? 'reset'
      : errors.fault(rule.kind === 'throttle' ? 'throttle' : 'error500', rule.message, exchange.requestId),
    rule.kind,
  );
}

/** What {@link serveWhole}'s handler answers; `fault` names a rule that shaped it (`create-then-500`). */
export interface WholeAnswer {
  result: HttpResult;
  fault?: FaultKind;
}

/**
 * The usual flow of a service that answers in one piece: reads the body (too large: the
 * service's error), applies the fault rules, then answers what `handle` makes of the body.
 */
export async function serveWhole(
  exchange: Exchange,
  limits: { maxBodyBytes: number; errors: ErrorShapes },
  handle: (body: string) => Promise<WholeAnswer>,
): Promise<void> {
  const body = await exchange.readBody(limits.maxBodyBytes);
  if (body === undefined) {
    exchange.reply(limits.errors.tooLarge(exchange.requestId));
    return;
  }
  const rule = await exchange.fault();
  if (rule) {
    faultReply(exchange, rule, limits.errors);
    return;
  }
  const answer = await handle(body);
  exchange.reply(answer.result, answer.fault);
}
