import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_BUCKET } from '../../dev/emulator/index.ts';
import type { VerificationTarget } from '../../functions/shared/verification/target.ts';
import { writeExportFiles } from '../../sources/dynamodb/emulator-files.ts';
import { type Harness, startHarness } from '../emulator/helpers.ts';
import { type FaultyS3, startFaultyS3 } from './faulty-s3.ts';

/*
 * What test/verification's files share: the emulator's S3 (behind the fault proxy, which shows
 * the requests as S3 gets them, or directly), a client with one attempt (a retry would hide what
 * a test looks at), objects written straight into the emulator's folder, a Pinpoint target and a
 * DynamoDB export written as DynamoDB writes one.
 */

/** A client of `endpoint` that makes one attempt per call. */
function clientOf(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
}

/** The emulator, the fault proxy in front of its S3, and a client of the proxy. */
export async function startProxiedS3(): Promise<{ h: Harness; proxy: FaultyS3; s3: S3Client }> {
  const h = await startHarness();
  const proxy = await startFaultyS3(h.emu.url);
  return { h, proxy, s3: clientOf(proxy.endpoint) };
}

/** The emulator and a client of its S3, without the proxy. */
export async function startDirectS3(): Promise<{ h: Harness; s3: S3Client }> {
  const h = await startHarness();
  return { h, s3: clientOf(h.emu.url) };
}

/** Stops what startProxiedS3 or startDirectS3 started. */
export async function stopS3({
  h,
  proxy,
  s3,
}: {
  h: Harness;
  proxy?: FaultyS3;
  s3: S3Client;
}): Promise<void> {
  s3.destroy();
  await proxy?.close();
  await h.stop();
}

/** Where the emulator keeps object `key` of its default bucket. */
export const objectPath = (h: Harness, key: string): string =>
  join(h.dataDir, 's3', DEFAULT_BUCKET, ...key.split('/'));

/** Writes object `key` straight into the emulator's folder (its mtime `modified` when given). */
export async function putObjectFile(
  h: Harness,
  key: string,
  body: string | Buffer,
  modified?: Date,
): Promise<void> {
  const path = objectPath(h, key);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, body);
  if (modified) await utimes(path, modified, modified);
}

/** `n` short NDJSON records, one a line. */
export const ndjsonLines = (n: number): string =>
  Array.from({ length: n }, (_, i) => `{"Id":"e-${i}"}\n`).join('');

/** A logger that drops everything. */
export const quiet = { info: () => undefined, warn: () => undefined };

/** A Pinpoint job's files under `prefix`: no count unless `overrides` gives one. */
export function pinpointTarget(
  prefix: string,
  jobId: string,
  overrides: Partial<VerificationTarget> = {},
): VerificationTarget {
  return {
    source: 'pinpoint',
    sourceName: 'Pinpoint',
    bucket: DEFAULT_BUCKET,
    prefix,
    defaultFormat: 'ndjson',
    expected: null,
    expectedFrom: 'TotalProcessed - TotalFailures',
    run: { executionId: 'arn:exec', executionName: 'exec', scheduledTime: null, target: null },
    job: { id: jobId, status: 'COMPLETED' },
    ...overrides,
  };
}

const TABLE_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/orders';
export const DYNAMODB_EXPORT_ID = '01764295200001-a1b2c3d4';
/** The export's folder: its manifests, and its data files under data/. */
export const DYNAMODB_EXPORT_DIR = `dynamodb/orders/AWSDynamoDB/${DYNAMODB_EXPORT_ID}`;

/**
 * A DynamoDB export of `items` items, 2 a file, as DynamoDB writes one (emulator-files.ts), and
 * the target that verifies it (`overrides` on top).
 */
export async function writeDynamoDbExport(
  h: Harness,
  items: number,
  {
    format = 'DYNAMODB_JSON',
    overrides = {},
  }: { format?: 'DYNAMODB_JSON' | 'ION'; overrides?: Partial<VerificationTarget> } = {},
) {
  const written = await writeExportFiles({
    s3Root: join(h.dataDir, 's3'),
    bucket: DEFAULT_BUCKET,
    prefix: 'dynamodb/orders',
    exportId: DYNAMODB_EXPORT_ID,
    exportArn: `${TABLE_ARN}/export/${DYNAMODB_EXPORT_ID}`,
    tableArn: TABLE_ARN,
    tableId: 'table-id',
    startMs: Date.UTC(2026, 10, 28, 1),
    endMs: Date.UTC(2026, 10, 28, 1, 5),
    format,
    sseAlgorithm: 'AES256',
    sseKmsKeyId: undefined,
    exportTimeMs: Date.UTC(2026, 10, 28, 1),
    lines: Array.from({ length: items }, (_, i) => ({ Item: { pk: { S: `order-${i}` } } })),
    itemsPerFile: 2,
  });
  const target: VerificationTarget = {
    source: 'dynamodb',
    sourceName: 'DynamoDB',
    bucket: DEFAULT_BUCKET,
    prefix: `${DYNAMODB_EXPORT_DIR}/`,
    sourceManifests: { keys: [written.manifestKey], expected: 1 },
    defaultFormat: format === 'ION' ? 'binary' : 'ndjson',
    expected: items,
    expectedFrom: 'ItemCount',
    run: { executionId: 'arn:exec', executionName: 'exec', scheduledTime: null, target: null },
    job: { id: DYNAMODB_EXPORT_ID, status: 'COMPLETED' },
    ...overrides,
  };
  return {
    target,
    keys: written.dataFileKeys,
    manifestKey: written.manifestKey,
    filesKey: `${DYNAMODB_EXPORT_DIR}/manifest-files.json`,
  };
}
