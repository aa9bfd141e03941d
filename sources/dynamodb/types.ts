import type { CommonRequest } from '../../core/types.ts';
import type { TargetBase } from '../stack/target.ts';
import type { DynamoDbMode, ExportFormat, OutsideRecoveryWindowSetting } from './names.ts';

/* This source's request and target types; the declaration below adds its request to core's SourceRequests. */

/** A DynamoDB export request (ExportTableToPointInTime), prefix resolved; the window is planned at create time. */
export interface DynamoDbRequest extends CommonRequest {
  Source: 'dynamodb';
  TableArn: string;
  ExportType: 'FULL_EXPORT' | 'INCREMENTAL_EXPORT';
  ExportFormat: 'DYNAMODB_JSON' | 'ION';
  S3Bucket: string;
  /** Resolved key prefix, as sent to DynamoDB: no leading or trailing slash (DynamoDB adds the `/` before `AWSDynamoDB/`). */
  S3Prefix: string;
  S3BucketOwner?: string;
  S3SseAlgorithm: 'AES256' | 'KMS';
  S3SseKmsKeyId?: string;
  /** What an incremental run does when its window starts before the earliest restorable time. */
  OutsideRecoveryWindow: 'ERROR' | 'FULL_EXPORT';
}

declare module '../../core/types.ts' {
  interface SourceRequests {
    dynamodb: DynamoDbRequest;
  }
}

/** A target of this source in the stage file (its settings: sources/dynamodb/stack.ts reads them). */
export interface DynamoDbTarget extends TargetBase {
  source: 'dynamodb';
  /** As written in the stage file: a table name (this account and Region) or a table ARN. */
  table: string;
  /** ExportType: full (FULL_EXPORT, DynamoDB's default) or incremental (INCREMENTAL_EXPORT). */
  mode?: DynamoDbMode;
  /** ExportFormat. */
  format?: ExportFormat;
  /** What an incremental run does when its window starts before the earliest restorable time. */
  outsideRecoveryWindow?: OutsideRecoveryWindowSetting;
  /** Another bucket than the stage's (S3Bucket); with `bucketOwner`, of another account. */
  bucket?: string;
  /** The 12-digit account that owns `bucket` (S3BucketOwner). */
  bucketOwner?: string;
  /** S3Prefix template under `exportDestination.keyPrefix`; the stage's default when absent. */
  prefix?: string;
}
