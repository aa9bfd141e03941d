import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { type ExportLine, ionLine, itemSize } from './emulator-items.ts';

/*
 * The files a DynamoDB export leaves in S3, written into the emulator's S3 folder
 * (`<s3Root>/<bucket>/<key>`). The layout and field names follow the DynamoDB
 * Developer Guide, "DynamoDB table export output format"
 * (docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html),
 * checked against a real export published in github.com/gurre/ddb-pitr
 * (s3exportdata/: one full and two incremental exports) and ScyllaDB's conformance
 * test run against AWS (test/alternator/test_export.py):
 *
 *   <prefix>/AWSDynamoDB/<ExportId>/_started                  empty, written when the export starts
 *   <prefix>/AWSDynamoDB/<ExportId>/data/<26 base32>.json.gz  full export: one {"Item": …} a line
 *   <prefix>/AWSDynamoDB/data/<26 base32>.json.gz             incremental export: the data folder is
 *                                                             shared by all incremental exports
 *   <prefix>/AWSDynamoDB/<ExportId>/manifest-files.json       JSON lines: itemCount, md5Checksum,
 *                                                             etag, dataFileS3Key (full key)
 *   <prefix>/AWSDynamoDB/<ExportId>/manifest-files.md5        base64 MD5 of manifest-files.json
 *   <prefix>/AWSDynamoDB/<ExportId>/manifest-summary.json     written last; DescribeExport's ExportManifest
 *   <prefix>/AWSDynamoDB/<ExportId>/manifest-summary.md5
 *
 * The guide names the checksum files `.checksum`; real exports write `.md5`, as here.
 * A prefix without a trailing slash is followed by one (`dira/dirb` → `dira/dirb/AWSDynamoDB/…`,
 * as the conformance test saw). Where this differs from AWS: `etag` is the hex MD5 of the
 * file (what the emulator's S3 answers as ETag for it; AWS uploads in parts, `<hex>-1`), and
 * files hold up to `itemsPerFile` items each instead of one or more per partition.
 */

const gzipAsync = promisify(gzip);

export type { ExportLine, FullExportLine, IncrementalExportLine } from './emulator-items.ts';

/** What the files describe: the export's request and timing. */
export interface ExportFilesInput {
  s3Root: string;
  bucket: string;
  prefix: string | undefined;
  exportId: string;
  exportArn: string;
  tableArn: string;
  tableId: string;
  startMs: number;
  endMs: number;
  format: 'DYNAMODB_JSON' | 'ION';
  sseAlgorithm: string;
  sseKmsKeyId: string | undefined;
  /** Full exports. */
  exportTimeMs?: number;
  /** Incremental exports. */
  incremental?: { fromMs: number; toMs: number; viewType: string };
  lines: ExportLine[];
  itemsPerFile: number;
}

/** What was written. */
export interface ExportFilesResult {
  itemCount: number;
  billedSizeBytes: number;
  /** Key of manifest-summary.json. */
  manifestKey: string;
  /** Keys of the data files. */
  dataFileKeys: string[];
}

/** The bucket's folder is missing: the export fails as S3NoSuchBucket. */
export class NoSuchBucketError extends Error {
  constructor(bucket: string) {
    super(`The specified bucket does not exist: ${bucket}`);
    this.name = 'NoSuchBucketError';
  }
}

/** `<prefix>/AWSDynamoDB`, the folder every export of a prefix writes under. */
export function exportRootKey(prefix: string | undefined): string {
  if (!prefix) return 'AWSDynamoDB';
  return `${prefix.endsWith('/') ? prefix : `${prefix}/`}AWSDynamoDB`;
}

/** Writes the empty `_started` marker; throws {@link NoSuchBucketError} when the bucket folder is missing. */
export async function writeStarted(
  input: Pick<ExportFilesInput, 's3Root' | 'bucket' | 'prefix' | 'exportId'>,
): Promise<void> {
  await bucketDir(input.s3Root, input.bucket);
  await putObject(
    input.s3Root,
    input.bucket,
    `${exportRootKey(input.prefix)}/${input.exportId}/_started`,
    '',
  );
}

