import { readFile, rm, writeFile } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BUCKET } from '../../dev/emulator/index.ts';
import { verifyInProcess } from '../../dev/local/verify.ts';
import {
  exportFilesOf,
  isJobFile,
  isNoSuchKey,
  type ListedObject,
  listObjects,
  publishedFilesFormatOf,
} from '../../functions/shared/verification/files.ts';
import type { Manifest } from '../../functions/shared/verification/manifest.ts';
import type { VerificationTarget } from '../../functions/shared/verification/target.ts';
import { planVerification } from '../../functions/verify-export/verify-export.ts';
import type { Harness } from '../emulator/helpers.ts';
import type { FaultyS3 } from './faulty-s3.ts';
import {
  DYNAMODB_EXPORT_DIR,
  objectPath,
  putObjectFile,
  quiet,
  startProxiedS3,
  stopS3,
  writeDynamoDbExport,
} from './fixture.ts';

/*
 * Which files are the job's (files.ts), against the emulator's S3 behind the proxy, which shows
 * the requests as S3 receives them: the listing (its pages, where it starts, the folders it
 * lists), DynamoDB's manifests and what is wrong with them, and a failure reading them, which is
 * an S3 error to retry, never a manifest "not in the bucket".
 */

let h: Harness;
let proxy: FaultyS3;
let s3: S3Client;

beforeEach(async () => {
  ({ h, proxy, s3 } = await startProxiedS3());
});

afterEach(() => stopS3({ h, proxy, s3 }));

const pathOf = (key: string) => objectPath(h, key);

const putFile = (key: string, body: string | Buffer, modified?: Date) =>
  putObjectFile(h, key, body, modified);

/** The ListObjectsV2 requests the proxy passed on, as their query parameters. */
const listings = () =>
  proxy.calls
    .filter((c) => c.method === 'GET' && c.url.includes('list-type=2'))
    .map((c) => new URL(c.url, 'http://s3').searchParams);

describe('isJobFile', () => {
  const object = (key: string, extra: Partial<ListedObject> = {}): ListedObject => ({
    key,
    size: 10,
    etag: '"e"',
    lastModified: '2026-11-28T02:00:00.000Z',
    ...extra,
  });

  it("leaves out the verification's own manifest and folder markers, not empty files or a key ending in / that holds bytes", () => {
    expect(isJobFile(object('p/_manifest.json'), 'p/', undefined)).toBe(false);
    expect(isJobFile(object('p/other/_manifest.json'), 'p/', undefined)).toBe(true);
    expect(isJobFile(object('p/sub/', { size: 0 }), 'p/', undefined)).toBe(false);
    expect(isJobFile(object('p/sub/', { size: 3 }), 'p/', undefined)).toBe(true);
    expect(isJobFile(object('p/empty.json', { size: 0 }), 'p/', undefined)).toBe(true);
  });

  it('keeps files written at or after the window opens, and one whose time S3 did not give', () => {
    const opens = '2026-11-28T02:00:00.000Z';

    expect(isJobFile(object('p/a.json'), 'p/', opens)).toBe(true);
    expect(isJobFile(object('p/a.json', { lastModified: '2026-11-28T01:59:59.000Z' }), 'p/', opens)).toBe(
      false,
    );
    expect(isJobFile(object('p/a.json', { lastModified: '2026-11-28T02:00:01.000Z' }), 'p/', opens)).toBe(
      true,
    );
    expect(isJobFile(object('p/a.json', { lastModified: null }), 'p/', opens)).toBe(true);
    expect(isJobFile(object('p/a.json', { lastModified: '2020-01-01T00:00:00.000Z' }), 'p/', undefined)).toBe(
      true,
    );
  });
});

describe('helpers', () => {
  it("takes S3's not-found answers of GetObject and HeadObject for a missing key, and nothing else", () => {
    expect(isNoSuchKey({ name: 'NoSuchKey' })).toBe(true);
    expect(isNoSuchKey({ name: 'NotFound' })).toBe(true);
    expect(isNoSuchKey({ name: 'AccessDenied' })).toBe(false);
    expect(isNoSuchKey({})).toBe(false);
  });

  it('refuses to read manifests of a source that publishes none, naming it', () => {
    expect(publishedFilesFormatOf('dynamodb').filesName).toBe('manifest-files.json');
    expect(() => publishedFilesFormatOf('pinpoint')).toThrow('source pinpoint publishes no file manifests');
    expect(() => publishedFilesFormatOf('no-such-source')).toThrow(
      'source no-such-source publishes no file manifests',
    );
  });
});

