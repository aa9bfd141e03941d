import type { PublishedFile, PublishedFilesFormat } from '../types.ts';

/*
 * What a DynamoDB export says about its own files (Developer Guide, "DynamoDB table export
 * output format"): `manifest-summary.json` (DescribeExport's ExportManifest) names the
 * export's `manifest-files.json` in `manifestFilesS3Key` and states its `itemCount`;
 * `manifest-files.json` is JSON lines, one per data file:
 *
 *   {"itemCount":3,"md5Checksum":"<base64 MD5>","etag":"<S3 ETag, no quotes>","dataFileS3Key":"<full key>"}
 *
 * Parsing only: no SDK client (every function may load a source's describe.ts and this).
 */

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;

export const DYNAMODB_MANIFESTS: PublishedFilesFormat = {
  summaryName: 'manifest-summary.json',
  filesName: 'manifest-files.json',

  filesManifestOf(text) {
    let summary: unknown;
    try {
      summary = JSON.parse(text);
    } catch {
      return { problem: 'is not JSON' };
    }
    if (
      !isRecord(summary) ||
      typeof summary.manifestFilesS3Key !== 'string' ||
      summary.manifestFilesS3Key === ''
    )
      return { problem: 'names no manifestFilesS3Key' };
    const records = count(summary.itemCount);
    return { key: summary.manifestFilesS3Key, ...(records === undefined ? {} : { records }) };
  },

  fileOf(line) {
    if (line.trim() === '') return undefined;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      return { problem: 'a line that is not JSON' };
    }
    if (!isRecord(entry) || typeof entry.dataFileS3Key !== 'string' || entry.dataFileS3Key === '')
      return { problem: 'a line without dataFileS3Key' };
    const file: PublishedFile = { key: entry.dataFileS3Key };
    if (typeof entry.etag === 'string' && entry.etag !== '') file.etag = entry.etag.replace(/^"|"$/g, '');
    const records = count(entry.itemCount);
    if (records !== undefined) file.records = records;
    if (typeof entry.md5Checksum === 'string' && entry.md5Checksum !== '') file.md5 = entry.md5Checksum;
    return file;
  },
};
