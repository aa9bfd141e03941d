import { createHash } from 'node:crypto';
import { bucketNameProblem, keyPrefixBytesProblem } from '../../core/aws-names.ts';
import {
  asGiven,
  checkPlaceholders,
  fail,
  optionalEnum,
  optionalString,
  resolveTemplate,
  timeValues,
} from '../../core/input-rules.ts';
import type { SourceDescription } from '../types.ts';
import { DYNAMODB_MANIFESTS } from './manifests.ts';
import {
  ACCOUNT_ID,
  DYNAMODB_PLACEHOLDERS,
  EXPORT_FORMATS,
  EXPORT_TYPES,
  MAX_KMS_KEY_ID_CHARS,
  OUTSIDE_RECOVERY_WINDOW,
  SSE_ALGORITHMS,
  TABLE_ARN,
  tableNameOf,
} from './names.ts';
import type { DynamoDbRequest } from './types.ts';

/*
 * DynamoDB table exports to S3 (ExportTableToPointInTime / DescribeExport), full or
 * incremental. Validation follows botocore's dynamodb model. The window arithmetic is in
 * window.ts, the SDK calls in runtime.ts.
 */

/** The export id at the end of an export ARN (`…/table/t/export/01700000000000-a1b2c3d4`). */
export const exportIdOf = (exportArn: string): string => exportArn.slice(exportArn.lastIndexOf('/') + 1);

/** A run's exports: one ARN, or several (a caught-up gap) joined by spaces in the job id. */
export const exportArnsOf = (jobId: string): string[] => jobId.split(' ').filter((arn) => arn !== '');

const sha12 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/**
 * A key prefix as DynamoDB takes it: no leading or trailing slash. DynamoDB itself puts the
 * `/` between the prefix and `AWSDynamoDB/` (`prefix/AWSDynamoDB/<export id>/…`, Developer
 * Guide, "DynamoDB table export output format"); given a trailing slash, another
 * implementation (moto) writes `prefix//AWSDynamoDB/…`, so none is sent.
 */
function normalisedPrefix(prefix: string): string {
  return prefix.replace(/^\/+/, '').replace(/\/+$/, '');
}

/**
 * The keys of a run's manifest-summary.json files, from DescribeExport's `ExportManifest`
 * as the job's Details carry them (`s3://bucket/key`, space-separated, one per export).
 */
export function exportManifestKeysOf(details: Record<string, unknown> | undefined): string[] {
  const value = details?.ExportManifest;
  if (typeof value !== 'string') return [];
  return value
    .split(' ')
    .map((url) => /^s3:\/\/[^/]+\/(.+)$/.exec(url)?.[1])
    .filter((key): key is string => key !== undefined && key !== '');
}

/** The folder a key is in, with its trailing `/` (empty for a key at the bucket's root). */
const folderOf = (key: string): string => key.slice(0, key.lastIndexOf('/') + 1);

