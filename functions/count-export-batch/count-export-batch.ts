import type { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { PublishedFile } from '../../sources/types.ts';
import {
  type BatchCount,
  type BatchFinding,
  type CountBatchEvent,
  type CountScope,
  digestOf,
  FINDINGS_PER_BATCH,
  NOT_COUNTED_CODES,
} from '../shared/verification/batch.ts';
import { countRecords, formatOfKey, STOPPED } from '../shared/verification/count.ts';
import {
  isJobFile,
  isNoSuchKey,
  listObjects,
  publishedFilesFormatOf,
  s3Error,
  textOf,
} from '../shared/verification/files.ts';
import type { BatchDescriptor } from '../shared/verification/plan.ts';

/*
 * Counts the records of one batch of an export's files: the files a manifest's lines or a
 * listing's range name (the batch descriptor), several streams at once (gunzip runs on
 * libuv's thread pool, so each stream can have a vCPU of its own), each file read at the
 * version the plan saw (GetObject If-Match), until the time budget runs out. A file that
 * is gone, replaced or unreadable is a finding, not an error: the verdict names it. An S3
 * error is thrown, so the state machine retries the batch.
 */

export interface CountBatchDeps {
  s3: S3Client;
  logger: Pick<Logger, 'info' | 'warn'>;
  now: () => number;
  /** Counting stops at this time (ms since the epoch): the files not reached are `budget`. */
  deadline: number;
  /** Files counted at once. */
  streams: number;
}

const CALLER = 'count-export-batch';

/** A file the batch reads: its key, the version the plan saw, what the source states of it. */
interface BatchFile {
  key: string;
  /** The ETag to read (If-Match), in quotes; absent when nothing recorded one. */
  etag?: string;
  published?: PublishedFile;
}

const quoted = (etag: string) => (etag.startsWith('"') ? etag : `"${etag}"`);

/** The batch's files, found again from its descriptor. */
async function filesOf(
  batch: BatchDescriptor,
  scope: CountScope,
  s3: S3Client,
): Promise<{ files: BatchFile[]; lost?: string }> {
  if (batch.manifest !== undefined) {
    const text = await textOf(s3, scope.bucket, batch.manifest, CALLER);
    if (text === undefined) return { files: [], lost: batch.manifest };
    const format = publishedFilesFormatOf(scope.source);
    const lines = text.split('\n');
    const files: BatchFile[] = [];
    for (let position = batch.from ?? 0; position < (batch.to ?? 0); position++) {
      const file = format.fileOf(lines[position] ?? '');
      if (file === undefined || 'problem' in file) continue;
      files.push({ key: file.key, ...(file.etag ? { etag: quoted(file.etag) } : {}), published: file });
    }
    return { files };
  }
  const prefix = batch.prefix ?? scope.prefix;
  const listed = await listObjects(s3, scope.bucket, prefix, CALLER, {
    ...(batch.after ? { startAfter: batch.after } : {}),
    limit: batch.files,
    keep: (object) => isJobFile(object, scope.prefix, scope.modifiedSince),
  });
  return { files: listed.map((object) => ({ key: object.key, etag: object.etag })) };
}

const isPreconditionFailed = (error: unknown) =>
  (error as { name?: string }).name === 'PreconditionFailed' ||
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412;

const isZlibError = (error: unknown) => {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('Z_');
};

/** One file's outcome: its records or why none, its size, whether it was gzip. */
interface FileCount {
  code: number;
  size: number;
  gzip: boolean;
  finding?: BatchFinding;
}

async function countFile(file: BatchFile, scope: CountScope, deps: CountBatchDeps): Promise<FileCount> {
  const format = formatOfKey(file.key) ?? scope.defaultFormat;
  if (format === 'binary') return { code: NOT_COUNTED_CODES.format, size: 0, gzip: false };
  if (deps.now() >= deps.deadline) return { code: NOT_COUNTED_CODES.budget, size: 0, gzip: false };
  const abort = new AbortController();
  let response: GetObjectCommandOutput;
  try {
    response = await deps.s3.send(
      new GetObjectCommand({
        Bucket: scope.bucket,
        Key: file.key,
        ...(file.etag ? { IfMatch: file.etag } : {}),
      }),
      { abortSignal: abort.signal },
    );
  } catch (error) {
    if (isNoSuchKey(error))
      return {
        code: NOT_COUNTED_CODES.missing,
        size: 0,
        gzip: false,
        finding: { key: file.key, problem: 'missing' },
      };
    if (isPreconditionFailed(error))
      return {
        code: NOT_COUNTED_CODES.changed,
        size: 0,
        gzip: false,
        finding: { key: file.key, problem: 'changed' },
      };
    throw s3Error(CALLER, 'GetObject', error, file.key);
  }
  const size = response.ContentLength ?? 0;
  const body = response.Body as AsyncIterable<Uint8Array> | undefined;
  try {
    const result = body
      ? await countRecords(body, format, () => deps.now() >= deps.deadline)
      : { records: 0, gzip: false, decodedBytes: 0 };
    if (result === STOPPED) {
      abort.abort();
      return { code: NOT_COUNTED_CODES.budget, size, gzip: false };
    }
    const stated = file.published?.records;
    return {
      code: result.records,
      size,
      gzip: result.gzip,
      ...(stated !== undefined && stated !== result.records
        ? {
            finding: {
              key: file.key,
              problem: 'records' as const,
              detail: `${result.records} records, its manifest says ${stated}`,
            },
          }
        : {}),
    };
  } catch (error) {
    // zlib could not read it: the file is there but not usable, which is what a verification is for.
    if (isZlibError(error)) {
      deps.logger.warn('Export file is not readable gzip', { key: file.key, error: error as Error });
      return {
        code: NOT_COUNTED_CODES.unreadable,
        size,
        gzip: true,
        finding: { key: file.key, problem: 'unreadable' },
      };
    }
    throw s3Error(CALLER, 'GetObject', error, file.key);
  }
}

/** Counts one batch; `streams` files at a time. */
export async function countExportBatch(event: CountBatchEvent, deps: CountBatchDeps): Promise<BatchCount> {
  const started = deps.now();
  const { batch, scope } = event;
  const { files, lost } = await filesOf(batch, scope, deps.s3);
  const results: FileCount[] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const index = next++;
      results[index] = await countFile(files[index] as BatchFile, scope, deps);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(deps.streams, files.length)) }, worker));

  const found = results.filter((r) => r.finding).map((r) => r.finding as BatchFinding);
  if (lost)
    found.unshift({ key: lost, problem: 'missing', detail: 'the files manifest the batch was planned from' });
  const counted = results.filter((r) => r.code >= 0);
  const count: BatchCount = {
    index: batch.index,
    files: files.length,
    bytes: results.reduce((sum, r) => sum + r.size, 0),
    countedFiles: counted.length,
    records: counted.reduce((sum, r) => sum + r.code, 0),
    digest: digestOf(files.map((f) => f.key)),
    ...(scope.detail ? { counts: results.map((r) => r.code) } : {}),
    findings: found.slice(0, FINDINGS_PER_BATCH),
    problems: found.length,
    notCounted: {
      format: results.filter((r) => r.code === NOT_COUNTED_CODES.format).length,
      budget: results.filter((r) => r.code === NOT_COUNTED_CODES.budget).length,
    },
    budgetSeconds: Math.max(0, Math.round((deps.deadline - started) / 1000)),
    seconds: Math.round((deps.now() - started) / 100) / 10,
  };
  const plain = results.flatMap((r, i) => (r.code >= 0 && !r.gzip ? [i] : []));
  if (scope.detail && plain.length > 0) count.plain = plain;
  deps.logger.info('Counted batch', {
    batch: batch.index,
    files: count.files,
    bytes: count.bytes,
    records: count.records,
    countedFiles: count.countedFiles,
    problems: count.problems,
    seconds: count.seconds,
  });
  return count;
}
