/*
 * ExportTableToPointInTime in the emulator: the request checked (emulator-request.ts),
 * its ClientToken honoured (the same token within 8 hours returns the same export; with
 * other parameters it is ExportConflictException, "Duplicate request detected", as the
 * ClientToken's own documentation says), its times checked against the table's recovery
 * window, and the export started with what the fault rules ask of it (`job-fail`,
 * `job-stuck`, `truncate-export`). A missing bucket is accepted: the export then ends
 * FAILED with FailureCode S3NoSuchBucket. A request that fails validation does not use up
 * its ClientToken.
 */

import { randomBytes, randomUUID } from 'node:crypto';
import type { DynamoDbContext, ExportRecord } from './emulator-exports.ts';
import { NoSuchBucketError, writeStarted } from './emulator-files.ts';
import { settleOne } from './emulator-finish.ts';
import { type ExportRequest, type ViewType, validateExportRequest } from './emulator-request.ts';
import { dynamoErrors } from './emulator-wire.ts';

const MINUTE_MS = 60 * 1000;
/** Incremental windows: 15 minutes to 24 hours (Developer Guide; AWS's blog "Introducing incremental export"). */
const MIN_WINDOW_MS = 15 * MINUTE_MS;
const MAX_WINDOW_MS = 24 * 60 * MINUTE_MS;
/** Concurrent exports per account (DynamoDB service quotas: 300). */
const MAX_CONCURRENT_EXPORTS = 300;

/** Starts an export, or finds the one its ClientToken names (`created: false`). */
export async function exportTable(
  ctx: DynamoDbContext,
  body: Record<string, unknown>,
): Promise<{ record: ExportRecord; created: boolean }> {
  const request = validateExportRequest(body);
  const nowMs = ctx.now();
  const fingerprint = JSON.stringify(request.fingerprint);
  if (request.clientToken !== undefined) {
    const known = ctx.exports.byToken(request.clientToken, fingerprint, nowMs);
    if (known === 'conflict') {
      throw dynamoErrors.exportConflict(
        `Duplicate request detected: client token ${request.clientToken} was used within the last 8 hours with other parameters`,
      );
    }
    if (known) {
      await settleOne(ctx, known);
      return { record: known, created: false };
    }
  }

  const { tableName, account } = request;
  if (request.region !== ctx.region) throw dynamoErrors.tableNotFound(tableName);
  const table = await ctx.tables.describeTable(tableName);
  const pitr = ctx.changes.table(tableName);
  if (!pitr) throw dynamoErrors.pitrUnavailable(tableName);
  const earliest = ctx.changes.earliestRestorableMs(pitr, nowMs);
  const window = checkTimes(request, earliest, nowMs);
  const running = [...ctx.exports.records.values()].filter(
    (r) => r.status === 'IN_PROGRESS' && (r.dueMs === undefined || r.dueMs > nowMs),
  );
  if (running.length >= MAX_CONCURRENT_EXPORTS) {
    throw dynamoErrors.limitExceeded(
      `Too many concurrent exports: at most ${MAX_CONCURRENT_EXPORTS} may run at once`,
    );
  }

  const id = `${String(nowMs).padStart(14, '0')}-${randomBytes(4).toString('hex')}`;
  const tableArn = `arn:aws:dynamodb:${ctx.region}:${account}:table/${tableName}`;
  const record: ExportRecord = {
    arn: `${tableArn}/export/${id}`,
    id,
    tableName,
    tableArn,
    tableId: table.tableId,
    clientToken: request.clientToken ?? randomUUID(),
    startMs: nowMs,
    dueMs: nowMs + ctx.exportDurationMs,
    type: request.type,
    typeGiven: request.typeGiven,
    format: request.format,
    ...(window.exportTimeMs !== undefined ? { exportTimeMs: window.exportTimeMs } : {}),
    ...(window.incremental ? { incremental: window.incremental } : {}),
    bucket: request.bucket,
    ...(request.bucketOwner !== undefined ? { bucketOwner: request.bucketOwner } : {}),
    ...(request.prefix !== undefined ? { prefix: request.prefix } : {}),
    sseAlgorithm: request.sseAlgorithm,
    ...(request.sseKmsKeyId !== undefined ? { sseKmsKeyId: request.sseKmsKeyId } : {}),
    status: 'IN_PROGRESS',
    dataFileKeys: [],
    tableDeleted: false,
  };
  applyOutcomeFaults(ctx, record);
  try {
    // AWS writes `_started` first: it "verifies that the destination bucket is writable".
    await writeStarted({ s3Root: ctx.s3Root, bucket: record.bucket, prefix: record.prefix, exportId: id });
  } catch (error) {
    if (!(error instanceof NoSuchBucketError)) throw error;
    record.plannedFailure ??= { code: 'S3NoSuchBucket', message: error.message };
  }
  ctx.exports.add(record, fingerprint, nowMs);
  return { record, created: true };
}

