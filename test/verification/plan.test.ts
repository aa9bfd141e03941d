import { rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunState } from '../../core/types.ts';
import { DEFAULT_BUCKET } from '../../dev/emulator/index.ts';
import { DETAIL_FILES, INLINE_MAP_CONCURRENCY } from '../../functions/shared/verification/plan.ts';
import type { VerificationTarget } from '../../functions/shared/verification/target.ts';
import { nothingToPlan, planVerification } from '../../functions/verify-export/verify-export.ts';
import type { Harness } from '../emulator/helpers.ts';
import {
  ndjsonLines,
  objectPath,
  pinpointTarget,
  putObjectFile,
  startDirectS3,
  stopS3,
  writeDynamoDbExport,
} from './fixture.ts';

/*
 * The verification's first step (verify-export.ts) against the emulator's S3: the provisional
 * verdict it leaves at `$.verification` (what the summary says if the counting or the last step
 * never finishes), the scope every batch shares, and the plan.
 */

let h: Harness;
let s3: S3Client;
const PREFIX = 'pinpoint/app/2026-11-28/job8/';

beforeEach(async () => {
  ({ h, s3 } = await startDirectS3());
});

afterEach(() => stopS3({ h, s3 }));

const pathOf = (key: string) => objectPath(h, key);

const putFile = (key: string, body: string | Buffer, modified?: Date) =>
  putObjectFile(h, key, body, modified);

const lines = ndjsonLines;

const pinpoint = (overrides: Partial<VerificationTarget> = {}): VerificationTarget =>
  pinpointTarget(PREFIX, 'job8', { expected: 30, ...overrides });

function planOf(
  target: VerificationTarget,
  settings = { batchBytes: 1024 ** 3, concurrency: 4 },
  logged: { message: string; fields: Record<string, unknown> }[] = [],
) {
  let t = Date.UTC(2026, 10, 28, 3);
  return planVerification(target, {
    s3,
    logger: {
      info: (message: string, fields: Record<string, unknown>) => logged.push({ message, fields }),
      warn: () => undefined,
    } as never,
    // Each reading of the clock 1.25 s later: the plan took 1.25 s.
    now: () => {
      const now = t;
      t += 1_250;
      return now;
    },
    settings,
  });
}

describe('the provisional verdict the plan leaves', () => {
  it('is NOT_COUNTED when the files are intact: what the summary says if the count never finishes', async () => {
    for (let i = 0; i < 3; i++) await putFile(`${PREFIX}part-${i}.json.gz`, gzipSync(lines(10)));
    const logged: { message: string; fields: Record<string, unknown> }[] = [];

    const work = await planOf(pinpoint(), { batchBytes: 1, concurrency: 4 }, logged);

    const bytes = work.bytes;
    expect(work).toMatchObject({
      verdict: 'NOT_COUNTED',
      location: `s3://${DEFAULT_BUCKET}/${PREFIX}`,
      files: 3,
      records: null,
      countedFiles: 0,
      expected: 30,
      manifestUri: '',
      uncountedFiles: 3,
      missingFiles: 0,
      changedFiles: 0,
      batches: 3,
    });
    expect(bytes).toBeGreaterThan(0);
    expect(work.note).toBe(
      `3 files, ${bytes} B; records not counted: the count (3 batches) and the manifest did not finish`,
    );
    expect(work.plan).toHaveLength(3);
    expect(logged).toEqual([
      {
        message: 'Planned the verification',
        fields: { files: 3, bytes, batches: 3, problems: 0, seconds: 1.3 },
      },
    ]);
  });

  it('speaks of one file and one batch in the singular', async () => {
    await putFile(`${PREFIX}part-0.json`, lines(30));

    const work = await planOf(pinpoint());

    expect(work.note).toBe(
      '1 file, 410 B; records not counted: the count (1 batch) and the manifest did not finish',
    );
  });

  it("is MISMATCH naming the files DynamoDB's manifest names that are missing or replaced, and counts them", async () => {
    const { job } = pinpoint();
    const { target, keys } = await writeDynamoDbExport(h, 8, { overrides: { job } });
    const [first, second] = keys as [string, string];
    await rm(pathOf(first));
    await writeFile(pathOf(second), gzipSync('{"Item":{"pk":{"S":"other"}}}\n'));

    const work = await planOf(target);

    expect(work).toMatchObject({
      verdict: 'MISMATCH',
      files: 4,
      missingFiles: 1,
      changedFiles: 1,
      uncountedFiles: 4,
    });
    expect(work.note).toMatch(
      new RegExp(
        `^1 file is not in the bucket: ${first}; 1 file has another ETag than the source's manifest recorded \\(replaced after the export wrote it\\): ${second}; 4 files, [\\d.]+ [KB]+; records not counted: the count \\(1 batch\\) and the manifest did not finish$`,
      ),
    );
  });
});

describe('the scope every batch shares', () => {
  it("carries the target's bucket, source, format and prefix, and per-file counts for a plan of at most DETAIL_FILES files", async () => {
    await putFile(`${PREFIX}part-0.csv`, 'Id\n1\n');

    const work = await planOf(pinpoint({ defaultFormat: 'csv' }));

    expect(work.scope).toEqual({
      bucket: DEFAULT_BUCKET,
      source: 'pinpoint',
      defaultFormat: 'csv',
      prefix: PREFIX,
      detail: true,
      concurrency: 4,
    });
    expect(DETAIL_FILES).toBe(10_000);
  });

  it("carries Customer Profiles' window, so each batch's listing leaves an earlier run's files out too", async () => {
    await putFile(`${PREFIX}part-0.json`, lines(1), new Date(Date.UTC(2026, 10, 28, 2, 5)));

    const work = await planOf(pinpoint({ modifiedSince: '2026-11-28T01:59:00.000Z' }));

    expect(work.scope.modifiedSince).toBe('2026-11-28T01:59:00.000Z');
    expect(work.files).toBe(1);
  });

  it('counts at least one batch and at most an inline Map’s 40 at once', async () => {
    await putFile(`${PREFIX}part-0.json`, lines(1));

    expect((await planOf(pinpoint(), { batchBytes: 1024, concurrency: 0 })).scope.concurrency).toBe(1);
    expect((await planOf(pinpoint(), { batchBytes: 1024, concurrency: 100 })).scope.concurrency).toBe(
      INLINE_MAP_CONCURRENCY,
    );
    expect(INLINE_MAP_CONCURRENCY).toBe(40);
  });
});

describe('a run whose job wrote nothing on purpose', () => {
  it('is VERIFIED at once with nothing to count, the Map still given a concurrency', () => {
    const state = {
      job: { Details: { Skipped: 'the window is shorter than 15 minutes' } },
    } as unknown as RunState;

    const work = nothingToPlan(state, { batchBytes: 1024, concurrency: 7 });

    expect(work).toEqual({
      verdict: 'VERIFIED',
      location: '',
      files: 0,
      bytes: 0,
      records: 0,
      countedFiles: 0,
      expected: 0,
      manifestUri: '',
      note: 'nothing was exported: the window is shorter than 15 minutes',
      scope: { bucket: '', source: '', defaultFormat: 'ndjson', prefix: '', detail: false, concurrency: 7 },
      plan: [],
    });
    expect(nothingToPlan(state, { batchBytes: 1024, concurrency: 99 }).scope.concurrency).toBe(40);
  });
});
