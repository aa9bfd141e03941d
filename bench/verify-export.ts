/**
 * How long verify-export takes to count a large export:
 * `npx tsx bench/verify-export.ts --gb 1`. Writes that many GB of gzipped NDJSON (endpoints
 * from the emulator's dataset) as 64 MB objects under one job
 * folder of the emulator's S3, then runs the verification core through the real
 * @aws-sdk/client-s3 over HTTP to the emulator: list, stream, gunzip, count, write the
 * manifest. The figure is the wall time of that call on this machine.
 */

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { constants, gzipSync } from 'node:zlib';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_BUCKET, startEmulator } from '../emulator/index.ts';
import { verifyExport } from '../functions/verify-export/verify-export.ts';
import { generateEndpoint } from '../sources/pinpoint/emulator-dataset.ts';

const { values } = parseArgs({ options: { gb: { type: 'string', default: '1' } } });
const gigabytes = Number(values.gb);
/** Target size of one gzipped object. */
const OBJECT_BYTES = 64 * 1024 * 1024;
const PREFIX = 'bench/verify/job/';

/** One gzipped object of about OBJECT_BYTES, and how many lines it holds. */
function buildObject(seed: number): { body: Buffer; lines: number } {
  const app = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const parts: Buffer[] = [];
  let lines = 0;
  let raw = 0;
  // Compressed size is about a tenth of the text for this data.
  while (raw < OBJECT_BYTES * 10) {
    const generated = generateEndpoint(app, seed * 10_000_000 + lines, 0);
    if (!generated.ok) continue;
    const line = Buffer.from(`${JSON.stringify(generated.endpoint)}\n`);
    parts.push(line);
    raw += line.length;
    lines++;
  }
  return { body: gzipSync(Buffer.concat(parts), { level: constants.Z_DEFAULT_COMPRESSION }), lines };
}

async function main(): Promise<void> {
  const dataDir = join(tmpdir(), `verify-bench-${process.pid}`);
  const built = Date.now();
  const sample = buildObject(1);
  const objects = Math.max(1, Math.round((gigabytes * 1024 ** 3) / sample.body.length));
  const folder = join(dataDir, 's3', DEFAULT_BUCKET, ...PREFIX.split('/').filter(Boolean));
  await mkdir(folder, { recursive: true });
  // The same object under each name: counting does the same work for each, and generating 1 GB of distinct gzip would dominate the bench.
  for (let i = 0; i < objects; i++) {
    await writeFile(join(folder, `part-${String(i + 1).padStart(5, '0')}.json.gz`), sample.body);
  }
  const totalBytes = sample.body.length * objects;
  const expected = sample.lines * objects;
  console.log(
    `built ${objects} objects of ${(sample.body.length / 1024 / 1024).toFixed(1)} MB gzip (${sample.lines.toLocaleString('en-US')} lines each) = ${(totalBytes / 1024 ** 3).toFixed(2)} GB in ${((Date.now() - built) / 1000).toFixed(1)} s`,
  );
  const emulator = await startEmulator({ dataDir, port: 0 });
  const s3 = new S3Client({
    endpoint: emulator.url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  try {
    // The emulator hashes each file once for its ETag: warm that cache so the figure is the verification's own work.
    await s3.send(new ListObjectsV2Command({ Bucket: DEFAULT_BUCKET, Prefix: PREFIX }));
    const started = performance.now();
    const result = await verifyExport(
      {
        source: 'bench',
        sourceName: 'Bench',
        bucket: DEFAULT_BUCKET,
        prefix: PREFIX,
        defaultFormat: 'ndjson',
        expected,
        expectedFrom: 'lines written',
        run: { executionId: 'bench', executionName: 'bench', scheduledTime: null, target: null },
        job: { id: 'bench', status: 'COMPLETED' },
      },
      {
        s3,
        logger: { info: () => undefined, warn: () => undefined },
        now: Date.now,
        deadline: Date.now() + 3_600_000,
      },
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `verify-export: ${result.verdict}, ${result.files} files, ${(result.bytes / 1024 ** 3).toFixed(2)} GB gzip, ${result.records?.toLocaleString('en-US')} records in ${seconds.toFixed(1)} s = ${(result.bytes / 1024 / 1024 / seconds).toFixed(0)} MB/s gzip, ${Math.round((result.records ?? 0) / seconds).toLocaleString('en-US')} records/s`,
    );
    if (result.verdict !== 'VERIFIED') process.exitCode = 1;
  } finally {
    s3.destroy();
    await emulator.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
