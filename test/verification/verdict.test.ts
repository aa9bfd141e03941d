import { readFile, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunState } from '../../core/types.ts';
import { DEFAULT_BUCKET } from '../../dev/emulator/index.ts';
import { verifyInProcess } from '../../dev/local/verify.ts';
import { countExportBatch } from '../../functions/count-export-batch/count-export-batch.ts';
import { finishVerification } from '../../functions/finish-verification/finish-verification.ts';
import { NOT_COUNTED_CODES } from '../../functions/shared/verification/batch.ts';
import type { Manifest } from '../../functions/shared/verification/manifest.ts';
import type { BatchDescriptor } from '../../functions/shared/verification/plan.ts';
import { type VerificationTarget, verificationTargetOf } from '../../functions/shared/verification/target.ts';
import { planVerification } from '../../functions/verify-export/verify-export.ts';
import type { Harness } from '../emulator/helpers.ts';
import type { FaultyS3 } from './faulty-s3.ts';
import {
  objectPath,
  pinpointTarget,
  putObjectFile,
  quiet,
  startProxiedS3,
  stopS3,
  writeDynamoDbExport,
} from './fixture.ts';

/*
 * The verdict where it is easiest to get wrong, through the verification's three cores (plan,
 * count each batch, finish) against the emulator's S3 over HTTP (behind test/verification's
 * proxy, which also tells a test when a file's GetObject arrives): a count stopped by the time
 * budget, Customer Profiles' files of earlier runs, files a source's manifest names that S3
 * lacks, the batch's deadline checked before any read, and `_manifest.json`'s comparison.
 */

let h: Harness;
let proxy: FaultyS3;
let s3: S3Client;
const PREFIX = 'pinpoint/app/2026-11-28/job5/';

beforeEach(async () => {
  ({ h, proxy, s3 } = await startProxiedS3());
});

afterEach(() => stopS3({ h, proxy, s3 }));

const pathOf = (key: string) => objectPath(h, key);

const putFile = (key: string, body: string | Buffer, modified?: Date) =>
  putObjectFile(h, key, body, modified);

const lines = (n: number, from = 0) =>
  Array.from(
    { length: n },
    (_, i) => `{"Id":"e-${from + i}","Hash":"${((from + i + 1) * 2654435761) % 4294967296}"}\n`,
  ).join('');

const pinpoint = (expected: number | null, overrides: Partial<VerificationTarget> = {}): VerificationTarget =>
  pinpointTarget(PREFIX, 'job5', { expected, ...overrides });

async function manifestAt(uri: string): Promise<Manifest> {
  const key = uri.replace(`s3://${DEFAULT_BUCKET}/`, '');
  const answer = await s3.send(new GetObjectCommand({ Bucket: DEFAULT_BUCKET, Key: key }));
  return JSON.parse((await answer.Body?.transformToString()) ?? '') as Manifest;
}

const gets = () => h.emu.state.requests.filter((r) => r.operation === 'GetObject');

/** Plans with one batch for everything; the plan. */
const plan = (target: VerificationTarget) =>
  planVerification(target, {
    s3,
    logger: quiet,
    now: Date.now,
    settings: { batchBytes: 1024 ** 3, concurrency: 1 },
  });

