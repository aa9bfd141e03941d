import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BUCKET } from '../../dev/emulator/index.ts';
import { countExportBatch } from '../../functions/count-export-batch/count-export-batch.ts';
import { finishVerification } from '../../functions/finish-verification/finish-verification.ts';
import type { BatchCount, VerificationWork } from '../../functions/shared/verification/batch.ts';
import type { Manifest } from '../../functions/shared/verification/manifest.ts';
import type { VerificationTarget } from '../../functions/shared/verification/target.ts';
import { planVerification } from '../../functions/verify-export/verify-export.ts';
import type { Harness } from '../emulator/helpers.ts';
import type { FaultyS3 } from './faulty-s3.ts';
import {
  ndjsonLines,
  objectPath,
  pinpointTarget,
  putObjectFile,
  quiet,
  startProxiedS3,
  stopS3,
  writeDynamoDbExport,
} from './fixture.ts';

/*
 * The verification's last step (finish-verification.ts): the batches' counts merged into each
 * file's entry (its records, or why none and what makes it untrustworthy), the batches the Map
 * gave no count for, files that changed under the count, the verdict's result and
 * `_manifest.json`. Against the emulator's S3 behind the proxy.
 */

let h: Harness;
let proxy: FaultyS3;
let s3: S3Client;
const PREFIX = 'pinpoint/app/2026-11-28/job4/';
const WRITTEN = Date.UTC(2026, 10, 28, 3, 4, 5, 678);

beforeEach(async () => {
  ({ h, proxy, s3 } = await startProxiedS3());
});

afterEach(() => stopS3({ h, proxy, s3 }));

const pathOf = (key: string) => objectPath(h, key);

const putFile = (key: string, body: string | Buffer, modified?: Date) =>
  putObjectFile(h, key, body, modified);

const lines = ndjsonLines;

/** A Pinpoint job of a scheduled run of target `nightly`, with its count. */
const pinpoint = (expected: number | null): VerificationTarget =>
  pinpointTarget(PREFIX, 'job4', {
    expected,
    run: {
      executionId: 'arn:exec',
      executionName: 'exec',
      scheduledTime: '2026-11-28T02:00:00Z',
      target: 'nightly',
    },
  });

const plan = (target: VerificationTarget, batchBytes = 1024 ** 3) =>
  planVerification(target, { s3, logger: quiet, now: Date.now, settings: { batchBytes, concurrency: 2 } });

const countAll = async (work: VerificationWork, detail = work.scope.detail): Promise<BatchCount[]> => {
  const counts: BatchCount[] = [];
  for (const batch of work.plan)
    counts.push(
      await countExportBatch(
        { batch, scope: { ...work.scope, detail } },
        { s3, logger: quiet, now: Date.now, deadline: Date.now() + 60_000, streams: 1 },
      ),
    );
  return counts;
};

type Logged = { message: string; fields: Record<string, unknown> };

function finish(
  target: VerificationTarget,
  work: VerificationWork,
  counts: VerificationWork['counts'],
  logged: Logged[] = [],
) {
  return finishVerification(
    target,
    { ...work, counts },
    {
      s3,
      logger: {
        info: (message: string, fields: Record<string, unknown>) => logged.push({ message, fields }),
        warn: () => undefined,
      } as never,
      now: () => WRITTEN,
    },
  );
}

async function manifestOf(uri: string): Promise<Manifest> {
  return JSON.parse(await readFile(pathOf(uri.replace(`s3://${DEFAULT_BUCKET}/`, '')), 'utf8')) as Manifest;
}

/** A DynamoDB export of `items` items, verified for this file's scheduled run and job. */
function dynamoExport(items: number) {
  const { run, job } = pinpoint(items);
  return writeDynamoDbExport(h, items, { overrides: { run, job } });
}

describe('the result and the manifest of a verified export', () => {
  it('gives the result with no counts of what was not wrong, logs it, and writes every fact in the manifest', async () => {
    await putFile(`${PREFIX}a.json.gz`, gzipSync(lines(3)));
    await putFile(`${PREFIX}b.json`, lines(4));
    const target = pinpoint(7);
    const work = await plan(target, 1);
    const logged: Logged[] = [];

    const result = await finish(target, work, await countAll(work), logged);

    const bytes = result.bytes;
    expect(result).toEqual({
      verdict: 'VERIFIED',
      location: `s3://${DEFAULT_BUCKET}/${PREFIX}`,
      files: 2,
      bytes,
      records: 7,
      countedFiles: 2,
      expected: 7,
      manifestUri: `s3://${DEFAULT_BUCKET}/${PREFIX}_manifest.json`,
      note: `2 files, ${bytes} B, 7 records: as Pinpoint reported 7 (TotalProcessed - TotalFailures)`,
      batches: 2,
    });
    expect(logged).toEqual([
      {
        message: 'Verified export',
        fields: {
          verdict: 'VERIFIED',
          files: 2,
          bytes,
          records: 7,
          expected: 7,
          countedFiles: 2,
          batches: 2,
          failedBatches: 0,
          seconds: 0,
        },
      },
    ]);
    const manifest = await manifestOf(result.manifestUri);
    expect(manifest).toMatchObject({
      manifestVersion: 1,
      source: 'pinpoint',
      run: target.run,
      job: target.job,
      location: result.location,
      totals: { files: 2, bytes, records: 7, countedFiles: 2 },
      comparison: {
        verdict: 'VERIFIED',
        expected: 7,
        expectedFrom: 'TotalProcessed - TotalFailures',
        records: 7,
        difference: 0,
      },
      writtenAt: new Date(WRITTEN).toISOString(),
    });
    expect(manifest.files.map((f) => [f.key, f.records, f.gzip, f.batch])).toEqual([
      [`${PREFIX}a.json.gz`, 3, true, 0],
      [`${PREFIX}b.json`, 4, false, 1],
    ]);
    expect(manifest.batches).toEqual([
      { index: 0, files: 1, bytes: manifest.files[0]?.size, records: 3, countedFiles: 1 },
      { index: 1, files: 1, bytes: manifest.files[1]?.size, records: 4, countedFiles: 1 },
    ]);
  });
});