describe('listObjects', () => {
  it('starts after the key on the first page only, follows the token on the next, and keeps what it is told to', async () => {
    await Promise.all(
      Array.from({ length: 1_010 }, (_, i) => putFile(`p/part-${String(i).padStart(5, '0')}.json`, 'x')),
    );

    const objects = await listObjects(s3, DEFAULT_BUCKET, 'p/', 'test', {
      startAfter: 'p/part-00004.json',
      keep: (o) => !o.key.endsWith('7.json'),
    });

    const [first, second] = listings();
    expect(first?.get('start-after')).toBe('p/part-00004.json');
    expect(first?.get('continuation-token')).toBeNull();
    expect(second?.get('start-after')).toBeNull();
    expect(second?.get('continuation-token')).not.toBeNull();
    expect(listings()).toHaveLength(2);
    expect(objects[0]?.key).toBe('p/part-00005.json');
    expect(objects).toHaveLength(1_005 - 101);
    expect(objects.some((o) => o.key.endsWith('7.json'))).toBe(false);
    expect(objects[0]).toMatchObject({ size: 1, etag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
    expect(Date.parse(objects[0]?.lastModified ?? '')).not.toBeNaN();
  });

  it('stops at the limit without asking for the next page, and lists from the first key without startAfter', async () => {
    await Promise.all(
      Array.from({ length: 1_005 }, (_, i) => putFile(`p/part-${String(i).padStart(5, '0')}.json`, 'x')),
    );

    const objects = await listObjects(s3, DEFAULT_BUCKET, 'p/', 'test', { startAfter: '', limit: 3 });

    expect(objects.map((o) => o.key)).toEqual([
      'p/part-00000.json',
      'p/part-00001.json',
      'p/part-00002.json',
    ]);
    expect(listings()).toHaveLength(1);
    expect(listings()[0]?.get('start-after')).toBeNull();
  });

  it('fails with the S3 error of the listing, naming ListObjectsV2 and no key', async () => {
    h.emu.faults.add({ kind: 'error500', service: 's3', operation: 'ListObjectsV2', count: 1 });

    const error = await listObjects(s3, DEFAULT_BUCKET, 'p/', 'verify-export').then(
      () => undefined,
      (e: unknown) => e as Error,
    );

    expect(error?.name).toBe('S3UnavailableError');
    expect(error?.message).toContain('ListObjectsV2');
    expect(error?.message).not.toContain('undefined');
  });
});

describe("DynamoDB's manifests", () => {
  const EXPORT_DIR = DYNAMODB_EXPORT_DIR;

  /** A DynamoDB export of `items` items, 2 a file: its target, data files and both manifests. */
  async function dynamoExport(items: number, format: 'DYNAMODB_JSON' | 'ION' = 'DYNAMODB_JSON') {
    const { target, keys, manifestKey, filesKey } = await writeDynamoDbExport(h, items, { format });
    return { target, keys, summary: manifestKey, files: filesKey };
  }

  const verify = async (target: VerificationTarget) => (await verifyInProcess(target, { s3 })).result;
  const manifestOf = async (uri: string) =>
    JSON.parse(await readFile(pathOf(uri.replace(`s3://${DEFAULT_BUCKET}/`, '')), 'utf8')) as Manifest;

  it('lists the folder of the data files once, with the folder as the prefix, not each file or the bucket', async () => {
    const { target } = await dynamoExport(10);

    const found = await exportFilesOf(s3, target, 'verify-export');

    expect(found.files).toHaveLength(5);
    expect(listings().map((q) => q.get('prefix'))).toEqual([`${EXPORT_DIR}/data/`]);
    expect(found.publishedRecords).toBe(10);
  });

  it('is an S3 error to retry, naming the key, when reading a manifest fails: never a manifest "not in the bucket"', async () => {
    const { target, summary, files } = await dynamoExport(4);
    proxy.inject({ key: files, fault: 'server-error' });

    await expect(exportFilesOf(s3, target, 'verify-export')).rejects.toMatchObject({
      name: 'S3UnavailableError',
      message: expect.stringContaining(`GetObject of ${files}`),
    });
    proxy.inject({ key: summary, fault: 'server-error' });
    await expect(exportFilesOf(s3, target, 'verify-export')).rejects.toMatchObject({
      name: 'S3UnavailableError',
      message: expect.stringContaining(summary),
    });
  });

  it('says MISMATCH naming a manifest-summary.json that is not what DynamoDB writes, and a manifest-files.json line', async () => {
    const { target, summary, files } = await dynamoExport(4);
    await writeFile(pathOf(summary), '{"itemCount": 4}');

    const noKey = await verify(target);
    expect(noKey.verdict).toBe('MISMATCH');
    expect(noKey.note).toContain(
      `manifest-summary.json s3://${DEFAULT_BUCKET}/${summary} names no manifestFilesS3Key`,
    );

    const again = await dynamoExport(4);
    await writeFile(pathOf(files), `${await readFile(pathOf(files), 'utf8')}not json\n`);
    const badLine = await verify(again.target);
    expect(badLine.verdict).toBe('MISMATCH');
    expect(badLine.note).toContain(
      `manifest-files.json s3://${DEFAULT_BUCKET}/${files} has a line that is not JSON`,
    );
  });

  it('says how many of the exports DynamoDB named no manifest for', async () => {
    const { target } = await dynamoExport(4);

    const result = await verify({
      ...target,
      sourceManifests: { keys: target.sourceManifests?.keys ?? [], expected: 3 },
    });

    expect(result.verdict).toBe('MISMATCH');
    expect(result.note).toContain("DynamoDB named no manifest-summary.json for 2 of the job's 3 exports");
  });

  it('compares a file with the ETag its line recorded, and a line without an ETag or an item count with nothing', async () => {
    const { target, files, keys } = await dynamoExport(6);
    const text = await readFile(pathOf(files), 'utf8');
    const [first, ...rest] = text.trim().split('\n');
    const bare = JSON.stringify({ dataFileS3Key: keys[0] });
    expect(first).toContain('"etag"');
    await writeFile(pathOf(files), `${[bare, ...rest].join('\n')}\n`);

    const found = await exportFilesOf(s3, target, 'verify-export');
    const result = await verify(target);

    expect(found.files.map((f) => f.problem)).toEqual([undefined, undefined, undefined]);
    // Not every line states its items: the manifests state no total to compare.
    expect(found.publishedRecords).toBeNull();
    expect(result).toMatchObject({ verdict: 'VERIFIED', records: 6 });
  });

  it('plans no batch and reads no file for an export whose files are all missing, each named missing in the manifest', async () => {
    const { target, keys } = await dynamoExport(4);
    for (const key of keys) await rm(pathOf(key));

    const work = await planVerification(target, {
      s3,
      logger: quiet,
      now: Date.now,
      settings: { batchBytes: 1024 ** 3, concurrency: 1 },
    });
    const result = await verify(target);

    expect(work.plan).toEqual([]);
    expect(result).toMatchObject({ verdict: 'MISMATCH', missingFiles: 2, records: null });
    expect(result.note).toContain(`2 files are not in the bucket: ${keys[0]}, ${keys[1]}`);
    const manifest = await manifestOf(result.manifestUri);
    expect(manifest.files.map((f) => [f.notCounted, f.problem])).toEqual([
      ['missing', 'missing'],
      ['missing', 'missing'],
    ]);
    expect(proxy.calls.filter((c) => c.url.includes('/data/') && !c.url.includes('list-type'))).toHaveLength(
      0,
    );
  });

  it('plans no batch and reads no file of an ION export: checked against its manifest, NOT_COUNTED', async () => {
    const { target } = await dynamoExport(4, 'ION');

    const { work, result } = await verifyInProcess(target, { s3 });

    expect(work.plan).toEqual([]);
    expect(result).toMatchObject({ verdict: 'NOT_COUNTED', files: 2 });
    expect(proxy.calls.filter((c) => c.url.includes('/data/') && !c.url.includes('list-type'))).toHaveLength(
      0,
    );
  });
});
