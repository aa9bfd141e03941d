/*
 * The writes to tables under point-in-time recovery, followed on their way to the tables
 * (a TableWatcher the service gives the emulator's TableStore): before a write, the images
 * it replaces are read; once the tables accepted it, it is recorded with its time on the
 * emulator's clock (emulator-changes.ts). A deleted table forgets its history, and its
 * exports leave ListExports.
 */

import type { TableHook, TableWatcher } from '../emulator/service.ts';
import { type AttributeMap, keyId, keyOf, type PitrTable } from './emulator-changes.ts';
import type { DynamoDbContext } from './emulator-exports.ts';
import { nameOfTable } from './emulator-request.ts';
import { WRITE_OPERATIONS } from './emulator-wire.ts';

/** The watcher of the writes to tables under PITR, and of table deletions. */
export function writeWatcher(ctx: DynamoDbContext): TableWatcher {
  return {
    watches(operation) {
      if (operation === 'DeleteTable') return ctx.changes.active || ctx.exports.records.size > 0;
      return ctx.changes.active && WRITE_OPERATIONS.has(operation);
    },
    before: (operation, body) => before(ctx, operation, body),
  };
}

async function before(
  ctx: DynamoDbContext,
  operation: string,
  body: unknown,
): Promise<TableHook | undefined> {
  if (typeof body !== 'object' || body === null) return undefined;
  const request = body as Record<string, unknown>;
  if (operation === 'DeleteTable') {
    const name = typeof request.TableName === 'string' ? nameOfTable(request.TableName) : undefined;
    return {
      after: (status) => {
        if (status === 200 && name !== undefined) tableDeleted(ctx, name);
      },
    };
  }
  const targets = writeTargets(ctx, operation, request);
  if (targets.length === 0) return undefined;
  // Held from reading the before-images until the write is recorded: see ChangeLog.serialize.
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  await new Promise<void>((acquired) => {
    void ctx.changes.serialize(async () => {
      acquired();
      await released;
    });
  });
  let befores: (AttributeMap | undefined)[];
  try {
    befores = await Promise.all(targets.map((target) => ctx.tables.getItem(target.table.name, target.keys)));
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
        const unprocessed = unprocessedKeys(ctx, answer);
        const atMs = ctx.now();
        targets.forEach((target, i) => {
          if (unprocessed.has(`${target.table.name} ${keyId(target.table.keySchema, target.keys)}`)) return;
          ctx.changes.record(target.table, target.keys, atMs, befores[i]);
        });
      } finally {
        release();
      }
    },
  };
}

/** The items a write touches in tables under PITR. */
function writeTargets(ctx: DynamoDbContext, operation: string, request: Record<string, unknown>) {
  const targets: { table: PitrTable; keys: AttributeMap }[] = [];
  const add = (tableName: unknown, item: unknown) => {
    if (typeof tableName !== 'string' || typeof item !== 'object' || item === null) return;
    const table = ctx.changes.table(nameOfTable(tableName));
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
function unprocessedKeys(ctx: DynamoDbContext, answer: string): Set<string> {
  const unprocessed = new Set<string>();
  let parsed: { UnprocessedItems?: Record<string, unknown[]> };
  try {
    parsed = JSON.parse(answer);
  } catch {
    return unprocessed;
  }
  for (const [tableName, writes] of Object.entries(parsed.UnprocessedItems ?? {})) {
    const table = ctx.changes.table(tableName);
    if (!table) continue;
    for (const write of writes) {
      const w = write as { PutRequest?: { Item?: AttributeMap }; DeleteRequest?: { Key?: AttributeMap } };
      const keys = keyOf(table.keySchema, w.PutRequest?.Item ?? w.DeleteRequest?.Key ?? {});
      if (keys) unprocessed.add(`${tableName} ${keyId(table.keySchema, keys)}`);
    }
  }
  return unprocessed;
}

function tableDeleted(ctx: DynamoDbContext, name: string): void {
  ctx.changes.disable(name);
  for (const record of ctx.exports.records.values())
    if (record.tableName === name) record.tableDeleted = true;
}
