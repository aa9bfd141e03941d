/*
 * Amazon S3's wire shapes (REST, XML) for the emulator's S3: its errors as the S3 API
 * reference lists them, the operation a path-style request names, and how answers are
 * written (S3 answers HEAD errors with the status alone).
 */

import type { ServerResponse } from 'node:http';
import { xmlEscape } from '../../sources/emulator/protocol.ts';

export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export interface S3Context {
  /** `<dataDir>/s3`: one folder per bucket. */
  root: string;
  now: () => number;
  /** Every bucket's Region (GetBucketLocation, HeadBucket); default us-east-1. */
  region?: string;
}

/** The account that owns every local bucket (HeadBucket's ExpectedBucketOwner is checked against it). */
export const LOCAL_OWNER = '000000000000';

/** What one S3 request was, for the request log. */
export interface S3Outcome {
  operation: string;
  status: number;
  errorType?: string;
}

/** An S3 error as the API reference lists it. */
export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

export const s3Errors = {
  noSuchBucket: (bucket: string) =>
    new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket }),
  noSuchKey: (key: string) =>
    new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key }),
  invalidArgument: (message: string, name: string, value: string) =>
    new S3Error(400, 'InvalidArgument', message, { ArgumentName: name, ArgumentValue: value }),
  invalidBucketName: (bucket: string) =>
    new S3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.', { BucketName: bucket }),
  invalidRange: () => new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable'),
  preconditionFailed: () =>
    new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
      Condition: 'If-Match',
    }),
  entityTooLarge: () =>
    new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size.'),
  notImplemented: (what: string) =>
    new S3Error(
      501,
      'NotImplemented',
      `A header or query you provided implies functionality that is not implemented: ${what}`,
    ),
  slowDown: (message = 'Please reduce your request rate.') => new S3Error(503, 'SlowDown', message),
  internal: (message = 'We encountered an internal error. Please try again.') =>
    new S3Error(500, 'InternalError', message),
  accessDenied: () => new S3Error(403, 'AccessDenied', 'Access Denied'),
};

/** Whether a request is S3's (path-style): anything the other services do not claim, which the caller checks first. */
export function s3OperationOf(method: string, path: string, query: URLSearchParams): string {
  const { bucket, key } = splitPath(path);
  if (!bucket) return method === 'GET' ? 'ListBuckets' : 'Unknown';
  if (key === '') {
    if (method === 'GET' && query.has('location')) return 'GetBucketLocation';
    if (method === 'GET' && query.has('encryption')) return 'GetBucketEncryption';
    if (method === 'GET')
      return query.has('uploads')
        ? 'ListMultipartUploads'
        : query.get('list-type') === '2'
          ? 'ListObjectsV2'
          : 'ListObjects';
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'PUT') return 'CreateBucket';
    return 'Unknown';
  }
  if (method === 'GET') return 'GetObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'PUT') return query.has('partNumber') ? 'UploadPart' : 'PutObject';
  if (method === 'DELETE') return 'DeleteObject';
  if (method === 'POST') return 'CreateMultipartUpload';
  return 'Unknown';
}

export function splitPath(path: string): { bucket: string; key: string } {
  const trimmed = path.replace(/^\/+/, '');
  const slash = trimmed.indexOf('/');
  const bucket = decodeURIComponent(slash < 0 ? trimmed : trimmed.slice(0, slash));
  const key = slash < 0 ? '' : decodeURIComponent(trimmed.slice(slash + 1));
  return { bucket, key };
}

export function xml(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}

export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

export function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | number>,
  body: string | Buffer = '',
): void {
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function commonHeaders(requestId: string): Record<string, string> {
  return {
    'x-amz-request-id': requestId.replace(/-/g, '').slice(0, 16).toUpperCase(),
    'x-amz-id-2': Buffer.from(requestId).toString('base64'),
    server: 'AmazonS3',
  };
}

export function sendError(res: ServerResponse, error: S3Error, requestId: string, head: boolean): void {
  const headers = { ...commonHeaders(requestId), 'content-type': 'application/xml' };
  if (head) {
    // S3 answers HEAD errors with the status alone: clients name them NotFound, Forbidden, …
    send(res, error.status, headers);
    return;
  }
  const extra = Object.entries(error.extra)
    .map(([name, value]) => `<${name}>${xmlEscape(value)}</${name}>`)
    .join('');
  send(
    res,
    error.status,
    headers,
    xml(
      `<Error><Code>${error.code}</Code><Message>${xmlEscape(error.message)}</Message>${extra}` +
        `<RequestId>${commonHeaders(requestId)['x-amz-request-id']}</RequestId><HostId>${commonHeaders(requestId)['x-amz-id-2']}</HostId></Error>`,
    ),
  );
}
