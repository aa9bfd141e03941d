/**
 * Wire-format helpers every emulated service shares: how a restJson1 service (Pinpoint,
 * Customer Profiles, Scheduler) shapes answers and errors, so the unmodified AWS SDK and
 * CLI parse them the way they parse the real services' answers; XML escaping for the
 * XML protocols; request ids, SigV4 signing names, request bodies and `s3://` URLs.
 */

import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The account id in every ARN the emulator makes. */
export const ACCOUNT_ID = '000000000000';

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

/** Escapes text for XML element content. */
export function xmlEscape(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`,
  );
}

/** A request id shaped like AWS's. */
export function newRequestId(): string {
  return randomUUID();
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

/** Splits `s3://bucket/some/prefix/` into bucket and key prefix; undefined when it is not such a URL. */
export function parseS3Url(url: string): { bucket: string; keyPrefix: string } | undefined {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!match) return undefined;
  const bucket = match[1]!;
  // S3 bucket naming rules (3-63 chars, lowercase letters, digits, dots, hyphens).
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) return undefined;
  const keyPrefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket, keyPrefix };
}
