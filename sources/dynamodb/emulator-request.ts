/*
 * The DynamoDB export operations' requests as the emulator reads them: parsing and
 * validating ExportTableToPointInTime (every constraint of botocore's dynamodb model,
 * reported together as DynamoDB's ValidationException does), table names and ARNs,
 * and ListExports' page tokens. The service itself is emulator.ts.
 */

import { createHash } from 'node:crypto';
import { dynamoErrors } from './emulator-wire.ts';

export type ExportType = 'FULL_EXPORT' | 'INCREMENTAL_EXPORT';
export type ExportFormat = 'DYNAMODB_JSON' | 'ION';
export type ViewType = 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES';

const TABLE_ARN = /^arn:aws[a-z-]*:dynamodb:([a-z0-9-]+):(\d{12}):table\/([a-zA-Z0-9_.-]{3,255})$/;
export const EXPORT_ARN =
  /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[a-zA-Z0-9_.-]{3,255}\/export\/[^/]+$/;

/** A validated ExportTableToPointInTime request. */
export interface ExportRequest {
  tableName: string;
  region: string;
  account: string;
  clientToken?: string;
  bucket: string;
  bucketOwner?: string;
  prefix?: string;
  sseAlgorithm: string;
  sseKmsKeyId?: string;
  format: ExportFormat;
  type: ExportType;
  typeGiven: boolean;
  exportTimeMs?: number;
  fromMs?: number;
  toMs?: number;
  viewType: ViewType;
  /** What makes two requests with one ClientToken the same request. */
  fingerprint: unknown[];
}

/** ValidationException's message, in Coral's words ("1 validation error detected: Value … at … failed to satisfy constraint: …"). */
export class Problems {
  private readonly messages: string[] = [];

  add(value: unknown, path: string, constraint: string): void {
    const shown = value === null || value === undefined ? 'null' : `'${String(value)}'`;
    this.messages.push(`Value ${shown} at '${path}' failed to satisfy constraint: ${constraint}`);
  }

  throwIfAny(): void {
    const n = this.messages.length;
    if (n === 0) return;
    throw dynamoErrors.validation(
      `${n} validation error${n === 1 ? '' : 's'} detected: ${this.messages.join('; ')}`,
    );
  }
}

export function parseBody(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = text.length === 0 ? {} : JSON.parse(text);
  } catch {
    throw dynamoErrors.serialization('The request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw dynamoErrors.serialization('The request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw dynamoErrors.serialization(`${field} must be a string`);
  return value;
}

/** awsJson1_0 sends timestamps as epoch seconds; an ISO string is accepted too. */
export function optionalTime(body: Record<string, unknown>, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value * 1000);
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Date.parse(value);
  throw dynamoErrors.serialization(`${field} must be a timestamp (epoch seconds)`);
}

