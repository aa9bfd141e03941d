/*
 * How an export ends. An export is IN_PROGRESS for `exportDurationMs` on the emulator's
 * clock; the first time it is seen after that (DescribeExport, ListExports, an S3
 * request, the state) it ends: FAILED as planned at its start (a missing bucket, a
 * `job-fail` fault) or when its table is gone, otherwise COMPLETED with its files
 * written (emulator-files.ts). Its lines are rebuilt from the table as it is now and the
 * writes recorded since (emulator-changes.ts).
 */

import { type AttributeMap, keyId, keyOf, stateBefore } from './emulator-changes.ts';
import type { DynamoDbContext, ExportRecord } from './emulator-exports.ts';
import {
  type ExportLine,
  type IncrementalExportLine,
  NoSuchBucketError,
  writeExportFiles,
} from './emulator-files.ts';

/** Finishes every export whose time has come. */
export async function settleExports(ctx: DynamoDbContext): Promise<void> {
  await Promise.all([...ctx.exports.records.values()].map((record) => settleOne(ctx, record)));
}

/** Finishes the export if its time has come (once); waits for a finish under way. */
export function settleOne(ctx: DynamoDbContext, record: ExportRecord): Promise<void> {
  if (record.status !== 'IN_PROGRESS' || record.dueMs === undefined || ctx.now() < record.dueMs) {
    return record.finishing ?? Promise.resolve();
  }
  record.finishing ??= finish(ctx, record, record.dueMs);
  return record.finishing;
}

/** How many of `total` items a truncated export leaves out: the given number, or half (at least one). */
function dropped(drop: number | 'half', total: number): number {
  return Math.min(total, drop === 'half' ? Math.max(1, Math.floor(total / 2)) : drop);
}

async function finish(ctx: DynamoDbContext, record: ExportRecord, endMs: number): Promise<void> {
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
    const lines = await ctx.changes.serialize(() => exportLines(ctx, record));
    if (!lines) {
      fail('TableNotFound', `Table ${record.tableName} was deleted before the export completed`);
      return;
    }
    const written = await writeExportFiles({
      s3Root: ctx.s3Root,
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
      itemsPerFile: ctx.itemsPerFile,
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
async function exportLines(ctx: DynamoDbContext, record: ExportRecord): Promise<ExportLine[] | undefined> {
  const pitr = ctx.changes.table(record.tableName);
  const schema =
    pitr?.keySchema ?? (await ctx.tables.describeTable(record.tableName).catch(() => undefined))?.keySchema;
  if (!schema) return undefined;
  if (!record.incremental) {
    const items = await ctx.tables.scanAll(record.tableName);
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
      : await ctx.tables.getItem(record.tableName, history.keys);
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
