import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunState } from '../../core/types.ts';
import type { Manifest } from '../../functions/shared/verification/manifest.ts';
import { dynamoInput, type SourceStack, startSourceStack } from './source-stack.ts';

/*
 * The verification fanned out, through the whole workflow: the deployed ASL on the local
 * engine (its CountExportBatches Map included), the real handlers, the emulator's DynamoDB
 * export and S3 over HTTP. A table of 600 items exported 2 items a file is 300 files; batches
 * of a few megabytes (each file weighs its bytes plus 1 MiB, a GET's cost) split them into 10.
 */

const TABLE = 'fan-out-orders';
const ITEMS = 600;
/** 30 files a batch: each weighs its ~150 bytes plus the 1 MiB a file costs beyond its bytes. */
const BATCH_BYTES = String(30 * 1024 * 1024 + 30 * 400);

let stack: SourceStack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** The stack for a table of 600 items exported 2 a file, batches of 30 files, 4 counted at once. */
async function fanOutStack(
  beforeInvoke?: (functionName: string, input: unknown) => void,
): Promise<SourceStack> {
  return startSourceStack({
    tables: [{ name: TABLE, items: ITEMS }],
    exportItemsPerFile: 2,
    env: { VERIFY_BATCH_BYTES: BATCH_BYTES, VERIFY_CONCURRENCY: '4' },
    ...(beforeInvoke ? { beforeInvoke } : {}),
  });
}

/** The emulator's S3 file of a key. */
const fileOf = (s: SourceStack, bucket: string, key: string) =>
  join(s.dataDir, 's3', bucket, ...key.split('/'));

/** The data files the export's manifest-files.json names, from the run state VerifyExport is given. */
function dataFilesOf(s: SourceStack, state: RunState): { bucket: string; keys: string[] } {
  const [, bucket = '', summaryKey = ''] =
    /^s3:\/\/([^/]+)\/(\S+)/.exec(String(state.job.Details?.ExportManifest)) ?? [];
  const { manifestFilesS3Key } = JSON.parse(readFileSync(fileOf(s, bucket, summaryKey), 'utf8')) as {
    manifestFilesS3Key: string;
  };
  const keys = readFileSync(fileOf(s, bucket, manifestFilesS3Key), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { dataFileS3Key: string }).dataFileS3Key);
  return { bucket, keys };
}

/** The `_manifest.json` the verification wrote. */
function manifestOf(s: SourceStack, uri: string | null | undefined): Manifest {
  const [, bucket = '', key = ''] = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri ?? '') ?? [];
  return JSON.parse(readFileSync(fileOf(s, bucket, key), 'utf8')) as Manifest;
}

const isCount = (name: string) => name.endsWith('-count-export-batch');

