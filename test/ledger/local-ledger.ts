import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLedgerTable, startLocalLedgerServer as startServer } from '../../dev/emulator/dynamodb.ts';
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
  /** A new, empty ledger table's name, for ledgers with clients of their own (one through a proxy). */
  table(): Promise<string>;
  close(): Promise<void>;
}

let tables = 0;

export async function startLocalLedgerServer(): Promise<LocalLedgerServer> {
  const server = await startServer(`runs-${++tables}`);
  const client = new DynamoDBClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return {
    endpoint: server.endpoint,
    client,
    table: async () => {
      const tableName = `runs-${++tables}`;
      await createLedgerTable(server.endpoint, tableName);
      return tableName;
    },
    ledger: async (options = {}) => {
      const tableName = `runs-${++tables}`;
      await createLedgerTable(server.endpoint, tableName);
      return new RunLedger(client, { tableName, claimSeconds: 90, retentionDays: 400, ...options });
    },
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
}
