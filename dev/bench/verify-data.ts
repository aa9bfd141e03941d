import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { VerificationTarget } from '../../functions/shared/verification/target.ts';
import { mulberry32 } from '../../sources/emulator/random.ts';
import { generateEndpoint } from '../../sources/pinpoint/emulator-dataset.ts';

/*
 * The bench's exports, written straight into the emulator's S3 folder by a generator of
 * its own (not the emulator's DynamoDB or Pinpoint model, which shape their lines alike):
 *
 *   ndjson     JSON lines of varied length (20 B to 20 KB), CJK, accents and emoji, quotes
 *              and escaped newlines inside strings, nested objects and arrays
 *   dynamodb   DynamoDB JSON ({"Item": …}) with nested maps, lists, string and number
 *              sets, binary, booleans and nulls, as a DynamoDB export lays it out: data
 *              files under AWSDynamoDB/<id>/data/, manifest-files.json (itemCount, md5Checksum,
 *              etag, dataFileS3Key) and manifest-summary.json, written here
 *   endpoints  the emulator's own Pinpoint endpoints (sources/pinpoint/emulator-dataset.ts),
 *              for comparison
 *
 * Each kind has a few distinct gzip bodies written under several names: counting does the
 * same work for each copy, and generating hundreds of megabytes of distinct gzip would
 * dominate the bench.
 */

const gzipAsync = promisify(gzip);

/** One export the bench verifies: where it is, and what it holds. */
export interface BenchExport {
  kind: 'ndjson' | 'dynamodb' | 'endpoints';
  target: VerificationTarget;
  files: number;
  bytes: number;
  records: number;
}

export interface BenchDataOptions {
  s3Root: string;
  bucket: string;
  /** Stored bytes of one distinct body (about). */
  bodyBytes: number;
  /** Distinct bodies per kind. */
  distinct: number;
  /** Names each body is written under. */
  copies: number;
}

const WORDS = [
  'order',
  'Zürich',
  'naïve',
  'façade',
  '東京',
  '数据',
  'überprüft',
  'ünïcödé',
  'สวัสดี',
  'Привет',
  '🎉',
  '🚀✨',
  'emoji👩‍💻',
  'line\nbreak',
  'tab\there',
  '"quoted"',
  'back\\slash',
  'lorem',
  'ipsum',
  'dolor',
  'sit',
  'amet',
  'consectetur',
  'adipiscing',
];

function words(random: () => number, length: number): string {
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const word = WORDS[Math.floor(random() * WORDS.length)] as string;
    parts.push(word);
    size += word.length + 1;
  }
  return parts.join(' ');
}

/** A JSON line of 20 B to about 20 KB: most short, some long. */
function ndjsonLine(random: () => number, i: number): string {
  const r = random();
  const length = r < 0.7 ? 20 + random() * 180 : r < 0.95 ? 200 + random() * 1800 : 2000 + random() * 18000;
  return JSON.stringify({
    id: `rec-${i}-${Math.floor(random() * 1e9).toString(36)}`,
    text: words(random, length),
    ...(random() < 0.5
      ? { tags: Array.from({ length: 1 + Math.floor(random() * 5) }, () => words(random, 8)) }
      : {}),
    ...(random() < 0.3
      ? {
          nested: { a: { b: [1, 2.5, null, true, { c: words(random, 12) }] }, n: Math.floor(random() * 1e6) },
        }
      : {}),
  });
}

/** A DynamoDB JSON line: an item with nested maps, lists, sets, binary, booleans and nulls. */
function dynamoLine(random: () => number, i: number): string {
  const n = () => ({ N: String(Math.floor(random() * 1e7) / 100) });
  const s = (length: number) => ({ S: words(random, length) });
  const item: Record<string, unknown> = {
    pk: { S: `customer#${i}` },
    sk: { S: `order#${Math.floor(random() * 1e6)}` },
    total: n(),
    note: s(10 + random() * 300),
    active: { BOOL: random() < 0.5 },
  };
  if (random() < 0.6)
    item.profile = {
      M: {
        name: s(12),
        scores: { L: Array.from({ length: 1 + Math.floor(random() * 6) }, n) },
        tags: {
          SS: [...new Set(Array.from({ length: 1 + Math.floor(random() * 4) }, () => words(random, 6)))],
        },
        address: { M: { city: s(6), geo: { M: { lat: n(), lon: n(), extra: { NULL: true } } } } },
      },
    };
  if (random() < 0.2) item.codes = { NS: [...new Set(Array.from({ length: 3 }, () => n().N))] };
  if (random() < 0.1) item.blob = { B: randomBytes(8 + Math.floor(random() * 64)).toString('base64') };
  return JSON.stringify({ Item: item });
}

