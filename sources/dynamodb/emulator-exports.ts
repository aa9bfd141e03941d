/*
 * The emulated DynamoDB's table exports as it keeps them: one record per export, the
 * ClientTokens that name them (idempotency), DescribeExport's description, the view tests
 * read, and what the parts of the service share (DynamoDbContext).
 */

import type { FaultController } from '../emulator/faults.ts';
import type { ChangeLog } from './emulator-changes.ts';
import type { ExportFormat, ExportType, ViewType } from './emulator-request.ts';
import type { TableReader } from './emulator-tables.ts';
import { epochSeconds } from './emulator-wire.ts';

export type ExportStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

/** An export as the emulator keeps it. */
export interface ExportRecord {
  arn: string;
  id: string;
  tableName: string;
  tableArn: string;
  tableId: string;
  clientToken: string;
  startMs: number;
  /** When it ends on the `now` clock; undefined = never (the job-stuck fault). */
  dueMs: number | undefined;
  type: ExportType;
  /** The request named ExportType (the answer echoes it only then). */
  typeGiven: boolean;
  format: ExportFormat;
  exportTimeMs?: number;
  incremental?: { fromMs: number; toMs: number; viewType: ViewType };
  bucket: string;
  bucketOwner?: string;
  prefix?: string;
  sseAlgorithm: string;
  sseKmsKeyId?: string;
  /** Decided at the start (missing bucket, job-fail fault), reported at the end. */
  plannedFailure?: { code: string; message: string };
  /** The `truncate-export` fault: the files leave out this many items that ItemCount still reports. */
  dropItems?: number | 'half';
  status: ExportStatus;
  endMs?: number;
  itemCount?: number;
  billedSizeBytes?: number;
  manifestKey?: string;
  dataFileKeys: string[];
  failureCode?: string;
  failureMessage?: string;
  finishing?: Promise<void>;
  tableDeleted: boolean;
}

/** An export as tests see it (`createLocalDynamoDb().exports()`). */
export interface DynamoDbExportView {
  exportArn: string;
  exportId: string;
  tableName: string;
  status: ExportStatus;
  exportType: ExportType;
  startTime: string;
  endTime?: string;
  bucket: string;
  prefix?: string;
  clientToken: string;
  itemCount?: number;
  billedSizeBytes?: number;
  /** Key of manifest-summary.json (DescribeExport's ExportManifest). */
  manifestKey?: string;
  /** Keys of the data files, in the bucket. */
  dataFileKeys: string[];
  failureCode?: string;
  failureMessage?: string;
}

/** How long a ClientToken names the same export (the ClientToken's documentation). */
const CLIENT_TOKEN_MS = 8 * 60 * 60 * 1000;

/** Every export by ARN, and the ClientTokens that name them. */
export class ExportStore {
  readonly records = new Map<string, ExportRecord>();
  private readonly tokens = new Map<string, { arn: string; fingerprint: string; atMs: number }>();

  /**
   * The export a ClientToken named within the last 8 hours, if any; `conflict` when it
   * named one with other parameters (`fingerprint`).
   */
  byToken(token: string, fingerprint: string, nowMs: number): ExportRecord | 'conflict' | undefined {
    const known = this.tokens.get(token);
    if (!known || nowMs - known.atMs >= CLIENT_TOKEN_MS) return undefined;
    if (known.fingerprint !== fingerprint) return 'conflict';
    return this.records.get(known.arn)!;
  }

  add(record: ExportRecord, fingerprint: string, nowMs: number): void {
    this.records.set(record.arn, record);
    this.tokens.set(record.clientToken, { arn: record.arn, fingerprint, atMs: nowMs });
  }

  /** Every export, as last settled (copies). */
  views(): DynamoDbExportView[] {
    return [...this.records.values()].map(view);
  }
}

/** What the parts of the DynamoDB service work on. */
export interface DynamoDbContext {
  faults: FaultController;
  now: () => number;
  region: string;
  s3Root: string;
  /** The emulator's tables, read in process. */
  tables: TableReader;
  /** Point-in-time recovery: which tables have it, and the writes recorded since. */
  changes: ChangeLog;
  exports: ExportStore;
  /** How long an export stays IN_PROGRESS on the `now` clock. */
  exportDurationMs: number;
  /** Items per data file. */
  itemsPerFile: number;
}

/** DescribeExport's ExportDescription. */
export function exportDescriptionOf(r: ExportRecord): Record<string, unknown> {
  return {
    ExportArn: r.arn,
    ExportStatus: r.status,
    StartTime: epochSeconds(r.startMs),
    ...(r.endMs !== undefined ? { EndTime: epochSeconds(r.endMs) } : {}),
    ...(r.manifestKey !== undefined ? { ExportManifest: r.manifestKey } : {}),
    TableArn: r.tableArn,
    TableId: r.tableId,
    ...(r.exportTimeMs !== undefined ? { ExportTime: epochSeconds(r.exportTimeMs) } : {}),
    ClientToken: r.clientToken,
    S3Bucket: r.bucket,
    ...(r.bucketOwner !== undefined ? { S3BucketOwner: r.bucketOwner } : {}),
    ...(r.prefix !== undefined ? { S3Prefix: r.prefix } : {}),
    S3SseAlgorithm: r.sseAlgorithm,
    ...(r.sseKmsKeyId !== undefined ? { S3SseKmsKeyId: r.sseKmsKeyId } : {}),
    ...(r.failureCode !== undefined ? { FailureCode: r.failureCode, FailureMessage: r.failureMessage } : {}),
    ExportFormat: r.format,
    ...(r.status === 'COMPLETED' ? { BilledSizeBytes: r.billedSizeBytes, ItemCount: r.itemCount } : {}),
    ...(r.typeGiven ? { ExportType: r.type } : {}),
    ...(r.incremental
      ? {
          IncrementalExportSpecification: {
            ExportFromTime: epochSeconds(r.incremental.fromMs),
            ExportToTime: epochSeconds(r.incremental.toMs),
            ExportViewType: r.incremental.viewType,
          },
        }
      : {}),
  };
}

function view(r: ExportRecord): DynamoDbExportView {
  return {
    exportArn: r.arn,
    exportId: r.id,
    tableName: r.tableName,
    status: r.status,
    exportType: r.type,
    startTime: new Date(r.startMs).toISOString(),
    ...(r.endMs !== undefined ? { endTime: new Date(r.endMs).toISOString() } : {}),
    bucket: r.bucket,
    ...(r.prefix !== undefined ? { prefix: r.prefix } : {}),
    clientToken: r.clientToken,
    ...(r.itemCount !== undefined ? { itemCount: r.itemCount } : {}),
    ...(r.billedSizeBytes !== undefined ? { billedSizeBytes: r.billedSizeBytes } : {}),
    ...(r.manifestKey !== undefined ? { manifestKey: r.manifestKey } : {}),
    dataFileKeys: [...r.dataFileKeys],
    ...(r.failureCode !== undefined ? { failureCode: r.failureCode, failureMessage: r.failureMessage! } : {}),
  };
}