export function checkEnum(
  problems: Problems,
  value: string | undefined,
  path: string,
  allowed: readonly string[],
): void {
  if (value !== undefined && !allowed.includes(value)) {
    problems.add(value, path, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
}

export function validateExportRequest(body: Record<string, unknown>): ExportRequest {
  const problems = new Problems();
  const tableArn = optionalString(body, 'TableArn');
  const bucket = optionalString(body, 'S3Bucket');
  const clientToken = optionalString(body, 'ClientToken');
  const bucketOwner = optionalString(body, 'S3BucketOwner');
  const prefix = optionalString(body, 'S3Prefix');
  const sseAlgorithm = optionalString(body, 'S3SseAlgorithm');
  const sseKmsKeyId = optionalString(body, 'S3SseKmsKeyId');
  const format = optionalString(body, 'ExportFormat');
  const type = optionalString(body, 'ExportType');
  const exportTimeMs = optionalTime(body, 'ExportTime');
  const spec = body.IncrementalExportSpecification;
  if (spec !== undefined && spec !== null && (typeof spec !== 'object' || Array.isArray(spec))) {
    throw dynamoErrors.serialization('IncrementalExportSpecification must be a structure');
  }
  const incremental = (spec ?? undefined) as Record<string, unknown> | undefined;
  const fromMs = incremental ? optionalTime(incremental, 'ExportFromTime') : undefined;
  const toMs = incremental ? optionalTime(incremental, 'ExportToTime') : undefined;
  const viewType = incremental ? optionalString(incremental, 'ExportViewType') : undefined;

  if (tableArn === undefined) problems.add(null, 'tableArn', 'Member must not be null');
  else if (tableArn.length < 1 || tableArn.length > 1024) {
    problems.add(tableArn, 'tableArn', 'Member must have length between 1 and 1024');
  }
  if (bucket === undefined) problems.add(null, 's3Bucket', 'Member must not be null');
  else if (bucket.length > 255 || !/^[a-z0-9A-Z]+[.\-\w]*[a-z0-9A-Z]+$/.test(bucket)) {
    problems.add(
      bucket,
      's3Bucket',
      'Member must satisfy regular expression pattern: ^[a-z0-9A-Z]+[\\.\\-\\w]*[a-z0-9A-Z]+$',
    );
  }
  if (clientToken !== undefined && !/^[^$]+$/.test(clientToken)) {
    problems.add(clientToken, 'clientToken', 'Member must satisfy regular expression pattern: ^[^\\$]+$');
  }
  if (bucketOwner !== undefined && !/^[0-9]{12}$/.test(bucketOwner)) {
    problems.add(bucketOwner, 's3BucketOwner', 'Member must satisfy regular expression pattern: [0-9]{12}');
  }
  if (prefix !== undefined && (prefix.length < 1 || prefix.length > 1024)) {
    problems.add(prefix, 's3Prefix', 'Member must have length between 1 and 1024');
  }
  if (sseKmsKeyId !== undefined && (sseKmsKeyId.length < 1 || sseKmsKeyId.length > 2048)) {
    problems.add(sseKmsKeyId, 's3SseKmsKeyId', 'Member must have length between 1 and 2048');
  }
  checkEnum(problems, sseAlgorithm, 's3SseAlgorithm', ['AES256', 'KMS']);
  checkEnum(problems, format, 'exportFormat', ['DYNAMODB_JSON', 'ION']);
  checkEnum(problems, type, 'exportType', ['FULL_EXPORT', 'INCREMENTAL_EXPORT']);
  checkEnum(problems, viewType, 'incrementalExportSpecification.exportViewType', [
    'NEW_IMAGE',
    'NEW_AND_OLD_IMAGES',
  ]);
  problems.throwIfAny();

  const arn = TABLE_ARN.exec(tableArn!);
  if (!arn) throw dynamoErrors.validation(`Invalid TableArn: ${tableArn} is not the ARN of a DynamoDB table`);
  const exportType = (type ?? 'FULL_EXPORT') as ExportType;
  if (exportType === 'INCREMENTAL_EXPORT' && (!incremental || fromMs === undefined)) {
    throw dynamoErrors.validation(
      'IncrementalExportSpecification with ExportFromTime is required when ExportType is INCREMENTAL_EXPORT',
    );
  }
  // Our reading of the API: the incremental fields belong to incremental exports, ExportTime to full ones.
  if (exportType === 'FULL_EXPORT' && incremental) {
    throw dynamoErrors.validation(
      'IncrementalExportSpecification is only valid when ExportType is INCREMENTAL_EXPORT',
    );
  }
  if (exportType === 'INCREMENTAL_EXPORT' && exportTimeMs !== undefined) {
    throw dynamoErrors.validation(
      'ExportTime is only valid for a FULL_EXPORT; use IncrementalExportSpecification',
    );
  }
  // The emulator keeps objects as files: a key that would leave the bucket's folder is refused.
  if (
    prefix !== undefined &&
    (prefix.startsWith('/') || prefix.split('/').some((part) => part === '.' || part === '..'))
  ) {
    throw dynamoErrors.validation(
      `S3Prefix ${prefix} starts with '/' or has a '.' or '..' segment, which the emulator cannot store`,
    );
  }

  const resolved = {
    sseAlgorithm: sseAlgorithm ?? 'AES256',
    format: (format ?? 'DYNAMODB_JSON') as ExportFormat,
    viewType: (viewType ?? 'NEW_AND_OLD_IMAGES') as ViewType,
  };
  return {
    tableName: arn[3]!,
    region: arn[1]!,
    account: arn[2]!,
    ...(clientToken !== undefined ? { clientToken } : {}),
    bucket: bucket!,
    ...(bucketOwner !== undefined ? { bucketOwner } : {}),
    ...(prefix !== undefined ? { prefix } : {}),
    sseAlgorithm: resolved.sseAlgorithm,
    ...(sseKmsKeyId !== undefined ? { sseKmsKeyId } : {}),
    format: resolved.format,
    type: exportType,
    typeGiven: type !== undefined,
    ...(exportTimeMs !== undefined ? { exportTimeMs } : {}),
    ...(fromMs !== undefined ? { fromMs } : {}),
    ...(toMs !== undefined ? { toMs } : {}),
    viewType: resolved.viewType,
    fingerprint: [
      tableArn,
      exportTimeMs ?? null,
      bucket,
      bucketOwner ?? null,
      prefix ?? null,
      resolved.sseAlgorithm,
      sseKmsKeyId ?? null,
      resolved.format,
      exportType,
      fromMs ?? null,
      toMs ?? null,
      incremental ? resolved.viewType : null,
    ],
  };
}

/**
 * The table's id in DynamoDB's form (8-4-4-4-12 hex, TableId's pattern in the model).
 * dynalite's ids fall short of it (its last group has 8 digits): those become a
 * well-formed id, the same one every time.
 */
export function tableIdOf(dynaliteId: string): string {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(dynaliteId)) return dynaliteId;
  const hex = createHash('sha256').update(dynaliteId).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A TableName parameter that may be a table's name or its ARN. */
export function tableNameParam(value: unknown): string {
  if (value === undefined || value === null) {
    throw dynamoErrors.validation(
      "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null",
    );
  }
  if (typeof value !== 'string') throw dynamoErrors.serialization('TableName must be a string');
  if (value.length < 1 || value.length > 1024) {
    throw dynamoErrors.validation(
      `1 validation error detected: Value '${value}' at 'tableName' failed to satisfy constraint: Member must have length between 1 and 1024`,
    );
  }
  return nameOfTable(value);
}

export function nameOfTable(nameOrArn: string): string {
  return TABLE_ARN.exec(nameOrArn)?.[3] ?? nameOrArn;
}

export function encodeToken(arn: string): string {
  return Buffer.from(JSON.stringify({ after: arn })).toString('base64url');
}

export function decodeToken(token: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    return typeof parsed.after === 'string' && EXPORT_ARN.test(parsed.after) ? parsed.after : undefined;
  } catch {
    return undefined;
  }
}
