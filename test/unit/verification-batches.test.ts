import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BUCKET } from '../../dev/emulator/index.ts';
import { verifyInProcess } from '../../dev/local/verify.ts';
import { countExportBatch } from '../../functions/count-export-batch/count-export-batch.ts';
import { finishVerification } from '../../functions/finish-verification/finish-verification.ts';
import { NOT_COUNTED_CODES } from '../../functions/shared/verification/batch.ts';
import type { ExportFile } from '../../functions/shared/verification/files.ts';
import { type BatchDescriptor, filesOfBatch, planBatches } from '../../functions/shared/verification/plan.ts';
import type { VerificationTarget } from '../../functions/shared/verification/target.ts';
import { planVerification } from '../../functions/verify-export/verify-export.ts';
import { type Harness, startHarness } from '../emulator/helpers.ts';

/*
 * The counting plan (pure), and one batch's count and the last step's merge against the
 * emulator's S3: what each tells apart, and that the plan's descriptors find the same files
 * again wherever they are read.
 */

const MIB = 1024 * 1024;

function file(group: string, position: number, size: number, extra: Partial<ExportFile> = {}): ExportFile {
  return {
    key: `${group}part-${String(position).padStart(5, '0')}.json.gz`,
    size,
    etag: `"e${position}"`,
    lastModified: null,
    group,
    position,
    ...extra,
  };
}

describe('planBatches', () => {
  const countable = (f: ExportFile) => f.problem !== 'missing' && !f.key.endsWith('.ion.gz');

  it("splits a listing by bytes plus a GET's cost per file, each batch a prefix and the key it starts after", () => {
    const files = Array.from({ length: 10 }, (_, i) => file('job/', i, 3 * MIB));

    const plan = planBatches(files, countable, { batchBytes: 16 * MIB, maxBatches: 400 });

    // 4 MiB a file (3 MiB and the 1 MiB a file costs): 4 files a batch.
    expect(plan).toEqual([
      { index: 0, files: 4, bytes: 12 * MIB, prefix: 'job/', after: '' },
      { index: 1, files: 4, bytes: 12 * MIB, prefix: 'job/', after: files[3]?.key },
      { index: 2, files: 2, bytes: 6 * MIB, prefix: 'job/', after: files[7]?.key },
    ]);
  });

  it("gives a source manifest's files as line ranges, never a batch across two manifests", () => {
    const published = { key: 'x' };
    const files = [
      ...Array.from({ length: 3 }, (_, i) => file('a/manifest-files.json', i, MIB, { published })),
      ...Array.from({ length: 3 }, (_, i) => file('b/manifest-files.json', i + 1, MIB, { published })),
    ];

    const plan = planBatches(files, countable, { batchBytes: 100 * MIB, maxBatches: 400 });

    expect(plan).toEqual([
      { index: 0, files: 3, bytes: 3 * MIB, manifest: 'a/manifest-files.json', from: 0, to: 3 },
      { index: 1, files: 3, bytes: 3 * MIB, manifest: 'b/manifest-files.json', from: 1, to: 4 },
    ]);
  });

  it('grows the batches of a very large export so there are at most maxBatches', () => {
    const files = Array.from({ length: 1_000 }, (_, i) => file('job/', i, 100 * MIB));

    const plan = planBatches(files, countable, { batchBytes: 200 * MIB, maxBatches: 40 });

    expect(plan.length).toBeLessThanOrEqual(40);
    expect(plan.length).toBeGreaterThan(30);
    expect(plan.reduce((sum, b) => sum + b.files, 0)).toBe(1_000);
  });

  it('grows the batches when long keys would make the descriptors too heavy for the state', () => {
    const long = `${'deep/'.repeat(150)}job/`;
    const files = Array.from({ length: 400 }, (_, i) => file(long, i, MIB));

    const plan = planBatches(files, countable, {
      batchBytes: 2 * MIB,
      maxBatches: 400,
      maxPlanBytes: 32 * 1024,
    });

    expect(JSON.stringify(plan).length).toBeLessThanOrEqual(32 * 1024);
    expect(plan.length).toBeLessThan(400);
    expect(plan.reduce((sum, b) => sum + b.files, 0)).toBe(400);
  });

  it('plans nothing for files it would not read: a format not counted, or missing', () => {
    const files = [
      file('ion/', 0, MIB, { key: 'ion/a.ion.gz' }),
      file('gone/', 0, 0, { problem: 'missing' }),
    ];

    expect(planBatches(files, countable, { batchBytes: MIB, maxBatches: 400 })).toEqual([]);
  });

  it("covers every file of every group with something to read exactly once, and finds each batch's files again (listings and a manifest)", () => {
    const arbitraryFiles = fc
      .array(
        fc.record({ group: fc.constantFrom('a/', 'b/', 'c/'), size: fc.nat(50 * MIB), ion: fc.boolean() }),
        {
          maxLength: 80,
        },
      )
      .map((specs) => {
        const next: Record<string, number> = {};
        return specs.map(({ group, size, ion }) => {
          const position = (next[group] ?? -1) + 1;
          next[group] = position;
          // Group c/ is a source's files manifest (its batches are line ranges), the others listings.
          const f = file(group, position, size, group === 'c/' ? { published: { key: 'x' } } : {});
          return ion ? { ...f, key: f.key.replace('.json.gz', '.ion.gz') } : f;
        });
      });
    fc.assert(
      fc.property(
        arbitraryFiles,
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 12 }),
        (files, mib, max) => {
          const plan = planBatches(files, countable, { batchBytes: mib * MIB, maxBatches: max });
          const groupsWithWork = new Set(files.filter(countable).map((f) => f.group));
          expect(plan.length).toBeLessThanOrEqual(Math.max(max, groupsWithWork.size));
          const seen = plan.flatMap((b) => filesOfBatch(files, b));
          expect(seen.length).toBe(new Set(seen).size);
          expect(new Set(seen)).toEqual(new Set(files.filter((f) => groupsWithWork.has(f.group))));
          for (const b of plan) expect(filesOfBatch(files, b)).toHaveLength(b.files);
        },
      ),
    );
  });
});

