import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DeleteItemCommand,
  DescribeContinuousBackupsCommand,
  DescribeExportCommand,
  DynamoDBClient,
  type ExportDescription,
  ExportTableToPointInTimeCommand,
  type ExportTableToPointInTimeCommandInput,
  GetItemCommand,
  ListExportsCommand,
  PutItemCommand,
  UpdateContinuousBackupsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createLedgerTable,
  createLocalDynamoDb,
  createSeededTable,
  enablePointInTimeRecovery,
  type LocalDynamoDb,
  seededItem,
} from '../../dev/emulator/dynamodb.ts';
import { FaultController } from '../../sources/emulator/faults.ts';
import { gunzipLines, listFiles, rejectionOf, type VirtualClock, virtualClock } from './helpers.ts';

/*
 * Table exports and point-in-time recovery in the emulator's DynamoDB
 * (sources/dynamodb/emulator.ts behind createLocalDynamoDb), through the real
 * @aws-sdk/client-dynamodb over HTTP, on a virtual clock: an export is IN_PROGRESS
 * for 3 s of it, and 15-minute incremental windows pass without waiting.
 */

const BUCKET = 'export-bucket';
const DURATION_MS = 3000;
const MINUTE = 60_000;

let clock: VirtualClock;
let faults: FaultController;
let dynamo: LocalDynamoDb;
let server: Server;
let endpoint: string;
let client: DynamoDBClient;
let dataDir: string;
let s3Root: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'dynamodb-export-test-'));
  s3Root = join(dataDir, 's3');
  await mkdir(join(s3Root, BUCKET), { recursive: true });
  clock = virtualClock();
  faults = new FaultController();
  dynamo = createLocalDynamoDb({
    faults,
    now: clock.now,
    s3Root,
    exportDurationMs: DURATION_MS,
    exportItemsPerFile: 4,
  });
  server = createServer((req, res) => dynamo.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
});

afterEach(async () => {
  client.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await dynamo.close();
  await rm(dataDir, { recursive: true, force: true });
});