describe('a batch the Map gave no count for', () => {
  it("is a batch not counted: its files named 'failed', a missing one staying missing, with the batch's error", async () => {
    const { target, keys } = await dynamoExport(8);
    await rm(pathOf(keys[3] as string));
    const work = await plan(target, 1);
    const counts = await countAll(work);
    // One batch a file (the missing one too); the second and the missing file's failed through their retries.
    expect(work.plan).toHaveLength(4);
    const given = [
      counts[0] as BatchCount,
      { index: 1, files: 1, bytes: 10, failed: 'Lambda.Unknown' },
      counts[2] as BatchCount,
      { index: 3, files: 1, bytes: 0, failed: 'States.Timeout' },
    ];

    const result = await finish(target, work, given);

    const manifest = await manifestOf(result.manifestUri);
    expect(manifest.files.map((f) => [f.notCounted, f.problem, f.batch])).toEqual([
      [undefined, undefined, 0],
      ['failed', undefined, 1],
      [undefined, undefined, 2],
      ['missing', 'missing', 3],
    ]);
    // The batch's files and bytes as planned, not as the failed result claims them.
    expect(manifest.batches?.[1]).toEqual({
      index: 1,
      files: 1,
      bytes: work.plan[1]?.bytes,
      records: null,
      countedFiles: 0,
      failed: 'Lambda.Unknown',
    });
    expect(result).toMatchObject({
      verdict: 'MISMATCH',
      missingFiles: 1,
      uncountedFiles: 2,
      countedFiles: 2,
      batches: 4,
    });
    expect(result.note).toContain(`1 file is not in the bucket: ${keys[3]}`);
  });

  it('names a batch with no result at all from the Map as failed, and the budget is the largest of the batches', async () => {
    for (let i = 0; i < 3; i++) await putFile(`${PREFIX}part-${i}.json`, lines(2));
    const target = pinpoint(6);
    const work = await plan(target, 1);
    const counts = await countAll(work);
    const given = [
      { ...(counts[0] as BatchCount), budgetSeconds: 30 },
      { ...(counts[2] as BatchCount), budgetSeconds: 12, counts: [-2], countedFiles: 0, records: 0 },
    ];

    const result = await finish(target, work, given);

    expect(result).toMatchObject({ verdict: 'NOT_COUNTED', records: null, uncountedFiles: 2 });
    expect(result.note).toContain(
      `records not counted: 1 not reached in the 30 s counting budget of their batch (${PREFIX}part-2.json); 1 file of batch 1 not counted: the batch failed through its retries (no result from the Map): ${PREFIX}part-1.json; 2 records counted in the other 1 file`,
    );
  });

  it('takes a code it does not know for a file not reached, never for a count', async () => {
    await putFile(`${PREFIX}part-0.json`, lines(2));
    const target = pinpoint(2);
    const work = await plan(target);
    const [counted] = await countAll(work);

    const result = await finish(target, work, [
      { ...(counted as BatchCount), counts: [-42], countedFiles: 0, records: 0 },
    ]);

    expect(result).toMatchObject({ verdict: 'NOT_COUNTED', records: null });
    expect((await manifestOf(result.manifestUri)).files[0]).toMatchObject({
      records: null,
      notCounted: 'budget',
    });
  });
});

