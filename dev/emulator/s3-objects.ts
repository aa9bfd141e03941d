/*
 * The objects of the emulator's S3: buckets are folders under `<dataDir>/s3/`, keys their
 * paths below. ListObjectsV2 (pages, delimiters, tokens), GetObject and HeadObject (a
 * single byte Range, If-Match), PutObject (plain and aws-chunked bodies); ETags are the MD5
 * of the content in quotes, cached per file size and modification time.
 */

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { xmlEscape } from '../../sources/emulator/protocol.ts';
import { BUCKET_NAME, httpDate, isoSeconds, S3_NS, type S3Context, s3Errors, send, xml } from './s3-wire.ts';

/** S3 answers at most 1,000 keys a page (ListObjectsV2 `max-keys`). */
export const S3_MAX_KEYS = 1000;

/** Largest PutObject body the emulator keeps in memory (S3's own single-PUT limit is 5 GB). */
export const S3_MAX_PUT_BYTES = 256 * 1024 * 1024;

/** Seeds a bucket (an empty folder). */
export async function ensureBucket(ctx: S3Context, bucket: string): Promise<void> {
  if (!BUCKET_NAME.test(bucket)) throw new TypeError(`bucket name breaks S3's naming rules: ${bucket}`);
  await mkdir(join(ctx.root, bucket), { recursive: true });
}

interface StoredObject {
  key: string;
  file: string;
  size: number;
  mtimeMs: number;
}

/** ETags by file, size and modification time: hashing a large export on every listing would be slow. */
const etagCache = new Map<string, { size: number; mtimeMs: number; etag: string }>();

async function etagOf(object: StoredObject): Promise<string> {
  const cached = etagCache.get(object.file);
  if (cached && cached.size === object.size && cached.mtimeMs === object.mtimeMs) return cached.etag;
  const hash = createHash('md5');
  await pipeline(createReadStream(object.file), hash);
  // A single-part upload's ETag is the MD5 of its content, in quotes.
  const etag = `"${hash.digest('hex')}"`;
  etagCache.set(object.file, { size: object.size, mtimeMs: object.mtimeMs, etag });
  return etag;
}

export async function bucketDir(ctx: S3Context, bucket: string): Promise<string> {
  const dir = join(ctx.root, bucket);
  if (!BUCKET_NAME.test(bucket)) throw s3Errors.noSuchBucket(bucket);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw s3Errors.noSuchBucket(bucket);
  return dir;
}

/** Every object of a bucket, in S3's order (UTF-8 binary order of the keys). */
async function listAll(dir: string): Promise<StoredObject[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const objects: StoredObject[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.startsWith('.s3tmp-')) continue;
    const file = join(entry.parentPath, entry.name);
    const key = file
      .slice(dir.length + 1)
      .split(sep)
      .join('/');
    const info = await stat(file);
    objects.push({ key, file, size: info.size, mtimeMs: info.mtimeMs });
  }
  return objects.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
}

function keyFile(dir: string, key: string): string {
  const parts = key.split('/');
  // A key that would leave the bucket's folder, or name a folder, is not an object here.
  if (parts.some((p) => p === '..' || p === '.') || key.endsWith('/') || key.startsWith('/')) {
    throw s3Errors.noSuchKey(key);
  }
  return join(dir, ...parts);
}

function intParam(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value)) {
    throw s3Errors.invalidArgument(`Provided ${name} not an integer or within integer range`, name, raw);
  }
  return value;
}

