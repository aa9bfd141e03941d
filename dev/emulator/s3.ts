/**
 * Amazon S3's REST API, path-style (`/<bucket>/<key>`), over the folder the
 * emulated export jobs write into (`<dataDir>/s3/<bucket>/<key>`), so the
 * unmodified `@aws-sdk/client-s3` (`forcePathStyle: true`) and the AWS CLI's
 * `s3`/`s3api` commands (`--endpoint-url`) read what a job wrote and write the
 * manifest beside it.
 *
 * Served: ListBuckets, CreateBucket, HeadBucket, ListObjectsV2 (prefix,
 * delimiter, continuation-token, max-keys, start-after, fetch-owner ignored,
 * encoding-type=url), GetObject (with a single byte Range and If-Match), HeadObject,
 * PutObject (plain bodies and the SDK's aws-chunked bodies with trailing
 * checksums). Answers and errors have the XML shapes of the S3 API reference
 * (`ListBucketResult`, `Error` with `Code`, `Message`, `RequestId`); a missing
 * bucket is `NoSuchBucket`, a missing key `NoSuchKey` (HEAD: a bare 404, as S3
 * sends no body to HEAD). Not served: multipart uploads, versions, ACLs,
 * DeleteObject (answered 501 NotImplemented).
 */

import { mkdir, readdir, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { xmlEscape } from '../../sources/emulator/protocol.ts';
import type { EmulatedService, Exchange } from '../../sources/emulator/service.ts';
import { bucketDir, ensureBucket, getObject, listObjectsV2, putObject } from './s3-objects.ts';
import {
  BUCKET_NAME,
  commonHeaders,
  isoSeconds,
  LOCAL_OWNER,
  S3_NS,
  type S3Context,
  S3Error,
  type S3Outcome,
  s3Errors,
  s3OperationOf,
  send,
  sendError,
  splitPath,
  xml,
} from './s3-wire.ts';

export { ensureBucket, S3_MAX_KEYS, S3_MAX_PUT_BYTES } from './s3-objects.ts';
export { type S3Context, S3Error, s3Errors, s3OperationOf } from './s3-wire.ts';

/** The S3 operations the emulator answers (the others are answered 501 NotImplemented). */
const S3_OPERATIONS = [
  'ListBuckets',
  'CreateBucket',
  'HeadBucket',
  'GetBucketLocation',
  'GetBucketEncryption',
  'ListObjectsV2',
  'GetObject',
  'HeadObject',
  'PutObject',
];

/** The emulator's S3; its state is where its buckets are. */
export type S3Service = EmulatedService<S3Context>;

/**
 * Creates the emulator's S3 with its seeded buckets. `settle` finishes what the other
 * services have due (a finished snapshot's files) before S3 serves a request.
 */
export async function createS3Service(
  ctx: S3Context,
  options: { buckets: string[]; settle: () => Promise<void> },
): Promise<S3Service> {
  for (const bucket of options.buckets) await ensureBucket(ctx, bucket);
  return {
    name: 's3',
    // Path-style: whatever no other service recognised (`GET /`, `/<bucket>`, `/<bucket>/<key>`).
    recognises: { claims: () => true },
    operations: S3_OPERATIONS,
    state: ctx,
    serve: (exchange) => serve(ctx, exchange, options.settle),
    snapshot: async () => ({}),
  };
}

/** S3 streams objects, so it writes its own answers; fault rules and the request log as for the others. */
async function serve(ctx: S3Context, exchange: Exchange, settle: () => Promise<void>): Promise<void> {
  const { method, path, query } = exchange.head;
  const { req, res, requestId } = exchange;
  exchange.identify(s3OperationOf(method, path, query));
  const rule = await exchange.fault();
  if (rule) {
    req.resume();
    if (rule.kind === 'reset') {
      exchange.reply('reset', rule.kind);
      return;
    }
    const error =
      rule.kind === 'throttle' ? s3Errors.slowDown(rule.message) : s3Errors.internal(rule.message);
    res.writeHead(error.status, { 'content-type': 'application/xml' });
    res.end(
      method === 'HEAD'
        ? undefined
        : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${error.message}</Message><RequestId>${requestId}</RequestId></Error>`,
    );
    exchange.replied(error.status, error.code, rule.kind);
    return;
  }
  // A snapshot that finished since it was last asked about writes its files before S3 lists them.
  await settle();
  const outcome = await handleS3(ctx, req, res, new URL(req.url ?? '/', 'http://localhost'), requestId);
  exchange.replied(outcome.status, outcome.errorType);
}

/** Answers one S3 request, writing the response itself (objects are streamed). */
export async function handleS3(
  ctx: S3Context,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  requestId: string,
): Promise<S3Outcome> {
  const method = req.method ?? 'GET';
  const operation = s3OperationOf(method, url.pathname, url.searchParams);
  try {
    const status = await route(ctx, operation, req, res, url, requestId);
    return { operation, status };
  } catch (error) {
    if (!(error instanceof S3Error)) throw error;
    // Whatever the request sent is not read any further.
    req.resume();
    sendError(res, error, requestId, method === 'HEAD');
    return { operation, status: error.status, errorType: error.code };
  }
}

async function route(
  ctx: S3Context,
  operation: string,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  requestId: string,
): Promise<number> {
  const { bucket, key } = splitPath(url.pathname);
  const headers = commonHeaders(requestId);
  switch (operation) {
    case 'ListBuckets': {
      await mkdir(ctx.root, { recursive: true });
      const names = (await readdir(ctx.root, { withFileTypes: true }))
        .filter((e) => e.isDirectory() && BUCKET_NAME.test(e.name))
        .map((e) => e.name)
        .sort();
      const buckets = await Promise.all(
        names.map(async (name) => ({ name, created: (await stat(join(ctx.root, name))).birthtimeMs })),
      );
      send(
        res,
        200,
        { ...headers, 'content-type': 'application/xml' },
        xml(
          `<ListAllMyBucketsResult xmlns="${S3_NS}"><Owner><ID>000000000000</ID><DisplayName>local</DisplayName></Owner><Buckets>${buckets
            .map(
              (b) =>
                `<Bucket><Name>${xmlEscape(b.name)}</Name><CreationDate>${isoSeconds(b.created)}</CreationDate></Bucket>`,
            )
            .join('')}</Buckets></ListAllMyBucketsResult>`,
        ),
      );
      return 200;
    }
    case 'CreateBucket': {
      req.resume();
      if (!BUCKET_NAME.test(bucket)) throw s3Errors.invalidBucketName(bucket);
      await ensureBucket(ctx, bucket);
      send(res, 200, { ...headers, location: `/${bucket}` });
      return 200;
    }
    case 'HeadBucket': {
      await bucketDir(ctx, bucket);
      // ExpectedBucketOwner: S3 answers 403 when the bucket is another account's.
      const owner = req.headers['x-amz-expected-bucket-owner'];
      if (owner !== undefined && owner !== LOCAL_OWNER) throw s3Errors.accessDenied();
      send(res, 200, { ...headers, 'x-amz-bucket-region': ctx.region ?? 'us-east-1' });
      return 200;
    }
    case 'GetBucketLocation': {
      await bucketDir(ctx, bucket);
      // us-east-1 is the empty LocationConstraint (S3 API reference, GetBucketLocation).
      const region = ctx.region && ctx.region !== 'us-east-1' ? xmlEscape(ctx.region) : '';
      send(
        res,
        200,
        { ...headers, 'content-type': 'application/xml' },
        xml(`<LocationConstraint xmlns="${S3_NS}">${region}</LocationConstraint>`),
      );
      return 200;
    }
    case 'GetBucketEncryption':
      await bucketDir(ctx, bucket);
      // Every bucket is encrypted with SSE-S3 unless configured otherwise (S3 since January 2023).
      send(
        res,
        200,
        { ...headers, 'content-type': 'application/xml' },
        xml(
          `<ServerSideEncryptionConfiguration xmlns="${S3_NS}"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`,
        ),
      );
      return 200;
    case 'ListObjectsV2':
      send(
        res,
        200,
        { ...headers, 'content-type': 'application/xml' },
        await listObjectsV2(ctx, bucket, url.searchParams),
      );
      return 200;
    case 'GetObject':
    case 'HeadObject':
      return getObject(ctx, bucket, key, req, res, headers, operation === 'HeadObject');
    case 'PutObject':
      return putObject(ctx, bucket, key, req, res, headers);
    default:
      throw s3Errors.notImplemented(`${req.method} ${url.pathname}${url.search} (${operation})`);
  }
}