describe('files that changed under the count', () => {
  it('says MISMATCH naming a file replaced while its batch read it (after its listing, before its GET: 412)', async () => {
    await putFile(`${PREFIX}a.json`, lines(2));
    await putFile(`${PREFIX}b.json`, lines(3));
    const target = pinpoint(5);
    const work = await plan(target);
    // Replaced after the batch listed it, before its GET reaches S3.
    proxy.before('b.json', () => putFile(`${PREFIX}b.json`, lines(4)));
    const counts = await countAll(work);

    const result = await finish(target, work, counts);

    expect(counts[0]?.counts).toEqual([2, -5]);
    expect(result).toMatchObject({ verdict: 'MISMATCH', changedFiles: 1, records: null });
    expect(result.note).toContain(`1 file changed while it was verified: ${PREFIX}b.json`);
    expect((await manifestOf(result.manifestUri)).files[1]).toMatchObject({
      problem: 'changed',
      notCounted: 'changed',
    });
  });

  it("keeps a file DynamoDB's manifest recorded with another ETag 'replaced' when its read is refused, with or without per-file counts", async () => {
    for (const detail of [true, false]) {
      const { target, keys } = await dynamoExport(6);
      await writeFile(pathOf(keys[1] as string), gzipSync('{"Item":{"pk":{"S":"other"}}}\n'));
      const work = await plan(target);

      const result = await finish(target, work, await countAll(work, detail));

      expect(result).toMatchObject({ verdict: 'MISMATCH', changedFiles: 1 });
      expect(result.note).toContain(
        `1 file has another ETag than the source's manifest recorded (replaced after the export wrote it): ${keys[1]}`,
      );
      expect(result.note).not.toContain('changed while it was verified');
      expect((await manifestOf(result.manifestUri)).files[1]).toMatchObject({
        problem: 'replaced',
        records: null,
      });
    }
  });

  it('says MISMATCH naming a file gone when its batch read it, though it was back by the last step', async () => {
    await putFile(`${PREFIX}a.json`, lines(2));
    await putFile(`${PREFIX}b.json`, lines(3));
    const target = pinpoint(5);
    const work = await plan(target);
    proxy.inject({ key: 'b.json', fault: 'not-found' });

    const result = await finish(target, work, await countAll(work));

    expect(result).toMatchObject({ verdict: 'MISMATCH', missingFiles: 1 });
    expect(result.note).toContain(`1 file is not in the bucket: ${PREFIX}b.json`);
    expect((await manifestOf(result.manifestUri)).files[1]).toMatchObject({
      problem: 'missing',
      notCounted: 'missing',
    });
  });

  it('says MISMATCH when a file of a batch was renamed after its count (as many files, other keys)', async () => {
    await putFile(`${PREFIX}a.json`, lines(2));
    await putFile(`${PREFIX}b.json`, lines(3));
    const target = pinpoint(5);
    const work = await plan(target);
    const counts = await countAll(work);
    await rename(pathOf(`${PREFIX}b.json`), pathOf(`${PREFIX}c.json`));

    const result = await finish(target, work, counts);

    expect(result.verdict).toBe('MISMATCH');
    expect(result.note).toContain(
      'the files of 1 counting batch (0) were not the ones planned when they were counted',
    );
  });

  it('names an unreadable file and keeps it gzip in the manifest, with or without per-file counts', async () => {
    for (const detail of [true, false]) {
      await putFile(
        `${PREFIX}a.json.gz`,
        Buffer.concat([gzipSync(lines(50)).subarray(0, 20), Buffer.alloc(30, 2)]),
      );
      await putFile(`${PREFIX}b.json`, lines(2));
      const target = pinpoint(52);
      const work = await plan(target);

      const result = await finish(target, work, await countAll(work, detail));

      expect(result.verdict).toBe('MISMATCH');
      expect(result.note).toContain(
        // Of the two files' 76 B: the 50 B gzip and the other file's two lines.
        `1 of 2 files, ${50 + Buffer.byteLength(lines(2))} B could not be read (corrupt or truncated gzip), e.g. ${PREFIX}a.json.gz`,
      );
      const entry = (await manifestOf(result.manifestUri)).files[0];
      expect(entry).toMatchObject({ notCounted: 'unreadable', records: null });
      if (detail) expect(entry?.gzip).toBe(true);
    }
  });

  it('names three of the files that appeared after the plan and says there were more', async () => {
    await putFile(`${PREFIX}a.json`, lines(2));
    const target = pinpoint(2);
    const work = await plan(target);
    const counts = await countAll(work);
    for (const name of ['w', 'x', 'y', 'z']) await putFile(`${PREFIX}${name}.json`, lines(1));

    const result = await finish(target, work, counts);

    expect(result.verdict).toBe('MISMATCH');
    expect(result.note).toContain(
      `4 file(s) appeared after the count was planned: ${PREFIX}w.json, ${PREFIX}x.json, ${PREFIX}y.json, …`,
    );
    const one = await finish(
      target,
      work,
      counts.slice(0, 1).map((c) => c),
    );
    expect(one.note).not.toContain(`${PREFIX}a.json, `);
  });

  it('names all three when exactly three files appeared, without saying there were more', async () => {
    await putFile(`${PREFIX}a.json`, lines(2));
    const target = pinpoint(2);
    const work = await plan(target);
    const counts = await countAll(work);
    for (const name of ['x', 'y', 'z']) await putFile(`${PREFIX}${name}.json`, lines(1));

    const result = await finish(target, work, counts);

    expect(result.note).toContain(
      `3 file(s) appeared after the count was planned: ${PREFIX}x.json, ${PREFIX}y.json, ${PREFIX}z.json`,
    );
    expect(result.note).not.toContain(`${PREFIX}z.json, …`);
  });
});
