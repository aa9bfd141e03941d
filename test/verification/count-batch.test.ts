import { readFile, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BUCKET } from '../../dev/emulator/index.ts';
import { countExportBatch } from '../../functions/count-export-batch/count-export-batch.ts';
import { finishVerification } from '../../functions/finish-verification/finish-verification.ts';
import {
  type CountScope,
  FINDINGS_PER_BATCH,
  NOT_COUNTED_CODES,
} from '../../functions/shared/verification/batch.ts';
import type { BatchDescriptor } from '../../functions/shared/verification/plan.ts';
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
 * One batch's count (count-export-batch.ts): which files it reads and at which version, what it
 * returns for each (its records or why none), the findings it names (a few) and counts (all),
 * its budget and its log. Against the emulator's S3 behind the proxy (the requests as S3 gets
 * them); a few answers S3 gives in more than one form come from a mocked client.
 */

type Logged = { level: 'info' | 'warn'; message: string; fields: Record<string, unknown> };

let h: Harness;
let proxy: FaultyS3;
let s3: S3Client;
let logged: Logged[];
const logger = {
  info: (message: string, fields: Record<string, unknown>) => logged.push({ level: 'info', message, fields }),
  warn: (message: string, fields: Record<string, unknown>) => logged.push({ level: 'warn', message, fields }),
} as never;
const PREFIX = 'pinpoint/app/2026-11-28/job6/';

beforeEach(async () => {
  logged = [];
  ({ h, proxy, s3 } = await startProxiedS3());
});

afterEach(() => stopS3({ h, proxy, s3 }));

const pathOf = (key: string) => objectPath(h, key);

const putFile = (key: string, body: string | Buffer, modified?: Date) =>
  putObjectFile(h, key, body, modified);

const lines = ndjsonLines;

const pinpoint = pinpointTarget(PREFIX, 'job6');

const plan = (target: VerificationTarget, batchBytes = 1024 ** 3) =>
  planVerification(target, { s3, logger: quiet, now: Date.now, settings: { batchBytes, concurrency: 1 } });

/** A clock that reads `start` until told otherwise. */
function clock(start = Date.UTC(2026, 10, 28, 3)) {
  let t = start;
  return { now: () => t, set: (ms: number) => (t = ms) };
}

const gets = () => proxy.calls.filter((c) => c.method === 'GET' && !c.url.includes('list-type'));

/** A DynamoDB export of `items` items; its target is this file's Pinpoint target's job. */
const dynamoExport = (items: number) => writeDynamoDbExport(h, items, { overrides: { job: pinpoint.job } });

