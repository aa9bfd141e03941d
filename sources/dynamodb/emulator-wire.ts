import { crc32 } from 'node:zlib';
import type { HttpResult } from '../emulator/protocol.ts';

/*
 * DynamoDB's wire format (awsJson1_0) for the answers the emulator writes itself:
 * the export and continuous-backup operations, and faults. Both the AWS SDK for
 * JavaScript v3 and botocore read an error's name from the body's `__type` first
 * (the SDK: `__type`, then `code`, then the `x-amzn-ErrorType` header; botocore:
 * `__type` only), keeping what follows `#`; the header is sent too, as AWS's JSON
 * services send it. Every answer carries `x-amz-crc32` over its body: botocore's
 * DynamoDB retry rules check it when present (retryhandler.CRC32Checker).
 */

/** The namespace DynamoDB's own errors carry in `__type`. */
export const DYNAMODB_NAMESPACE = 'com.amazonaws.dynamodb.v20120810';

/** An error answer: HTTP status, exception name (the SDK's class) and message. */
export class DynamoDbError extends Error {
  readonly status: number;
  readonly type: string;
  /** The part of `__type` before `#`: where the exception is defined (Coral's shared ones live elsewhere). */
  readonly namespace: string;

  constructor(status: number, type: string, message: string, namespace = DYNAMODB_NAMESPACE) {
    super(message);
    this.name = 'DynamoDbError';
    this.status = status;
    this.type = type;
    this.namespace = namespace;
  }
}

/**
 * The errors the emulator answers, named as in botocore's dynamodb service-2.json. The
 * messages are ours unless a comment says otherwise; clients match on the name.
 */
export const dynamoErrors = {
  validation: (message: string) =>
    new DynamoDbError(400, 'ValidationException', message, 'com.amazon.coral.validate'),
  serialization: (message: string) =>
    new DynamoDbError(400, 'SerializationException', message, 'com.amazon.coral.service'),
  tableNotFound: (table: string) =>
    new DynamoDbError(400, 'TableNotFoundException', `Table not found: ${table}`),
  pitrUnavailable: (table: string) =>
    new DynamoDbError(
      400,
      'PointInTimeRecoveryUnavailableException',
      `Point in time recovery is not enabled for table '${table}'`,
    ),
  invalidExportTime: (message: string) => new DynamoDbError(400, 'InvalidExportTimeException', message),
  exportConflict: (message: string) => new DynamoDbError(400, 'ExportConflictException', message),
  exportNotFound: (arn: string) =>
    new DynamoDbError(400, 'ExportNotFoundException', `Export not found: ${arn}`),
  limitExceeded: (message: string) => new DynamoDbError(400, 'LimitExceededException', message),
  /** Control-plane throttling; the message is the one the Developer Guide's error table gives. */
  throttling: (message = 'Rate of requests exceeds the allowed throughput.') =>
    new DynamoDbError(400, 'ThrottlingException', message, 'com.amazon.coral.availability'),
  /** Data-plane throttling (item reads and writes). */
  throughputExceeded: (
    message = 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  ) => new DynamoDbError(400, 'ProvisionedThroughputExceededException', message),
  internal: (message = 'Internal server error') => new DynamoDbError(500, 'InternalServerError', message),
};

function answer(
  status: number,
  body: string,
  requestId: string,
  extra: Record<string, string> = {},
): HttpResult {
  return {
    status,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': requestId,
      'x-amz-crc32': String(crc32(body)),
      ...extra,
    },
    body,
  };
}

/** A 200 answer with a JSON body. */
export function dynamoJson(body: unknown, requestId: string): HttpResult {
  return answer(200, JSON.stringify(body), requestId);
}

/** An error answer: `{"__type": "<namespace>#<Name>", "message": …}` and the `x-amzn-ErrorType` header. */
export function dynamoErrorResult(error: DynamoDbError, requestId: string): HttpResult {
  const body = JSON.stringify({ __type: `${error.namespace}#${error.type}`, message: error.message });
  return {
    ...answer(error.status, body, requestId, { 'x-amzn-errortype': error.type }),
    errorType: error.type,
  };
}

/** Seconds since the epoch with millisecond precision: how awsJson1_0 carries timestamps. */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}

/** The operations the `dynamodb` source's service answers; the emulator's tables (dynalite) answer the rest. */
export const EXPORT_OPERATIONS: readonly string[] = [
  'ExportTableToPointInTime',
  'DescribeExport',
  'ListExports',
  'DescribeContinuousBackups',
  'UpdateContinuousBackups',
];

/** Item writes: recorded (key, time, the image before) for the tables under PITR. */
export const WRITE_OPERATIONS: ReadonlySet<string> = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

/** Item reads and writes: DynamoDB throttles them with ProvisionedThroughputExceededException. */
const DATA_PLANE_OPERATIONS: ReadonlySet<string> = new Set([
  ...WRITE_OPERATIONS,
  'GetItem',
  'BatchGetItem',
  'Query',
  'Scan',
  'TransactGetItems',
  'ExecuteStatement',
  'BatchExecuteStatement',
  'ExecuteTransaction',
]);

/** The answer of a `throttle` or `error500` fault rule on a DynamoDB operation. */
export function dynamoFaultResult(
  kind: 'throttle' | 'error500',
  message: string | undefined,
  operation: string,
  requestId: string,
): HttpResult {
  if (kind === 'throttle') {
    return dynamoErrorResult(
      DATA_PLANE_OPERATIONS.has(operation)
        ? dynamoErrors.throughputExceeded(message)
        : dynamoErrors.throttling(message),
      requestId,
    );
  }
  return dynamoErrorResult(dynamoErrors.internal(message), requestId);
}

/** DynamoDB's own request limit (dynalite's too): a larger body gets a bare 413. */
export const DYNAMODB_MAX_BODY_BYTES = 16 * 1024 * 1024;

/** The answer to a body over {@link DYNAMODB_MAX_BODY_BYTES}. */
export const DYNAMODB_TOO_LARGE: HttpResult = { status: 413, headers: {}, body: '' };

/** The operation an awsJson request names (`X-Amz-Target: DynamoDB_20120810.<Operation>`). */
export function dynamoOperationOf(target: string | undefined): string {
  return (target ?? '').split('.')[1] ?? 'Unknown';
}
