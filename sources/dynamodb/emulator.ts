import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ActiveFault, FaultContext, FaultController, FaultKind } from '../emulator/faults.ts';
import type { HttpResult } from '../emulator/protocol.ts';
import {
  type AttributeMap,
  ChangeLog,
  DEFAULT_RECOVERY_PERIOD_DAYS,
  type KeySchema,
  keyId,
  keyOf,
  type PitrTable,
  stateBefore,
} from './emulator-changes.ts';
import {
  type ExportLine,
  type IncrementalExportLine,
  NoSuchBucketError,
  writeExportFiles,
  writeStarted,
} from './emulator-files.ts';
import {
  decodeToken,
  EXPORT_ARN,
  type ExportFormat,
  type ExportRequest,
  type ExportType,
  encodeToken,
  nameOfTable,
  Problems,
  parseBody,
  tableIdOf,
  tableNameParam,
  type ViewType,
  validateExportRequest,
} from './emulator-request.ts';
import { DynamoDbError, dynamoErrorResult, dynamoErrors, dynamoJson, epochSeconds } from './emulator-wire.ts';

/*
 * DynamoDB table exports and continuous backups (point-in-time recovery) for the
 * local emulator, which dynalite does not implement: ExportTableToPointInTime,
 * DescribeExport, ListExports, DescribeContinuousBackups and UpdateContinuousBackups,
 * with the shapes, enums and error names of botocore's dynamodb service-2.json. Every
 * other DynamoDB operation stays dynalite's (dev/emulator/dynamodb.ts routes them); this
 * module reads tables through dynalite too, in-process.
 *
 * Behaviour checked against AWS where the API reference is silent (ScyllaDB's
 * conformance tests, test/alternator/test_export.py, "run against Amazon and all
 * pass"): the same ClientToken with other parameters, or for another table, is
 * ExportConflictException ("Duplicate request detected"), as the ClientToken's own
 * documentation says (not IdempotentParameterMismatchException, which DynamoDB uses
 * for transactions); an incremental window under 15 minutes is
 * InvalidExportTimeException ("Difference between export period …"), and so is one
 * over 24 hours here; a missing bucket is accepted and the export then ends FAILED
 * with FailureCode S3NoSuchBucket; a request that fails validation does not use up its
 * ClientToken; an answer echoes ExportType only when the request gave it; ListExports
 * lists exports in every status, newest ARN first, and not those of deleted tables.
 */

/** The operations this module answers; dynalite answers the rest. */
export const EXPORT_OPERATIONS: ReadonlySet<string> = new Set([
  'ExportTableToPointInTime',
  'DescribeExport',
  'ListExports',
  'DescribeContinuousBackups',
  'UpdateContinuousBackups',
]);

