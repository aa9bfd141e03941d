/**
 * Wire-format helpers: how the restJson1 services (Pinpoint, Customer Profiles) and SNS (awsQuery, XML) shape
 * answers and errors, so the unmodified AWS SDK and CLI parse them the way they
 * parse the real services' answers.
 */

import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestLogEntry } from '../../dev/emulator/state.ts';
import type { FaultController, FaultKind, ServiceName } from './faults.ts';

/** One HTTP answer, ready to write. */
export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The error name the answer carries, for the request log. */
  errorType?: string;
}

/**
 * An error of a restJson1 service (Pinpoint, Customer Profiles): clients take the error
 * name from the `x-amzn-ErrorType` header and the message from the body's `Message`.
 */
export class RestJsonError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** A Pinpoint error (its error shapes are `{ Message, RequestID }`). */
export class PinpointError extends RestJsonError {
  override readonly name = 'PinpointError';
}

/** Pinpoint's error names by HTTP status, as in the API reference. */
export const pinpointErrors = {
  badRequest: (message: string) => new PinpointError(400, 'BadRequestException', message),
  forbidden: (message: string) => new PinpointError(403, 'ForbiddenException', message),
  notFound: (message: string) => new PinpointError(404, 'NotFoundException', message),
  methodNotAllowed: (message: string) => new PinpointError(405, 'MethodNotAllowedException', message),
  payloadTooLarge: (message: string) => new PinpointError(413, 'PayloadTooLargeException', message),
  tooManyRequests: (message: string) => new PinpointError(429, 'TooManyRequestsException', message),
  internal: (message: string) => new PinpointError(500, 'InternalServerErrorException', message),
};

/** A JSON answer from Pinpoint. */
export function pinpointJson(status: number, body: unknown, requestId: string): HttpResult {
  return restJson(status, body, requestId);
}

/** A restJson1 answer. */
export function restJson(status: number, body: unknown, requestId: string): HttpResult {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId },
    body: JSON.stringify(body),
  };
}

/** A restJson1 error answer; `body` is the service's error shape (default `{ Message }`). */
export function restJsonErrorResult(
  error: RestJsonError,
  requestId: string,
  body: Record<string, unknown> = { Message: error.message },
): HttpResult {
  return {
    status: error.status,
    headers: {
      'content-type': 'application/json',
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': error.type,
    },
    body: JSON.stringify(body),
    errorType: error.type,
  };
}

/** A Pinpoint error answer. */
export function pinpointErrorResult(error: PinpointError, requestId: string): HttpResult {
  return restJsonErrorResult(error, requestId, { Message: error.message, RequestID: requestId });
}

/**
 * An SNS error. awsQuery clients map the XML `Code` to the SDK's exception
 * (`InvalidParameter` → InvalidParameterException, `NotFound` → NotFoundException,
 * `Throttled` → ThrottledException, `InternalError` → InternalErrorException).
 */
export class SnsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly senderFault = status < 500,
  ) {
    super(message);
    this.name = 'SnsError';
  }
}

export const snsErrors = {
  invalidParameter: (message: string) => new SnsError(400, 'InvalidParameter', message),
  notFound: (message: string) => new SnsError(404, 'NotFound', message),
  throttled: (message: string) => new SnsError(429, 'Throttled', message),
  internal: (message: string) => new SnsError(500, 'InternalError', message),
  invalidAction: (message: string) => new SnsError(400, 'InvalidAction', message),
};

const SNS_NS = 'http://sns.amazonaws.com/doc/2010-03-31/';

