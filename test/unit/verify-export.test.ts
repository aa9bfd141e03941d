import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { classifyAwsError, S3_SOURCE, toWorkflowError } from '../../core/aws-errors.ts';
import type { RunState } from '../../core/types.ts';
import { DEFAULT_BUCKET } from '../../dev/emulator/index.ts';
import { verifyInProcess } from '../../dev/local/verify.ts';
import { loadCountExportBatchConfig, loadVerifyExportConfig } from '../../functions/shared/config.ts';
import { MANIFEST_NAME } from '../../functions/shared/verification/files.ts';
import type { Manifest } from '../../functions/shared/verification/manifest.ts';
import type { BatchDescriptor } from '../../functions/shared/verification/plan.ts';
import {
  verificationTargetOf as pinpointTarget,
  type VerificationTarget,
} from '../../functions/shared/verification/target.ts';
import { type Harness, startHarness } from '../emulator/helpers.ts';

/*
 * The verification's three cores (plan, count each batch, finish; dev/local/verify.ts runs them
 * in the workflow's order) against the emulator's S3 through the real @aws-sdk/client-s3:
 * what it counts, what it concludes, and the manifest it writes last.
 */

let h: Harness;
let s3: S3Client;
const quiet = { info: () => undefined, warn: () => undefined };
const PREFIX = 'pinpoint/app/2026-11-28/job1/';

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

async function putFile(key: string, body: string | Buffer): Promise<void> {
  const file = join(h.dataDir, 's3', DEFAULT_BUCKET, ...key.split('/'));
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, body);
}

function ndjson(records: number, from = 0): string {
  return Array.from({ length: records }, (_, i) => `${JSON.stringify({ Id: `e-${from + i}` })}\n`).join('');
}

function target(expected: number | null, overrides: Partial<VerificationTarget> = {}): VerificationTarget {
  return {
    source: 'pinpoint',
    sourceName: 'Pinpoint',
    bucket: DEFAULT_BUCKET,
    prefix: PREFIX,
    defaultFormat: 'ndjson',
    expected,
    expectedFrom: 'TotalProcessed - TotalFailures',
    run: {
      executionId: 'arn:exec',
      executionName: 'exec',
      scheduledTime: '2026-11-28T02:00:00Z',
      target: 'nightly',
    },
    job: { id: 'job1', status: 'COMPLETED' },
    ...overrides,
  };
}

/** The whole verification in this process; its result. */
async function verifyExport(t: VerificationTarget, options: { now?: () => number; budgetMs?: number } = {}) {
  return (await verifyInProcess(t, { s3, logger: quiet, ...options })).result;
}

async function manifest(): Promise<Manifest> {
  const answer = await s3.send(
    new GetObjectCommand({ Bucket: DEFAULT_BUCKET, Key: `${PREFIX}${MANIFEST_NAME}` }),
  );
  return JSON.parse((await answer.Body?.transformToString()) ?? '') as Manifest;
}