describe('planBatches at its bounds', () => {
  const all = () => true;

  it('keeps a plan of exactly maxBatches batches as it is', () => {
    const files = Array.from({ length: 4 }, (_, i) => file('job/', i, 3 * MIB));

    const plan = planBatches(files, all, { batchBytes: 4 * MIB, maxBatches: 4 });

    expect(plan.map((b) => b.files)).toEqual([1, 1, 1, 1]);
  });

  it('keeps a plan whose descriptors weigh exactly the most they may', () => {
    const files = Array.from({ length: 6 }, (_, i) => file('job/', i, 3 * MIB));
    const settings = { batchBytes: 4 * MIB, maxBatches: 400 };
    const weight = JSON.stringify(planBatches(files, all, settings)).length;

    expect(planBatches(files, all, { ...settings, maxPlanBytes: weight })).toHaveLength(6);
    expect(planBatches(files, all, { ...settings, maxPlanBytes: weight - 1 }).length).toBeLessThan(6);
  });
});

describe('filesOfBatch', () => {
  const published = { key: 'x' };
  const manifestFiles = [
    ...Array.from({ length: 4 }, (_, i) => file('a/manifest-files.json', i, MIB, { published })),
    ...Array.from({ length: 4 }, (_, i) => file('b/manifest-files.json', i, MIB, { published })),
  ];

  it("finds a manifest batch's files by its lines [from, to) in its own manifest only", () => {
    const found = filesOfBatch(manifestFiles, {
      index: 1,
      files: 2,
      bytes: 0,
      manifest: 'b/manifest-files.json',
      from: 1,
      to: 3,
    });

    expect(found).toEqual([manifestFiles[5], manifestFiles[6]]);
    expect(
      filesOfBatch(manifestFiles, { index: 0, files: 1, bytes: 0, manifest: 'a/manifest-files.json', to: 1 }),
    ).toEqual([manifestFiles[0]]);
    // A range without an end holds nothing.
    expect(
      filesOfBatch(manifestFiles, {
        index: 0,
        files: 0,
        bytes: 0,
        manifest: 'a/manifest-files.json',
        from: 2,
      }),
    ).toEqual([]);
  });

  it("finds a listing batch after the key it starts after in S3's order, even where JavaScript sorts keys otherwise", () => {
    // S3 lists by UTF-8 bytes: U+FF01 (EF BC 81) before U+1F600 (F0 9F 98 80); JavaScript's UTF-16 order is the reverse.
    const keys = ['job/a.json', 'job/\uFF01.json', 'job/\u{1F600}.json'];
    const files = keys.map((key, position) => file('job/', position, MIB, { key }));

    expect(filesOfBatch(files, { index: 2, files: 1, bytes: 0, prefix: 'job/', after: keys[1] })).toEqual([
      files[2],
    ]);
    expect(filesOfBatch(files, { index: 0, files: 2, bytes: 0, prefix: 'job/', after: '' })).toEqual([
      files[0],
      files[1],
    ]);
    // A descriptor without `after` starts at the first file too.
    expect(filesOfBatch(files, { index: 0, files: 1, bytes: 0, prefix: 'job/' })).toEqual([files[0]]);
  });

  it('starts after where a key gone since the plan was, and finds nothing after a gone key that was the last', () => {
    const files = ['job/b.json', 'job/d.json', 'job/e.json'].map((key, position) =>
      file('job/', position, MIB, { key }),
    );

    expect(
      filesOfBatch(files, { index: 1, files: 2, bytes: 0, prefix: 'job/', after: 'job/c.json' }),
    ).toEqual([files[1], files[2]]);
    expect(
      filesOfBatch(files, { index: 1, files: 3, bytes: 0, prefix: 'job/', after: 'job/f.json' }),
    ).toEqual([]);
    expect(
      filesOfBatch(files.slice(0, 1), { index: 1, files: 2, bytes: 0, prefix: 'job/', after: 'job/c.json' }),
    ).toEqual([]);
  });
});

