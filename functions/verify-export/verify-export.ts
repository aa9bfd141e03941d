import type { Logger } from '@aws-lambda-powertools/logger';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { registeredSource } from '../../sources/registry.ts';
import type { PublishedFile, PublishedFilesFormat } from '../../sources/types.ts';
import { S3_SOURCE, toWorkflowError } from '../shared/aws-errors.ts';
import type { Verdict, VerificationResult } from '../shared/types.ts';
import { countRecords, formatOfKey, type RecordFormat, STOPPED } from './count.ts';

/*
 * The verification, whatever the source: list what the job wrote under its own
 * location (every ListObjectsV2 page), count files and bytes, stream each object
 * counting its records, compare with what the source reported, and write
 * `_manifest.json` last. A source only says where its job wrote, in which format,
 * and how many records it reported (see sources.ts).
 */

/** The manifest's name under the export location. */
export const MANIFEST_NAME = '_manifest.json';
/** The manifest format's version; a consumer checks it before reading further. */
export const MANIFEST_VERSION = 1;

/** What a source tells the verification about one finished job. */
export interface VerificationTarget {
  /** `pinpoint`, `dynamodb`, `customer-profiles`. */
  source: string;
  /** As people name the source: `Pinpoint`. */
  sourceName: string;
  bucket: string;
  /** Key prefix of the job's own files, ending in `/` (or empty for the whole bucket); the manifest is written here. */
  prefix: string;
  /**
   * The source's own manifests of the job (DynamoDB: each export's manifest-summary.json, the
   * keys DescribeExport's `ExportManifest` gives), read as the source's `publishedFiles` says:
   * only the files they name are the job's, and a named file that is missing is a MISMATCH.
   * DynamoDB's incremental exports share one `AWSDynamoDB/data/` folder, so listing alone cannot
   * tell which files are this run's. `expected`: how many the job has (one per export); fewer
   * keys is a MISMATCH.
   */
  sourceManifests?: { keys: string[]; expected: number };
  /**
   * Only files written at or after this time (ISO) are the job's: a source that writes
   * straight into a destination other runs share (Customer Profiles) leaves older files there.
   */
  modifiedSince?: string;
  /** The format of files whose extension does not say (Pinpoint writes JSON lines). */
  defaultFormat: RecordFormat;
  /** Records the source reported; null when it does not report a count. */
  expected: number | null;
  /** How the expected count was derived, in the source's own field names. */
  expectedFrom: string;
  run: { executionId: string; executionName: string; scheduledTime: string | null; target: string | null };
  /** The job as the source reported it; `id` and `status` at least. */
  job: { id: string; status: string } & Record<string, unknown>;
}

export interface VerifyExportDeps {
  s3: S3Client;
  logger: Pick<Logger, 'info' | 'warn'>;
  now: () => number;
  /** Counting stops at this time (ms since the epoch); listing and the manifest still happen. */
  deadline: number;
}

/** One file in the manifest. */
export interface ManifestFile {
  key: string;
  size: number;
  etag: string;
  lastModified: string | null;
  format: RecordFormat;
  gzip: boolean | null;
  /** Records in the file; null when it was not counted (format, budget or unreadable). */
  records: number | null;
  /** Why `records` is null. */
  notCounted?: 'format' | 'budget' | 'unreadable';
}

/** `_manifest.json`: written last, its presence says the verification ran to the end. */
export interface Manifest {
  manifestVersion: typeof MANIFEST_VERSION;
  source: string;
  run: VerificationTarget['run'];
  job: VerificationTarget['job'];
  location: string;
  files: ManifestFile[];
  totals: { files: number; bytes: number; records: number | null; countedFiles: number };
  comparison: {
    verdict: Verdict;
    expected: number | null;
    expectedFrom: string;
    records: number | null;
    difference: number | null;
    note: string;
  };
  writtenAt: string;
}

function s3Error(operation: string, error: unknown, key?: string): Error {
  return toWorkflowError(error, S3_SOURCE, {
    operation,
    caller: 'verify-export',
    ...(key === undefined ? {} : { resource: key }),
  });
}

