import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLedgerTable, createLocalDynamoDb, type LocalDynamoDb } from '../../emulator/dynamodb.ts';
import { type LedgerOptions, RunLedger } from '../../functions/shared/run-ledger.ts';

/*
 * A real DynamoDB implementation (dynalite, in memory) on 127.0.0.1 for tests of
 * the run ledger and the functions that use it: conditional writes over HTTP with
 * the real SDK, not a mock. One server per test file; a fresh table per ledger.
 */
export interface LocalLedgerServer {
  endpoint: string;
  client: DynamoDBClient;
  /** A ledger over a new, empty table. */
  ledger(options?: Partial<LedgerOptions>): Promise<RunLedger>;
  close(): Promise<void>;
}

let tables = 0;

export async function startLocalLedgerServer(): Promise<LocalLedgerServer> {
  const dynamo: LocalDynamoDb = createLocalDynamoDb();
  const server: Server = createServer((req, res) => dynamo.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return {
    endpoint,
    client,
    ledger: async (options = {}) => {
      const tableName = `runs-${++tables}`;
      await createLedgerTable(endpoint, tableName);
      return new RunLedger(client, { tableName, claimSeconds: 90, retentionDays: 400, ...options });
    },
    close: async () => {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dynamo.close();
    },
  };
}
