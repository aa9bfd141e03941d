import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { ledgerTableSchema } from '../functions/shared/ledger-schema.ts';

/*
 * DynamoDB for local runs: dynalite (a DynamoDB implementation speaking the real
 * awsJson1_0 protocol, in memory) served on the emulator's own port. The emulator
 * hands it every request whose X-Amz-Target names DynamoDB, so one endpoint URL
 * serves Pinpoint, SNS and DynamoDB, and `AWS_ENDPOINT_URL_DYNAMODB` points the
 * functions' unmodified SDK client at it.
 */

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

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
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  return {
    handle: (req, res) => {
      server.emit('request', req, res);
    },
    // dynalite closes its store when its server closes; the server never listened.
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Creates the run ledger table at `endpoint` (any DynamoDB: the emulator's, or another); an existing table is fine. */
export async function createLedgerTable(endpoint: string, tableName: string, region = 'us-east-1') {
  const client = new DynamoDBClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
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