/** The fault rules meant for a new export: it never ends, ends FAILED, or writes fewer items than it reports. */
function applyOutcomeFaults(ctx: DynamoDbContext, record: ExportRecord): void {
  const context = { service: 'dynamodb' as const, operation: 'ExportTableToPointInTime' };
  const outcome = ctx.faults.take(context, ['job-fail', 'job-stuck'], true)[0];
  const truncate = ctx.faults.take(context, ['truncate-export'], true)[0];
  if (truncate) record.dropItems = truncate.droppedRecords ?? 'half';
  if (outcome?.kind === 'job-stuck') record.dueMs = undefined;
  if (outcome?.kind === 'job-fail') {
    record.plannedFailure = {
      code: 'InternalError',
      message:
        outcome.message ??
        'An internal error occurred while exporting the table; the export did not complete.',
    };
  }
}

/**
 * The export's moment (full) or window (incremental), checked against the recovery
 * window: an incremental window under 15 minutes is InvalidExportTimeException
 * ("Difference between export period …"), and so is one over 24 hours here.
 */
function checkTimes(
  request: ExportRequest,
  earliestMs: number,
  nowMs: number,
): { exportTimeMs?: number; incremental?: { fromMs: number; toMs: number; viewType: ViewType } } {
  const iso = (ms: number) => new Date(ms).toISOString();
  const window = `the point in time recovery window (${iso(earliestMs)} to ${iso(nowMs)})`;
  if (request.type === 'FULL_EXPORT') {
    const exportTimeMs = request.exportTimeMs ?? nowMs;
    if (exportTimeMs < earliestMs || exportTimeMs > nowMs) {
      throw dynamoErrors.invalidExportTime(`ExportTime ${iso(exportTimeMs)} is outside ${window}`);
    }
    return { exportTimeMs };
  }
  const fromMs = request.fromMs!;
  const toMs = request.toMs ?? nowMs;
  if (fromMs >= toMs) {
    throw dynamoErrors.invalidExportTime(
      `ExportFromTime ${iso(fromMs)} must be before ExportToTime ${iso(toMs)}`,
    );
  }
  const span = toMs - fromMs;
  if (span < MIN_WINDOW_MS || span > MAX_WINDOW_MS) {
    throw dynamoErrors.invalidExportTime(
      `Difference between export period from time and to time must be between 15 minutes and 24 hours, not ${Math.round(span / 1000)} seconds`,
    );
  }
  if (fromMs < earliestMs) {
    throw dynamoErrors.invalidExportTime(`ExportFromTime ${iso(fromMs)} is before ${window}`);
  }
  if (toMs > nowMs) {
    throw dynamoErrors.invalidExportTime(`ExportToTime ${iso(toMs)} is after ${window}`);
  }
  return { incremental: { fromMs, toMs, viewType: request.viewType } };
}
