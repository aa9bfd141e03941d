import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { S3_SOURCE, toWorkflowError } from '../../../core/aws-errors.ts';
import { MANIFEST_NAME } from '../../../core/verification-sizing.ts';
import { registeredSource } from '../../../sources/registry.ts';
import type { PublishedFile, PublishedFilesFormat } from '../../../sources/types.ts';
import { formatOfKey } from './count.ts';
import type { VerificationTarget } from './target.ts';

/*
 * Which files are the job's, and what can be known of them without reading them: the
 * listing (key, size, ETag) and, for a source that publishes its own per-file facts
 * (DynamoDB's manifest-files.json), whether every file it names is there with the ETag
 * it recorded, and the records it states. Seconds for any size of export: one read of
 * the source's manifests and one listing page per 1,000 files.
 */

export { MANIFEST_NAME } from '../../../core/verification-sizing.ts';

/** An S3 SDK error as the workflow's error (shared classifier), naming the key it was about. */
export function s3Error(caller: string, operation: string, error: unknown, key?: string): Error {
  return toWorkflowError(error, S3_SOURCE, {
    operation,
    caller,
    ...(key === undefined ? {} : { resource: key }),
  });
}

const errorName = (error: unknown) => (error as { name?: string }).name ?? '';

/** S3's answer for a key it does not have (GetObject: NoSuchKey; HeadObject: NotFound). */
export const isNoSuchKey = (error: unknown): boolean => ['NoSuchKey', 'NotFound'].includes(errorName(error));

/** One object as ListObjectsV2 describes it. */
export interface ListedObject {
  key: string;
  size: number;
  /** As S3 gives it, in quotes. */
  etag: string;
  lastModified: string | null;
}

/** Whether a listed object is one of the job's files: not a folder marker, not our own manifest, not older than the job. */
export function isJobFile(object: ListedObject, prefix: string, modifiedSince: string | undefined): boolean {
  if (object.key === `${prefix}${MANIFEST_NAME}`) return false;
  if (object.key.endsWith('/') && object.size === 0) return false;
  if (modifiedSince && object.lastModified !== null)
    return Date.parse(object.lastModified) >= Date.parse(modifiedSince);
  return true;
}

/**
 * The objects under `prefix` (every page), in S3's key order; from after `startAfter`,
 * keeping those `keep` accepts, and stopping once `limit` are kept.
 */