const tableArn = (name: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`;
const at = (ms: number) => new Date(ms);

async function startExport(input: Partial<ExportTableToPointInTimeCommandInput> & { TableArn: string }) {
  const answer = await client.send(new ExportTableToPointInTimeCommand({ S3Bucket: BUCKET, ...input }));
  return answer.ExportDescription!;
}

async function describeExport(arn: string): Promise<ExportDescription> {
  return (await client.send(new DescribeExportCommand({ ExportArn: arn }))).ExportDescription!;
}

/** Lets the export's time pass on the virtual clock and reads its final description. */
async function finished(arn: string): Promise<ExportDescription> {
  clock.advance(DURATION_MS);
  return describeExport(arn);
}

/** A file the export wrote, by its key in the bucket. */
const objectFile = (key: string) => join(s3Root, BUCKET, ...key.split('/'));

async function manifestOf(description: ExportDescription) {
  const summary = JSON.parse(await readFile(objectFile(description.ExportManifest!), 'utf8')) as Record<
    string,
    unknown
  >;
  const filesText = await readFile(objectFile(summary.manifestFilesS3Key as string), 'utf8');
  const files = filesText
    .split('\n')
    .filter(Boolean)
    .map(
      (line) =>
        JSON.parse(line) as { itemCount: number; md5Checksum: string; etag: string; dataFileS3Key: string },
    );
  return { summary, files, filesText };
}

/** Every line of every data file the files manifest lists, parsed. */
async function exportedLines(description: ExportDescription): Promise<Record<string, unknown>[]> {
  const { files } = await manifestOf(description);
  const lines: Record<string, unknown>[] = [];
  for (const file of files) {
    const fileLines = await gunzipLines(objectFile(file.dataFileS3Key));
    expect(fileLines).toHaveLength(file.itemCount);
    lines.push(...fileLines.map((line) => JSON.parse(line) as Record<string, unknown>));
  }
  return lines;
}

const md5Base64 = (data: Buffer | string) => createHash('md5').update(data).digest('base64');

async function putItem(table: string, item: Record<string, AttributeValue>) {
  await client.send(new PutItemCommand({ TableName: table, Item: item }));
}

async function relabel(table: string, pk: string, label: string) {
  await client.send(
    new UpdateItemCommand({
      TableName: table,
      Key: { pk: { S: pk } },
      UpdateExpression: 'SET label = :l',
      ExpressionAttributeValues: { ':l': { S: label } },
    }),
  );
}

async function deleteItem(table: string, pk: string) {
  await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: pk } } }));
}

describe('continuous backups (point-in-time recovery)', () => {
  it('is off for a new table, and an export of it is refused with PointInTimeRecoveryUnavailableException', async () => {
    await createSeededTable(endpoint, 'orders', 3);

    const backups = await client.send(new DescribeContinuousBackupsCommand({ TableName: 'orders' }));
    const error = await rejectionOf(startExport({ TableArn: tableArn('orders') }));

    expect(backups.ContinuousBackupsDescription).toEqual({
      ContinuousBackupsStatus: 'ENABLED',
      PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'DISABLED' },
    });
    expect(error.name).toBe('PointInTimeRecoveryUnavailableException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(dynamo.exports()).toEqual([]);
  });

  it('reports the time it was enabled as the earliest restorable time and now as the latest', async () => {
    await createSeededTable(endpoint, 'orders', 3);
    const enabledAt = clock.now();

    const updated = await client.send(
      new UpdateContinuousBackupsCommand({
        TableName: 'orders',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    clock.advance(5 * MINUTE);
    const described = await client.send(
      new DescribeContinuousBackupsCommand({ TableName: tableArn('orders') }),
    );

    expect(updated.ContinuousBackupsDescription?.PointInTimeRecoveryDescription).toEqual({
      PointInTimeRecoveryStatus: 'ENABLED',
      RecoveryPeriodInDays: 35,
      EarliestRestorableDateTime: at(enabledAt),
      LatestRestorableDateTime: at(enabledAt),
    });
    expect(described.ContinuousBackupsDescription?.PointInTimeRecoveryDescription).toMatchObject({
      PointInTimeRecoveryStatus: 'ENABLED',
      EarliestRestorableDateTime: at(enabledAt),
      LatestRestorableDateTime: at(enabledAt + 5 * MINUTE),
    });
  });

  it('answers TableNotFoundException for a table that does not exist', async () => {
    const describeError = await rejectionOf(
      client.send(new DescribeContinuousBackupsCommand({ TableName: 'missing' })),
    );
    const updateError = await rejectionOf(
      client.send(
        new UpdateContinuousBackupsCommand({
          TableName: 'missing',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      ),
    );

    expect(describeError.name).toBe('TableNotFoundException');
    expect(updateError.name).toBe('TableNotFoundException');
  });
});

describe('full exports', () => {
  it('stays IN_PROGRESS for its duration, then COMPLETES with the documented layout and every item', async () => {
    await createSeededTable(endpoint, 'orders', 10);
    await enablePointInTimeRecovery(endpoint, 'orders');
    clock.advance(MINUTE);

    const started = await startExport({ TableArn: tableArn('orders'), S3Prefix: 'exports/orders' });
    const running = await describeExport(started.ExportArn!);
    const done = await finished(started.ExportArn!);

    expect(started.ExportArn).toMatch(
      /^arn:aws:dynamodb:us-east-1:000000000000:table\/orders\/export\/\d{14}-[0-9a-f]{8}$/,
    );
    expect(started).toMatchObject({ ExportStatus: 'IN_PROGRESS', ExportFormat: 'DYNAMODB_JSON' });
    expect(started.ExportType).toBeUndefined(); // AWS echoes ExportType only when the request gave it
    expect(started.ClientToken).toBeTruthy();
    expect(running.ExportStatus).toBe('IN_PROGRESS');
    expect(running.ItemCount).toBeUndefined();
    expect(running.ExportManifest).toBeUndefined();
    const exportId = started.ExportArn!.split('/').at(-1)!;
    expect(done).toMatchObject({
      ExportStatus: 'COMPLETED',
      ItemCount: 10,
      ExportManifest: `exports/orders/AWSDynamoDB/${exportId}/manifest-summary.json`,
      StartTime: at(clock.now() - DURATION_MS),
      EndTime: at(clock.now()),
      ExportTime: at(clock.now() - DURATION_MS),
      S3Bucket: BUCKET,
      S3Prefix: 'exports/orders',
      S3SseAlgorithm: 'AES256',
    });
    expect(done.BilledSizeBytes).toBeGreaterThan(0);
    expect(done.TableId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    const dir = `exports/orders/AWSDynamoDB/${exportId}`;
    const files = await listFiles(join(s3Root, BUCKET));
    expect(files.filter((f) => !f.startsWith(`${dir}/data/`))).toEqual([
      `${dir}/_started`,
      `${dir}/manifest-files.json`,
      `${dir}/manifest-files.md5`,
      `${dir}/manifest-summary.json`,
      `${dir}/manifest-summary.md5`,
    ]);
    const { summary, files: dataFiles, filesText } = await manifestOf(done);
    expect(summary).toMatchObject({
      version: '2020-06-30',
      exportArn: started.ExportArn,
      tableArn: tableArn('orders'),
      s3Bucket: BUCKET,
      s3Prefix: 'exports/orders',
      manifestFilesS3Key: `${dir}/manifest-files.json`,
      itemCount: 10,
      outputFormat: 'DYNAMODB_JSON',
      exportTime: at(clock.now() - DURATION_MS).toISOString(),
    });
    // Four items a file (exportItemsPerFile), each listed with its count and checksum.
    expect(dataFiles.map((f) => f.itemCount)).toEqual([4, 4, 2]);
    for (const file of dataFiles) {
      expect(file.dataFileS3Key).toMatch(new RegExp(`^${dir}/data/[a-z2-7]{26}\\.json\\.gz$`));
      expect(file.md5Checksum).toBe(md5Base64(await readFile(objectFile(file.dataFileS3Key))));
    }
    expect(await readFile(objectFile(`${dir}/manifest-files.md5`), 'utf8')).toBe(md5Base64(filesText));
    const lines = await exportedLines(done);
    expect(lines).toHaveLength(10);
    expect(lines).toEqual(
      expect.arrayContaining(Array.from({ length: 10 }, (_, i) => ({ Item: seededItem(i) }))),
    );
  });

  it('exports the table as it was at a past ExportTime, from the writes recorded since', async () => {
    await createSeededTable(endpoint, 'orders', 3);
    await enablePointInTimeRecovery(endpoint, 'orders');
    const before = clock.now() + 30_000;
    clock.advance(MINUTE);
    await relabel('orders', 'item-000000', 'changed');
    await deleteItem('orders', 'item-000001');
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          orders: [
            { PutRequest: { Item: { pk: { S: 'new-item' } } } },
            { DeleteRequest: { Key: { pk: { S: 'item-000002' } } } },
          ],
        },
      }),
    );
    clock.advance(MINUTE);

    const past = await startExport({ TableArn: tableArn('orders'), ExportTime: at(before) });
    const now = await startExport({ TableArn: tableArn('orders') });
    const pastLines = await exportedLines(await finished(past.ExportArn!));
    const nowLines = await exportedLines(await describeExport(now.ExportArn!));

    expect(pastLines).toEqual(expect.arrayContaining([0, 1, 2].map((i) => ({ Item: seededItem(i) }))));
    expect(pastLines).toHaveLength(3);
    expect(nowLines).toEqual(
      expect.arrayContaining([
        { Item: { ...seededItem(0), label: { S: 'changed' } } },
        { Item: { pk: { S: 'new-item' } } },
      ]),
    );
    expect(nowLines).toHaveLength(2);
  });

  it('writes Amazon Ion lines (.ion.gz) for ExportFormat ION', async () => {
    await createSeededTable(endpoint, 'orders', 2);
    await enablePointInTimeRecovery(endpoint, 'orders');

    const started = await startExport({ TableArn: tableArn('orders'), ExportFormat: 'ION' });
    const done = await finished(started.ExportArn!);

    const { summary, files } = await manifestOf(done);
    expect(summary.outputFormat).toBe('ION');
    expect(files.map((f) => f.dataFileS3Key)).toEqual([
      expect.stringMatching(/\/data\/[a-z2-7]{26}\.ion\.gz$/),
    ]);
    const lines = await gunzipLines(objectFile(files[0]!.dataFileS3Key));
    expect(lines.sort()).toEqual([
      '$ion_1_0 {Item:{"pk":"item-000000","seq":0.,"label":"Seeded item 0","even":true}}',
      '$ion_1_0 {Item:{"pk":"item-000001","seq":1.,"label":"Seeded item 1","even":false}}',
    ]);
  });

  it('ends FAILED with S3NoSuchBucket when the bucket does not exist', async () => {
    await createSeededTable(endpoint, 'orders', 2);
    await enablePointInTimeRecovery(endpoint, 'orders');

    const started = await startExport({ TableArn: tableArn('orders'), S3Bucket: 'no-such-bucket' });
    const done = await finished(started.ExportArn!);

    expect(started.ExportStatus).toBe('IN_PROGRESS');
    expect(done.ExportStatus).toBe('FAILED');
    expect(done.FailureCode).toBe('S3NoSuchBucket');
    expect(done.FailureMessage).toContain('bucket does not exist');
    expect(done.ItemCount).toBeUndefined();
    await expect(stat(join(s3Root, 'no-such-bucket'))).rejects.toThrow();
  });
});

describe('incremental exports', () => {
  /** A table under PITR since t0, then writes before, inside and after the window [t0+20m, t0+40m). */
  async function tableWithChanges() {
    await createSeededTable(endpoint, 'orders', 3);
    await enablePointInTimeRecovery(endpoint, 'orders');
    const t0 = clock.now();
    clock.advance(MINUTE);
    await relabel('orders', 'item-000000', 'before the window');
    clock.advance(24 * MINUTE); // t0+25m
    await relabel('orders', 'item-000001', 'inside the window');
    await deleteItem('orders', 'item-000002');
    await putItem('orders', { pk: { S: 'created' }, label: { S: 'new' } });
    await putItem('orders', { pk: { S: 'short-lived' } });
    const insideAt = clock.now();
    clock.advance(MINUTE); // t0+26m
    await deleteItem('orders', 'short-lived');
    clock.advance(19 * MINUTE); // t0+45m
    await relabel('orders', 'item-000001', 'after the window');
    clock.advance(5 * MINUTE); // t0+50m
    return { from: t0 + 20 * MINUTE, to: t0 + 40 * MINUTE, insideAt };
  }

  it('holds exactly the items changed in the window, with their images at either end', async () => {
    const { from, to, insideAt } = await tableWithChanges();

    const started = await startExport({
      TableArn: tableArn('orders'),
      S3Prefix: 'cdc/',
      ExportType: 'INCREMENTAL_EXPORT',
      IncrementalExportSpecification: { ExportFromTime: at(from), ExportToTime: at(to) },
    });
    const done = await finished(started.ExportArn!);

    expect(done).toMatchObject({
      ExportStatus: 'COMPLETED',
      ExportType: 'INCREMENTAL_EXPORT',
      ItemCount: 3,
      IncrementalExportSpecification: {
        ExportFromTime: at(from),
        ExportToTime: at(to),
        ExportViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    expect(done.ExportTime).toBeUndefined();
    const micros = { N: String(insideAt * 1000) };
    const lines = await exportedLines(done);
    expect(lines).toHaveLength(3);
    expect(lines).toEqual(
      expect.arrayContaining([
        {
          Metadata: { WriteTimestampMicros: micros },
          Keys: { pk: { S: 'item-000001' } },
          OldImage: seededItem(1),
          NewImage: { ...seededItem(1), label: { S: 'inside the window' } },
        },
        {
          Metadata: { WriteTimestampMicros: micros },
          Keys: { pk: { S: 'item-000002' } },
          OldImage: seededItem(2),
        },
        {
          Metadata: { WriteTimestampMicros: micros },
          Keys: { pk: { S: 'created' } },
          NewImage: { pk: { S: 'created' }, label: { S: 'new' } },
        },
      ]),
    );
    const { summary, files } = await manifestOf(done);
    expect(summary).toMatchObject({
      version: '2023-08-01',
      exportType: 'INCREMENTAL_EXPORT',
      outputView: 'NEW_AND_OLD_IMAGES',
      exportFromTime: at(from).toISOString(),
      exportToTime: at(to).toISOString(),
      itemCount: 3,
    });
    expect(summary.billedSizeBytes).toBe(10_000_000);
    // Incremental exports share one data folder under the prefix; their manifests keep the export's own folder.
    for (const file of files)
      expect(file.dataFileS3Key).toMatch(/^cdc\/AWSDynamoDB\/data\/[a-z2-7]{26}\.json\.gz$/);
    expect(done.ExportManifest).toBe(
      `cdc/AWSDynamoDB/${started.ExportArn!.split('/').at(-1)}/manifest-summary.json`,
    );
  });

  it('leaves the old images out with NEW_IMAGE: a deleted item is its keys alone', async () => {
    const { from, to } = await tableWithChanges();

    const started = await startExport({
      TableArn: tableArn('orders'),
      ExportType: 'INCREMENTAL_EXPORT',
      IncrementalExportSpecification: {
        ExportFromTime: at(from),
        ExportToTime: at(to),
        ExportViewType: 'NEW_IMAGE',
      },
    });
    const lines = await exportedLines(await finished(started.ExportArn!));

    const shapes = Object.fromEntries(
      lines.map((line) => [(line.Keys as { pk: { S: string } }).pk.S, Object.keys(line).sort().join(',')]),
    );
    expect(shapes).toEqual({
      'item-000001': 'Keys,Metadata,NewImage',
      'item-000002': 'Keys,Metadata',
      created: 'Keys,Metadata,NewImage',
    });
  });

  it('refuses a window shorter than 15 minutes or longer than 24 hours with InvalidExportTimeException', async () => {
    await createSeededTable(endpoint, 'orders', 1);
    await enablePointInTimeRecovery(endpoint, 'orders');
    const t0 = clock.now();
    clock.advance(26 * 60 * MINUTE);
    const incremental = (fromMs: number, toMs: number) =>
      rejectionOf(
        startExport({
          TableArn: tableArn('orders'),
          ExportType: 'INCREMENTAL_EXPORT',
          IncrementalExportSpecification: { ExportFromTime: at(fromMs), ExportToTime: at(toMs) },
        }),
      );

    const short = await incremental(t0 + MINUTE, t0 + 15 * MINUTE);
    const long = await incremental(t0 + MINUTE, t0 + MINUTE + 25 * 60 * MINUTE);
    const fifteen = await startExport({
      TableArn: tableArn('orders'),
      ExportType: 'INCREMENTAL_EXPORT',
      IncrementalExportSpecification: { ExportFromTime: at(t0 + MINUTE), ExportToTime: at(t0 + 16 * MINUTE) },
    });

    expect(short.name).toBe('InvalidExportTimeException');
    expect(short.message).toContain('Difference between export period');
    expect(long.name).toBe('InvalidExportTimeException');
    expect(fifteen.ExportStatus).toBe('IN_PROGRESS');
  });
});

describe('export times and inputs', () => {
  it('refuses an ExportFromTime or ExportTime before the earliest restorable time, and one in the future', async () => {
    await createSeededTable(endpoint, 'orders', 1);
    const enabledAt = clock.now();
    await enablePointInTimeRecovery(endpoint, 'orders');
    clock.advance(60 * MINUTE);

    const fromTooEarly = await rejectionOf(
      startExport({
        TableArn: tableArn('orders'),
        ExportType: 'INCREMENTAL_EXPORT',
        IncrementalExportSpecification: {
          ExportFromTime: at(enabledAt - MINUTE),
          ExportToTime: at(enabledAt + 30 * MINUTE),
        },
      }),
    );
    const timeTooEarly = await rejectionOf(
      startExport({ TableArn: tableArn('orders'), ExportTime: at(enabledAt - 1000) }),
    );
    const future = await rejectionOf(
      startExport({ TableArn: tableArn('orders'), ExportTime: at(clock.now() + 1000) }),
    );
    const earliest = await startExport({ TableArn: tableArn('orders'), ExportTime: at(enabledAt) });

    expect(fromTooEarly.name).toBe('InvalidExportTimeException');
    expect(timeTooEarly.name).toBe('InvalidExportTimeException');
    expect(future.name).toBe('InvalidExportTimeException');
    expect(earliest.ExportTime).toEqual(at(enabledAt));
  });

  it('answers TableNotFoundException for an unknown table and ValidationException for a bad value', async () => {
    const missing = await rejectionOf(startExport({ TableArn: tableArn('missing') }));
    const badFormat = await rejectionOf(
      client.send(
        new ExportTableToPointInTimeCommand({
          TableArn: tableArn('missing'),
          S3Bucket: BUCKET,
          ExportFormat: 'QWERTY' as 'ION',
        }),
      ),
    );
    const badArn = await rejectionOf(startExport({ TableArn: 'orders' }));

    expect(missing.name).toBe('TableNotFoundException');
    expect(badFormat.name).toBe('ValidationException');
    expect(badFormat.message).toContain("'exportFormat'");
    expect(badArn.name).toBe('ValidationException');
    expect(badArn.message).toContain('TableArn');
  });

  it('answers the same export to a retried request with the same ClientToken, and ExportConflictException to changed parameters', async () => {
    await createSeededTable(endpoint, 'orders', 2);
    await enablePointInTimeRecovery(endpoint, 'orders');

    const first = await startExport({ TableArn: tableArn('orders'), ClientToken: 'nightly-2026-11-28' });
    clock.advance(1000);
    const retried = await startExport({ TableArn: tableArn('orders'), ClientToken: 'nightly-2026-11-28' });
    const changed = await rejectionOf(
      startExport({ TableArn: tableArn('orders'), ClientToken: 'nightly-2026-11-28', S3Prefix: 'elsewhere' }),
    );

    expect(retried.ExportArn).toBe(first.ExportArn);
    expect(retried.ClientToken).toBe('nightly-2026-11-28');
    expect(changed.name).toBe('ExportConflictException');
    expect(changed.message).toContain('Duplicate request detected');
    expect(dynamo.exports()).toHaveLength(1);
  });
});

describe('faults', () => {
  beforeEach(async () => {
    await createSeededTable(endpoint, 'orders', 2);
    await enablePointInTimeRecovery(endpoint, 'orders');
  });

  it('ends the next export FAILED with a FailureCode and the rule message after a job-fail rule', async () => {
    faults.add({ kind: 'job-fail', service: 'dynamodb', count: 1, message: 'disk full' });

    const failed = await startExport({ TableArn: tableArn('orders') });
    const next = await startExport({ TableArn: tableArn('orders') });
    const failedDone = await finished(failed.ExportArn!);
    const nextDone = await describeExport(next.ExportArn!);

    expect(failed.ExportStatus).toBe('IN_PROGRESS');
    expect(failedDone).toMatchObject({
      ExportStatus: 'FAILED',
      FailureCode: 'InternalError',
      FailureMessage: 'disk full',
    });
    expect(failedDone.ExportManifest).toBeUndefined();
    expect(nextDone.ExportStatus).toBe('COMPLETED');
  });

  it('throttles with ThrottlingException (400) and fails with InternalServerError (500)', async () => {
    faults.add({ kind: 'throttle', service: 'dynamodb', operation: 'ExportTableToPointInTime', count: 1 });
    faults.add({ kind: 'error500', service: 'dynamodb', operation: 'DescribeExport', count: 1 });

    const throttled = await rejectionOf(startExport({ TableArn: tableArn('orders') }));
    const started = await startExport({ TableArn: tableArn('orders') });
    const broken = await rejectionOf(describeExport(started.ExportArn!));

    expect(throttled.name).toBe('ThrottlingException');
    expect(throttled.$metadata?.httpStatusCode).toBe(400);
    expect(broken.name).toBe('InternalServerError');
    expect(broken.$metadata?.httpStatusCode).toBe(500);
  });

  it('creates the export and answers 500 after create-then-500; the retry with its ClientToken finds it', async () => {
    faults.add({ kind: 'create-then-500', service: 'dynamodb', count: 1 });

    const lost = await rejectionOf(startExport({ TableArn: tableArn('orders'), ClientToken: 'run-1' }));
    const retried = await startExport({ TableArn: tableArn('orders'), ClientToken: 'run-1' });

    expect(lost.$metadata?.httpStatusCode).toBe(500);
    expect(dynamo.exports().map((e) => e.exportArn)).toEqual([retried.ExportArn]);
  });

  it('drops the connection after a reset rule', async () => {
    faults.add({ kind: 'reset', service: 'dynamodb', operation: 'ListExports', count: 1 });

    const reset = await rejectionOf(client.send(new ListExportsCommand({})));
    const listed = await client.send(new ListExportsCommand({}));

    expect(reset.$metadata?.httpStatusCode).toBeUndefined();
    expect(listed.ExportSummaries).toEqual([]);
  });
});

describe('ListExports', () => {
  it('lists every export newest first, filters by table and pages with NextToken', async () => {
    await createSeededTable(endpoint, 'orders', 1);
    await createSeededTable(endpoint, 'invoices', 1);
    await enablePointInTimeRecovery(endpoint, 'orders');
    await enablePointInTimeRecovery(endpoint, 'invoices');
    const arns: string[] = [];
    for (const table of ['orders', 'invoices', 'orders']) {
      arns.push((await startExport({ TableArn: tableArn(table) })).ExportArn!);
      clock.advance(1000);
    }
    clock.advance(DURATION_MS);

    const all = await client.send(new ListExportsCommand({}));
    const orders = await client.send(new ListExportsCommand({ TableArn: tableArn('orders') }));
    const page1 = await client.send(new ListExportsCommand({ MaxResults: 2 }));
    const page2 = await client.send(new ListExportsCommand({ MaxResults: 2, NextToken: page1.NextToken! }));
    const badToken = await rejectionOf(client.send(new ListExportsCommand({ NextToken: 'not-a-token' })));

    const expectedOrder = [...arns].sort().reverse();
    expect(all.ExportSummaries?.map((s) => s.ExportArn)).toEqual(expectedOrder);
    expect(
      all.ExportSummaries?.every((s) => s.ExportStatus === 'COMPLETED' && s.ExportType === 'FULL_EXPORT'),
    ).toBe(true);
    expect(orders.ExportSummaries?.map((s) => s.ExportArn).sort()).toEqual([arns[0], arns[2]].sort());
    expect(
      [...(page1.ExportSummaries ?? []), ...(page2.ExportSummaries ?? [])].map((s) => s.ExportArn),
    ).toEqual(expectedOrder);
    expect(page1.ExportSummaries).toHaveLength(2);
    expect(page2.NextToken).toBeUndefined();
    expect(badToken.name).toBe('ValidationException');
  });

  it('answers ExportNotFoundException for an export ARN it does not know', async () => {
    const error = await rejectionOf(describeExport(`${tableArn('orders')}/export/01764295200000-0badc0de`));

    expect(error.name).toBe('ExportNotFoundException');
  });
});

describe('the run ledger on the same endpoint', () => {
  it('keeps its conditional PutItem and GetItem unchanged, untouched by fault rules meant for exports', async () => {
    await createLedgerTable(endpoint, 'runs');
    await createSeededTable(endpoint, 'orders', 1);
    await enablePointInTimeRecovery(endpoint, 'orders');
    faults.add({ kind: 'throttle', service: 'dynamodb' });
    faults.add({ kind: 'error500' });
    const claim = new PutItemCommand({
      TableName: 'runs',
      Item: {
        target: { S: 'dynamodb#orders' },
        scheduledTime: { S: '2026-11-28T02:00:00Z' },
        claimedBy: { S: 'a' },
      },
      ConditionExpression: 'attribute_not_exists(target)',
    });

    await client.send(claim);
    const second = await rejectionOf(client.send(claim));
    const read = await client.send(
      new GetItemCommand({
        TableName: 'runs',
        Key: { target: { S: 'dynamodb#orders' }, scheduledTime: { S: '2026-11-28T02:00:00Z' } },
      }),
    );
    const exportCall = await rejectionOf(startExport({ TableArn: tableArn('orders') }));

    expect(second.name).toBe('ConditionalCheckFailedException');
    expect(read.Item?.claimedBy).toEqual({ S: 'a' });
    expect(exportCall.name).toBe('ThrottlingException');
  });

  it('applies a rule to a ledger call only when it names the operation', async () => {
    await createLedgerTable(endpoint, 'runs');
    faults.add({ kind: 'throttle', service: 'dynamodb', operation: 'PutItem', count: 1 });
    const item = { target: { S: 't' }, scheduledTime: { S: 's' } };

    const throttled = await rejectionOf(client.send(new PutItemCommand({ TableName: 'runs', Item: item })));
    await client.send(new PutItemCommand({ TableName: 'runs', Item: item }));

    expect(throttled.name).toBe('ProvisionedThroughputExceededException');
    expect(faults.list()).toEqual([]);
  });
});
