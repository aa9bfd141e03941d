import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunState, VerificationResult } from '../../core/types.ts';
import { DEFAULT_BUCKET } from '../../dev/emulator/index.ts';
import { verifyInProcess } from '../../dev/local/verify.ts';
import { verificationTargetOf } from '../../functions/shared/verification/target.ts';
import { type ExportLine, writeExportFiles } from '../../sources/dynamodb/emulator-files.ts';
import type { DynamoDbRequest } from '../../sources/dynamodb/types.ts';
import { type Harness, startHarness } from '../emulator/helpers.ts';

/*
 * A DynamoDB export's verification starts from DynamoDB's own keys (DescribeExport's
 * ExportManifest → manifest-summary.json's manifestFilesS3Key → manifest-files.json's
 * dataFileS3Key), never from paths built from the prefix; what is missing is named.
 */

const TABLE_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/orders';
const EXPORT_ID = '01764295200001-a1b2c3d4';
const EXPORT_ARN = `${TABLE_ARN}/export/${EXPORT_ID}`;
const PREFIX = 'dynamodb/orders/2026-11-28';

let h: Harness;
let s3: S3Client;
const quiet = { info: () => undefined, warn: () => undefined };

beforeEach(async () => {
  h = await startHarness();
  s3 = new S3Client({
    endpoint: h.emu.url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
});

afterEach(async () => {
  s3.destroy();
  await h.stop();
});

const items = (n: number): ExportLine[] =>
  Array.from({ length: n }, (_, i) => ({ Item: { pk: { S: `order-${i}` }, total: { N: String(i) } } }));

/** A full export written by the emulator's DynamoDB (the layout AWS documents); its ExportManifest key. */
async function exportOf(
  itemCount: number,
  itemsPerFile = 4,
  format: 'DYNAMODB_JSON' | 'ION' = 'DYNAMODB_JSON',
): Promise<{ manifestKey: string; dataFileKeys: string[] }> {
  return writeExportFiles({
    s3Root: join(h.dataDir, 's3'),
    bucket: DEFAULT_BUCKET,
    prefix: PREFIX,
    exportId: EXPORT_ID,
    exportArn: EXPORT_ARN,
    tableArn: TABLE_ARN,
    tableId: 'table-id',
    startMs: Date.UTC(2026, 10, 28, 1),
    endMs: Date.UTC(2026, 10, 28, 1, 5),
    format,
    sseAlgorithm: 'AES256',
    sseKmsKeyId: undefined,
    exportTimeMs: Date.UTC(2026, 10, 28, 1),
    lines: items(itemCount),
    itemsPerFile,
  });
}

const REQUEST: DynamoDbRequest = {
  Source: 'dynamodb',
  TableArn: TABLE_ARN,
  ExportType: 'FULL_EXPORT',
  ExportFormat: 'DYNAMODB_JSON',
  S3Bucket: DEFAULT_BUCKET,
  S3Prefix: PREFIX,
  S3SseAlgorithm: 'AES256',
  OutsideRecoveryWindow: 'ERROR',
  ScheduledTime: '2026-11-28T02:00:00Z',
};

/** The run state after a COMPLETED DynamoDB export whose DescribeExport named `exportManifest`. */
function completed(itemCount: number, exportManifest: string | undefined): RunState {
  return {
    execution: { Id: 'arn:exec', Name: 'exec', StartTime: '2026-11-28T02:00:00Z', Trigger: 'schedule' },
    request: REQUEST,
    run: { target: 't', targetName: 'orders-full', scheduledTime: '2026-11-28T02:00:00Z', attempt: 1 },
    job: {
      Id: EXPORT_ARN,
      JobStatus: 'COMPLETED',
      CreationDate: '2026-11-28T01:00:00Z',
      TotalProcessed: itemCount,
      TotalFailures: 0,
      Reused: false,
      Details: {
        ExportType: 'FULL_EXPORT',
        Exports: 1,
        ...(exportManifest === undefined
          ? {}
          : { ExportManifest: `s3://${DEFAULT_BUCKET}/${exportManifest}` }),
      },
    },
  } as unknown as RunState;
}

async function verify(state: RunState): Promise<VerificationResult> {
  const target = verificationTargetOf(state);
  if (!target) throw new Error('no verification target');
  return (await verifyInProcess(target, { s3, logger: quiet })).result;
}

const objectFile = (key: string) => join(h.dataDir, 's3', DEFAULT_BUCKET, ...key.split('/'));

describe("a DynamoDB export's verification", () => {
  it('follows ExportManifest to the files DynamoDB wrote under `<prefix>/AWSDynamoDB/` and VERIFIES their items', async () => {
    const written = await exportOf(10);
    expect(written.manifestKey).toBe(`${PREFIX}/AWSDynamoDB/${EXPORT_ID}/manifest-summary.json`);

    const result = await verify(completed(10, written.manifestKey));

    expect(result).toMatchObject({ verdict: 'VERIFIED', files: 3, records: 10, expected: 10 });
    expect(result.manifestUri).toBe(
      `s3://${DEFAULT_BUCKET}/${PREFIX}/AWSDynamoDB/${EXPORT_ID}/_manifest.json`,
    );
  });

  it('takes the keys as DescribeExport gives them, not rebuilt from the prefix (a `prefix//AWSDynamoDB` key is followed)', () => {
    const odd = `${PREFIX}//AWSDynamoDB/${EXPORT_ID}/manifest-summary.json`;

    const target = verificationTargetOf(completed(10, odd));

    expect(target?.sourceManifests).toEqual({ keys: [odd], expected: 1 });
    expect(target?.prefix).toBe(`${PREFIX}//AWSDynamoDB/${EXPORT_ID}/`);
  });

  it('says MISMATCH naming manifest-files.json when it is missing, without blaming a lifecycle rule', async () => {
    const written = await exportOf(10);
    const filesKey = `${PREFIX}/AWSDynamoDB/${EXPORT_ID}/manifest-files.json`;
    await rm(objectFile(filesKey));

    const result = await verify(completed(10, written.manifestKey));

    expect(result.verdict).toBe('MISMATCH');
    expect(result.note).toContain(
      `manifest-files.json s3://${DEFAULT_BUCKET}/${filesKey} is not in the bucket`,
    );
    expect(result.note).toContain(written.manifestKey);
    expect(result.note).not.toMatch(/lifecycle/);
  });

  it('says MISMATCH naming the manifest-summary.json ExportManifest names when the bucket has none', async () => {
    const missing = `${PREFIX}/AWSDynamoDB/${EXPORT_ID}/manifest-summary.json`;

    const result = await verify(completed(10, missing));

    expect(result.verdict).toBe('MISMATCH');
    expect(result.note).toContain(
      `manifest-summary.json s3://${DEFAULT_BUCKET}/${missing} is not in the bucket`,
    );
  });

  it('says MISMATCH when DescribeExport named no ExportManifest for the export', async () => {
    await exportOf(10);

    const result = await verify(completed(10, undefined));

    expect(result.verdict).toBe('MISMATCH');
    expect(result.note).toContain("DynamoDB named no manifest-summary.json for 1 of the job's 1 exports");
  });

  it('says MISMATCH naming a data file manifest-files.json lists that is not in the bucket', async () => {
    const written = await exportOf(10);
    const gone = written.dataFileKeys[1] as string;
    await rm(objectFile(gone));

    const result = await verify(completed(10, written.manifestKey));

    expect(result.verdict).toBe('MISMATCH');
    expect(result.note).toContain(gone);
  });

  it("says MISMATCH naming a file that holds other than manifest-files.json's itemCount says", async () => {
    const written = await exportOf(10);
    const filesKey = `${PREFIX}/AWSDynamoDB/${EXPORT_ID}/manifest-files.json`;
    const text = await readFile(objectFile(filesKey), 'utf8');
    // The first file holds 4 items; its line now says 5 (and the job 11, so the manifest still adds up).
    await writeFile(objectFile(filesKey), text.replace('"itemCount":4', '"itemCount":5'));

    const result = await verify(completed(11, written.manifestKey));

    expect(result.verdict).toBe('MISMATCH');
    expect(result.note).toContain(`${written.dataFileKeys[0]} (4 records, its manifest says 5)`);
  });

  it("says MISMATCH when manifest-files.json's item counts do not add up to DescribeExport's ItemCount", async () => {
    const written = await exportOf(10);

    const result = await verify(completed(12, written.manifestKey));

    expect(result.verdict).toBe('MISMATCH');
    expect(result.note).toContain(
      "the source's manifests state 10 records, but DynamoDB reported 12 (ItemCount)",
    );
  });

  it('checks an ION export against its manifest without counting it: NOT_COUNTED, every file present as recorded', async () => {
    const written = await exportOf(10, 4, 'ION');

    const result = await verify({
      ...completed(10, written.manifestKey),
      request: { ...REQUEST, ExportFormat: 'ION' as const },
    });

    expect(result).toMatchObject({ verdict: 'NOT_COUNTED', files: 3, records: null, countedFiles: 0 });
    expect(result.note).toContain('3 in a format whose records are not counted (ion)');
    expect(result.note).toContain("every file is present with the ETag the source's manifest recorded");
  });

  it('says MISMATCH naming an ION file replaced after the export, though its records are never counted', async () => {
    const written = await exportOf(10, 4, 'ION');
    const replaced = written.dataFileKeys[2] as string;
    await writeFile(objectFile(replaced), 'not what DynamoDB wrote');

    const result = await verify({
      ...completed(10, written.manifestKey),
      request: { ...REQUEST, ExportFormat: 'ION' as const },
    });

    expect(result.verdict).toBe('MISMATCH');
    expect(result.note).toContain(
      `another ETag than the source's manifest recorded (replaced after the export wrote it): ${replaced}`,
    );
  });
});