describe('a file whose count stopped at the time budget', () => {
  /** Two files; the clock passes the deadline when the second file's GetObject arrives (its count starts, then stops). */
  async function stoppedInTheSecondFile(target: VerificationTarget, detail = true) {
    await putFile(`${PREFIX}part-1.json.gz`, gzipSync(lines(4_000)));
    await putFile(`${PREFIX}part-2.json.gz`, gzipSync(lines(30_000, 4_000)));
    const work = await plan(target);
    const scope = { ...work.scope, detail };
    let late = false;
    proxy.before('part-2', () => {
      late = true;
    });
    const start = Date.now();
    const deadline = start + 60_000;
    const counted = await countExportBatch(
      { batch: work.plan[0] as BatchDescriptor, scope },
      { s3, logger: quiet, now: () => (late ? deadline : start), deadline, streams: 1 },
    );
    const result = await finishVerification(
      target,
      { ...work, scope, counts: [counted] },
      { s3, logger: quiet, now: Date.now },
    );
    return { counted, result };
  }

  it('makes the verdict NOT_COUNTED naming the file, with the records of the file counted, never "missing"', async () => {
    const { counted, result } = await stoppedInTheSecondFile(pinpoint(34_000));

    // The second file's count started (its GetObject was made) and stopped at the deadline.
    expect(gets().map((r) => r.status)).toEqual([200, 200]);
    expect(counted).toMatchObject({
      countedFiles: 1,
      records: 4_000,
      counts: [4_000, NOT_COUNTED_CODES.budget],
      notCounted: { format: 0, budget: 1 },
      budgetSeconds: 60,
    });
    expect(result).toMatchObject({
      verdict: 'NOT_COUNTED',
      records: null,
      countedFiles: 1,
      uncountedFiles: 1,
    });
    expect(result.note).toContain(
      `records not counted: 1 not reached in the 60 s counting budget of their batch (${PREFIX}part-2.json.gz); 4,000 records counted in the other 1 file; Pinpoint reported 34,000`,
    );
    expect(result.note).not.toMatch(/missing/);
    const manifest = await manifestAt(result.manifestUri);
    expect(manifest.files.map((f) => [f.records, f.notCounted, f.problem])).toEqual([
      [4_000, undefined, undefined],
      [null, 'budget', undefined],
    ]);
    expect(manifest.comparison).toMatchObject({ verdict: 'NOT_COUNTED', records: null, difference: null });
    expect(manifest.totals).toMatchObject({ records: null, countedFiles: 1 });
  });

  it('is NOT_COUNTED for a source that reports no count too, never COUNTED with the records read so far', async () => {
    const { result } = await stoppedInTheSecondFile(pinpoint(null));

    expect(result).toMatchObject({ verdict: 'NOT_COUNTED', records: null });
    expect(result.note).toContain(`(${PREFIX}part-2.json.gz)`);
  });

  it('is NOT_COUNTED, not MISMATCH, in a plan too large for per-file counts (the files are not named then)', async () => {
    const { counted, result } = await stoppedInTheSecondFile(pinpoint(34_000), false);

    expect(counted.counts).toBeUndefined();
    expect(result).toMatchObject({ verdict: 'NOT_COUNTED', records: null, countedFiles: 1 });
    expect(result.note).toContain('1 not reached in the 60 s counting budget of their batch;');
    expect(result.note).not.toMatch(/missing/);
  });

  it('reads no file once the deadline is reached: each is not counted (budget), a format it does not count stays format', async () => {
    await putFile(`${PREFIX}part-1.json.gz`, gzipSync(lines(10)));
    await putFile(`${PREFIX}part-2.orc`, 'ORC');
    await putFile(`${PREFIX}part-3.json`, lines(10));
    const work = await plan(pinpoint(20));
    const now = Date.now();

    const counted = await countExportBatch(
      { batch: work.plan[0] as BatchDescriptor, scope: work.scope },
      { s3, logger: quiet, now: () => now, deadline: now, streams: 2 },
    );

    expect(gets()).toHaveLength(0);
    expect(counted).toMatchObject({
      files: 3,
      bytes: 0,
      countedFiles: 0,
      records: 0,
      counts: [NOT_COUNTED_CODES.budget, NOT_COUNTED_CODES.format, NOT_COUNTED_CODES.budget],
      notCounted: { format: 1, budget: 2 },
      budgetSeconds: 0,
      problems: 0,
    });
  });
});

