import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import {
  type AttributeValue,
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  ResourceInUseException,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { ledgerTableSchema } from '../functions/shared/ledger-schema.ts';

/*
 * DynamoDB for local runs: dynalite (a DynamoDB implementation speaking the real
 * awsJson1_0 protocol, in memory) served on the emulator's own port. The emulator
 * hands it every request whose X-Amz-Target names DynamoDB, so one endpoint URL
 * serves Pinpoint, SNS and DynamoDB, and `AWS_ENDPOINT_URL_DYNAMODB` points the
 * functions' unmodified SDK client at it.
 */

const require = createRequire(import.meta.url);
/** dynalite is CommonJS, and loaded only when a local DynamoDB is started (the CLI's AWS mode never needs it). */
const dynalite = () => require('dynalite') as (options: Record<string, unknown>) => Server;

/** Name of the run ledger table the emulator creates unless told otherwise. */
export const DEFAULT_LEDGER_TABLE = 'pinpoint-export-orchestrator-local-runs';

/** True for a request meant for DynamoDB (awsJson1_0: `X-Amz-Target: DynamoDB_20120810.<Operation>`). */
export function isDynamoDbRequest(req: IncomingMessage): boolean {
  return req.method === 'POST' && /^DynamoDB_\d+\./.test(String(req.headers['x-amz-target'] ?? ''));
}

/** The DynamoDB operation a request names, for the request log. */
export function dynamoDbOperation(req: IncomingMessage): string {
  return String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'Unknown';
}

export interface LocalDynamoDb {
  /** Serves one request (its body not yet read). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

/** An in-memory DynamoDB; tables are ACTIVE at once. */
export function createLocalDynamoDb(): LocalDynamoDb {
  const server = dynalite()({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  return {
    handle: (req, res) => {
      server.emit('request', req, res);
    },
    // dynalite closes its store when its server closes; the server never listened.
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Creates the run ledger table at `endpoint` (any DynamoDB: the emulator's, or another); an existing table is fine. */
const localClient = (endpoint: string, region = 'us-east-1') =>
  new DynamoDBClient({ endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

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
export async function loadLedgerFile(endpoint: string, tableName: string, file: string): Promise<number> {
  let items: Record<string, AttributeValue>[];
  try {
    items = JSON.parse(await readFile(file, 'utf8')) as Record<string, AttributeValue>[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new Error(
      `${file} is not a saved run ledger (delete it to start afresh): ${(error as Error).message}`,
    );
  }
  const client = localClient(endpoint);
  try {
    for (const item of items) await client.send(new PutItemCommand({ TableName: tableName, Item: item }));
  } finally {
    client.destroy();
  }
  return items.length;
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