/** Writes the data files, then the files manifest, then the summary manifest (a reader that sees it sees the rest). */
export async function writeExportFiles(input: ExportFilesInput): Promise<ExportFilesResult> {
  await bucketDir(input.s3Root, input.bucket);
  const root = exportRootKey(input.prefix);
  const exportDir = `${root}/${input.exportId}`;
  const dataDir = input.incremental ? `${root}/data` : `${exportDir}/data`;
  const extension = input.format === 'ION' ? 'ion.gz' : 'json.gz';

  const manifestLines: string[] = [];
  const dataFileKeys: string[] = [];
  const perFile = Math.max(1, Math.floor(input.itemsPerFile));
  // An empty export still writes one (empty) data file, as an empty partition does.
  for (let start = 0; start === 0 || start < input.lines.length; start += perFile) {
    const chunk = input.lines.slice(start, start + perFile);
    const text = chunk
      .map((line) => `${input.format === 'ION' ? ionLine(line) : JSON.stringify(line)}\n`)
      .join('');
    const body = await gzipAsync(text);
    const key = `${dataDir}/${randomBase32()}.${extension}`;
    await putObject(input.s3Root, input.bucket, key, body);
    dataFileKeys.push(key);
    manifestLines.push(
      JSON.stringify({
        itemCount: chunk.length,
        md5Checksum: createHash('md5').update(body).digest('base64'),
        etag: createHash('md5').update(body).digest('hex'),
        dataFileS3Key: key,
      }),
    );
  }

  const filesKey = `${exportDir}/manifest-files.json`;
  const filesText = `${manifestLines.join('\n')}\n`;
  await putObject(input.s3Root, input.bucket, filesKey, filesText);
  await putObject(input.s3Root, input.bucket, `${exportDir}/manifest-files.md5`, md5Base64(filesText));

  const billedSizeBytes = billedSize(input);
  const summary = {
    version: input.incremental ? '2023-08-01' : '2020-06-30',
    exportArn: input.exportArn,
    startTime: new Date(input.startMs).toISOString(),
    endTime: new Date(input.endMs).toISOString(),
    tableArn: input.tableArn,
    tableId: input.tableId,
    ...(input.incremental
      ? {
          exportFromTime: new Date(input.incremental.fromMs).toISOString(),
          exportToTime: new Date(input.incremental.toMs).toISOString(),
        }
      : { exportTime: new Date(input.exportTimeMs ?? input.startMs).toISOString() }),
    s3Bucket: input.bucket,
    s3Prefix: input.prefix ?? null,
    s3SseAlgorithm: input.sseAlgorithm,
    s3SseKmsKeyId: input.sseKmsKeyId ?? null,
    manifestFilesS3Key: filesKey,
    billedSizeBytes,
    itemCount: input.lines.length,
    outputFormat: input.format,
    ...(input.incremental
      ? { outputView: input.incremental.viewType, exportType: 'INCREMENTAL_EXPORT' }
      : {}),
  };
  const summaryKey = `${exportDir}/manifest-summary.json`;
  const summaryText = JSON.stringify(summary);
  await putObject(input.s3Root, input.bucket, `${exportDir}/manifest-summary.md5`, md5Base64(summaryText));
  await putObject(input.s3Root, input.bucket, summaryKey, summaryText);
  return { itemCount: input.lines.length, billedSizeBytes, manifestKey: summaryKey, dataFileKeys };
}

async function bucketDir(s3Root: string, bucket: string): Promise<string> {
  const dir = join(s3Root, bucket);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new NoSuchBucketError(bucket);
  return dir;
}

/** Writes one object whole, then renames it in place: the emulator's S3 never lists a half-written file. */
async function putObject(s3Root: string, bucket: string, key: string, body: string | Buffer): Promise<void> {
  const file = join(s3Root, bucket, ...key.split('/'));
  await mkdir(dirname(file), { recursive: true });
  // The emulator's S3 skips `.s3tmp-` files when it lists a bucket.
  const temporary = join(dirname(file), `.s3tmp-${randomBytes(6).toString('hex')}`);
  await writeFile(temporary, body);
  await rename(temporary, file);
}

function md5Base64(text: string): string {
  return createHash('md5').update(text).digest('base64');
}

/** 26 lowercase base32 characters, like the names of AWS's data files. */
function randomBase32(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of randomBytes(17)) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/**
 * Billed size: the exported images' size by DynamoDB's item-size rules, approximately
 * (names and values in UTF-8 bytes, numbers about one byte per two digits). AWS bills an
 * incremental export at least 10 MB (the real exports above report 10000000).
 */
function billedSize(input: ExportFilesInput): number {
  let bytes = 0;
  for (const line of input.lines) {
    if ('Item' in line) bytes += itemSize(line.Item);
    else bytes += itemSize(line.NewImage ?? {}) + itemSize(line.OldImage ?? {}) + itemSize(line.Keys);
  }
  return input.incremental ? Math.max(10_000_000, bytes) : bytes;
}
