import type { CommonRequest } from '../../core/types.ts';

/* This source's request types; the declaration below adds its request to core's SourceRequests. */

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