describe('a batch counted and merged against S3', () => {
  let h: Harness;
  let s3: S3Client;
  const quiet = { info: () => undefined, warn: () => undefined };
  const PREFIX = 'pinpoint/app/2026-11-28/job7/';

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

  const pathOf = (key: string) => join(h.dataDir, 's3', DEFAULT_BUCKET, ...key.split('/'));
  async function putFile(key: string, body: string | Buffer): Promise<void> {
    await mkdir(join(pathOf(key), '..'), { recursive: true });
    await writeFile(pathOf(key), body);
  }
  const lines = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => `{"Id":"e-${from + i}","Name":"名前 ${i} 🎉"}\n`).join('');

  function target(expected: number): VerificationTarget {
    return {
      source: 'pinpoint',
      sourceName: 'Pinpoint',
      bucket: DEFAULT_BUCKET,
      prefix: PREFIX,
      defaultFormat: 'ndjson',
      expected,
      expectedFrom: 'TotalProcessed - TotalFailures',
      run: { executionId: 'arn:exec', executionName: 'exec', scheduledTime: null, target: null },
      job: { id: 'job7', status: 'COMPLETED' },
    };
  }
  const plan = (t: VerificationTarget, batchBytes = MIB) =>
    planVerification(t, { s3, logger: quiet, now: Date.now, settings: { batchBytes, concurrency: 4 } });
  const count = (batch: BatchDescriptor, scope: Awaited<ReturnType<typeof plan>>['scope'], streams = 1) =>
    countExportBatch(
      { batch, scope },
      { s3, logger: quiet, now: Date.now, deadline: Date.now() + 60_000, streams },
    );

  it('counts 12 files in 12 listing batches (one each, by their GET cost) and VERIFIES them, every file in the manifest', async () => {
    for (let i = 0; i < 12; i++)
      await putFile(`${PREFIX}part-${String(i).padStart(3, '0')}.json.gz`, gzipSync(lines(10 + i)));
    const expected = Array.from({ length: 12 }, (_, i) => 10 + i).reduce((a, b) => a + b, 0);

    const { result, work } = await verifyInProcess(target(expected), { s3, batchBytes: MIB });

    expect(work.plan).toHaveLength(12);
    expect(result).toMatchObject({ verdict: 'VERIFIED', files: 12, records: expected, batches: 12 });
  });

  it("counts several files at once in one batch, each count in its file's place", async () => {
    for (let i = 0; i < 6; i++) await putFile(`${PREFIX}part-${i}.json.gz`, gzipSync(lines(100 * (i + 1))));
    const work = await plan(target(2100), 64 * MIB);

    const counted = await count(work.plan[0] as BatchDescriptor, work.scope, 3);

    expect(counted).toMatchObject({
      files: 6,
      countedFiles: 6,
      records: 2100,
      counts: [100, 200, 300, 400, 500, 600],
    });
  });

  it('says MISMATCH when a file of a listing batch is gone between the plan and the count', async () => {
    for (let i = 0; i < 3; i++) await putFile(`${PREFIX}part-${i}.json.gz`, gzipSync(lines(5)));
    const work = await plan(target(15), 64 * MIB);
    await rm(pathOf(`${PREFIX}part-2.json.gz`));

    const counted = await count(work.plan[0] as BatchDescriptor, work.scope);
    const result = await finishVerification(
      target(15),
      { ...work, counts: [counted] },
      { s3, logger: quiet, now: Date.now },
    );

    // Without a source manifest nothing names the file once it is gone; the batch knows it found fewer.
    expect(counted.files).toBe(2);
    expect(result.verdict).toBe('MISMATCH');
    expect(result.note).toContain('were not the ones planned when they were counted');
  });

  it('says MISMATCH for files added after the count was planned', async () => {
    await putFile(`${PREFIX}part-0.json.gz`, gzipSync(lines(5)));
    const work = await plan(target(5), 64 * MIB);
    const counted = await count(work.plan[0] as BatchDescriptor, work.scope);
    await putFile(`${PREFIX}part-9.json.gz`, gzipSync(lines(5)));

    const result = await finishVerification(
      target(5),
      { ...work, counts: [counted] },
      { s3, logger: quiet, now: Date.now },
    );

    expect(result.verdict).toBe('MISMATCH');
    expect(result.note).toContain(`appeared after the count was planned: ${PREFIX}part-9.json.gz`);
  });

  it('keeps per-batch counts only for a very large plan (no per-file detail), and still VERIFIES the total', async () => {
    for (let i = 0; i < 3; i++) await putFile(`${PREFIX}part-${i}.json.gz`, gzipSync(lines(4)));
    const work = await plan(target(12), 64 * MIB);
    const scope = { ...work.scope, detail: false };

    const counted = await count(work.plan[0] as BatchDescriptor, scope);
    const result = await finishVerification(
      target(12),
      { ...work, scope, counts: [counted] },
      { s3, logger: quiet, now: Date.now },
    );

    expect(counted.counts).toBeUndefined();
    expect(result).toMatchObject({ verdict: 'VERIFIED', records: 12, countedFiles: 3 });
  });

  it('codes each file it could not count: a format it does not count, gone when read', async () => {
    await putFile(`${PREFIX}a.orc`, 'ORC');
    await putFile(`${PREFIX}b.json.gz`, gzipSync(lines(2)));
    const work = await plan(target(2), 64 * MIB);
    const descriptor = work.plan[0] as BatchDescriptor;

    const counted = await count({ ...descriptor }, work.scope);

    expect(counted.counts).toEqual([NOT_COUNTED_CODES.format, 2]);
    expect(counted.notCounted).toEqual({ format: 1, budget: 0 });
  });
});