/** The continuation token is opaque to clients; here it is the last key returned, base64url. */
function tokenOf(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

function keyOfToken(token: string): string {
  const key = Buffer.from(token, 'base64url').toString('utf8');
  if (tokenOf(key) !== token) {
    throw s3Errors.invalidArgument(
      'The continuation token provided is incorrect',
      'continuation-token',
      token,
    );
  }
  return key;
}

export async function listObjectsV2(ctx: S3Context, bucket: string, query: URLSearchParams): Promise<string> {
  const dir = await bucketDir(ctx, bucket);
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const startAfter = query.get('start-after') ?? '';
  const token = query.get('continuation-token');
  const maxKeys = Math.min(S3_MAX_KEYS, intParam(query, 'max-keys', S3_MAX_KEYS));
  const urlEncoded = query.get('encoding-type') === 'url';
  if (query.has('encoding-type') && !urlEncoded) {
    throw s3Errors.invalidArgument(
      'Invalid Encoding Method specified in Request',
      'encoding-type',
      query.get('encoding-type') ?? '',
    );
  }
  const enc = (text: string) => xmlEscape(urlEncoded ? encodeURIComponent(text).replace(/%2F/g, '/') : text);
  // Keys after this one (binary order): the token wins over start-after, as S3 documents.
  const after = token !== null ? keyOfToken(token) : startAfter;
  const afterBytes = Buffer.from(after);

  const contents: StoredObject[] = [];
  const prefixes: string[] = [];
  let last = '';
  let truncated = false;
  for (const object of await listAll(dir)) {
    if (!object.key.startsWith(prefix)) continue;
    if (after && Buffer.compare(Buffer.from(object.key), afterBytes) <= 0) continue;
    let commonPrefix: string | undefined;
    if (delimiter) {
      const at = object.key.indexOf(delimiter, prefix.length);
      if (at >= 0) commonPrefix = object.key.slice(0, at + delimiter.length);
    }
    if (commonPrefix !== undefined && prefixes.at(-1) === commonPrefix) {
      // Rolled up into the common prefix already returned; the page resumes after the whole group.
      last = object.key;
      continue;
    }
    if (contents.length + prefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (commonPrefix !== undefined) prefixes.push(commonPrefix);
    else contents.push(object);
    last = object.key;
  }
  const items = await Promise.all(
    contents.map(
      async (o) =>
        `<Contents><Key>${enc(o.key)}</Key><LastModified>${isoSeconds(o.mtimeMs)}</LastModified>` +
        `<ETag>${xmlEscape(await etagOf(o))}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    ),
  );
  return xml(
    `<ListBucketResult xmlns="${S3_NS}"><Name>${xmlEscape(bucket)}</Name><Prefix>${enc(prefix)}</Prefix>` +
      (startAfter ? `<StartAfter>${enc(startAfter)}</StartAfter>` : '') +
      `<KeyCount>${contents.length + prefixes.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>` +
      (delimiter ? `<Delimiter>${enc(delimiter)}</Delimiter>` : '') +
      `<IsTruncated>${truncated}</IsTruncated>` +
      (token !== null ? `<ContinuationToken>${xmlEscape(token)}</ContinuationToken>` : '') +
      (truncated ? `<NextContinuationToken>${tokenOf(last)}</NextContinuationToken>` : '') +
      (urlEncoded ? '<EncodingType>url</EncodingType>' : '') +
      items.join('') +
      prefixes.map((p) => `<CommonPrefixes><Prefix>${enc(p)}</Prefix></CommonPrefixes>`).join('') +
      '</ListBucketResult>',
  );
}

export async function getObject(
  ctx: S3Context,
  bucket: string,
  key: string,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
  head: boolean,
): Promise<number> {
  const dir = await bucketDir(ctx, bucket);
  const file = keyFile(dir, key);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw s3Errors.noSuchKey(key);
  const object = { key, file, size: info.size, mtimeMs: info.mtimeMs };
  const base = {
    ...headers,
    etag: await etagOf(object),
    'last-modified': httpDate(info.mtimeMs),
    'accept-ranges': 'bytes',
    'content-type': contentTypeOf(key),
  };
  // If-Match: a reader that knows which version it wants (the verification, from the listing or the
  // source's manifest) gets 412 rather than a file replaced since.
  const ifMatch = req.headers['if-match'];
  if (ifMatch !== undefined && !etagMatches(String(ifMatch), base.etag)) throw s3Errors.preconditionFailed();
  let start = 0;
  let end = info.size - 1;
  let status = 200;
  const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
  if (range && (range[1] || range[2])) {
    if (range[1]) {
      start = Number(range[1]);
      if (range[2]) end = Math.min(end, Number(range[2]));
    } else {
      start = Math.max(0, info.size - Number(range[2]));
    }
    if (start >= info.size || start > end) throw s3Errors.invalidRange();
    status = 206;
  }
  const length = info.size === 0 ? 0 : end - start + 1;
  res.writeHead(status, {
    ...base,
    'content-length': length,
    ...(status === 206 ? { 'content-range': `bytes ${start}-${end}/${info.size}` } : {}),
  });
  if (head || length === 0) {
    res.end();
    return status;
  }
  await pipeline(createReadStream(file, { start, end }), res);
  return status;
}

/** Whether an If-Match header (`*`, or entity tags quoted or not, comma-separated) names the object's ETag. */
function etagMatches(header: string, etag: string): boolean {
  const bare = (tag: string) => tag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
  return header.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

function contentTypeOf(key: string): string {
  if (key.endsWith('.gz')) return 'application/gzip';
  if (key.endsWith('.json')) return 'application/json';
  if (key.endsWith('.csv')) return 'text/csv';
  return 'binary/octet-stream';
}

/**
 * Reads a PutObject body. The SDK streams with `Content-Encoding: aws-chunked`
 * (`<hex size>[;chunk-signature=…]\r\n<data>\r\n … 0\r\n<trailers>\r\n\r\n`, with
 * `x-amz-decoded-content-length` the object's size) when it sends a trailing
 * checksum; anything else is the object as is.
 */
async function readPutBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req) {
    bytes += (chunk as Buffer).length;
    if (bytes > S3_MAX_PUT_BYTES * 1.01 + 4096) throw s3Errors.entityTooLarge();
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  const encoding = String(req.headers['content-encoding'] ?? '');
  const chunked =
    encoding.split(',').some((e) => e.trim() === 'aws-chunked') ||
    String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
  if (!chunked) return raw;
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', at);
    if (lineEnd < 0) throw s3Errors.invalidArgument('Malformed aws-chunked body', 'body', '');
    const size = Number.parseInt(raw.subarray(at, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size)) throw s3Errors.invalidArgument('Malformed aws-chunked body', 'body', '');
    at = lineEnd + 2;
    if (size === 0) break;
    parts.push(raw.subarray(at, at + size));
    at += size + 2;
  }
  const body = Buffer.concat(parts);
  const declared = req.headers['x-amz-decoded-content-length'];
  if (declared !== undefined && Number(declared) !== body.length) {
    throw s3Errors.invalidArgument(
      'The decoded content length does not match',
      'x-amz-decoded-content-length',
      String(declared),
    );
  }
  return body;
}

export async function putObject(
  ctx: S3Context,
  bucket: string,
  key: string,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<number> {
  const dir = await bucketDir(ctx, bucket);
  const file = keyFile(dir, key);
  if (req.headers['x-amz-copy-source']) throw s3Errors.notImplemented('CopyObject');
  const body = await readPutBody(req);
  if (body.length > S3_MAX_PUT_BYTES) throw s3Errors.entityTooLarge();
  await mkdir(dirname(file), { recursive: true });
  // Written beside, then renamed: a reader never sees half an object.
  const temporary = join(
    dirname(file),
    `.s3tmp-${process.pid}-${ctx.now()}-${Math.random().toString(36).slice(2)}`,
  );
  await writeFile(temporary, body);
  await rename(temporary, file);
  const etag = `"${createHash('md5').update(body).digest('hex')}"`;
  send(res, 200, { ...headers, etag });
  return 200;
}
