/**
 * DynamoDB table exports and continuous backups (point-in-time recovery) on the
 * emulator's port: the `dynamodb` source's {@link EmulatedService}. dynalite, the
 * emulator's table store (dev/emulator/tables.ts), implements neither, so this service
 * answers five operations (ExportTableToPointInTime, DescribeExport, ListExports,
 * DescribeContinuousBackups, UpdateContinuousBackups) with the shapes, enums and error
 * names of botocore's dynamodb service-2.json, recognised by their `X-Amz-Target`; every
 * other DynamoDB operation stays the tables'. It reads the tables in process and follows
 * the writes to those under PITR (the TableStore of its ServiceContext).
 *
 * Behaviour checked against AWS where the API reference is silent (ScyllaDB's
 * conformance tests, test/alternator/test_export.py, "run against Amazon and all
 * pass") is described where it is implemented. The parts:
 * - emulator-request.ts, emulator-wire.ts: requests, answers, errors, fault answers;
 * - emulator-exports.ts: the export records, ClientTokens, descriptions;
 * - emulator-start.ts: ExportTableToPointInTime (idempotency, times, faults);
 * - emulator-describe.ts: DescribeExport, ListExports;
 * - emulator-finish.ts: how an export ends, its lines rebuilt; emulator-files.ts writes them;
 * - emulator-backups.ts, emulator-changes.ts, emulator-writes.ts: PITR and the writes it records;
 * - emulator-tables.ts: reading the tables.
 */

import type { EmulatedService, Exchange, ServiceContext } from '../emulator/service.ts';
import { describeContinuousBackups, updateContinuousBackups } from './emulator-backups.ts';
import { ChangeLog } from './emulator-changes.ts';
import { describeExport, listExports } from './emulator-describe.ts';
import {
  type DynamoDbContext,
  type DynamoDbExportView,
  ExportStore,
  exportDescriptionOf,
} from './emulator-exports.ts';
import { settleExports } from './emulator-finish.ts';
import { parseBody } from './emulator-request.ts';
import { exportTable } from './emulator-start.ts';
import { tableReader } from './emulator-tables.ts';
import {
  DYNAMODB_MAX_BODY_BYTES,
  DYNAMODB_TOO_LARGE,
  DynamoDbError,
  dynamoErrorResult,
  dynamoErrors,
  dynamoFaultResult,
  dynamoJson,
  dynamoOperationOf,
  EXPORT_OPERATIONS,
} from './emulator-wire.ts';
import { writeWatcher } from './emulator-writes.ts';

export type { DynamoDbExportView } from './emulator-exports.ts';

/** The emulator's options for DynamoDB's exports (`startEmulator`'s `dynamodb`). */
export interface DynamoDbEmulatorOptions {
  /** Items per data file of an export; default 5,000 (AWS writes one or more files per partition). */
  exportItemsPerFile?: number;
  /** How long an export stays IN_PROGRESS on the `now` clock; default 3,000 ms. */
  exportDurationMs?: number;
}

/** What tests read of the service. */
export interface DynamoDbExportsState {
  /** Every table export, as last settled (read-only copies). */
  exports(): DynamoDbExportView[];
}

/** The emulated DynamoDB exports and PITR. */
export type DynamoDbService = EmulatedService<DynamoDbExportsState>;

/** Creates the service over the emulator's tables, and starts following their writes. */
export function createDynamoDbService(
  ctx: ServiceContext,
  options: DynamoDbEmulatorOptions = {},
): DynamoDbService {
  const dynamo: DynamoDbContext = {
    faults: ctx.faults,
    now: ctx.now,
    region: ctx.region,
    s3Root: ctx.s3Root,
    tables: tableReader(ctx.tables),
    changes: new ChangeLog(),
    exports: new ExportStore(),
    exportDurationMs: options.exportDurationMs ?? 3000,
    itemsPerFile: options.exportItemsPerFile || 5000,
  };
  ctx.tables.watch(writeWatcher(dynamo));
  return {
    name: 'dynamodb',
    recognises: { target: new RegExp(`^DynamoDB_\\d+\\.(${EXPORT_OPERATIONS.join('|')})(\\.|$)`) },
    operations: EXPORT_OPERATIONS,
    state: { exports: () => dynamo.exports.views() },
    serve: (exchange) => serve(dynamo, exchange),
    // GET /_emulator/state does not list exports; ListExports and DescribeExport do.
    snapshot: async () => ({}),
    settle: () => settleExports(dynamo),
  };
}

async function serve(ctx: DynamoDbContext, exchange: Exchange): Promise<void> {
  const operation = dynamoOperationOf(exchange.head.target);
  const { requestId } = exchange;
  exchange.identify(operation);
  const text = await exchange.readBody(DYNAMODB_MAX_BODY_BYTES);
  if (text === undefined) {
    exchange.reply(DYNAMODB_TOO_LARGE);
    return;
  }
  const rule = await exchange.fault();
  if (rule) {
    exchange.reply(
      rule.kind === 'reset'
        ? 'reset'
        : dynamoFaultResult(
            rule.kind === 'throttle' ? 'throttle' : 'error500',
            rule.message,
            operation,
            requestId,
          ),
      rule.kind,
    );
    return;
  }
  try {
    const body = parseBody(text);
    switch (operation) {
      case 'ExportTableToPointInTime': {
        const { record, created } = await exportTable(ctx, body);
        // A lost answer: the export exists, the caller sees a 500 (a retry with its ClientToken finds it).
        const lost = created
          ? ctx.faults.take({ service: 'dynamodb', operation }, ['create-then-500'], true)[0]
          : undefined;
        if (lost)
          exchange.reply(dynamoErrorResult(dynamoErrors.internal(lost.message), requestId), lost.kind);
        else exchange.reply(dynamoJson({ ExportDescription: exportDescriptionOf(record) }, requestId));
        return;
      }
      case 'DescribeExport':
        exchange.reply(dynamoJson({ ExportDescription: await describeExport(ctx, body) }, requestId));
        return;
      case 'ListExports':
        exchange.reply(dynamoJson(await listExports(ctx, body), requestId));
        return;
      case 'DescribeContinuousBackups':
        exchange.reply(dynamoJson(await describeContinuousBackups(ctx, body), requestId));
        return;
      case 'UpdateContinuousBackups':
        exchange.reply(dynamoJson(await updateContinuousBackups(ctx, body), requestId));
        return;
      default:
        throw new Error(`not an export operation: ${operation}`);
    }
  } catch (error) {
    if (!(error instanceof DynamoDbError)) throw error;
    exchange.reply(dynamoErrorResult(error, requestId));
  }
}
