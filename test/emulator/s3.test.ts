import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BUCKET } from '../../dev/emulator/index.ts';
import { type Harness, rejectionOf, startHarness } from './helpers.ts';

/*
 * The emulator's S3 (emulator/s3.ts) through the unmodified @aws-sdk/client-s3,
 * path-style, over the folder export jobs write into.
 */

let h: Harness;
let s3: S3Client;

beforeEach(async () => {
  h = await startHarness();
  s3 = new S3Client({
    endpoint: h.emu.url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
});

afterEach(async () => {
  s3.destroy();
  await h.stop();
});

async function putFile(key: string, body: string | Buffer, bucket = DEFAULT_BUCKET): Promise<void> {
  const file = join(h.dataDir, 's3', bucket, ...key.split('/'));
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, body);
}

describe('S3 emulator with the real SDK', () => {
  it('lists the seeded bucket', async () => {
    const answer = await s3.send(new ListBucketsCommand({}));
    expect(answer.Buckets?.map((b) => b.Name)).toEqual([DEFAULT_BUCKET]);
  });

  it('pages ListObjectsV2 past 1,000 keys with continuation tokens, in key order', async () => {
    const keys = Array.from(
      { length: 1203 },
      (_, i) => `exports/job/part-${String(i).padStart(5, '0')}.json`,
    );
    await Promise.all(keys.map((key) => putFile(key, 'x')));
    await putFile('elsewhere/other.json', 'y');

    const pages: string[][] = [];
    for await (const page of paginateListObjectsV2(
      { client: s3 },
      { Bucket: DEFAULT_BUCKET, Prefix: 'exports/' },
    )) {
      pages.push((page.Contents ?? []).map((o) => o.Key ?? ''));
    }

    expect(pages.map((p) => p.length)).toEqual([1000, 203]);
    expect(pages.flat()).toEqual(keys);
  });

  it('honours max-keys, start-after and the delimiter (common prefixes)', async () => {
    await putFile('p/a/1.json', '1');
    await putFile('p/a/2.json', '22');
    await putFile('p/b/1.json', '333');
    await putFile('p/top.json', '4444');

    const grouped = await s3.send(
      new ListObjectsV2Command({ Bucket: DEFAULT_BUCKET, Prefix: 'p/', Delimiter: '/' }),
    );
    expect(grouped.CommonPrefixes?.map((c) => c.Prefix)).toEqual(['p/a/', 'p/b/']);
    expect(grouped.Contents?.map((o) => [o.Key, o.Size])).toEqual([['p/top.json', 4]]);
    expect(grouped.KeyCount).toBe(3);

    const first = await s3.send(
      new ListObjectsV2Command({ Bucket: DEFAULT_BUCKET, Prefix: 'p/', MaxKeys: 2 }),
    );
    expect(first.Contents?.map((o) => o.Key)).toEqual(['p/a/1.json', 'p/a/2.json']);
    expect(first.IsTruncated).toBe(true);
    const rest = await s3.send(
      new ListObjectsV2Command({
        Bucket: DEFAULT_BUCKET,
        Prefix: 'p/',
        ContinuationToken: first.NextContinuationToken,
      }),
    );
    expect(rest.Contents?.map((o) => o.Key)).toEqual(['p/b/1.json', 'p/top.json']);
    expect(rest.IsTruncated).toBe(false);

    const after = await s3.send(
      new ListObjectsV2Command({ Bucket: DEFAULT_BUCKET, StartAfter: 'p/b/1.json' }),
    );
    expect(after.Contents?.map((o) => o.Key)).toEqual(['p/top.json']);
  });

  it('gets and heads an object with its MD5 ETag, and serves a byte range', async () => {
    await putFile('d/file.json', '{"a":1}\n{"a":2}\n');

    const object = await s3.send(new GetObjectCommand({ Bucket: DEFAULT_BUCKET, Key: 'd/file.json' }));
    expect(await object.Body?.transformToString()).toBe('{"a":1}\n{"a":2}\n');
    expect(object.ETag).toBe(`"${createHash('md5').update('{"a":1}\n{"a":2}\n').digest('hex')}"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: DEFAULT_BUCKET, Key: 'd/file.json' }));
    expect(head.ContentLength).toBe(16);
    expect(head.ETag).toBe(object.ETag);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: DEFAULT_BUCKET, Prefix: 'd/' }));
    expect(listed.Contents?.[0]?.ETag).toBe(object.ETag);

    const range = await s3.send(
      new GetObjectCommand({ Bucket: DEFAULT_BUCKET, Key: 'd/file.json', Range: 'bytes=8-15' }),
    );
    expect(await range.Body?.transformToString()).toBe('{"a":2}\n');
    expect(range.ContentRange).toBe('bytes 8-15/16');
  });

  it('stores PutObject bodies (the SDK sends them aws-chunked with a trailing checksum) and lists them', async () => {
    const body = JSON.stringify({ hello: 'world' });
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: DEFAULT_BUCKET,
        Key: 'm/_manifest.json',
        Body: body,
        ContentType: 'application/json',
      }),
    );
    expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(await readFile(join(h.dataDir, 's3', DEFAULT_BUCKET, 'm', '_manifest.json'), 'utf8')).toBe(body);
    const got = await s3.send(new GetObjectCommand({ Bucket: DEFAULT_BUCKET, Key: 'm/_manifest.json' }));
    expect(await got.Body?.transformToString()).toBe(body);
    expect(got.ETag).toBe(put.ETag);
  });

  it('answers NoSuchBucket and NoSuchKey as S3 does (HEAD: NotFound without a body)', async () => {
    const noBucket = await rejectionOf(s3.send(new ListObjectsV2Command({ Bucket: 'no-such-bucket' })));
    expect(noBucket.name).toBe('NoSuchBucket');
    expect(noBucket.$metadata?.httpStatusCode).toBe(404);

    const noKey = await rejectionOf(
      s3.send(new GetObjectCommand({ Bucket: DEFAULT_BUCKET, Key: 'missing.json' })),
    );
    expect(noKey.name).toBe('NoSuchKey');

    const headMissing = await rejectionOf(
      s3.send(new HeadObjectCommand({ Bucket: DEFAULT_BUCKET, Key: 'missing.json' })),
    );
    expect(headMissing.name).toBe('NotFound');
    expect(headMissing.$metadata?.httpStatusCode).toBe(404);

    const putNoBucket = await rejectionOf(
      s3.send(new PutObjectCommand({ Bucket: 'no-such-bucket', Key: 'k', Body: 'x' })),
    );
    expect(putNoBucket.name).toBe('NoSuchBucket');
  });

  it('answers an S3 fault rule as S3 does (503 SlowDown) and logs S3 requests', async () => {
    h.emu.faults.add({ kind: 'throttle', service: 's3', operation: 'ListObjectsV2', count: 1 });

    const error = await rejectionOf(s3.send(new ListObjectsV2Command({ Bucket: DEFAULT_BUCKET })));
    expect(error.name).toBe('SlowDown');
    expect(error.$metadata?.httpStatusCode).toBe(503);
    await s3.send(new ListObjectsV2Command({ Bucket: DEFAULT_BUCKET }));
    expect(h.emu.state.requests.map((r) => [r.service, r.operation, r.status])).toEqual([
      ['s3', 'ListObjectsV2', 503],
      ['s3', 'ListObjectsV2', 200],
    ]);
  });

  it('keeps routing Pinpoint, SNS and the control API beside S3', async () => {
    const response = await fetch(`${h.emu.url}/_emulator/faults`);
    expect(response.status).toBe(200);
    const apps = await fetch(`${h.emu.url}/v1/apps`);
    expect(apps.status).toBe(200);
  });
});
