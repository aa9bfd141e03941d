/*
 * Reading the emulator's tables (dynalite, through the TableStore the emulator gives
 * every service) in process: a table's id and key schema, one item, every item. The
 * export service reads the tables as they are now and rebuilds earlier states from the
 * writes it recorded (emulator-changes.ts).
 */

import type { TableStore } from '../emulator/service.ts';
import type { AttributeMap, KeySchema } from './emulator-changes.ts';
import { tableIdOf } from './emulator-request.ts';
import { dynamoErrors } from './emulator-wire.ts';

/** The reads the export service makes of the tables. */
export interface TableReader {
  /** The table's id and key schema; TableNotFoundException (or ValidationException) when there is none. */
  describeTable(name: string): Promise<{ tableId: string; keySchema: KeySchema }>;
  /** One item, read consistently; undefined when it does not exist. */
  getItem(tableName: string, keys: AttributeMap): Promise<AttributeMap | undefined>;
  /** Every item, page by page; undefined when the table is gone. */
  scanAll(tableName: string): Promise<AttributeMap[] | undefined>;
}

export function tableReader(tables: Pick<TableStore, 'call'>): TableReader {
  return {
    async describeTable(name) {
      const answer = await tables.call('DescribeTable', { TableName: name });
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
    },

    async getItem(tableName, keys) {
      const answer = await tables.call('GetItem', { TableName: tableName, Key: keys, ConsistentRead: true });
      if (answer.status !== 200)
        throw new Error(`GetItem on ${tableName} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return answer.body.Item as AttributeMap | undefined;
    },

    async scanAll(tableName) {
      const items: AttributeMap[] = [];
      let start: unknown;
      do {
        const answer = await tables.call('Scan', {
          TableName: tableName,
          ...(start ? { ExclusiveStartKey: start } : {}),
        });
        if (answer.status !== 200) return undefined;
        items.push(...((answer.body.Items as AttributeMap[] | undefined) ?? []));
        start = answer.body.LastEvaluatedKey;
      } while (start);
      return items;
    },
  };
}