describe("Customer Profiles' files: only those written since the snapshot started", () => {
  const DESTINATION = 'profiles/2026-11-28/';
  const CREATED = Date.UTC(2026, 10, 28, 2, 0, 0);

  /** The run state of a COMPLETED snapshot that started at CREATED. */
  const state = {
    execution: { Id: 'arn:exec', Name: 'exec', StartTime: '2026-11-28T02:00:00Z', Trigger: 'schedule' },
    request: {
      Source: 'customer-profiles',
      DomainName: 'shop',
      SegmentDefinitionName: 'active',
      DestinationUri: `s3://${DEFAULT_BUCKET}/${DESTINATION}`,
      DataFormat: 'JSONL',
      RoleArn: 'arn:aws:iam::123456789012:role/profiles',
      ScheduledTime: '2026-11-28T02:00:00Z',
    },
    job: {
      Id: 'snap-1',
      JobStatus: 'COMPLETED',
      CreationDate: new Date(CREATED).toISOString(),
      Reused: false,
    },
  } as unknown as RunState;

  it("counts this snapshot's files and leaves out an earlier run's, listed before them", async () => {
    const target = verificationTargetOf(state) as VerificationTarget;
    const mine = new Date(CREATED + 5 * 60_000);
    // An earlier run of the same day wrote into the same destination; its snapshot's key sorts first.
    await putFile(
      `${DESTINATION}0earlier_part-00001-of-00001.jsonl`,
      lines(100),
      new Date(CREATED - 3_600_000),
    );
    await putFile(`${DESTINATION}snap-1_part-00001-of-00002.jsonl`, lines(7), mine);
    await putFile(`${DESTINATION}snap-1_part-00002-of-00002.jsonl`, lines(5), mine);

    const { result, counts } = await verifyInProcess(target, { s3, batchBytes: 1024 });

    expect(result).toMatchObject({ verdict: 'COUNTED', files: 2, records: 12, countedFiles: 2 });
    // One file a batch (each weighs more than a batch), and the earlier run's file never read.
    expect(counts.map((c) => c.files)).toEqual([1, 1]);
    expect(gets().some((r) => r.path.includes('0earlier'))).toBe(false);
    const manifest = await manifestAt(result.manifestUri);
    expect(manifest.files.map((f) => f.key)).toEqual([
      `${DESTINATION}snap-1_part-00001-of-00002.jsonl`,
      `${DESTINATION}snap-1_part-00002-of-00002.jsonl`,
    ]);
    expect(manifest.comparison).toMatchObject({
      verdict: 'COUNTED',
      expected: null,
      records: 12,
      difference: null,
    });
  });

  it('takes a file written at the very second the window opens as the snapshot’s, and one a second earlier as not', async () => {
    const target = verificationTargetOf(state) as VerificationTarget;
    const opens = Date.parse(target.modifiedSince as string);
    await putFile(`${DESTINATION}at.jsonl`, lines(3), new Date(opens));
    await putFile(`${DESTINATION}before.jsonl`, lines(50), new Date(opens - 1_000));

    const { result } = await verifyInProcess(target, { s3 });

    expect(result).toMatchObject({ verdict: 'COUNTED', files: 1, records: 3 });
  });
  it("is COUNTED with 0 records when the snapshot wrote no file of its own (an earlier run's files aside)", async () => {
    const target = verificationTargetOf(state) as VerificationTarget;
    await putFile(
      `${DESTINATION}0earlier_part-00001-of-00001.jsonl`,
      lines(100),
      new Date(CREATED - 3_600_000),
    );

    const { result } = await verifyInProcess(target, { s3 });

    // Not VERIFIED against a count nobody reported: the run's TotalProcessed is the 0 counted.
    expect(result).toMatchObject({ verdict: 'COUNTED', files: 0, records: 0, expected: null });
    expect(result.note).toBe('no files and no records: Customer Profiles reported no record count');
  });
});