describe('which files a batch reads, and at which version', () => {
  it("reads a manifest batch's files at the ETag the manifest recorded, quoted as HTTP wants it, and a line without one as it is", async () => {
    const { target, keys, filesKey } = await dynamoExport(6);
    const text = (await readFile(pathOf(filesKey), 'utf8')).trim().split('\n');
    const etag = (JSON.parse(text[0] as string) as { etag: string }).etag;
    text[2] = JSON.stringify({ dataFileS3Key: keys[2], itemCount: 2 });
    await writeFile(pathOf(filesKey), `${text.join('\n')}\n`);
    const work = await plan(target);

    const counted = await countExportBatch(
      { batch: work.plan[0] as BatchDescriptor, scope: work.scope },
      { s3, logger, now: Date.now, deadline: Date.now() + 60_000, streams: 1 },
    );

    expect(counted).toMatchObject({ files: 3, countedFiles: 3, records: 6 });
    const reads = gets().filter((c) => c.url.includes('/data/'));
    expect(reads.map((c) => c.ifMatch)).toEqual([
      `"${etag}"`,
      expect.stringMatching(/^"[0-9a-f]{32}"$/),
      undefined,
    ]);
  });

  it("skips a line of a manifest batch's range that names no file (blank, not JSON, without a key): the plan found the problem", async () => {
    const { target, keys, filesKey } = await dynamoExport(6);
    const text = (await readFile(pathOf(filesKey), 'utf8')).trim().split('\n');
    const work = await plan(target);
    // The batch's range as planned, then its second line broken three ways in turn.
    for (const broken of ['', 'not json', JSON.stringify({ itemCount: 2 })]) {
      proxy.calls.length = 0;
      await writeFile(pathOf(filesKey), `${[text[0], broken, text[2]].join('\n')}\n`);

      const counted = await countExportBatch(
        { batch: work.plan[0] as BatchDescriptor, scope: work.scope },
        { s3, logger, now: Date.now, deadline: Date.now() + 60_000, streams: 1 },
      );

      expect(counted).toMatchObject({ files: 2, countedFiles: 2, records: 4 });
      expect(
        gets()
          .filter((c) => c.url.includes('/data/'))
          .map((c) => new URL(c.url, 'http://s3').pathname),
      ).toEqual([`/${DEFAULT_BUCKET}/${keys[0]}`, `/${DEFAULT_BUCKET}/${keys[2]}`]);
    }
  });

  it("reads a listing batch's files at the ETag listed, only its own files: from after its key, as many as planned", async () => {
    for (let i = 0; i < 5; i++) await putFile(`${PREFIX}part-${i}.json`, lines(i + 1));
    const work = await plan(pinpoint);
    const batch: BatchDescriptor = {
      index: 1,
      files: 2,
      bytes: 0,
      prefix: PREFIX,
      after: `${PREFIX}part-1.json`,
    };

    const counted = await countExportBatch(
      { batch, scope: work.scope },
      { s3, logger, now: Date.now, deadline: Date.now() + 60_000, streams: 1 },
    );

    expect(counted).toMatchObject({ index: 1, files: 2, records: 3 + 4, counts: [3, 4] });
    const listing = proxy.calls.filter((c) => c.url.includes('list-type')).at(-1)?.url ?? '';
    expect(new URL(listing, 'http://s3').searchParams.get('start-after')).toBe(`${PREFIX}part-1.json`);
    expect(gets().map((c) => c.ifMatch)).toEqual([
      expect.stringMatching(/^"[0-9a-f]{32}"$/),
      expect.stringMatching(/^"[0-9a-f]{32}"$/),
    ]);
  });

  it('lists a first batch from the first key, without a start-after, under its own prefix', async () => {
    await putFile(`${PREFIX}part-0.json`, lines(1));
    await putFile(`${PREFIX}sub/part-1.json`, lines(2));
    const work = await plan(pinpoint);

    const counted = await countExportBatch(
      { batch: { index: 0, files: 1, bytes: 0, prefix: `${PREFIX}sub/`, after: '' }, scope: work.scope },
      { s3, logger, now: Date.now, deadline: Date.now() + 60_000, streams: 1 },
    );

    expect(counted).toMatchObject({ files: 1, records: 2 });
    const listing = new URL(
      proxy.calls.filter((c) => c.url.includes('list-type')).at(-1)?.url ?? '',
      'http://s3',
    );
    expect(listing.searchParams.get('start-after')).toBeNull();
    expect(listing.searchParams.get('prefix')).toBe(`${PREFIX}sub/`);
  });

  it('does not read a file in a format it does not count', async () => {
    await putFile(`${PREFIX}a.parquet`, 'PAR1');
    await putFile(`${PREFIX}b.json`, lines(2));
    const work = await plan(pinpoint);

    const counted = await countExportBatch(
      { batch: work.plan[0] as BatchDescriptor, scope: work.scope },
      { s3, logger, now: Date.now, deadline: Date.now() + 60_000, streams: 2 },
    );

    expect(counted).toMatchObject({
      counts: [NOT_COUNTED_CODES.format, 2],
      notCounted: { format: 1, budget: 0 },
    });
    expect(gets().map((c) => c.url)).toEqual([expect.stringContaining('b.json')]);
  });
});