/** Escapes text for XML element content. */
export function xmlEscape(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`,
  );
}

/** An awsQuery success answer: `<{Action}Response><{Action}Result>…</…><ResponseMetadata/></…>`. */
export function snsResult(action: string, resultXml: string, requestId: string): HttpResult {
  const body =
    `<?xml version="1.0"?>\n<${action}Response xmlns="${SNS_NS}">` +
    `<${action}Result>${resultXml}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

/** An awsQuery error answer. */
export function snsErrorResult(error: SnsError, requestId: string): HttpResult {
  const body =
    `<?xml version="1.0"?>\n<ErrorResponse xmlns="${SNS_NS}"><Error>` +
    `<Type>${error.senderFault ? 'Sender' : 'Receiver'}</Type><Code>${xmlEscape(error.code)}</Code>` +
    `<Message>${xmlEscape(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return {
    status: error.status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body,
    errorType: error.code,
  };
}

/** A request id shaped like AWS's. */
export function newRequestId(): string {
  return randomUUID();
}

/**
 * An export source's service on the emulator's port (`sources/<id>/emulator.ts`),
 * besides Pinpoint. The emulator routes a request to it by the SigV4 credential
 * scope's service ({@link signingName}), so its paths may overlap S3's path-style
 * ones; it answers faults and errors in its own protocol's shapes.
 */
export interface SourceService {
  /** The fault rules' and the request log's service name. */
  readonly service: ServiceName;
  /** SigV4 signing name: the service in `Credential=<key>/<date>/<region>/<service>/aws4_request`. */
  readonly signingName: string;
  /** Largest request body read; a larger one gets the service's 400. */
  readonly maxBodyBytes: number;
  /** The operation a method and path name, or undefined when none does. */
  operationOf(method: string, path: string): string | undefined;
  /** Serves one request whose body was read; `fault` names a fault that shaped the answer. */
  handle(request: SourceRequest): Promise<{ result: HttpResult; fault?: FaultKind }>;
  /** The answer of a `throttle` or `error500` fault rule. */
  faultAnswer(kind: 'throttle' | 'error500', message: string | undefined, requestId: string): HttpResult;
  /** The answer to a body over {@link maxBodyBytes}. */
  tooLarge(requestId: string): HttpResult;
  /** Finishes what is due (a finished job's files), before the state is read or S3 lists the files. */
  settle(): Promise<void>;
}

/** One request as a {@link SourceService} sees it. */
export interface SourceRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  requestId: string;
}

/** What a {@link SourceService} gets from the emulator. */
export interface SourceServiceContext {
  faults: FaultController;
  /** The emulator's clock (ms); jobs progress on it. */
  now: () => number;
  region: string;
  /** `<dataDir>/s3`: one folder per bucket, as the emulator's S3 serves them. */
  s3Root: string;
}

/**
 * The service a SigV4-signed request is for: the credential scope's service, from
 * the `Authorization` header or a presigned URL's `X-Amz-Credential`.
 */
export function signingServiceOf(
  authorization: string | undefined,
  query: URLSearchParams,
): string | undefined {
  const credential =
    /Credential=([^,\s]+)/.exec(authorization ?? '')?.[1] ?? query.get('X-Amz-Credential') ?? undefined;
  const parts = credential?.split('/');
  return parts && parts.length >= 5 && parts.at(-1) === 'aws4_request' ? parts.at(-2) : undefined;
}

/**
 * Reads a request body up to `limit` bytes. Beyond it the rest is drained (not
 * kept) so the client gets a clean 413 instead of a broken pipe; `text` is then
 * undefined.
 */
export async function readBody(
  req: IncomingMessage,
  limit: number,
): Promise<{ text?: string; bytes: number }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    bytes += buffer.length;
    if (bytes <= limit) chunks.push(buffer);
  }
  return bytes <= limit ? { text: Buffer.concat(chunks).toString('utf8'), bytes } : { bytes };
}

/** One request-log line, as `npm run emulator` prints it. */
export function formatLogLine(entry: RequestLogEntry): string {
  const status = entry.status === 0 ? 'RESET' : String(entry.status);
  const extra = [entry.errorType, entry.fault ? `fault=${entry.fault}` : undefined].filter(Boolean).join(' ');
  return `${entry.time} ${entry.service} ${entry.operation} ${entry.method} ${entry.path} -> ${status}${extra ? ` ${extra}` : ''} (${entry.durationMs} ms)`;
}
