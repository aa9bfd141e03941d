/*
 * DynamoDB's execution input from what the options say (the CLI's, a local run's, a target's
 * settings): built here once, for `npm run export -- start` (cli/input.ts), the local run
 * (dev/local) and each target's schedule (stack.ts `scheduleInput`). Only what is given: the
 * stage's defaults fill the rest (settings.ts), and the validation judges it (describe.ts).
 * Loaded by osls through type stripping (stack.ts): erasable TypeScript only.
 */

/** What a DynamoDB run exports; a schedule's values may be CloudFormation intrinsics (`V`). */
export interface DynamoDbInputOptions<V = string> {
  /** --table, as a table ARN: TableArn. */
  tableArn?: V | undefined;
  /** --incremental: ExportType INCREMENTAL_EXPORT, or FULL_EXPORT when false; absent: DynamoDB's default (full). */
  incremental?: boolean | undefined;
  /** --format: ExportFormat. */
  format?: string | undefined;
  /** S3Bucket, when not the stage's. */
  bucket?: string | undefined;
  /** S3Prefix, a template. */
  prefix?: V | undefined;
  /** S3BucketOwner. */
  bucketOwner?: string | undefined;
  /** S3SseKmsKeyId, with S3SseAlgorithm KMS. */
  kmsKeyId?: V | undefined;
  /** OutsideRecoveryWindow. */
  outsideRecoveryWindow?: string | undefined;
}

export function dynamoDbInput<V = string>(options: DynamoDbInputOptions<V>): Record<string, unknown> {
  return {
    Source: 'dynamodb',
    ...(options.tableArn !== undefined && { TableArn: options.tableArn }),
    ...(options.incremental !== undefined && {
      ExportType: options.incremental ? 'INCREMENTAL_EXPORT' : 'FULL_EXPORT',
    }),
    ...(options.format !== undefined && { ExportFormat: options.format }),
    ...(options.bucket !== undefined && { S3Bucket: options.bucket }),
    ...(options.prefix !== undefined && { S3Prefix: options.prefix }),
    ...(options.bucketOwner !== undefined && { S3BucketOwner: options.bucketOwner }),
    ...(options.kmsKeyId !== undefined && { S3SseAlgorithm: 'KMS', S3SseKmsKeyId: options.kmsKeyId }),
    ...(options.outsideRecoveryWindow !== undefined && {
      OutsideRecoveryWindow: options.outsideRecoveryWindow,
    }),
  };
}