describe('what a batch returns', () => {
  it('names at most five files with a problem and counts them all; the last step says how many more', async () => {
    const { target, keys } = await dynamoExport(16);
    const work = await plan(target);
    const scope: CountScope = { ...work.scope, detail: false };
    for (const key of keys.slice(1, 8)) await rm(pathOf(key));

    const counted = await countExportBatch(
      { batch: work.plan[0] as BatchDescriptor, scope },
      { s3, logger, now: Date.now, deadline: Date.now() + 60_000, streams: 3 },
    );
    const result = await finishVerification(
      target,
      { ...work, scope, counts: [counted] },
      { s3, logger: quiet, now: Date.now },
    );

    expect(FINDINGS_PER_BATCH).toBe(5);
    expect(counted).toMatchObject({ files: 8, countedFiles: 1, records: 2, problems: 7 });
    expect(counted.findings).toEqual(keys.slice(1, 6).map((key) => ({ key, problem: 'missing' })));
    expect(result.verdict).toBe('MISMATCH');
    // The last step's own listing finds all seven missing; the batch named five and counted seven.
    expect(result.note).toContain('7 files are not in the bucket');
    expect(result.note).toContain('2 more files with a problem of those kinds (the batches name a few each)');
  });

  it('gives each file that was not gzip by its place, only with per-file counts', async () => {
    await putFile(`${PREFIX}a.json.gz`, gzipSync(lines(2)));
    await putFile(`${PREFIX}b.json`, lines(3));
    await putFile(`${PREFIX}c.json.gz`, gzipSync(lines(4)));
    await putFile(`${PREFIX}d.json`, lines(5));
    const work = await plan(pinpoint);
    const deps = { s3, logger, now: Date.now, deadline: Date.now() + 60_000, streams: 2 };

    const detailed = await countExportBatch(
      { batch: work.plan[0] as BatchDescriptor, scope: work.scope },
      deps,
    );
    const bare = await countExportBatch(
      { batch: work.plan[0] as BatchDescriptor, scope: { ...work.scope, detail: false } },
      deps,
    );
    await putFile(`${PREFIX}b.json`, gzipSync(lines(3)));
    await putFile(`${PREFIX}d.json`, gzipSync(lines(5)));
    const allGzip = await countExportBatch(
      { batch: work.plan[0] as BatchDescriptor, scope: work.scope },
      deps,
    );

    expect(detailed).toMatchObject({ counts: [2, 3, 4, 5], plain: [1, 3] });
    // An empty plain file is plain (0 records counted); a file not counted is in no list of its kind.
    await putFile(`${PREFIX}b.json`, '');
    await putFile(`${PREFIX}d.parquet`, 'PAR1');
    await rm(pathOf(`${PREFIX}d.json`));
    const again = await plan(pinpoint);
    const mixed = await countExportBatch(
      { batch: again.plan[0] as BatchDescriptor, scope: again.scope },
      deps,
    );
    expect(mixed).toMatchObject({ counts: [2, 0, 4, NOT_COUNTED_CODES.format], plain: [1] });
    await putFile(`${PREFIX}b.json`, lines(3));
    await rm(pathOf(`${PREFIX}d.parquet`));
    await putFile(`${PREFIX}d.json`, lines(5));
    expect(bare.plain).toBeUndefined();
    expect(bare.counts).toBeUndefined();
    expect(allGzip.plain).toBeUndefined();
  });

  it('names a file holding other than its manifest states, with both counts, when per-file counts are not kept', async () => {
    const { target, keys, filesKey } = await dynamoExport(6);
    await writeFile(
      pathOf(filesKey),
      (await readFile(pathOf(filesKey), 'utf8')).replace('"itemCount":2', '"itemCount":7'),
    );
    const work = await plan({ ...target, expected: 11 });
    const scope = { ...work.scope, detail: false };

    const counted = await countExportBatch(
      { batch: work.plan[0] as BatchDescriptor, scope },
      { s3, logger, now: Date.now, deadline: Date.now() + 60_000, streams: 1 },
    );
    const result = await finishVerification(
      { ...target, expected: 11 },
      { ...work, scope, counts: [counted] },
      {
        s3,
        logger: quiet,
        now: Date.now,
      },
    );

    expect(counted.findings).toEqual([
      { key: keys[0], problem: 'records', detail: '2 records, its manifest says 7' },
    ]);
    expect(result.note).toContain(`${keys[0]} (2 records, its manifest says 7)`);
  });

  it('gives its budget in whole seconds (none when the deadline has passed), the time it took, and logs both', async () => {
    await putFile(`${PREFIX}a.json`, lines(3));
    const work = await plan(pinpoint);
    const c = clock();
    const start = c.now();
    const deps = {
      s3,
      logger,
      // Each reading 0.59 s later: its start, before the file, its one chunk, its end: 1.77 s, given as 1.8.
      now: () => {
        const t = c.now();
        c.set(t + 590);
        return t;
      },
      deadline: start + 61_600,
      streams: 1,
    };

    const counted = await countExportBatch(
      { batch: work.plan[0] as BatchDescriptor, scope: work.scope },
      deps,
    );
    const late = await countExportBatch(
      { batch: work.plan[0] as BatchDescriptor, scope: work.scope },
      { ...deps, deadline: c.now() - 5_000 },
    );

    expect(counted).toMatchObject({ records: 3, budgetSeconds: 62 });
    expect(counted.seconds).toBe(1.8);
    expect(late).toMatchObject({ records: 0, counts: [NOT_COUNTED_CODES.budget], budgetSeconds: 0 });
    expect(logged.filter((l) => l.message === 'Counted batch')[0]?.fields).toEqual({
      batch: 0,
      files: 1,
      bytes: 39,
      records: 3,
      countedFiles: 1,
      problems: 0,
      seconds: counted.seconds,
    });
  });

  it('warns naming a file that is not readable gzip', async () => {
    await putFile(
      `${PREFIX}a.json.gz`,
      Buffer.concat([gzipSync(lines(100)).subarray(0, 20), Buffer.alloc(40, 1)]),
    );
    const work = await plan(pinpoint);

    const counted = await countExportBatch(
      { batch: work.plan[0] as BatchDescriptor, scope: work.scope },
      { s3, logger, now: Date.now, deadline: Date.now() + 60_000, streams: 1 },
    );

    expect(counted).toMatchObject({
      counts: [NOT_COUNTED_CODES.unreadable],
      bytes: 60,
      findings: [{ key: `${PREFIX}a.json.gz`, problem: 'unreadable' }],
    });
    expect(logged.find((l) => l.level === 'warn')).toMatchObject({
      message: 'Export file is not readable gzip',
      fields: {
        key: `${PREFIX}a.json.gz`,
        error: expect.objectContaining({ code: expect.stringMatching(/^Z_/) }),
      },
    });
  });
});