describe('the verification fanned out over the workflow', () => {
  it('counts an export of 300 files in 10 batches, 4 at a time, and VERIFIES it with every file in the manifest', async () => {
    let running = 0;
    let most = 0;
    const batches: number[] = [];
    stack = await fanOutStack((name, input) => {
      if (!isCount(name)) return;
      batches.push((input as { batch: { index: number } }).batch.index);
      running++;
      most = Math.max(most, running);
      // The invocation's end is not reported to this hook: count it as over on the next turn of the event loop.
      setImmediate(() => running--);
    });

    const result = await stack.run(dynamoInput(TABLE));

    expect(result.status).toBe('SUCCEEDED');
    const summary = stack.published()[0]?.summary;
    expect(summary?.verification).toMatchObject({
      verdict: 'VERIFIED',
      files: 300,
      records: ITEMS,
      expected: ITEMS,
    });
    expect([...batches].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);
    const manifest = manifestOf(stack, summary?.verification?.manifestUri);
    expect(manifest.batches).toHaveLength(10);
    expect(manifest.files).toHaveLength(300);
    expect(manifest.files.every((f) => f.records === 2 && f.gzip === true && f.batch !== undefined)).toBe(
      true,
    );
    expect(manifest.totals).toMatchObject({ files: 300, records: ITEMS, countedFiles: 300 });
  });

  it('retries a batch whose function keeps failing, then says which files were not counted and the records counted in the rest', async () => {
    let attempts = 0;
    stack = await fanOutStack((name, input) => {
      if (!isCount(name) || (input as { batch: { index: number } }).batch.index !== 2) return;
      attempts++;
      // What Step Functions reports for a function that crashed or ran out of memory.
      throw Object.assign(new Error('Runtime exited with error: signal: killed'), { name: 'Lambda.Unknown' });
    });

    await stack.run(dynamoInput(TABLE));

    // The first attempt and the timeout retrier's two retries.
    expect(attempts).toBe(3);
    const verification = stack.published()[0]?.summary.verification;
    expect(verification).toMatchObject({
      verdict: 'NOT_COUNTED',
      files: 300,
      records: null,
      expected: ITEMS,
    });
    const manifest = manifestOf(stack, verification?.manifestUri);
    const failed = manifest.files.filter((f) => f.notCounted === 'failed');
    expect(failed).toHaveLength(30);
    expect(failed.every((f) => f.batch === 2)).toBe(true);
    expect(verification?.note).toContain(
      '30 files of batch 2 not counted: the batch failed through its retries (Lambda.Unknown)',
    );
    expect(verification?.note).toContain(failed[0]?.key);
    expect(verification?.note).toContain(`${ITEMS - 60} records counted in the other 270 files`);
    expect(manifest.batches?.[2]).toMatchObject({ index: 2, records: null, failed: 'Lambda.Unknown' });
  });

  it('says MISMATCH naming a data file deleted after the export ended', async () => {
    let deleted = '';
    stack = await fanOutStack((name, input) => {
      if (!name.endsWith('-verify-export') || deleted || !stack) return;
      const { bucket, keys } = dataFilesOf(stack, input as RunState);
      deleted = keys[123] as string;
      rmSync(fileOf(stack, bucket, deleted));
    });

    await stack.run(dynamoInput(TABLE));

    const verification = stack.published()[0]?.summary.verification;
    expect(verification?.verdict).toBe('MISMATCH');
    expect(verification?.note).toContain(`1 file is not in the bucket: ${deleted}`);
    const manifest = manifestOf(stack, verification?.manifestUri);
    expect(manifest.files.find((f) => f.key === deleted)).toMatchObject({
      problem: 'missing',
      notCounted: 'missing',
      records: null,
    });
    // The other 299 files were still counted.
    expect(manifest.totals.countedFiles).toBe(299);
  });

  it('says MISMATCH naming a data file replaced after the export ended, by its ETag alone (same size), and does not count it', async () => {
    let replaced = '';
    stack = await fanOutStack((name, input) => {
      if (!name.endsWith('-verify-export') || replaced || !stack) return;
      const { bucket, keys } = dataFilesOf(stack, input as RunState);
      replaced = keys[7] as string;
      const file = fileOf(stack, bucket, replaced);
      const bytes = readFileSync(file);
      // Another byte in the middle of the gzip stream: the same size, another MD5, so another ETag.
      bytes[Math.floor(bytes.length / 2)] = (bytes[Math.floor(bytes.length / 2)] ?? 0) ^ 0xff;
      writeFileSync(file, bytes);
    });

    await stack.run(dynamoInput(TABLE));

    const verification = stack.published()[0]?.summary.verification;
    expect(verification?.verdict).toBe('MISMATCH');
    expect(verification?.note).toContain(
      `1 file has another ETag than the source's manifest recorded (replaced after the export wrote it): ${replaced}`,
    );
    const manifest = manifestOf(stack, verification?.manifestUri);
    // Read at the version the manifest recorded (If-Match): S3 has another, so it is not counted.
    expect(manifest.files.find((f) => f.key === replaced)).toMatchObject({
      problem: 'replaced',
      notCounted: 'changed',
      records: null,
    });
    expect(manifest.totals.countedFiles).toBe(299);
  });
});