describe("files a source's manifest names that S3 lacks", () => {
  /** A DynamoDB export of `items` items, 2 a file; its target and data files. */
  const dynamoExport = (items: number) => writeDynamoDbExport(h, items);

  it('says MISMATCH naming a file gone before the plan, counting the others', async () => {
    const { target, keys } = await dynamoExport(10);
    const gone = keys[2] as string;
    await rm(pathOf(gone));

    const { result, work, counts } = await verifyInProcess(target, { s3 });

    expect(work).toMatchObject({ verdict: 'MISMATCH', missingFiles: 1 });
    expect(work.note).toContain(`1 file is not in the bucket: ${gone}`);
    expect(counts[0]).toMatchObject({ files: 5, countedFiles: 4, records: 8 });
    expect(counts[0]?.counts?.[2]).toBe(NOT_COUNTED_CODES.missing);
    // A partial count is never given as the count: the note says what was counted.
    expect(result).toMatchObject({
      verdict: 'MISMATCH',
      files: 5,
      missingFiles: 1,
      records: null,
      countedFiles: 4,
    });
    expect(result.note).toContain(`1 file is not in the bucket: ${gone}`);
    expect(result.note).toMatch(
      /; 5 files, [\d.]+ [KB]+, 8 records counted in 4 files; DynamoDB reported 10 \(ItemCount\)$/,
    );
    const manifest = await manifestAt(result.manifestUri);
    expect(manifest.files.find((f) => f.key === gone)).toMatchObject({
      size: 0,
      records: null,
      problem: 'missing',
      notCounted: 'missing',
    });
  });

  for (const detail of [true, false]) {
    it(`says MISMATCH naming a file gone between the plan and its count (${detail ? 'per-file counts' : 'a plan too large for them'})`, async () => {
      const { target, keys } = await dynamoExport(10);
      const gone = keys[3] as string;
      const work = await plan(target);
      const scope = { ...work.scope, detail };
      await rm(pathOf(gone));

      const counted = await countExportBatch(
        { batch: work.plan[0] as BatchDescriptor, scope },
        { s3, logger: quiet, now: Date.now, deadline: Date.now() + 60_000, streams: 1 },
      );
      const result = await finishVerification(
        target,
        { ...work, scope, counts: [counted] },
        { s3, logger: quiet, now: Date.now },
      );

      expect(counted).toMatchObject({
        files: 5,
        countedFiles: 4,
        records: 8,
        problems: 1,
        findings: [{ key: gone, problem: 'missing' }],
      });
      if (detail) expect(counted.counts?.[3]).toBe(NOT_COUNTED_CODES.missing);
      expect(result).toMatchObject({ verdict: 'MISMATCH', missingFiles: 1, records: null });
      expect(result.note).toContain(`1 file is not in the bucket: ${gone}`);
    });
  }

  it("counts an export in batches of its manifest's lines, each file's count in its own place", async () => {
    const { target, keys, filesKey } = await dynamoExport(10);
    const lines = (await readFile(pathOf(filesKey), 'utf8')).trim().split('\n');
    // The fourth file's line states 3 items (it holds 2), and the job 11 (so the manifest adds up).
    lines[3] = (lines[3] as string).replace('"itemCount":2', '"itemCount":3');
    await writeFile(pathOf(filesKey), `${lines.join('\n')}\n`);

    const { result, work } = await verifyInProcess({ ...target, expected: 11 }, { s3, batchBytes: 1 });

    expect(work.plan.map((b) => [b.from, b.to])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 5],
    ]);
    expect(result.verdict).toBe('MISMATCH');
    expect(result.note).toBe(
      `1 file holds other than the records the source's manifest states: ${keys[3]} (2 records, its manifest says 3); 5 files, ${result.bytes} B hold 10 records, but DynamoDB reported 11 (ItemCount): 1 missing`,
    );
    const manifest = await manifestAt(result.manifestUri);
    expect(manifest.files.map((f) => [f.records, f.batch, f.problem])).toEqual([
      [2, 0, undefined],
      [2, 1, undefined],
      [2, 2, undefined],
      [2, 3, 'records'],
      [2, 4, undefined],
    ]);
  });

  it("says MISMATCH when the batch's manifest-files.json is gone by the time it is counted", async () => {
    const { target } = await dynamoExport(6);
    const work = await plan(target);
    const filesManifest = (work.plan[0] as BatchDescriptor).manifest as string;
    await rm(pathOf(filesManifest));

    const counted = await countExportBatch(
      { batch: work.plan[0] as BatchDescriptor, scope: work.scope },
      { s3, logger: quiet, now: Date.now, deadline: Date.now() + 60_000, streams: 1 },
    );
    const result = await finishVerification(
      target,
      { ...work, counts: [counted] },
      { s3, logger: quiet, now: Date.now },
    );

    expect(counted).toMatchObject({
      files: 0,
      problems: 1,
      findings: [
        { key: filesManifest, problem: 'missing', detail: 'the files manifest the batch was planned from' },
      ],
    });
    expect(result.verdict).toBe('MISMATCH');
    expect(result.note).toContain(
      `manifest-files.json s3://${DEFAULT_BUCKET}/${filesManifest} is not in the bucket`,
    );
    // No data file was read: the batch's files could not be known.
    expect(gets().filter((r) => r.path.includes('/data/'))).toHaveLength(0);
  });

  it('reads each file at the ETag its manifest recorded: one replaced between the plan and the count is MISMATCH, changed', async () => {
    const { target, keys } = await dynamoExport(6);
    const work = await plan(target);
    const replaced = keys[1] as string;
    await writeFile(pathOf(replaced), gzipSync('{"Item":{"pk":{"S":"other"}}}\n'));

    const counted = await countExportBatch(
      { batch: work.plan[0] as BatchDescriptor, scope: work.scope },
      { s3, logger: quiet, now: Date.now, deadline: Date.now() + 60_000, streams: 1 },
    );

    expect(counted).toMatchObject({
      countedFiles: 2,
      records: 4,
      counts: [2, NOT_COUNTED_CODES.changed, 2],
      findings: [{ key: replaced, problem: 'changed' }],
    });
    const result = await finishVerification(
      target,
      { ...work, counts: [counted] },
      { s3, logger: quiet, now: Date.now },
    );
    expect(result).toMatchObject({ verdict: 'MISMATCH', changedFiles: 1 });
    expect(result.note).toContain(replaced);
  });
});