/** Every object under the prefix, all pages; folder markers and an earlier manifest left out. */
export async function listExport(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<{ key: string; size: number; etag: string; lastModified: string | null }[]> {
  const objects: { key: string; size: number; etag: string; lastModified: string | null }[] = [];
  let token: string | undefined;
  do {
    const page: ListObjectsV2CommandOutput = await s3
      .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }))
      .catch((error: unknown) => {
        throw s3Error('ListObjectsV2', error);
      });
    for (const object of page.Contents ?? []) {
      const key = object.Key ?? '';
      if (key === `${prefix}${MANIFEST_NAME}`) continue;
      if (key.endsWith('/') && (object.Size ?? 0) === 0) continue;
      objects.push({
        key,
        size: object.Size ?? 0,
        etag: object.ETag ?? '',
        lastModified: object.LastModified ? object.LastModified.toISOString() : null,
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

const isNoSuchKey = (error: unknown) =>
  ['NoSuchKey', 'NotFound'].includes((error as { name?: string }).name ?? '');

/** An object's text, or undefined when the bucket has no such key. */
async function textOf(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  const response = await s3
    .send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    .catch((error: unknown) => {
      if (isNoSuchKey(error)) return undefined;
      throw s3Error('GetObject', error, key);
    });
  return response ? ((await response.Body?.transformToString()) ?? '') : undefined;
}

/** How a source writes its manifests; an error if it writes none (a target naming manifests of such a source is a bug). */
function publishedFilesFormatOf(source: string): PublishedFilesFormat {
  const format = registeredSource(source)?.describe.publishedFiles;
  if (!format) throw new TypeError(`source ${source} publishes no file manifests`);
  return format;
}

/**
 * The files the source's manifests name, and what is wrong with the manifests themselves (each
 * problem names its key): a missing manifest means the job's files cannot all be known.
 */
export async function readPublishedFiles(
  s3: S3Client,
  target: Pick<VerificationTarget, 'bucket' | 'sourceName' | 'source'>,
  manifests: NonNullable<VerificationTarget['sourceManifests']>,
): Promise<{ files: PublishedFile[]; problems: string[] }> {
  const format = publishedFilesFormatOf(target.source);
  const at = (key: string) => `s3://${target.bucket}/${key}`;
  const files: PublishedFile[] = [];
  const problems: string[] = [];
  if (manifests.keys.length < manifests.expected)
    problems.push(
      `${target.sourceName} named no ${format.summaryName} for ${manifests.expected - manifests.keys.length} of the job's ${manifests.expected} exports, so their files cannot be known`,
    );
  for (const key of manifests.keys) {
    const summary = await textOf(s3, target.bucket, key);
    if (summary === undefined) {
      problems.push(
        `${format.summaryName} ${at(key)} is not in the bucket, though ${target.sourceName} names it as the export's manifest: the export's files cannot be known`,
      );
      continue;
    }
    const named = format.filesManifestOf(summary);
    if ('problem' in named) {
      problems.push(`${format.summaryName} ${at(key)} ${named.problem}`);
      continue;
    }
    const listing = await textOf(s3, target.bucket, named.key);
    if (listing === undefined) {
      problems.push(
        `${format.filesName} ${at(named.key)} is not in the bucket, though ${at(key)} names it: the export's files cannot be known`,
      );
      continue;
    }
    for (const line of listing.split('\n')) {
      const file = format.fileOf(line);
      if (file === undefined) continue;
      if ('problem' in file) problems.push(`${format.filesName} ${at(named.key)} has ${file.problem}`);
      else files.push(file);
    }
  }
  return { files, problems };
}

/** The folder a key is in, with its `/`. */
const folderOf = (key: string) => key.slice(0, key.lastIndexOf('/') + 1);

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** The verdict and its note, from the files as counted. */
export function judge(
  target: Pick<VerificationTarget, 'sourceName' | 'expected' | 'expectedFrom'>,
  files: readonly ManifestFile[],
  budgetSeconds: number,
): { verdict: Verdict; records: number | null; note: string } {
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  const listed = `${count(files.length)} file${files.length === 1 ? '' : 's'}, ${bytesText(bytes)}`;
  const reported =
    target.expected === null
      ? `${target.sourceName} reported no record count`
      : `${target.sourceName} reported ${count(target.expected)} (${target.expectedFrom})`;
  if (files.length === 0) {
    if (target.expected === null || target.expected === 0) {
      return { verdict: 'VERIFIED', records: 0, note: `no files and no records: ${reported}` };
    }
    return {
      verdict: 'MISMATCH',
      records: 0,
      note: `no files under the export location, but ${reported}`,
    };
  }
  const unreadable = files.filter((f) => f.notCounted === 'unreadable');
  if (unreadable.length > 0) {
    return {
      verdict: 'MISMATCH',
      records: null,
      note: `${count(unreadable.length)} of ${listed} could not be read (corrupt or truncated gzip), e.g. ${unreadable[0]?.key}; ${reported}`,
    };
  }
  const counted = files.filter((f) => f.records !== null);
  const recordsSoFar = counted.reduce((sum, f) => sum + (f.records ?? 0), 0);
  if (counted.length < files.length) {
    const binary = files.filter((f) => f.notCounted === 'format');
    const budget = files.filter((f) => f.notCounted === 'budget');
    const why = [
      binary.length > 0
        ? `${count(binary.length)} in a format whose records are not counted (${[...new Set(binary.map((f) => f.key.slice(f.key.lastIndexOf('.') + 1)))].join(', ')})`
        : '',
      budget.length > 0
        ? `${count(budget.length)} not reached in the ${budgetSeconds} s counting budget (${count(recordsSoFar)} records in the ${count(counted.length)} counted)`
        : '',
    ]
      .filter(Boolean)
      .join('; ');
    return {
      verdict: 'NOT_COUNTED',
      records: null,
      note: `${listed}; records not counted: ${why}; ${reported}`,
    };
  }
  if (target.expected === null) {
    return {
      verdict: 'COUNTED',
      records: recordsSoFar,
      note: `${listed}, ${count(recordsSoFar)} records; ${reported}`,
    };
  }
  if (recordsSoFar === target.expected) {
    return {
      verdict: 'VERIFIED',
      records: recordsSoFar,
      note: `${listed}, ${count(recordsSoFar)} records: as ${reported}`,
    };
  }
  const difference = recordsSoFar - target.expected;
  return {
    verdict: 'MISMATCH',
    records: recordsSoFar,
    note: `${listed} hold ${count(recordsSoFar)} records, but ${reported}: ${count(Math.abs(difference))} ${difference < 0 ? 'missing' : 'more than reported'}`,
  };
}

/** The result for a job that wrote nothing on purpose (an incremental window too short to export yet). */
export function nothingToVerify(state: { job: { Details?: Record<string, unknown> } }): VerificationResult {
  return {
    verdict: 'VERIFIED',
    location: '',
    files: 0,
    bytes: 0,
    records: 0,
    countedFiles: 0,
    expected: 0,
    manifestUri: '',
    note: `nothing was exported: ${String(state.job.Details?.Skipped ?? 'the source started no export')}`,
  };
}

/** Lists, counts, compares and writes the manifest; returns the small result the workflow carries. */
export async function verifyExport(
  target: VerificationTarget,
  deps: VerifyExportDeps,
): Promise<VerificationResult> {
  const started = deps.now();
  const budgetSeconds = Math.max(0, Math.round((deps.deadline - started) / 1000));
  const location = `s3://${target.bucket}/${target.prefix}`;
  let listed: Awaited<ReturnType<typeof listExport>> = [];
  let problems: string[] = [];
  let unlisted: string[] = [];
  if (target.sourceManifests) {
    const published = await readPublishedFiles(deps.s3, target, target.sourceManifests);
    problems = published.problems;
    const named = new Set(published.files.map((file) => file.key));
    for (const folder of new Set(published.files.map((file) => folderOf(file.key)))) {
      listed.push(...(await listExport(deps.s3, target.bucket, folder)).filter((o) => named.has(o.key)));
    }
    const found = new Set(listed.map((object) => object.key));
    unlisted = [...named].filter((key) => !found.has(key));
  } else {
    listed = await listExport(deps.s3, target.bucket, target.prefix);
  }
  if (target.modifiedSince) {
    const since = Date.parse(target.modifiedSince);
    listed = listed.filter(
      (object) => object.lastModified === null || Date.parse(object.lastModified) >= since,
    );
  }
  const files: ManifestFile[] = [];
  let outOfTime = false;
  for (const object of listed) {
    const format = formatOfKey(object.key) ?? target.defaultFormat;
    const file: ManifestFile = { ...object, format, gzip: null, records: null };
    files.push(file);
    if (format === 'binary') {
      file.notCounted = 'format';
      continue;
    }
    if (outOfTime || deps.now() >= deps.deadline) {
      outOfTime = true;
      file.notCounted = 'budget';
      continue;
    }
    const abort = new AbortController();
    const response = await deps.s3
      .send(new GetObjectCommand({ Bucket: target.bucket, Key: object.key }), { abortSignal: abort.signal })
      .catch((error: unknown) => {
        throw s3Error('GetObject', error, object.key);
      });
    const body = response.Body as AsyncIterable<Uint8Array> | undefined;
    try {
      const result = body
        ? await countRecords(body, format, () => deps.now() >= deps.deadline)
        : { records: 0, gzip: false, decodedBytes: 0 };
      if (result === STOPPED) {
        outOfTime = true;
        file.notCounted = 'budget';
        abort.abort();
        continue;
      }
      file.records = result.records;
      file.gzip = result.gzip;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('Z_')) {
        // zlib could not read it: the file is there but not usable, which is what a verification is for.
        deps.logger.warn('Export file is not readable gzip', { key: object.key, error: error as Error });
        file.notCounted = 'unreadable';
        continue;
      }
      throw s3Error('GetObject', error, object.key);
    }
  }
  const judged = judge(target, files, budgetSeconds);
  const findings = [
    ...problems,
    ...(unlisted.length === 0
      ? []
      : [
          `${unlisted.length} file(s) the export's manifest names are missing (${unlisted[0]}${unlisted.length > 1 ? ', …' : ''})`,
        ]),
  ];
  const { verdict, records, note } =
    findings.length === 0
      ? judged
      : {
          verdict: 'MISMATCH' as const,
          records: judged.records,
          note: `${findings.join('; ')}; ${judged.note}`,
        };
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  const countedFiles = files.filter((f) => f.records !== null).length;
  const manifest: Manifest = {
    manifestVersion: MANIFEST_VERSION,
    source: target.source,
    run: target.run,
    job: target.job,
    location,
    files,
    totals: { files: files.length, bytes, records, countedFiles },
    comparison: {
      verdict,
      expected: target.expected,
      expectedFrom: target.expectedFrom,
      records,
      difference: records === null || target.expected === null ? null : records - target.expected,
      note,
    },
    writtenAt: new Date(deps.now()).toISOString(),
  };
  const manifestKey = `${target.prefix}${MANIFEST_NAME}`;
  // Last, after every file was listed and read: its presence means the verification finished.
  await deps.s3
    .send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: manifestKey,
        Body: `${JSON.stringify(manifest, null, 2)}\n`,
        ContentType: 'application/json',
      }),
    )
    .catch((error: unknown) => {
      throw s3Error('PutObject', error);
    });
  deps.logger.info('Verified export', {
    verdict,
    files: files.length,
    bytes,
    records,
    expected: target.expected,
    countedFiles,
    seconds: Math.round((deps.now() - started) / 100) / 10,
  });
  return {
    verdict,
    location,
    files: files.length,
    bytes,
    records,
    countedFiles,
    expected: target.expected,
    manifestUri: `s3://${target.bucket}/${manifestKey}`,
    note,
  };
}
