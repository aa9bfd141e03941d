/*
 * Amazon Pinpoint's wire shapes (restJson1) for the emulator: its errors (`{ Message,
 * RequestID }` with the error name in `x-amzn-ErrorType`), its JSON answers, request
 * bodies and the `page-size`/`token` pagination of its list operations.
 */

import { type HttpResult, RestJsonError, restJson, restJsonErrorResult } from '../emulator/protocol.ts';
import type { ErrorShapes } from '../emulator/service.ts';

/** Largest Pinpoint request body accepted; larger ones get 413. Our choice: Pinpoint does not publish one figure. */
export const PINPOINT_MAX_BODY_BYTES = 1024 * 1024;

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

/** A Pinpoint error answer. */
export function pinpointErrorResult(error: PinpointError, requestId: string): HttpResult {
  return restJsonErrorResult(error, requestId, { Message: error.message, RequestID: requestId });
}

/** Pinpoint's answers to a fault rule and to a body over its limit. */
export const PINPOINT_ERROR_SHAPES: ErrorShapes = {
  fault: (kind, message, requestId) =>
    pinpointErrorResult(
      kind === 'throttle'
        ? pinpointErrors.tooManyRequests(message ?? 'Too many requests')
        : pinpointErrors.internal(message ?? 'Internal server error'),
      requestId,
    ),
  tooLarge: (requestId) =>
    pinpointErrorResult(
      pinpointErrors.payloadTooLarge(`Request body exceeds the limit of ${PINPOINT_MAX_BODY_BYTES} bytes`),
      requestId,
    ),
};

/** A request body: empty, or a JSON object; anything else is BadRequest. */
export function parseBody(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // fall through: answered as BadRequest below, like any body Pinpoint cannot read
  }
  throw pinpointErrors.badRequest('Invalid request body: expected a JSON object');
}

/** One page of `items` (`page-size`, default `defaultSize`; `token`: where the previous page ended). */
export function paginate<T>(
  items: T[],
  query: URLSearchParams,
  defaultSize: number,
): { items: T[]; nextToken?: string } {
  const sizeText = query.get('page-size');
  const size = sizeText === null ? defaultSize : Number(sizeText);
  if (!Number.isInteger(size) || size < 1 || size > 1000) {
    throw pinpointErrors.badRequest(`Invalid page-size: ${sizeText}. Must be an integer between 1 and 1000`);
  }
  const token = query.get('token');
  let offset = 0;
  if (token) {
    try {
      const decoded: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
      offset = (decoded as { offset: number }).offset;
    } catch {
      offset = Number.NaN;
    }
    if (!Number.isInteger(offset) || offset < 0) throw pinpointErrors.badRequest('Invalid token');
  }
  const page = items.slice(offset, offset + size);
  const next = offset + size;
  return next < items.length
    ? { items: page, nextToken: Buffer.from(JSON.stringify({ offset: next })).toString('base64url') }
    : { items: page };
}