describe("`_manifest.json`'s comparison", () => {
  async function verify(target: VerificationTarget) {
    const { result } = await verifyInProcess(target, { s3 });
    return { result, manifest: await manifestAt(result.manifestUri) };
  }

  it('gives the difference as counted less reported: positive when the files hold more', async () => {
    await putFile(`${PREFIX}part-1.json`, lines(12));

    const { result, manifest } = await verify(pinpoint(9));

    expect(result).toMatchObject({ verdict: 'MISMATCH', records: 12, expected: 9 });
    expect(result.note).toContain(
      '1 file, 396 B hold 12 records, but Pinpoint reported 9 (TotalProcessed - TotalFailures): 3 more than reported',
    );
    expect(manifest.comparison).toEqual({
      verdict: 'MISMATCH',
      expected: 9,
      expectedFrom: 'TotalProcessed - TotalFailures',
      records: 12,
      difference: 3,
      note: result.note,
    });
  });

  it('gives no difference when the source reported no count (COUNTED) or when not every file was counted', async () => {
    await putFile(`${PREFIX}part-1.json`, lines(4));

    const counted = await verify(pinpoint(null));
    expect(counted.manifest.comparison).toMatchObject({ verdict: 'COUNTED', records: 4, difference: null });

    await putFile(`${PREFIX}part-2.orc`, 'ORC');
    const notCounted = await verify(pinpoint(4));
    expect(notCounted.manifest.comparison).toMatchObject({
      verdict: 'NOT_COUNTED',
      records: null,
      difference: null,
    });
  });

  it('writes the manifest as JSON, last, and names its file and version', async () => {
    await putFile(`${PREFIX}part-1.json`, lines(2));

    const { result } = await verifyInProcess(pinpoint(2), { s3 });

    const requests = h.emu.state.requests.filter((r) => (r.service as string) === 's3');
    expect(requests.at(-1)?.operation).toBe('PutObject');
    expect(result.manifestUri).toBe(`s3://${DEFAULT_BUCKET}/${PREFIX}_manifest.json`);
    const raw = await readFile(pathOf(`${PREFIX}_manifest.json`), 'utf8');
    expect(raw.endsWith('}\n')).toBe(true);
    expect(JSON.parse(raw)).toMatchObject({ manifestVersion: 1, source: 'pinpoint', job: { id: 'job5' } });
  });
});