export const DYNAMODB: SourceDescription<DynamoDbRequest> = {
  id: 'dynamodb',
  service: 'DynamoDB',
  inputFields: [
    'TableArn',
    'ExportType',
    'ExportFormat',
    'S3Bucket',
    'S3Prefix',
    'S3BucketOwner',
    'S3SseAlgorithm',
    'S3SseKmsKeyId',
    'OutsideRecoveryWindow',
  ],
  placeholders: DYNAMODB_PLACEHOLDERS,

  resolve(raw, defaults, scheduledTime) {
    const tableArn = raw.TableArn;
    if (tableArn === undefined) fail('TableArn', 'is required');
    if (typeof tableArn !== 'string') fail('TableArn', `must be a string, got ${asGiven(tableArn)}`);
    if (!TABLE_ARN.test(tableArn))
      fail(
        'TableArn',
        `must be a DynamoDB table ARN (arn:aws:dynamodb:region:123456789012:table/name), got ${asGiven(tableArn)}`,
      );
    const exportType = optionalEnum(raw, 'ExportType', 'ExportType', EXPORT_TYPES, 'FULL_EXPORT');
    const format = optionalEnum(raw, 'ExportFormat', 'ExportFormat', EXPORT_FORMATS, 'DYNAMODB_JSON');
    const bucket = optionalString(raw, 'S3Bucket', 'S3Bucket') ?? defaults.DynamoDbBucket;
    if (bucket === undefined)
      fail('S3Bucket', 'is required: the input has none and the stage configures no DynamoDB export bucket');
    const bucketProblem = bucketNameProblem(bucket);
    if (bucketProblem)
      fail('S3Bucket', `"${bucket.slice(0, 64)}" is not a valid S3 bucket name: it ${bucketProblem}`);
    const template = optionalString(raw, 'S3Prefix', 'S3Prefix') ?? defaults.DynamoDbPrefix ?? '';
    checkPlaceholders(template, 'S3Prefix', DYNAMODB_PLACEHOLDERS);
    const prefix = normalisedPrefix(
      resolveTemplate(template, { TableName: tableNameOf(tableArn), ...timeValues(scheduledTime) }),
    );
    // Measured with the `/` DynamoDB puts after it: the keys it writes start with `<prefix>/AWSDynamoDB/`.
    const prefixProblem = keyPrefixBytesProblem(prefix === '' ? '' : `${prefix}/`);
    if (prefixProblem) fail('S3Prefix', prefixProblem);
    const owner = optionalString(raw, 'S3BucketOwner', 'S3BucketOwner');
    if (owner !== undefined && !ACCOUNT_ID.test(owner))
      fail('S3BucketOwner', `must be a 12-digit AWS account id, got ${asGiven(owner)}`);
    const sse = optionalEnum(raw, 'S3SseAlgorithm', 'S3SseAlgorithm', SSE_ALGORITHMS, 'AES256');
    const kmsKey = optionalString(raw, 'S3SseKmsKeyId', 'S3SseKmsKeyId');
    if (sse === 'KMS' && kmsKey === undefined) fail('S3SseKmsKeyId', 'is required with S3SseAlgorithm KMS');
    if (sse !== 'KMS' && kmsKey !== undefined)
      fail('S3SseKmsKeyId', 'is only allowed with S3SseAlgorithm KMS');
    if (kmsKey !== undefined && kmsKey.length > MAX_KMS_KEY_ID_CHARS)
      fail('S3SseKmsKeyId', `is longer than ${MAX_KMS_KEY_ID_CHARS} characters`);
    const outside = optionalEnum(
      raw,
      'OutsideRecoveryWindow',
      'OutsideRecoveryWindow',
      OUTSIDE_RECOVERY_WINDOW,
      'ERROR',
    );
    return {
      Source: 'dynamodb',
      TableArn: tableArn,
      ExportType: exportType,
      ExportFormat: format,
      S3Bucket: bucket,
      S3Prefix: prefix,
      ...(owner === undefined ? {} : { S3BucketOwner: owner }),
      S3SseAlgorithm: sse,
      ...(kmsKey === undefined ? {} : { S3SseKmsKeyId: kmsKey }),
      OutsideRecoveryWindow: outside,
    };
  },

  /**
   * Full and incremental exports of one table are different targets: an incremental
   * target's coverage (the ledger's coveredUntil) must come from its own runs.
   */
  identity(request, template) {
    const where = sha12(`s3://${request.S3Bucket}/${template}`);
    const table = tableNameOf(request.TableArn);
    const mode = request.ExportType === 'INCREMENTAL_EXPORT' ? 'incremental' : 'full';
    return {
      target: ['dynamodb', request.TableArn, mode, request.ExportFormat, where].join('#'),
      name: `${table.slice(0, 32)}-${mode}-${where.slice(0, 6)}`,
    };
  },

  executionLabel(request) {
    return { what: tableNameOf(request.TableArn) };
  },

  destinationTemplate(raw, defaults) {
    return typeof raw.S3Prefix === 'string' ? raw.S3Prefix : (defaults.DynamoDbPrefix ?? '');
  },

  /**
   * DynamoDB writes each export's manifests under `<S3Prefix>/AWSDynamoDB/<export id>/` and its
   * records (DynamoDB JSON, one item a line, gzipped) in that folder's `data/` for a full
   * export, or in the `AWSDynamoDB/data/` folder all incremental exports of the prefix share
   * (Developer Guide, "DynamoDB table export output format"). The keys are DynamoDB's own,
   * never built here: DescribeExport's `ExportManifest` names each export's
   * manifest-summary.json, whose `manifestFilesS3Key` names its manifest-files.json, whose
   * lines name the data files; only those are the run's. ION files are not counted. ItemCount
   * is the expected count (summed over a caught-up gap's exports).
   */
  verification(state) {
    const { request, job } = state;
    if (job.Details?.Skipped) return undefined;
    const exports = exportArnsOf(job.Id);
    const summaries = exportManifestKeysOf(job.Details);
    const root = request.S3Prefix === '' ? '' : `${request.S3Prefix}/`;
    return {
      source: 'dynamodb',
      sourceName: 'DynamoDB',
      bucket: request.S3Bucket,
      // The first export's own folder, where its manifests are: the verification's manifest goes beside them.
      prefix: summaries[0]
        ? folderOf(summaries[0])
        : `${root}AWSDynamoDB/${exportIdOf(exports[0] ?? job.Id)}/`,
      sourceManifests: { keys: summaries, expected: exports.length },
      defaultFormat: request.ExportFormat === 'ION' ? 'binary' : 'ndjson',
      expected: job.TotalProcessed ?? null,
      expectedFrom: exports.length > 1 ? `ItemCount of ${exports.length} exports` : 'ItemCount',
      job: {
        id: job.Id,
        status: job.JobStatus,
        tableArn: request.TableArn,
        exportType: request.ExportType,
        ...job.Details,
      },
    };
  },

  words(request) {
    const mode = request.ExportType === 'INCREMENTAL_EXPORT' ? 'incremental' : 'full';
    return {
      what: `table ${tableNameOf(request.TableArn)} (${mode})`,
      unit: 'items',
      where: `s3://${request.S3Bucket}/${request.S3Prefix === '' ? '' : `${request.S3Prefix}/`}`,
      checkCommand: (jobId) => `aws dynamodb describe-export --export-arn ${exportArnsOf(jobId)[0] ?? jobId}`,
    };
  },

  publishedFiles: DYNAMODB_MANIFESTS,

  findsLostJobs: true,
  /** A full export's ItemCount is the table's size, night to night; an incremental one counts changes. */
  comparesCounts: (request) => request.ExportType === 'FULL_EXPORT',

  jobNote(job) {
    const details = job.Details ?? {};
    if (details.FullExportBecause) return `a full export: ${details.FullExportBecause}`;
    if (details.ExportFromTime) {
      const parts = Number(details.Exports ?? 1);
      const window = `changes from ${details.ExportFromTime} to ${details.ExportToTime ?? 'the latest restorable time'}${parts > 1 ? ` in ${parts} exports of at most 24 h` : ''}`;
      return details.Stopped ? `${window} (${details.Stopped}; the next run continues from there)` : window;
    }
    return undefined;
  },

  rawFacts(raw) {
    const table =
      typeof raw.TableArn === 'string' && TABLE_ARN.test(raw.TableArn) ? tableNameOf(raw.TableArn) : null;
    const mode = raw.ExportType === 'INCREMENTAL_EXPORT' ? 'incremental' : 'full';
    return { Source: 'dynamodb', What: table ? `table ${table} (${mode})` : 'a table (invalid TableArn)' };
  },
};
