/*
 * Amazon Connect Customer Profiles' wire shapes (restJson1, botocore's customer-profiles
 * 2020-08-15 model) for the emulator: its errors (`{ Message }`, the name in
 * `x-amzn-ErrorType`), its JSON answers and the checks its request members get.
 */

import { type HttpResult, RestJsonError, restJson, restJsonErrorResult } from '../emulator/protocol.ts';
import type { ErrorShapes } from '../emulator/service.ts';

/** Largest request body read (ours: Customer Profiles publishes no figure; SegmentSqlQuery alone may be 50,000 characters). */
export const PROFILES_MAX_BODY_BYTES = 1024 * 1024;

/** A Customer Profiles error (its error shapes are `{ Message }`). */
export class ProfilesError extends RestJsonError {
  override readonly name = 'ProfilesError';
}

/** The model's error shapes (each `{ Message }`), by HTTP status. */
export const profilesErrors = {
  badRequest: (message: string) => new ProfilesError(400, 'BadRequestException', message),
  accessDenied: (message: string) => new ProfilesError(403, 'AccessDeniedException', message),
  notFound: (message: string) => new ProfilesError(404, 'ResourceNotFoundException', message),
  throttling: (message: string) => new ProfilesError(429, 'ThrottlingException', message),
  internal: (message: string) => new ProfilesError(500, 'InternalServerException', message),
  /** Not in the model: what a service behind API Gateway answers for a route it does not have. */
  unknownOperation: (message: string) => new ProfilesError(400, 'UnknownOperationException', message),
};

/** An error answer. */
export const errorResult = (error: ProfilesError, requestId: string): HttpResult =>
  restJsonErrorResult(error, requestId);

/** A 200 answer. */
export const json = (body: unknown, requestId: string): HttpResult => restJson(200, body, requestId);

/** Customer Profiles' answers to a fault rule and to a body over its limit. */
export const PROFILES_ERROR_SHAPES: ErrorShapes = {
  fault: (kind, message, requestId) =>
    errorResult(
      kind === 'throttle'
        ? profilesErrors.throttling(message ?? 'Rate exceeded')
        : profilesErrors.internal(message ?? 'Internal server error'),
      requestId,
    ),
  tooLarge: (requestId) =>
    errorResult(
      profilesErrors.badRequest(`Request body exceeds the limit of ${PROFILES_MAX_BODY_BYTES} bytes`),
      requestId,
    ),
};

/** restJson1 timestamps in a body are epoch seconds (the model sets no timestampFormat). */
export const epochSeconds = (ms: number) => ms / 1000;

/** Domain and segment definition names. */
export const NAME = /^[a-zA-Z0-9_-]+$/;

/** A name given in the path, checked as the model's pattern and length say. */
export function checkName(field: string, value: string | undefined): string {
  if (value === undefined || value.length < 1 || value.length > 64 || !NAME.test(value)) {
    throw profilesErrors.badRequest(`${field} must match ^[a-zA-Z0-9_-]+$ and be 1 to 64 characters long`);
  }
  return value;
}

/** An optional string member of `min` to `max` characters. */
export function optionalString(body: Record<string, unknown>, field: string, min: number, max: number) {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length < min || value.length > max) {
    throw profilesErrors.badRequest(`${field} must be a string of ${min} to ${max} characters`);
  }
  return value;
}

/** A `Tags` member: a map of strings. */
export function checkTags(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (
    typeof value !== 'object' ||
    Array.isArray(value) ||
    !Object.values(value).every((v) => typeof v === 'string')
  ) {
    throw profilesErrors.badRequest('Tags must be a map of strings');
  }
  return { ...(value as Record<string, string>) };
}

/** A request body: empty, or a JSON object; anything else is BadRequest. */
export function parseBody(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // answered below, like any body the service cannot read
  }
  throw profilesErrors.badRequest('The request body is not a JSON object');
}