describe('verifyExport', () => {
  it('VERIFIES gzipped NDJSON files holding the reported records and writes the manifest last', async () => {
    await putFile(`${PREFIX}part-00001-of-00002.json.gz`, gzipSync(ndjson(700)));
    await putFile(`${PREFIX}part-00002-of-00002.json.gz`, gzipSync(ndjson(300, 700)));
    await putFile('pinpoint/app/2026-11-28/other-job/part-00001-of-00001.json.gz', gzipSync(ndjson(5)));

    const result = await verifyExport(target(1000));

    expect(result).toMatchObject({
      verdict: 'VERIFIED',
      location: `s3://${DEFAULT_BUCKET}/${PREFIX}`,
      files: 2,
      records: 1000,
      countedFiles: 2,
      expected: 1000,
      manifestUri: `s3://${DEFAULT_BUCKET}/${PREFIX}_manifest.json`,
    });
    expect(result.note).toMatch(/2 files, .*1,000 records: as Pinpoint reported 1,000/);
    const s3Calls = h.emu.state.requests
      .filter((r) => (r.service as string) === 's3')
      .map((r) => r.operation);
    // Plan (list), count (its batch's listing, each file), finish (list again), the manifest last.
    expect(s3Calls).toEqual([
      'ListObjectsV2',
      'ListObjectsV2',
      'GetObject',
      'GetObject',
      'ListObjectsV2',
      'PutObject',
    ]);
    const written = await manifest();
    expect(written).toMatchObject({
      manifestVersion: 1,
      source: 'pinpoint',
      run: { executionName: 'exec', scheduledTime: '2026-11-28T02:00:00Z', target: 'nightly' },
      job: { id: 'job1', status: 'COMPLETED' },
      location: `s3://${DEFAULT_BUCKET}/${PREFIX}`,
      totals: { files: 2, records: 1000, countedFiles: 2 },
      comparison: { verdict: 'VERIFIED', expected: 1000, records: 1000, difference: 0 },
    });
    expect(written.files.map((f) => [f.key, f.records, f.gzip, f.format])).toEqual([
      [`${PREFIX}part-00001-of-00002.json.gz`, 700, true, 'ndjson'],
      [`${PREFIX}part-00002-of-00002.json.gz`, 300, true, 'ndjson'],
    ]);
    expect(written.files[0]?.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(written.totals.bytes).toBe(written.files.reduce((sum, f) => sum + f.size, 0));
    expect(Date.parse(written.writtenAt)).not.toBeNaN();
  });

  it('leaves an earlier manifest out of the files and replaces it (a retried verification)', async () => {
    await putFile(`${PREFIX}part-1.json.gz`, gzipSync(ndjson(3)));
    await verifyExport(target(3));

    const again = await verifyExport(target(3));

    expect(again).toMatchObject({ verdict: 'VERIFIED', files: 1, records: 3 });
    expect((await manifest()).files.map((f) => f.key)).toEqual([`${PREFIX}part-1.json.gz`]);
  });

  it('counts every file of a listing of more than 1,000 objects (several pages)', async () => {
    await Promise.all(
      Array.from({ length: 1_001 }, (_, i) =>
        putFile(`${PREFIX}part-${String(i).padStart(5, '0')}.json`, ndjson(2)),
      ),
    );

    const result = await verifyExport(target(2_002));

    expect(result).toMatchObject({ verdict: 'VERIFIED', files: 1_001, records: 2_002 });
    // Two pages each for the plan, the batch and the finish.
    const lists = h.emu.state.requests.filter((r) => r.operation === 'ListObjectsV2');
    expect(lists).toHaveLength(6);
  });

  it('counts CSV rows without the header, JSONL lines and an empty object as no records', async () => {
    await putFile(`${PREFIX}a.csv.gz`, gzipSync('Id,Address\n1,"a\nb"\n2,c\n'));
    await putFile(`${PREFIX}b.jsonl`, '{"x":1}\n{"x":2}\n{"x":3}');
    await putFile(`${PREFIX}c.json.gz`, Buffer.alloc(0));

    const result = await verifyExport(target(5));

    expect(result).toMatchObject({ verdict: 'VERIFIED', files: 3, records: 5 });
    expect((await manifest()).files.map((f) => [f.format, f.records])).toEqual([
      ['csv', 2],
      ['ndjson', 3],
      ['ndjson', 0],
    ]);
  });

  it('says MISMATCH when the files hold fewer records than the source reported', async () => {
    await putFile(`${PREFIX}part-1.json.gz`, gzipSync(ndjson(750)));

    const result = await verifyExport(target(1000));

    expect(result).toMatchObject({ verdict: 'MISMATCH', records: 750, expected: 1000 });
    expect(result.note).toContain('250 missing');
    expect((await manifest()).comparison).toMatchObject({ verdict: 'MISMATCH', difference: -250 });
  });

  it('says MISMATCH when a job reporting records wrote no files, and VERIFIED when it reported none', async () => {
    expect(await verifyExport(target(10))).toMatchObject({
      verdict: 'MISMATCH',
      files: 0,
      records: 0,
    });
    expect(await verifyExport(target(0))).toMatchObject({
      verdict: 'VERIFIED',
      files: 0,
      records: 0,
    });
  });

  it('says MISMATCH for a file that is not readable gzip', async () => {
    await putFile(
      `${PREFIX}part-1.json.gz`,
      Buffer.concat([gzipSync(ndjson(100)).subarray(0, 30), Buffer.alloc(50, 7)]),
    );

    const result = await verifyExport(target(100));

    expect(result.verdict).toBe('MISMATCH');
    expect(result.note).toContain('could not be read');
    expect((await manifest()).files[0]).toMatchObject({ records: null, notCounted: 'unreadable' });
  });

  it('reports files and bytes but NOT_COUNTED when the counting budget runs out, and still writes the manifest', async () => {
    for (let i = 0; i < 4; i++) await putFile(`${PREFIX}part-${i}.json.gz`, gzipSync(ndjson(50)));
    // A clock that moves one second each time it is read: the 5-second budget ends during the files.
    let t = Date.UTC(2026, 10, 28, 3);
    const clock = () => (t += 1_000);

    const result = await verifyExport(target(200), { now: clock, budgetMs: 5_000 });

    expect(result.verdict).toBe('NOT_COUNTED');
    expect(result.files).toBe(4);
    expect(result.bytes).toBeGreaterThan(0);
    expect(result.records).toBeNull();
    expect(result.countedFiles).toBeLessThan(4);
    expect(result.note).toMatch(/not reached in the \d+ s counting budget of their batch/);
    const written = await manifest();
    expect(written.files.filter((f) => f.notCounted === 'budget').length).toBe(4 - result.countedFiles);
    expect(written.totals.records).toBeNull();
  });

  it('reports files in formats it does not count (ORC) as NOT_COUNTED', async () => {
    await putFile(`${PREFIX}part-1.orc`, Buffer.from('ORC binary'));
    await putFile(`${PREFIX}part-2.json`, ndjson(2));

    const result = await verifyExport(target(2));

    expect(result).toMatchObject({ verdict: 'NOT_COUNTED', files: 2, countedFiles: 1, records: null });
    expect(result.note).toContain('format whose records are not counted (orc)');
  });

  it('turns S3 errors into the workflow errors of the shared classifier', async () => {
    await expect(verifyExport(target(1, { bucket: 'no-such-bucket' }))).rejects.toMatchObject({
      name: 'S3RequestRejectedError',
      reason: 'export bucket not found',
    });
    h.emu.faults.add({ kind: 'throttle', service: 's3', operation: 'ListObjectsV2', count: 1 });
    await expect(verifyExport(target(1))).rejects.toMatchObject({ name: 'S3UnavailableError' });
    h.emu.faults.add({ kind: 'error500', service: 's3', operation: 'PutObject', count: 1 });
    await expect(verifyExport(target(0))).rejects.toMatchObject({
      name: 'S3UnavailableError',
      message: expect.stringContaining(`S3 PutObject of ${PREFIX}_manifest.json failed`),
    });
  });
});

describe('pinpointTarget', () => {
  it("lists the job's own folder under the S3UrlPrefix and expects TotalProcessed minus TotalFailures", () => {
    const state = {
      execution: { Id: 'arn:x', Name: 'x', StartTime: '2026-11-28T02:00:01Z', Trigger: 'schedule' },
      request: {
        ApplicationId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
        ExportJobRequest: {
          RoleArn: 'arn:aws:iam::1:role/r',
          S3UrlPrefix: 's3://bucket-1/exports/app/2026-11-28',
        },
        ScheduledTime: '2026-11-28T02:00:00Z',
      },
      job: {
        Id: 'job9',
        JobStatus: 'COMPLETED',
        CreationDate: 'x',
        TotalProcessed: 120,
        TotalFailures: 20,
        Reused: false,
      },
      poll: {},
    } as unknown as RunState;

    const t = pinpointTarget(state);

    expect(t).toMatchObject({ bucket: 'bucket-1', prefix: 'exports/app/2026-11-28/job9/', expected: 100 });
  });
});

describe('the verification functions read their settings', () => {
  it('verify-export: the batch size and the concurrency (at most 40, an inline Map), naming a bad variable', () => {
    expect(loadVerifyExportConfig({})).toEqual({
      stage: 'dev',
      batchBytes: 2 * 1024 ** 3,
      concurrency: 40,
      s3ForcePathStyle: false,
    });
    expect(
      loadVerifyExportConfig({
        VERIFY_BATCH_BYTES: '1048576',
        VERIFY_CONCURRENCY: '4',
        S3_FORCE_PATH_STYLE: 'true',
      }),
    ).toMatchObject({ batchBytes: 1_048_576, concurrency: 4, s3ForcePathStyle: true });
    expect(() => loadVerifyExportConfig({ VERIFY_CONCURRENCY: '41' })).toThrow(/VERIFY_CONCURRENCY/);
    expect(() => loadVerifyExportConfig({ S3_FORCE_PATH_STYLE: 'yes' })).toThrow(/S3_FORCE_PATH_STYLE/);
  });

  it('count-export-batch: the reserve, the optional budget and the streams, naming a bad variable', () => {
    expect(loadCountExportBatchConfig({})).toEqual({
      stage: 'dev',
      reserveSeconds: 10,
      streams: 3,
      s3ForcePathStyle: false,
    });
    expect(
      loadCountExportBatchConfig({
        COUNT_RESERVE_SECONDS: '5',
        COUNT_BUDGET_SECONDS: '60',
        COUNT_STREAMS: '6',
      }),
    ).toMatchObject({ reserveSeconds: 5, budgetSeconds: 60, streams: 6 });
    expect(() => loadCountExportBatchConfig({ COUNT_BUDGET_SECONDS: '0' })).toThrow(/COUNT_BUDGET_SECONDS/);
    expect(() => loadCountExportBatchConfig({ COUNT_STREAMS: '0' })).toThrow(/COUNT_STREAMS/);
  });
});

describe('S3_SOURCE in the shared classifier', () => {
  const call = { operation: 'GetObject', caller: 'verify-export' };
  const s3Error = (name: string, status: number, message = name) =>
    Object.assign(new Error(message), {
      name,
      $fault: status >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode: status },
    });

  it('names the role and the permission an IAM denial lacks', () => {
    const verdict = classifyAwsError(
      s3Error(
        'AccessDenied',
        403,
        'User: arn:aws:sts::1:assumed-role/x is not authorized to perform: s3:GetObject on resource',
      ),
      S3_SOURCE,
      call,
    );

    expect(verdict).toMatchObject({ kind: 'rejected', reason: 'access denied' });
    expect(verdict.advice).toContain('VerifyExportRole');
    expect(verdict.advice).toContain('s3:GetObject');
  });

  it('explains a file that disappeared while it was verified, and retries SlowDown and 5xx', () => {
    expect(classifyAwsError(s3Error('NoSuchKey', 404), S3_SOURCE, call)).toMatchObject({
      kind: 'rejected',
      reason: 'export file disappeared',
    });
    expect(classifyAwsError(s3Error('SlowDown', 503), S3_SOURCE, call).kind).toBe('unavailable');
    expect(classifyAwsError(s3Error('InternalError', 500), S3_SOURCE, call).kind).toBe('unavailable');
    expect(toWorkflowError(s3Error('InternalError', 500), S3_SOURCE, call).name).toBe('S3UnavailableError');
  });

  it('names the key of a file that disappeared, in the message and the advice', () => {
    const key = 'pinpoint/app/2026-11-28/job1/part-00002.json.gz';

    const error = toWorkflowError(s3Error('NoSuchKey', 404), S3_SOURCE, { ...call, resource: key });

    expect(error.message).toContain(`GetObject of ${key}`);
    expect((error as unknown as { advice: string }).advice).toContain(`The object ${key} was listed`);
  });
});

describe('the count-export-batch handler', () => {
  const context = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs }) as never;

  it("counts within the function's time less the reserve, against AWS_ENDPOINT_URL_S3", async () => {
    await putFile(`${PREFIX}part-1.json.gz`, gzipSync(ndjson(4)));
    const { work } = await verifyInProcess(target(4), { s3 });
    const event = { batch: work.plan[0] as BatchDescriptor, scope: work.scope };
    vi.stubEnv('AWS_ENDPOINT_URL_S3', h.emu.url);
    vi.stubEnv('S3_FORCE_PATH_STYLE', 'true');
    vi.stubEnv('COUNT_RESERVE_SECONDS', '10');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    try {
      const { handler } = await import('../../functions/count-export-batch/handler.ts');

      const plenty = await handler(event, context(300_000));
      // Only the reserve left: nothing is counted, the file is `budget` (-2) and the answer still goes out.
      const none = await handler(event, context(10_000));

      expect(plenty).toMatchObject({ index: 0, files: 1, countedFiles: 1, records: 4, counts: [4] });
      expect(none).toMatchObject({ index: 0, files: 1, countedFiles: 0, records: 0, counts: [-2] });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