/** Lines from `line` until the gzip of them reaches about `bytes`; the body and its lines. */
async function bodyOf(
  line: (random: () => number, i: number) => string,
  seed: number,
  bytes: number,
): Promise<{ body: Buffer; lines: number }> {
  const random = mulberry32(seed);
  const parts: string[] = [];
  let text = 0;
  let lines = 0;
  // Estimate the raw size from a sample's ratio, then generate that much.
  const sample = Array.from({ length: 200 }, (_, i) => `${line(random, i)}\n`).join('');
  const ratio = sample.length / (await gzipAsync(sample)).length;
  while (text < bytes * ratio) {
    const next = `${line(random, lines)}\n`;
    parts.push(next);
    text += next.length;
    lines++;
  }
  return { body: await gzipAsync(parts.join('')), lines };
}

async function put(options: BenchDataOptions, key: string, body: string | Buffer): Promise<void> {
  const file = join(options.s3Root, options.bucket, ...key.split('/'));
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, body);
}

function targetOf(
  kind: BenchExport['kind'],
  bucket: string,
  prefix: string,
  expected: number,
  manifests?: string[],
): VerificationTarget {
  return {
    source: kind === 'dynamodb' ? 'dynamodb' : 'pinpoint',
    sourceName: kind === 'dynamodb' ? 'DynamoDB' : 'Bench',
    bucket,
    prefix,
    ...(manifests ? { sourceManifests: { keys: manifests, expected: 1 } } : {}),
    defaultFormat: 'ndjson',
    expected,
    expectedFrom: 'lines written',
    run: { executionId: 'bench', executionName: 'bench', scheduledTime: null, target: null },
    job: { id: kind, status: 'COMPLETED' },
  };
}

/** Writes the three exports; what each holds. */
export async function writeBenchExports(options: BenchDataOptions): Promise<BenchExport[]> {
  const generators = {
    ndjson: ndjsonLine,
    dynamodb: dynamoLine,
    endpoints: (_random: () => number, i: number) => {
      const generated = generateEndpoint('a1b2c3d4e5f60718293a4b5c6d7e8f90', i, 0);
      return JSON.stringify(generated.ok ? generated.endpoint : { i });
    },
  } as const;
  const exports: BenchExport[] = [];
  for (const [k, line] of Object.entries(generators)) {
    const kind = k as BenchExport['kind'];
    const bodies = [];
    for (let d = 0; d < options.distinct; d++)
      bodies.push(await bodyOf(line, 1000 * (d + 1) + kind.length, options.bodyBytes));
    const exportId = '01764295200000-bench001';
    const folder =
      kind === 'dynamodb' ? `bench/verify/dynamodb/AWSDynamoDB/${exportId}/` : `bench/verify/${kind}/job/`;
    const dataFolder = kind === 'dynamodb' ? `${folder}data/` : folder;
    const manifestLines: string[] = [];
    let files = 0;
    let bytes = 0;
    let records = 0;
    for (let c = 0; c < options.copies; c++) {
      for (const [d, { body, lines }] of bodies.entries()) {
        const key = `${dataFolder}part-${String(c).padStart(3, '0')}-${d}.json.gz`;
        await put(options, key, body);
        files++;
        bytes += body.length;
        records += lines;
        manifestLines.push(
          JSON.stringify({
            itemCount: lines,
            md5Checksum: createHash('md5').update(body).digest('base64'),
            etag: createHash('md5').update(body).digest('hex'),
            dataFileS3Key: key,
          }),
        );
      }
    }
    if (kind === 'dynamodb') {
      await put(options, `${folder}manifest-files.json`, `${manifestLines.join('\n')}\n`);
      await put(
        options,
        `${folder}manifest-summary.json`,
        JSON.stringify({
          manifestFilesS3Key: `${folder}manifest-files.json`,
          itemCount: records,
          outputFormat: 'DYNAMODB_JSON',
        }),
      );
    }
    exports.push({
      kind,
      target: targetOf(
        kind,
        options.bucket,
        folder,
        records,
        kind === 'dynamodb' ? [`${folder}manifest-summary.json`] : undefined,
      ),
      files,
      bytes,
      records,
    });
  }
  return exports;
}