export async function listObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
  caller: string,
  options: { startAfter?: string; limit?: number; keep?: (object: ListedObject) => boolean } = {},
): Promise<ListedObject[]> {
  const objects: ListedObject[] = [];
  let token: string | undefined;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  do {
    const page: ListObjectsV2CommandOutput = await s3
      .send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ContinuationToken: token,
          ...(token === undefined && options.startAfter ? { StartAfter: options.startAfter } : {}),
        }),
      )
      .catch((error: unknown) => {
        throw s3Error(caller, 'ListObjectsV2', error);
      });
    for (const entry of page.Contents ?? []) {
      const object: ListedObject = {
        key: entry.Key ?? '',
        size: entry.Size ?? 0,
        etag: entry.ETag ?? '',
        lastModified: entry.LastModified ? entry.LastModified.toISOString() : null,
      };
      if (options.keep && !options.keep(object)) continue;
      objects.push(object);
      if (objects.length >= limit) return objects;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

/** An object's text, or undefined when the bucket has no such key. */
export async function textOf(
  s3: S3Client,
  bucket: string,
  key: string,
  caller: string,
): Promise<string | undefined> {
  const response = await s3
    .send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    .catch((error: unknown) => {
      if (isNoSuchKey(error)) return undefined;
      throw s3Error(caller, 'GetObject', error, key);
    });
  return response ? ((await response.Body?.transformToString()) ?? '') : undefined;
}

/** How a source writes its manifests; an error if it writes none (a target naming manifests of such a source is a bug). */
export function publishedFilesFormatOf(source: string): PublishedFilesFormat {
  const format = registeredSource(source)?.describe.publishedFiles;
  if (!format) throw new TypeError(`source ${source} publishes no file manifests`);
  return format;
}

/** One of the job's files, as the listing and the source's manifest describe it. */
export interface ExportFile extends ListedObject {
  /** Where the file is named: the source's files manifest, or the prefix listed. */
  group: string;
  /** Its line in that files manifest, or its place in the listing. */
  position: number;
  /** What the source's manifest says of it. */
  published?: PublishedFile;
  /**
   * Known wrong before it is read: the source's manifest names it and S3 has no such key
   * (`missing`: size 0, no ETag), or S3's ETag is not the one the manifest recorded (`replaced`).
   */
  problem?: 'missing' | 'replaced';
}

/** The job's files and what the source's manifests say of them. */
export interface ExportFiles {
  files: ExportFile[];
  /** What is wrong with the source's manifests themselves, each naming its key. */
  problems: string[];
  /** The records the source's manifests state for the files (summed), or null when they do not state them. */
  publishedRecords: number | null;
}

const at = (bucket: string, key: string) => `s3://${bucket}/${key}`;
const unquoted = (etag: string) => etag.replace(/^"|"$/g, '');
/** The folder a key is in, with its `/`. */
const folderOf = (key: string) => key.slice(0, key.lastIndexOf('/') + 1);

/** The files a source's manifests name, line by line, and what is wrong with the manifests (each problem names its key). */
async function readPublishedFiles(
  s3: S3Client,
  target: VerificationTarget,
  manifests: NonNullable<VerificationTarget['sourceManifests']>,
  caller: string,
): Promise<{ files: { file: PublishedFile; group: string; position: number }[]; problems: string[] }> {
  const format = publishedFilesFormatOf(target.source);
  const files: { file: PublishedFile; group: string; position: number }[] = [];
  const problems: string[] = [];
  if (manifests.keys.length < manifests.expected)
    problems.push(
      `${target.sourceName} named no ${format.summaryName} for ${manifests.expected - manifests.keys.length} of the job's ${manifests.expected} exports, so their files cannot be known`,
    );
  for (const key of manifests.keys) {
    const summary = await textOf(s3, target.bucket, key, caller);
    if (summary === undefined) {
      problems.push(
        `${format.summaryName} ${at(target.bucket, key)} is not in the bucket, though ${target.sourceName} names it as the export's manifest: the export's files cannot be known`,
      );
      continue;
    }
    const named = format.filesManifestOf(summary);
    if ('problem' in named) {
      problems.push(`${format.summaryName} ${at(target.bucket, key)} ${named.problem}`);
      continue;
    }
    const listing = await textOf(s3, target.bucket, named.key, caller);
    if (listing === undefined) {
      problems.push(
        `${format.filesName} ${at(target.bucket, named.key)} is not in the bucket, though ${at(target.bucket, key)} names it: the export's files cannot be known`,
      );
      continue;
    }
    for (const [position, line] of listing.split('\n').entries()) {
      const file = format.fileOf(line);
      if (file === undefined) continue;
      if ('problem' in file)
        problems.push(`${format.filesName} ${at(target.bucket, named.key)} has ${file.problem}`);
      else files.push({ file, group: named.key, position });
    }
  }
  return { files, problems };
}

/**
 * The job's files: those the source's manifests name, checked against the listing of their
 * folders (present, with the ETag the manifest recorded), or, for a source that publishes
 * none, everything listed under the job's prefix (written since `modifiedSince`).
 */
export async function exportFilesOf(
  s3: S3Client,
  target: VerificationTarget,
  caller: string,
): Promise<ExportFiles> {
  if (!target.sourceManifests) {
    const listed = await listObjects(s3, target.bucket, target.prefix, caller, {
      keep: (object) => isJobFile(object, target.prefix, target.modifiedSince),
    });
    // A source without manifests may still name its parts: the ones the listing lacks are missing.
    const missing = registeredSource(target.source)?.describe.missingFiles?.(listed.map((o) => o.key)) ?? [];
    return {
      files: listed.map((object, position) => ({ ...object, group: target.prefix, position })),
      problems: missing.map(
        (key) => `${at(target.bucket, key)} is missing: the job's other files name it as one of its parts`,
      ),
      publishedRecords: null,
    };
  }
  const published = await readPublishedFiles(s3, target, target.sourceManifests, caller);
  const named = new Set(published.files.map(({ file }) => file.key));
  const listed = new Map<string, ListedObject>();
  for (const folder of new Set(published.files.map(({ file }) => folderOf(file.key)))) {
    for (const object of await listObjects(s3, target.bucket, folder, caller, {
      keep: (o) => named.has(o.key),
    }))
      listed.set(object.key, object);
  }
  const files = published.files.map(({ file, group, position }): ExportFile => {
    const object = listed.get(file.key);
    if (!object)
      return {
        key: file.key,
        size: 0,
        etag: '',
        lastModified: null,
        group,
        position,
        published: file,
        problem: 'missing',
      };
    const replaced = file.etag !== undefined && unquoted(object.etag) !== file.etag;
    return {
      ...object,
      group,
      position,
      published: file,
      ...(replaced ? { problem: 'replaced' as const } : {}),
    };
  });
  const stated = files.map((f) => f.published?.records);
  return {
    files,
    problems: published.problems,
    publishedRecords: stated.every((n) => n !== undefined)
      ? stated.reduce<number>((sum, n) => sum + (n ?? 0), 0)
      : null,
  };
}

/** Whether a file is read at all: not known to be missing, in a format whose records are counted. */
export const isCountable = (file: ExportFile, target: Pick<VerificationTarget, 'defaultFormat'>): boolean =>
  file.problem !== 'missing' && (formatOfKey(file.key) ?? target.defaultFormat) !== 'binary';
