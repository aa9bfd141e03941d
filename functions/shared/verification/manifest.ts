import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Verdict } from '../../../core/types.ts';
import { MANIFEST_NAME } from '../../../core/verification-sizing.ts';
import { formatOfKey, type RecordFormat } from './count.ts';
import { type ExportFile, s3Error } from './files.ts';
import type { VerificationTarget } from './target.ts';

/*
 * `_manifest.json`, the verification's record for downstream consumers: every file with
 * its size, ETag and records, the totals and the verdict. Written last, after every file
 * was listed, checked and counted: its presence says the verification finished.
 */

/** The manifest format's version; a consumer checks it before reading further. Fields are only ever added within a version. */
export const MANIFEST_VERSION = 1;

/** Why a file has no record count. */
export type NotCounted =
  /** A format whose records are not counted (ORC, Parquet, Avro, ION). */
  | 'format'
  /** Not reached within its batch's counting budget. */
  | 'budget'
  /** Not readable gzip. */
  | 'unreadable'
  /** Not in the bucket. */
  | 'missing'
  /** Another version (ETag) than the one the listing or the source's manifest named, when it was read. */
  | 'changed'
  /** Its batch could not be counted through every retry. */
  | 'failed';

/** One file in the manifest. */
export interface ManifestFile {
  key: string;
  size: number;
  etag: string;
  lastModified: string | null;
  format: RecordFormat;
  gzip: boolean | null;
  /** Records in the file; null when it was not counted (`notCounted` says why), or counted only as part of its batch (`batch`). */
  records: number | null;
  /** Why `records` is null. */
  notCounted?: NotCounted;
  /**
   * What makes the file untrustworthy, when something does: the source's manifest names it and S3
   * has none (`missing`), S3's ETag is not the one the source recorded (`replaced`), it changed
   * while it was verified (`changed`), or it holds other than the records the source states (`records`).
   */
  problem?: 'missing' | 'replaced' | 'changed' | 'records';
  /** The counting batch it was in (`batches[batch]`). */
  batch?: number;
}

/** One counting batch, as the workflow's Map counted it. */
export interface ManifestBatch {
  index: number;
  files: number;
  bytes: number;
  /** Records in its counted files; null when the batch could not be counted. */
  records: number | null;
  countedFiles: number;
  /** The error that ended its last attempt, when it could not be counted. */
  failed?: string;
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
  /** The counting batches (absent for an export with nothing to count). */
  batches?: ManifestBatch[];
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

/** The manifest's key under the target's prefix. */
export const manifestKeyOf = (target: Pick<VerificationTarget, 'prefix'>) =>
  `${target.prefix}${MANIFEST_NAME}`;

/** Writes the manifest (replacing a retried verification's); throws the workflow's S3 error. */
export async function writeManifest(
  s3: S3Client,
  target: Pick<VerificationTarget, 'bucket' | 'prefix'>,
  manifest: Manifest,
  caller: string,
): Promise<string> {
  const key = manifestKeyOf(target);
  await s3
    .send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: key,
        Body: `${JSON.stringify(manifest, null, 2)}\n`,
        ContentType: 'application/json',
      }),
    )
    .catch((error: unknown) => {
      throw s3Error(caller, 'PutObject', error, key);
    });
  return `s3://${target.bucket}/${key}`;
}

/** The job's files as the manifest lists them before anything is counted. */
export function uncountedManifestFiles(
  files: readonly ExportFile[],
  target: Pick<VerificationTarget, 'defaultFormat'>,
): ManifestFile[] {
  return files.map((f) => ({
    key: f.key,
    size: f.size,
    etag: f.etag,
    lastModified: f.lastModified,
    format: formatOfKey(f.key) ?? target.defaultFormat,
    gzip: null,
    records: null,
    ...(f.problem ? { problem: f.problem } : {}),
    ...(f.problem === 'missing' ? { notCounted: 'missing' as const } : {}),
  }));
}
