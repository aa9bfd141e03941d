import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  ResourceInUseException,
  ScanCommand,
  UpdateContinuousBackupsCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { ledgerTableSchema } from '../../core/ledger-schema.ts';
import { createDynamoDbService, type DynamoDbExportView } from '../../sources/dynamodb/emulator.ts';
import { FaultController } from '../../sources/emulator/faults.ts';
import { ACCOUNT_ID } from '../../sources/emulator/protocol.ts';
import { requestHandler } from './router.ts';
import { createTables } from './tables.ts';

/*
 * DynamoDB for local runs, on its own (createLocalDynamoDb: a ledger without a whole
 * emulator, and the tests of DynamoDB's exports): the emulator's tables (dynalite,
 * tables.ts) with the `dynamodb` source's service in front (sources/dynamodb/emulator.ts:
 * table exports and continuous backups, which dynalite does not implement), routed as the
 * emulator routes them, by X-Amz-Target. And the run ledger's helpers: its table, its items
 * saved between local runs, seeded tables for the demos and tests.
 */

/** Name of the run ledger table the emulator creates unless told otherwise. */
export const DEFAULT_LEDGER_TABLE = 'scheduled-exports-local-runs';

export interface LocalDynamoDb {
  /** Serves one request (its body not yet read). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Every table export, as last settled (read-only copies). */
  exports(): DynamoDbExportView[];
  /** Finishes the exports whose time has come on the clock (writes their files). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link createLocalDynamoDb}; all optional, so a bare ledger needs none. */
export interface LocalDynamoDbOptions {
  /** Fault rules with `service: 'dynamodb'` (or any service) apply to the export operations. */
  faults?: FaultController;
  /** Clock (ms) for exports and PITR times; default `Date.now`. */
  now?: () => number;
  /** Region in ARNs; default 'us-east-1'. The account id is always 000000000000. */
  region?: string;
  /** The folder the emulator's S3 serves (`<dataDir>/s3`); default `.local/emulator/s3`. */
  s3Root?: string;
  /** How long an export stays IN_PROGRESS on the `now` clock; default 3,000 ms. */
  exportDurationMs?: number;
  /** Items per export data file; default 5,000. */
  exportItemsPerFile?: number;
}

/** An in-memory DynamoDB with table exports; tables are ACTIVE at once. */
export function createLocalDynamoDb(options: LocalDynamoDbOptions = {}): LocalDynamoDb {
  const faults = options.faults ?? new FaultController();
  const tables = createTables({ faults });
  const exports = createDynamoDbService(
    {
      faults,
      now: options.now ?? Date.now,
      region: options.region ?? 'us-east-1',
      account: ACCOUNT_ID,
      s3Root: options.s3Root ?? resolve('.local/emulator/s3'),
      tables: tables.store,
    },
    {
      ...(options.exportDurationMs !== undefined ? { exportDurationMs: options.exportDurationMs } : {}),
      ...(options.exportItemsPerFile !== undefined ? { exportItemsPerFile: options.exportItemsPerFile } : {}),
    },
  );
  const handle = requestHandler([exports], { faults, now: Date.now, fallback: tables.service });
  return {
    handle,
    exports: () => exports.state.exports(),
    settle: () => exports.settle?.() ?? Promise.resolve(),
    close: () => tables.close(),
  };
}

const localClient = (endpoint: string, region = 'us-east-1') =>
  new DynamoDBClient({ endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

/**
 * Waits until a table just created is ACTIVE, as a DynamoDB client must: until then item
 * calls answer ResourceNotFoundException (dynalite flips CREATING to ACTIVE on a timer, which
 * a busy machine may not have run yet when the next request arrives).
 */
async function waitUntilActive(client: DynamoDBClient, tableName: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > until)
      throw new Error(`table ${tableName} is still ${Table?.TableStatus} after ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** Creates the run ledger table at `endpoint` (any DynamoDB: the emulator's, or another); an existing table is fine. */
export async function createLedgerTable(endpoint: string, tableName: string, region = 'us-east-1') {
  const client = localClient(endpoint, region);
  try {
    const schema = ledgerTableSchema();
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: schema.BillingMode,
        AttributeDefinitions: schema.AttributeDefinitions.map((a) => ({ ...a })),
        KeySchema: schema.KeySchema.map((k) => ({ ...k })),
        GlobalSecondaryIndexes: schema.GlobalSecondaryIndexes.map((index) => ({
          IndexName: index.IndexName,
          KeySchema: index.KeySchema.map((k) => ({ ...k })),
          Projection: { ...index.Projection },
        })),
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  try {
    await waitUntilActive(client, tableName);
  } finally {
    client.destroy();
  }
}

/** Turns point-in-time recovery on for a table at `endpoint`, through the SDK: exports need it. */
export async function enablePointInTimeRecovery(endpoint: string, tableName: string, region = 'us-east-1') {
  const client = localClient(endpoint, region);
  try {
    await client.send(
      new UpdateContinuousBackupsCommand({
        TableName: tableName,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
  } finally {
    client.destroy();
  }
}

/** The partition key of tables made by {@link createSeededTable}. */
export const SEEDED_TABLE_KEY = 'pk';

/** Item `i` (0-based) of a seeded table: the same every time, with a few attribute types. */
export function seededItem(i: number): Record<string, AttributeValue> {
  return {
    [SEEDED_TABLE_KEY]: { S: `item-${String(i).padStart(6, '0')}` },
    seq: { N: String(i) },
    label: { S: `Seeded item ${i}` },
    even: { BOOL: i % 2 === 0 },
  };
}

/**
 * Creates a table (string partition key {@link SEEDED_TABLE_KEY}, on-demand) at `endpoint`
 * and puts `items` items ({@link seededItem}) through the SDK, 25 to a BatchWriteItem.
 */
export async function createSeededTable(
  endpoint: string,
  tableName: string,
  items: number,
  region = 'us-east-1',
) {
  const client = localClient(endpoint, region);
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: SEEDED_TABLE_KEY, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: SEEDED_TABLE_KEY, KeyType: 'HASH' }],
      }),
    );
    await waitUntilActive(client, tableName);
    for (let start = 0; start < items; start += 25) {
      let writes: WriteRequest[] = Array.from({ length: Math.min(25, items - start) }, (_, j) => ({
        PutRequest: { Item: seededItem(start + j) },
      }));
      while (writes.length > 0) {
        const answer = await client.send(
          new BatchWriteItemCommand({ RequestItems: { [tableName]: writes } }),
        );
        writes = answer.UnprocessedItems?.[tableName] ?? [];
      }
    }
  } finally {
    client.destroy();
  }
}

/*
 * dynalite keeps tables in memory: a local ledger lives on between runs as a JSON
 * file of its items (DynamoDB's own attribute-value shape), loaded into the
 * table when a local run starts and written back when it ends.
 */

/** Loads the items saved in `file` (none when it does not exist) into the table. */
export async function loadLedgerFile(
  endpoint: string,
  tableName: string,
  file: string,
  /** Which saved items to load (default all). */
  keep: (item: Record<string, AttributeValue>) => boolean = () => true,
): Promise<number> {
  let items: Record<string, AttributeValue>[];
  try {
    items = JSON.parse(await readFile(file, 'utf8')) as Record<string, AttributeValue>[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new Error(
      `${file} is not a saved run ledger (delete it to start afresh): ${(error as Error).message}`,
    );
  }
  const kept = items.filter(keep);
  const client = localClient(endpoint);
  try {
    for (const item of kept) await client.send(new PutItemCommand({ TableName: tableName, Item: item }));
  } finally {
    client.destroy();
  }
  return kept.length;
}

/** Writes every item of the table to `file` (whole, then renamed). */
export async function saveLedgerFile(endpoint: string, tableName: string, file: string): Promise<number> {
  const client = localClient(endpoint);
  const items: Record<string, AttributeValue>[] = [];
  try {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({ TableName: tableName, ...(start ? { ExclusiveStartKey: start } : {}) }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    client.destroy();
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, `${JSON.stringify(items)}\n`);
  await rename(`${file}.tmp`, file);
  return items.length;
}

/** Where a local data folder keeps its run ledger between runs. */
export function ledgerFileOf(dataDir: string): string {
  return join(dataDir, 'ledger', 'runs.json');
}

export interface LocalLedgerServer {
  /** `http://127.0.0.1:<port>`: an endpoint for DynamoDBClient. */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * DynamoDB on its own port with the ledger table created (and, given a file, its
 * saved items loaded): for reading a local ledger without a whole emulator, and for tests.
 */
export async function startLocalLedgerServer(tableName: string, file?: string): Promise<LocalLedgerServer> {
  const dynamo = createLocalDynamoDb();
  const server = createServer((req, res) => dynamo.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await createLedgerTable(endpoint, tableName);
  if (file) await loadLedgerFile(endpoint, tableName, file);
  return {
    endpoint,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dynamo.close();
    },
  };
}
