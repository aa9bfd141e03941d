import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
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
import {
  createDynamoDbExportService,
  type DynaliteCall,
  type DynamoDbExportView,
  EXPORT_OPERATIONS,
  type ServiceAnswer,
} from '../../sources/dynamodb/emulator.ts';
import { FaultController } from '../../sources/emulator/faults.ts';
import { newRequestId } from '../../sources/emulator/protocol.ts';

/*
 * DynamoDB for local runs: dynalite (a DynamoDB implementation speaking the real
 * awsJson1_0 protocol, in memory) served on the emulator's own port. The emulator
 * hands it every request whose X-Amz-Target names DynamoDB, so one endpoint URL
 * serves Pinpoint, SNS and DynamoDB, and `AWS_ENDPOINT_URL_DYNAMODB` points the
 * functions' unmodified SDK client at it.
 *
 * dynalite implements neither table exports nor continuous backups: those five
 * operations (ExportTableToPointInTime, DescribeExport, ListExports,
 * DescribeContinuousBackups, UpdateContinuousBackups) are answered by
 * sources/dynamodb/emulator.ts on the same endpoint, which reads the tables through
 * dynalite in-process and writes the export files into the emulator's S3 folder.
 * Writes to a table under point-in-time recovery pass through it on their way to
 * dynalite, so exports can see the table as it was at an earlier moment.
 */

const require = createRequire(import.meta.url);
/** dynalite is CommonJS, and loaded only when a local DynamoDB is started (the CLI's AWS mode never needs it). */
const dynalite = () => require('dynalite') as (options: Record<string, unknown>) => Server;

/** dynalite's own request limit: a larger body gets its 413. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Name of the run ledger table the emulator creates unless told otherwise. */
export const DEFAULT_LEDGER_TABLE = 'scheduled-exports-local-runs';

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

/** An in-memory DynamoDB; tables are ACTIVE at once. */
export function createLocalDynamoDb(options: LocalDynamoDbOptions = {}): LocalDynamoDb {
  const server = dynalite()({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const call: DynaliteCall = (operation, body) => callInProcess(server, operation, body);
  const service = createDynamoDbExportService({
    dynalite: call,
    faults: options.faults ?? new FaultController(),
    now: options.now ?? Date.now,
    region: options.region ?? 'us-east-1',
    s3Root: options.s3Root ?? resolve('.local/emulator/s3'),
    exportDurationMs: options.exportDurationMs ?? 3000,
    itemsPerFile: options.exportItemsPerFile ?? 5000,
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const operation = dynamoDbOperation(req);
    const requestId = newRequestId();
    if (EXPORT_OPERATIONS.has(operation)) {
      const body = await readBody(req);
      if (body === undefined) return tooLarge(res);
      send(req, res, await service.handle(operation, body, requestId));
      return;
    }
    const injected = await service.forwardedFault(operation, requestId);
    if (injected) {
      req.resume();
      send(req, res, injected);
      return;
    }
    if (!service.watches(operation)) {
      server.emit('request', req, res);
      return;
    }
    const body = await readBody(req);
    if (body === undefined) return tooLarge(res);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined; // dynalite answers SerializationException
    }
    const hook = parsed === undefined ? undefined : await service.beforeForward(operation, parsed);
    if (hook) {
      // dynalite ends every answer with res.end(body): that is the moment the write happened.
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        const chunk = args[0];
        hook.after(
          res.statusCode,
          typeof chunk === 'string' || Buffer.isBuffer(chunk) ? chunk.toString() : '',
        );
        return end(...args);
      }) as ServerResponse['end'];
      res.once('close', () => hook.after(0, ''));
    }
    server.emit('request', replayOf(req, body), res);
  }

  return {
    handle: (req, res) => {
      route(req, res).catch((error: unknown) => {
        // Only a bug gets here; answer so the client does not hang.
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
    },
    exports: () => service.exports(),
    settle: () => service.settle(),
    // dynalite closes its store when its server closes; the server never listened.
    close: () => new Promise<void>((resolveClose) => server.close(() => resolveClose())),
  };
}

function send(req: IncomingMessage, res: ServerResponse, answer: ServiceAnswer): void {
  if (answer.result === 'reset') {
    req.socket.destroy();
    return;
  }
  const { status, headers, body } = answer.result;
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function tooLarge(res: ServerResponse): void {
  res.writeHead(413, { 'content-length': 0 });
  res.end();
}

/** The whole body, or undefined past dynalite's limit (the rest is drained). */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req) {
    bytes += (chunk as Buffer).length;
    if (bytes <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  return bytes <= MAX_BODY_BYTES ? Buffer.concat(chunks).toString('utf8') : undefined;
}

/** The request again, its body already read: dynalite reads it as it would the socket. */
function replayOf(req: IncomingMessage, body: string): IncomingMessage {
  return Object.assign(Readable.from([Buffer.from(body)], { objectMode: false }), {
    headers: req.headers,
    method: req.method,
    url: req.url,
    socket: req.socket,
  }) as unknown as IncomingMessage;
}

/**
 * One DynamoDB call answered by dynalite without a socket: the emulator's own reads
 * (DescribeTable, GetItem, Scan) for exports. dynalite checks that a request is signed,
 * not the signature.
 */
function callInProcess(
  server: Server,
  operation: string,
  body: Record<string, unknown>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolveCall) => {
    const request = Object.assign(Readable.from([Buffer.from(JSON.stringify(body))], { objectMode: false }), {
      method: 'POST',
      url: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
        'x-amz-date': '20260101T000000Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
    });
    const response = {
      statusCode: 200,
      setHeader: () => undefined,
      end: (text?: string) => {
        let parsed: Record<string, unknown> = {};
        try {
          parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          parsed = { message: text };
        }
        resolveCall({ status: response.statusCode, body: parsed });
      },
    };
    server.emit('request', request, response);
  });
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
