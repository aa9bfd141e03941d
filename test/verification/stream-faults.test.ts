import { gzipSync } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countExportBatch } from '../../functions/count-export-batch/count-export-batch.ts';
import { finishVerification } from '../../functions/finish-verification/finish-verification.ts';
import type { BatchCount, VerificationWork } from '../../functions/shared/verification/batch.ts';
import type { BatchDescriptor } from '../../functions/shared/verification/plan.ts';
import { planVerification } from '../../functions/verify-export/verify-export.ts';
import type { Harness } from '../emulator/helpers.ts';
import type { FaultyS3 } from './faulty-s3.ts';
import { pinpointTarget, putObjectFile, quiet, startProxiedS3, stopS3 } from './fixture.ts';

/*
 * What the counting does when S3 fails while a file streams: the emulator's S3 behind a proxy
 * (test/verification/faulty-s3.ts) that resets the connection mid-body, closes it before the
 * Content-Length, or answers 500, read by the real @aws-sdk/client-s3. A failure of the transfer
 * is an S3 error the workflow retries (the batch), never a file called corrupt, and never a
 * partial count taken for the file's records.
 */

let h: Harness;
let proxy: FaultyS3;
let s3: S3Client;
const PREFIX = 'pinpoint/app/2026-11-28/job3/';

beforeEach(async () => {
  ({ h, proxy, s3 } = await startProxiedS3());
});

afterEach(() => stopS3({ h, proxy, s3 }));

const putFile = (key: string, body: string | Buffer) => putObjectFile(h, key, body);

/** `n` NDJSON lines that gzip poorly (so a file is many chunks on the wire). */
const lines = (n: number) =>
  Array.from(
    { length: n },
    (_, i) => `{"Id":"e-${i}","Hash":"${((i + 1) * 2654435761) % 4294967296}-${(i * 40503) % 65536}"}\n`,
  ).join('');

const target = pinpointTarget(PREFIX, 'job3', { expected: 30_000 });

const plan = () =>
  planVerification(target, {
    s3,
    logger: quiet,
    now: Date.now,
    settings: { batchBytes: 1024 ** 3, concurrency: 1 },
  });

const count = (work: VerificationWork) =>
  countExportBatch(
    { batch: work.plan[0] as BatchDescriptor, scope: work.scope },
    { s3, logger: quiet, now: Date.now, deadline: Date.now() + 60_000, streams: 1 },
  );

const finish = (work: VerificationWork, counts: BatchCount[]) =>
  finishVerification(target, { ...work, counts }, { s3, logger: quiet, now: Date.now });

/** One gzipped and one plain file of 15,000 records each. */
async function twoFiles(): Promise<{
  zipped: string;
  plain: string;
  zippedBytes: number;
  plainBytes: number;
}> {
  const zipped = `${PREFIX}part-00001.json.gz`;
  const plain = `${PREFIX}part-00002.json`;
  const zippedBody = gzipSync(lines(15_000));
  const plainBody = lines(15_000);
  await putFile(zipped, zippedBody);
  await putFile(plain, plainBody);
  return { zipped, plain, zippedBytes: zippedBody.length, plainBytes: Buffer.byteLength(plainBody) };
}

describe('an S3 failure while a file streams', () => {
  for (const fault of ['reset', 'end-early'] as const) {
    for (const which of ['zipped', 'plain'] as const) {
      it(`${fault === 'reset' ? 'a connection reset' : 'a body cut short of its Content-Length'} mid-body of a ${which === 'zipped' ? 'gzipped' : 'plain NDJSON'} file fails the batch with a retried S3 error naming it, and its retry VERIFIES`, async () => {
        const files = await twoFiles();
        const work = await plan();
        const key = files[which];
        const bytes = which === 'zipped' ? files.zippedBytes : files.plainBytes;
        proxy.inject({ key, fault, afterBytes: Math.floor(bytes / 3) });

        const failed = await count(work).then(
          () => undefined,
          (error: unknown) => error as Error & { reason?: string },
        );

        // The workflow's retried S3 error, naming the file: not "corrupt or truncated gzip", not a count.
        expect(failed?.name).toBe('S3UnavailableError');
        expect(failed?.message).toContain(key);
        expect(failed?.reason).toMatch(/no answer|network/);
        expect(proxy.calls.filter((c) => c.fault === fault)).toHaveLength(1);

        // The Map retries the batch: the file is read whole this time.
        const retried = await count(work);
        const result = await finish(work, [retried]);
        expect(result).toMatchObject({ verdict: 'VERIFIED', records: 30_000, countedFiles: 2 });
      });
    }
  }

  it('a 500 to the GetObject fails the batch with S3UnavailableError naming the file', async () => {
    const files = await twoFiles();
    const work = await plan();
    proxy.inject({ key: files.plain, fault: 'server-error' });

    await expect(count(work)).rejects.toMatchObject({
      name: 'S3UnavailableError',
      message: expect.stringContaining(files.plain),
    });
  });

  it('a file that is itself truncated gzip in S3 (read whole) is the one called unreadable: MISMATCH naming it', async () => {
    const files = await twoFiles();
    const whole = gzipSync(lines(15_000));
    await putFile(files.zipped, whole.subarray(0, Math.floor(whole.length / 2)));
    const work = await plan();

    const counted = await count(work);
    const result = await finish(work, [counted]);

    expect(result.verdict).toBe('MISMATCH');
    expect(result.note).toContain(`1 of 2 files`);
    expect(result.note).toContain(`could not be read (corrupt or truncated gzip), e.g. ${files.zipped}`);
    expect(result.note).not.toMatch(/missing/);
    expect(result.records).toBeNull();
  });
});