/** Item writes: recorded (key, time, the image before) for the tables under PITR. */
const WRITE_OPERATIONS: ReadonlySet<string> = new Set([
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

/** A DynamoDB call answered by dynalite in-process (its status and parsed body). */
export type DynaliteCall = (
  operation: string,
  body: Record<string, unknown>,
) => Promise<{ status: number; body: Record<string, unknown> }>;

/** What the export service needs from the emulator. */
export interface DynamoDbExportOptions {
  dynalite: DynaliteCall;
  faults: FaultController;
  /** The emulator's clock (ms): exports progress on it and writes are stamped with it. */
  now: () => number;
  region: string;
  /** `<dataDir>/s3`: one folder per bucket, served by the emulator's S3. */
  s3Root: string;
  /** How long an export stays IN_PROGRESS on the `now` clock. */
  exportDurationMs: number;
  /** Items per data file. */
  itemsPerFile: number;
}

/** An export as tests see it (`dynamo.exports()`). */
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

/** One answer, or a connection to drop; `fault` names the fault rule that shaped it. */
export interface ServiceAnswer {
  result: HttpResult | 'reset';
  fault?: FaultKind;
}

/** Run around a write dynalite is about to answer; `after` gets its status and body, exactly once. */
export interface ForwardHook {
  after(status: number, body: string): void;
}

export interface DynamoDbExportService {
  /** Answers one of {@link EXPORT_OPERATIONS} (body already read), fault rules included. */
  handle(operation: string, body: string, requestId: string): Promise<ServiceAnswer>;
  /**
   * A fault for an operation dynalite answers. Only rules that name the operation apply
   * (`operation: 'PutItem'`): the run ledger shares this endpoint, and a rule meant for
   * the exports must not throttle its writes.
   */
  forwardedFault(operation: string, requestId: string): Promise<ServiceAnswer | undefined>;
  /** Whether a request for dynalite must be read first and given to {@link beforeForward}. */
  watches(operation: string): boolean;
  /** Before dynalite sees a watched request: reads the images a write replaces. */
  beforeForward(operation: string, body: unknown): Promise<ForwardHook | undefined>;
  /** Every export, as last settled. */
  exports(): DynamoDbExportView[];
  /** Finishes the exports whose time has come (writes their files). */
  settle(): Promise<void>;
}

type ExportStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

/** How many of `total` items a truncated export leaves out: the given number, or half (at least one). */
function dropped(drop: number | 'half', total: number): number {
  return Math.min(total, drop === 'half' ? Math.max(1, Math.floor(total / 2)) : drop);
}

interface ExportRecord {
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

/** How long a ClientToken names the same export (the ClientToken's documentation). */
const CLIENT_TOKEN_MS = 8 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;
/** Incremental windows: 15 minutes to 24 hours (Developer Guide; AWS's blog "Introducing incremental export"). */
const MIN_WINDOW_MS = 15 * MINUTE_MS;
const MAX_WINDOW_MS = 24 * 60 * MINUTE_MS;
/** Concurrent exports per account (DynamoDB service quotas: 300). */
const MAX_CONCURRENT_EXPORTS = 300;
const DEFAULT_PAGE = 25;

export function createDynamoDbExportService(options: DynamoDbExportOptions): DynamoDbExportService {
  const { dynalite, faults, now, region } = options;
  const changes = new ChangeLog();
  const exports = new Map<string, ExportRecord>();
  const tokens = new Map<string, { arn: string; fingerprint: string; atMs: number }>();

  async function handle(operation: string, text: string, requestId: string): Promise<ServiceAnswer> {
    const context: FaultContext = { service: 'dynamodb', operation };
    const delays = faults.take(context, ['delay']);
    const delayMs = delays.reduce((sum, rule) => sum + (rule.delayMs ?? 0), 0);
    if (delayMs > 0) await sleep(delayMs);
    const injected = faults.take(context, ['reset', 'throttle', 'error500'], true)[0];
    if (injected) return { result: faultResult(injected, operation, requestId), fault: injected.kind };
    try {
      const body = parseBody(text);
      switch (operation) {
        case 'ExportTableToPointInTime': {
          const { record, created } = await exportTable(body);
          if (created) {
            // A lost answer: the export exists, the caller sees a 500 (a retry with its ClientToken finds it).
            const lost = faults.take(context, ['create-then-500'], true)[0];
            if (lost) {
              return {
                result: dynamoErrorResult(dynamoErrors.internal(lost.message), requestId),
                fault: lost.kind,
              };
            }
          }
          return { result: dynamoJson({ ExportDescription: describe(record) }, requestId) };
        }
        case 'DescribeExport':
          return { result: dynamoJson({ ExportDescription: await describeExport(body) }, requestId) };
        case 'ListExports':
          return { result: dynamoJson(await listExports(body), requestId) };
        case 'DescribeContinuousBackups':
          return { result: dynamoJson(await describeContinuousBackups(body), requestId) };
        case 'UpdateContinuousBackups':
          return { result: dynamoJson(await updateContinuousBackups(body), requestId) };
        default:
          throw new Error(`not an export operation: ${operation}`);
      }
    } catch (error) {
      if (error instanceof DynamoDbError) return { result: dynamoErrorResult(error, requestId) };
      throw error;
    }
  }

  async function forwardedFault(operation: string, requestId: string): Promise<ServiceAnswer | undefined> {
    const context: FaultContext = { service: 'dynamodb', operation };
    const delays = namedRules(context, ['delay']);
    if (delays.length > 0 && delays.every((rule) => rule.operation === operation)) {
      const taken = faults.take(context, ['delay']);
      const delayMs = taken.reduce((sum, rule) => sum + (rule.delayMs ?? 0), 0);
      if (delayMs > 0) await sleep(delayMs);
    }
    // FaultController uses up rules in the order they were added; a rule for any operation ahead of
    // one naming this operation would be taken instead, so then the call goes through untouched.
    const first = namedRules(context, ['reset', 'throttle', 'error500'])[0];
    if (!first || first.operation !== operation) return undefined;
    const injected = faults.take(context, ['reset', 'throttle', 'error500'], true)[0];
    if (!injected) return undefined;
    return { result: faultResult(injected, operation, requestId), fault: injected.kind };
  }

  /** Active rules of these kinds that match a DynamoDB request, in FaultController's order. */
  function namedRules(context: FaultContext, kinds: readonly FaultKind[]) {
    return faults
      .list()
      .filter(
        (rule) =>
          kinds.includes(rule.kind) &&
          (rule.remaining === null || rule.remaining > 0) &&
          ['*', 'dynamodb'].includes(rule.service ?? '*') &&
          (!rule.operation || rule.operation === '*' || rule.operation === context.operation) &&
          !rule.applicationId,
      );
  }

  function faultResult(rule: ActiveFault, operation: string, requestId: string): HttpResult | 'reset' {
    if (rule.kind === 'reset') return 'reset';
    if (rule.kind === 'throttle') {
      return dynamoErrorResult(
        DATA_PLANE_OPERATIONS.has(operation)
          ? dynamoErrors.throughputExceeded(rule.message)
          : dynamoErrors.throttling(rule.message),
        requestId,
      );
    }
    return dynamoErrorResult(dynamoErrors.internal(rule.message), requestId);
  }

  // ---- continuous backups ----

  async function describeContinuousBackups(body: Record<string, unknown>) {
    const name = tableNameParam(body.TableName);
    await describeTable(name);
    return { ContinuousBackupsDescription: continuousBackups(changes.table(name)) };
  }

  async function updateContinuousBackups(body: Record<string, unknown>) {
    const name = tableNameParam(body.TableName);
    const spec = body.PointInTimeRecoverySpecification;
    const problems = new Problems();
    if (spec === undefined || spec === null) {
      problems.add(null, 'pointInTimeRecoverySpecification', 'Member must not be null');
    } else if (typeof spec !== 'object') {
      throw dynamoErrors.serialization('PointInTimeRecoverySpecification must be a structure');
    }
    const given = (spec ?? {}) as Record<string, unknown>;
    const enabled = given.PointInTimeRecoveryEnabled;
    if (spec && (enabled === undefined || enabled === null)) {
      problems.add(
        null,
        'pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled',
        'Member must not be null',
      );
    } else if (spec && typeof enabled !== 'boolean') {
      throw dynamoErrors.serialization('PointInTimeRecoveryEnabled must be a boolean');
    }
    const period = given.RecoveryPeriodInDays;
    if (period !== undefined && (typeof period !== 'number' || !Number.isInteger(period))) {
      throw dynamoErrors.serialization('RecoveryPeriodInDays must be an integer');
    }
    if (typeof period === 'number' && (period < 1 || period > 35)) {
      problems.add(
        period,
        'pointInTimeRecoverySpecification.recoveryPeriodInDays',
        period < 1
          ? 'Member must have value greater than or equal to 1'
          : 'Member must have value less than or equal to 35',
      );
    }
    problems.throwIfAny();
    const table = await describeTable(name);
    if (enabled === true) {
      changes.enable(
        name,
        {
          tableId: table.tableId,
          keySchema: table.keySchema,
          recoveryPeriodInDays: typeof period === 'number' ? period : DEFAULT_RECOVERY_PERIOD_DAYS,
        },
        now(),
      );
    } else {
      changes.disable(name);
    }
    return { ContinuousBackupsDescription: continuousBackups(changes.table(name)) };
  }

  /** ContinuousBackupsStatus is ENABLED for every table (UpdateContinuousBackups' documentation); PITR is per table. */
  function continuousBackups(table: PitrTable | undefined) {
    if (!table) {
      return {
        ContinuousBackupsStatus: 'ENABLED',
        PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'DISABLED' },
      };
    }
    const nowMs = now();
    return {
      ContinuousBackupsStatus: 'ENABLED',
      PointInTimeRecoveryDescription: {
        PointInTimeRecoveryStatus: 'ENABLED',
        RecoveryPeriodInDays: table.recoveryPeriodInDays,
        EarliestRestorableDateTime: epochSeconds(changes.earliestRestorableMs(table, nowMs)),
        // AWS says "typically 5 minutes before the current time"; here every write is kept at once.
        LatestRestorableDateTime: epochSeconds(nowMs),
      },
    };
  }

  // ---- exports ----

  async function exportTable(
    body: Record<string, unknown>,
  ): Promise<{ record: ExportRecord; created: boolean }> {
    const request = validateExportRequest(body);
    const nowMs = now();
    const fingerprint = JSON.stringify(request.fingerprint);
    if (request.clientToken !== undefined) {
      const known = tokens.get(request.clientToken);
      if (known && nowMs - known.atMs < CLIENT_TOKEN_MS) {
        if (known.fingerprint !== fingerprint) {
          throw dynamoErrors.exportConflict(
            `Duplicate request detected: client token ${request.clientToken} was used within the last 8 hours with other parameters`,
          );
        }
        const record = exports.get(known.arn)!;
        await settleOne(record);
        return { record, created: false };
      }
    }

    const { tableName, account } = request;
    if (request.region !== region) throw dynamoErrors.tableNotFound(tableName);
    const table = await describeTable(tableName);
    const pitr = changes.table(tableName);
    if (!pitr) throw dynamoErrors.pitrUnavailable(tableName);
    const earliest = changes.earliestRestorableMs(pitr, nowMs);
    const window = checkTimes(request, earliest, nowMs);
    const running = [...exports.values()].filter(
      (r) => r.status === 'IN_PROGRESS' && (r.dueMs === undefined || r.dueMs > nowMs),
    );
    if (running.length >= MAX_CONCURRENT_EXPORTS) {
      throw dynamoErrors.limitExceeded(
        `Too many concurrent exports: at most ${MAX_CONCURRENT_EXPORTS} may run at once`,
      );
    }

    const id = `${String(nowMs).padStart(14, '0')}-${randomBytes(4).toString('hex')}`;
    const tableArn = `arn:aws:dynamodb:${region}:${account}:table/${tableName}`;
    const record: ExportRecord = {
      arn: `${tableArn}/export/${id}`,
      id,
      tableName,
      tableArn,
      tableId: table.tableId,
      clientToken: request.clientToken ?? randomUUID(),
      startMs: nowMs,
      dueMs: nowMs + options.exportDurationMs,
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
    const outcome = faults.take(
      { service: 'dynamodb', operation: 'ExportTableToPointInTime' },
      ['job-fail', 'job-stuck'],
      true,
    )[0];
    const truncate = faults.take(
      { service: 'dynamodb', operation: 'ExportTableToPointInTime' },
      ['truncate-export'],
      true,
    )[0];
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
    try {
      // AWS writes `_started` first: it "verifies that the destination bucket is writable".
      await writeStarted({
        s3Root: options.s3Root,
        bucket: record.bucket,
        prefix: record.prefix,
        exportId: id,
      });
    } catch (error) {
      if (!(error instanceof NoSuchBucketError)) throw error;
      record.plannedFailure ??= { code: 'S3NoSuchBucket', message: error.message };
    }
    exports.set(record.arn, record);
    tokens.set(record.clientToken, { arn: record.arn, fingerprint, atMs: nowMs });
    return { record, created: true };
  }

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

  async function describeExport(body: Record<string, unknown>) {
    const arn = body.ExportArn;
    const problems = new Problems();
    if (arn === undefined || arn === null) problems.add(null, 'exportArn', 'Member must not be null');
    else if (typeof arn !== 'string') throw dynamoErrors.serialization('ExportArn must be a string');
    else if (arn.length < 37)
      problems.add(arn, 'exportArn', 'Member must have length greater than or equal to 37');
    else if (arn.length > 1024)
      problems.add(arn, 'exportArn', 'Member must have length less than or equal to 1024');
    problems.throwIfAny();
    if (!EXPORT_ARN.test(arn as string)) throw dynamoErrors.validation(`Invalid Export ARN: ${arn}`);
    const record = exports.get(arn as string);
    if (!record) throw dynamoErrors.exportNotFound(arn as string);
    await settleOne(record);
    return describe(record);
  }

  async function listExports(body: Record<string, unknown>) {
    const { TableArn: tableArn, MaxResults: maxResults, NextToken: nextToken } = body;
    if (tableArn !== undefined && typeof tableArn !== 'string')
      throw dynamoErrors.serialization('TableArn must be a string');
    if (maxResults !== undefined && (typeof maxResults !== 'number' || !Number.isInteger(maxResults))) {
      throw dynamoErrors.serialization('MaxResults must be an integer');
    }
    if (nextToken !== undefined && typeof nextToken !== 'string')
      throw dynamoErrors.serialization('NextToken must be a string');
    const problems = new Problems();
    if (typeof maxResults === 'number' && maxResults < 1)
      problems.add(maxResults, 'maxResults', 'Member must have value greater than or equal to 1');
    if (typeof maxResults === 'number' && maxResults > 25)
      problems.add(maxResults, 'maxResults', 'Member must have value less than or equal to 25');
    problems.throwIfAny();
    let after: string | undefined;
    if (nextToken !== undefined) {
      after = decodeToken(nextToken);
      if (after === undefined)
        throw dynamoErrors.validation('The NextToken given to ListExports is not valid');
    }
    await settle();
    const listed = [...exports.values()]
      .filter((r) => !r.tableDeleted && (tableArn === undefined || r.tableArn === tableArn))
      // "in reverse alphanumeric order of ExportArn" (ListExports' documentation)
      .sort((a, b) => (a.arn < b.arn ? 1 : a.arn > b.arn ? -1 : 0))
      .filter((r) => after === undefined || r.arn < after);
    const page = listed.slice(0, typeof maxResults === 'number' ? maxResults : DEFAULT_PAGE);
    return {
      ExportSummaries: page.map((r) => ({ ExportArn: r.arn, ExportStatus: r.status, ExportType: r.type })),
      ...(listed.length > page.length ? { NextToken: encodeToken(page.at(-1)!.arn) } : {}),
    };
  }

  function describe(r: ExportRecord): Record<string, unknown> {
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
      ...(r.failureCode !== undefined
        ? { FailureCode: r.failureCode, FailureMessage: r.failureMessage }
        : {}),
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

  async function settle(): Promise<void> {
    await Promise.all([...exports.values()].map(settleOne));
  }

  function settleOne(record: ExportRecord): Promise<void> {
    if (record.status !== 'IN_PROGRESS' || record.dueMs === undefined || now() < record.dueMs) {
      return record.finishing ?? Promise.resolve();
    }
    record.finishing ??= finish(record, record.dueMs);
    return record.finishing;
  }

  async function finish(record: ExportRecord, endMs: number): Promise<void> {
    const fail = (code: string, message: string) => {
      record.status = 'FAILED';
      record.endMs = endMs;
      record.failureCode = code;
      record.failureMessage = message;
    };
    if (record.plannedFailure) {
      fail(record.plannedFailure.code, record.plannedFailure.message);
      return;
    }
    try {
      const lines = await changes.serialize(() => exportLines(record));
      if (!lines) {
        fail('TableNotFound', `Table ${record.tableName} was deleted before the export completed`);
        return;
      }
      const written = await writeExportFiles({
        s3Root: options.s3Root,
        bucket: record.bucket,
        prefix: record.prefix,
        exportId: record.id,
        exportArn: record.arn,
        tableArn: record.tableArn,
        tableId: record.tableId,
        startMs: record.startMs,
        endMs,
        format: record.format,
        sseAlgorithm: record.sseAlgorithm,
        sseKmsKeyId: record.sseKmsKeyId,
        ...(record.exportTimeMs !== undefined ? { exportTimeMs: record.exportTimeMs } : {}),
        ...(record.incremental ? { incremental: record.incremental } : {}),
        // An export cut short (the truncate-export fault): fewer items in the files than ItemCount says.
        lines:
          record.dropItems === undefined
            ? lines
            : lines.slice(0, lines.length - dropped(record.dropItems, lines.length)),
        itemsPerFile: options.itemsPerFile,
      });
      record.status = 'COMPLETED';
      record.endMs = endMs;
      record.itemCount = record.dropItems === undefined ? written.itemCount : lines.length;
      record.billedSizeBytes = written.billedSizeBytes;
      record.manifestKey = written.manifestKey;
      record.dataFileKeys = written.dataFileKeys;
    } catch (error) {
      if (error instanceof NoSuchBucketError) fail('S3NoSuchBucket', error.message);
      else fail('InternalError', `The export could not be written: ${(error as Error).message}`);
    }
  }

  /**
   * The export's lines, reconstructed from the table now and the writes recorded since
   * (see emulator-changes.ts): the table as it was at ExportTime, or each item changed in
   * [ExportFromTime, ExportToTime) with its images just before either end. Undefined when
   * the table is gone. A table whose PITR was turned off since has no history: it is
   * exported as it is now.
   */
  async function exportLines(record: ExportRecord): Promise<ExportLine[] | undefined> {
    const pitr = changes.table(record.tableName);
    const schema =
      pitr?.keySchema ?? (await describeTable(record.tableName).catch(() => undefined))?.keySchema;
    if (!schema) return undefined;
    if (!record.incremental) {
      const items = await scanAll(record.tableName);
      if (!items) return undefined;
      const byKey = new Map<string, AttributeMap>();
      for (const item of items) byKey.set(keyId(schema, keyOf(schema, item)!), item);
      // "At ExportTime" includes writes at that very millisecond.
      const at = (record.exportTimeMs ?? record.startMs) + 1;
      for (const [id, history] of pitr?.history ?? []) {
        if (!history.changes.some((change) => change.atMs >= at)) continue;
        const then = stateBefore(history, at, byKey.get(id));
        if (then) byKey.set(id, then);
        else byKey.delete(id);
      }
      return [...byKey.values()].map((item) => ({ Item: item }));
    }
    const { fromMs, toMs, viewType } = record.incremental;
    const lines: IncrementalExportLine[] = [];
    for (const history of pitr?.history.values() ?? []) {
      const inWindow = history.changes.filter((change) => change.atMs >= fromMs && change.atMs < toMs);
      if (inWindow.length === 0) continue;
      const oldImage = inWindow[0]!.before;
      const later = history.changes.some((change) => change.atMs >= toMs);
      const newImage = later
        ? stateBefore(history, toMs, undefined)
        : await getItem(record.tableName, history.keys);
      // An item created and deleted within the window leaves no line ("compacted" output).
      if (!oldImage && !newImage) continue;
      lines.push({
        Metadata: { WriteTimestampMicros: { N: String(inWindow.at(-1)!.atMs * 1000) } },
        Keys: history.keys,
        ...(viewType === 'NEW_AND_OLD_IMAGES' && oldImage ? { OldImage: oldImage } : {}),
        ...(newImage ? { NewImage: newImage } : {}),
      });
    }
    return lines;
  }

  // ---- writes to tables under PITR ----

  function watches(operation: string): boolean {
    if (operation === 'DeleteTable') return changes.active || exports.size > 0;
    return changes.active && WRITE_OPERATIONS.has(operation);
  }

  async function beforeForward(operation: string, body: unknown): Promise<ForwardHook | undefined> {
    if (typeof body !== 'object' || body === null) return undefined;
    const request = body as Record<string, unknown>;
    if (operation === 'DeleteTable') {
      const name = typeof request.TableName === 'string' ? nameOfTable(request.TableName) : undefined;
      return {
        after: (status) => {
          if (status === 200 && name !== undefined) tableDeleted(name);
        },
      };
    }
    const targets = writeTargets(operation, request);
    if (targets.length === 0) return undefined;
    // Held from reading the before-images until the write is recorded: see ChangeLog.serialize.
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    await new Promise<void>((acquired) => {
      void changes.serialize(async () => {
        acquired();
        await released;
      });
    });
    let befores: (AttributeMap | undefined)[];
    try {
      befores = await Promise.all(targets.map((target) => getItem(target.table.name, target.keys)));
    } catch (error) {
      release();
      throw error;
    }
    let done = false;
    return {
      after: (status, answer) => {
        if (done) return;
        done = true;
        try {
          if (status !== 200) return;
          const unprocessed = unprocessedKeys(answer);
          const atMs = now();
          targets.forEach((target, i) => {
            if (unprocessed.has(`${target.table.name} ${keyId(target.table.keySchema, target.keys)}`)) return;
            changes.record(target.table, target.keys, atMs, befores[i]);
          });
        } finally {
          release();
        }
      },
    };
  }

  /** The items a write touches in tables under PITR. */
  function writeTargets(operation: string, request: Record<string, unknown>) {
    const targets: { table: PitrTable; keys: AttributeMap }[] = [];
    const add = (tableName: unknown, item: unknown) => {
      if (typeof tableName !== 'string' || typeof item !== 'object' || item === null) return;
      const table = changes.table(nameOfTable(tableName));
      const keys = table ? keyOf(table.keySchema, item as AttributeMap) : undefined;
      if (table && keys) targets.push({ table, keys });
    };
    if (operation === 'PutItem') add(request.TableName, request.Item);
    if (operation === 'UpdateItem' || operation === 'DeleteItem') add(request.TableName, request.Key);
    if (operation === 'BatchWriteItem' && typeof request.RequestItems === 'object' && request.RequestItems) {
      for (const [tableName, writes] of Object.entries(request.RequestItems as Record<string, unknown>)) {
        for (const write of Array.isArray(writes) ? writes : []) {
          const w = write as { PutRequest?: { Item?: unknown }; DeleteRequest?: { Key?: unknown } };
          add(tableName, w.PutRequest?.Item ?? w.DeleteRequest?.Key);
        }
      }
    }
    if (operation === 'TransactWriteItems' && Array.isArray(request.TransactItems)) {
      for (const action of request.TransactItems as Record<
        string,
        { TableName?: unknown; Item?: unknown; Key?: unknown }
      >[]) {
        const write = action.Put ?? action.Update ?? action.Delete;
        if (write) add(write.TableName, write.Item ?? write.Key);
      }
    }
    return targets;
  }

  /** BatchWriteItem's UnprocessedItems as `<table> <key id>`: those writes did not happen. */
  function unprocessedKeys(answer: string): Set<string> {
    const unprocessed = new Set<string>();
    let parsed: { UnprocessedItems?: Record<string, unknown[]> };
    try {
      parsed = JSON.parse(answer);
    } catch {
      return unprocessed;
    }
    for (const [tableName, writes] of Object.entries(parsed.UnprocessedItems ?? {})) {
      const table = changes.table(tableName);
      if (!table) continue;
      for (const write of writes) {
        const w = write as { PutRequest?: { Item?: AttributeMap }; DeleteRequest?: { Key?: AttributeMap } };
        const keys = keyOf(table.keySchema, w.PutRequest?.Item ?? w.DeleteRequest?.Key ?? {});
        if (keys) unprocessed.add(`${tableName} ${keyId(table.keySchema, keys)}`);
      }
    }
    return unprocessed;
  }

  function tableDeleted(name: string): void {
    changes.disable(name);
    for (const record of exports.values()) if (record.tableName === name) record.tableDeleted = true;
  }

  // ---- reading tables through dynalite ----

  async function describeTable(name: string): Promise<{ tableId: string; keySchema: KeySchema }> {
    const answer = await dynalite('DescribeTable', { TableName: name });
    if (answer.status !== 200) {
      if (String(answer.body.__type ?? '').endsWith('#ResourceNotFoundException'))
        throw dynamoErrors.tableNotFound(name);
      throw dynamoErrors.validation(
        String(answer.body.message ?? answer.body.Message ?? 'Invalid table name'),
      );
    }
    const table = answer.body.Table as {
      TableId?: string;
      KeySchema: { AttributeName: string; KeyType: string }[];
    };
    const hash = table.KeySchema.find((k) => k.KeyType === 'HASH')!.AttributeName;
    const range = table.KeySchema.find((k) => k.KeyType === 'RANGE')?.AttributeName;
    return {
      tableId: tableIdOf(table.TableId ?? name),
      keySchema: range === undefined ? { hash } : { hash, range },
    };
  }

  async function getItem(tableName: string, keys: AttributeMap): Promise<AttributeMap | undefined> {
    const answer = await dynalite('GetItem', { TableName: tableName, Key: keys, ConsistentRead: true });
    if (answer.status !== 200)
      throw new Error(`GetItem on ${tableName} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body.Item as AttributeMap | undefined;
  }

  /** Every item, page by page; undefined when the table is gone. */
  async function scanAll(tableName: string): Promise<AttributeMap[] | undefined> {
    const items: AttributeMap[] = [];
    let start: unknown;
    do {
      const answer = await dynalite('Scan', {
        TableName: tableName,
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      if (answer.status !== 200) return undefined;
      items.push(...((answer.body.Items as AttributeMap[] | undefined) ?? []));
      start = answer.body.LastEvaluatedKey;
    } while (start);
    return items;
  }

  return {
    handle,
    forwardedFault,
    watches,
    beforeForward,
    settle,
    exports: () => [...exports.values()].map(view),
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
