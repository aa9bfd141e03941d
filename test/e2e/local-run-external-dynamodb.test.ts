import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListExportsCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/start.ts';
import { createSeededTable, enablePointInTimeRecovery } from '../../dev/emulator/dynamodb.ts';
import { type Emulator, startEmulator } from '../../dev/emulator/index.ts';

/*
 * `npm start -- --source dynamodb` with external endpoints (AWS_ENDPOINT_URL_*): the table is
 * the user's, not the emulator's seeded one. A second emulator on 127.0.0.1 stands for the
 * external endpoint; its table is created here, as a user's would exist.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'external-dynamodb-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

let external: Emulator | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await external?.close();
  external = undefined;
});

/** An external endpoint holding table `orders` of `items` items, with point-in-time recovery for two hours. */
async function externalWithOrders(items: number, region = 'us-east-1'): Promise<Emulator> {
  const clock = { shift: -2 * 3_600_000 };
  const started = await startEmulator({ dataDir, region, now: () => Date.now() + clock.shift });
  await createSeededTable(started.url, 'orders', items, region);
  await enablePointInTimeRecovery(started.url, 'orders', region);
  clock.shift = 0;
  vi.stubEnv('AWS_ENDPOINT_URL_PINPOINT', started.url);
  vi.stubEnv('AWS_ENDPOINT_URL_SNS', started.url);
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', started.url);
  return started;
}

function client(url: string, region = 'us-east-1') {
  return new DynamoDBClient({
    endpoint: url,
    region,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
}

function sink() {
  const chunks: string[] = [];
  return { write: (s: string) => chunks.push(s) > 0, text: () => chunks.join('') };
}

describe('a local DynamoDB run against external endpoints', () => {
  it('refuses the incremental demo (exit 2, saying why) and writes nothing into the table it would export', async () => {
    external = await externalWithOrders(137);
    const out = sink();
    const err = sink();

    const code = await main(
      ['--source', 'dynamodb', '--incremental', '--table', 'orders', '--data-dir', dataDir],
      out,
      err,
    );

    expect(code).toBe(2);
    expect(err.text()).toContain('an export tool never writes to the data it exports');
    expect(err.text()).toContain('--scheduled-time');
    const dynamodb = client(external.url);
    const scanned = await dynamodb.send(new ScanCommand({ TableName: 'orders', Select: 'COUNT' }));
    const exports = await dynamodb.send(new ListExportsCommand({}));
    dynamodb.destroy();
    expect(scanned.Count).toBe(137);
    expect(exports.ExportSummaries ?? []).toEqual([]);
  });

  it("resolves --table by name with DescribeTable at the endpoint (its Region and account), not the emulator's own", async () => {
    // dynalite names its tables' ARNs after AWS_REGION when it starts: the external DynamoDB is in eu-west-1.
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    external = await externalWithOrders(40, 'eu-west-1');
    vi.stubEnv('SUMMARY_TOPIC_ARN', 'arn:aws:sns:eu-west-1:000000000000:export-summaries');
    const out = sink();
    const scheduled = new Date().toISOString();

    const code = await main(
      [
        '--source',
        'dynamodb',
        '--table',
        'orders',
        '--scheduled-time',
        scheduled,
        '--data-dir',
        dataDir,
        '--json',
      ],
      out,
      out,
    );

    const report = JSON.parse(out.text()) as { run: { outcome: string; job: { id: string } | null } };
    expect(report.run.job?.id).toMatch(/^arn:aws:dynamodb:eu-west-1:000000000000:table\/orders\/export\//);
    expect(report.run.outcome).toBe('COMPLETED');
    expect(code).toBe(0);
  });

  it('names a table the endpoint does not have, exit 2, before anything runs', async () => {
    external = await externalWithOrders(3);
    const err = sink();

    const code = await main(
      [
        '--source',
        'dynamodb',
        '--table',
        'invoices',
        '--scheduled-time',
        new Date().toISOString(),
        '--data-dir',
        dataDir,
      ],
      sink(),
      err,
    );

    expect(code).toBe(2);
    expect(err.text()).toContain('--table invoices');
    expect(err.text()).toContain('has no such table');
  });
});