describe('answers S3 gives in more than one form (a mocked client)', () => {
  const scope: CountScope = {
    bucket: 'b',
    source: 'pinpoint',
    defaultFormat: 'ndjson',
    prefix: 'p/',
    detail: true,
    concurrency: 1,
  };
  const batch: BatchDescriptor = { index: 0, files: 1, bytes: 0, prefix: 'p/', after: '' };

  function mocked(get: () => Promise<unknown>) {
    const client = new S3Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const mock = mockClient(client);
    mock.on(ListObjectsV2Command).resolves({
      Contents: [{ Key: 'p/a.json', Size: 10, ETag: '"e"', LastModified: new Date() }],
      IsTruncated: false,
    });
    mock.on(GetObjectCommand).callsFake(get);
    return client;
  }
  const count = (client: S3Client) =>
    countExportBatch(
      { batch, scope },
      { s3: client, logger: quiet, now: Date.now, deadline: Date.now() + 60_000, streams: 1 },
    );

  it('takes a 412 for a file replaced since the plan, by its name or by its status', async () => {
    const byName = mocked(() =>
      Promise.reject(Object.assign(new Error('x'), { name: 'PreconditionFailed' })),
    );
    const byStatus = mocked(() =>
      Promise.reject(Object.assign(new Error('x'), { name: 'Unknown', $metadata: { httpStatusCode: 412 } })),
    );

    expect((await count(byName)).counts).toEqual([NOT_COUNTED_CODES.changed]);
    expect((await count(byStatus)).counts).toEqual([NOT_COUNTED_CODES.changed]);
  });

  it("takes a missing key for a file gone since the plan, by either of S3's names for it", async () => {
    const noSuchKey = mocked(() => Promise.reject(Object.assign(new Error('x'), { name: 'NoSuchKey' })));

    expect(await count(noSuchKey)).toMatchObject({
      counts: [NOT_COUNTED_CODES.missing],
      findings: [{ key: 'p/a.json', problem: 'missing' }],
    });
  });

  it('counts an answer without a body as no records', async () => {
    const empty = mocked(() => Promise.resolve({ ContentLength: 0 }));

    expect(await count(empty)).toMatchObject({ countedFiles: 1, records: 0, counts: [0] });
  });

  it('throws an S3 error naming the key for any other failure, read errors without a code included', async () => {
    const denied = mocked(() =>
      Promise.reject(
        Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
      ),
    );
    const broken = mocked(() =>
      Promise.resolve({
        ContentLength: 10,
        Body: {
          [Symbol.asyncIterator]: () => ({
            next: () => Promise.reject(new Error('the body broke')),
          }),
        },
      }),
    );

    await expect(count(denied)).rejects.toMatchObject({
      message: expect.stringContaining('GetObject of p/a.json'),
    });
    // The function that failed is named, for the summary's reason and the logs.
    await expect(count(denied)).rejects.toMatchObject({
      message: expect.stringContaining('count-export-batch'),
    });
    const error = await count(broken).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain('GetObject of p/a.json');
    expect(error?.name).not.toBe('TypeError');
  });
});
