import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { countStreamsOf, VERIFICATION_DEFAULTS, vcpusOf } from '../../core/verification-sizing.ts';
import { finishVerification } from '../../functions/finish-verification/finish-verification.ts';
import type {
  BatchCount,
  CountBatchEvent,
  VerificationWork,
} from '../../functions/shared/verification/batch.ts';
import { planVerification } from '../../functions/verify-export/verify-export.ts';
import { writeExportFiles } from '../../sources/dynamodb/emulator-files.ts';
import { DEFAULT_BUCKET, startEmulator } from '../emulator/index.ts';
import { f1, table } from './format.ts';
import { type BenchExport, writeBenchExports } from './verify-data.ts';
import {
  ASSUMED,
  DEFAULT_SETTINGS,
  functionMBps,
  largestWithin,
  type Measured,
  projectFanOut,
  projectToday,
} from './verify-projection.ts';

/*
 * `npm run bench -- --verify`: the verification at any size.
 *   measured   counting throughput on real gzipped NDJSON and DynamoDB JSON served by the
 *              emulator's S3 (dev/bench/verify-data.ts writes them with its own generator):
 *              one worker process counting every batch, against the batches fanned out over
 *              N worker processes (N = the cores here), as a ratio; one worker with N streams
 *              (count-export-batch's COUNT_STREAMS) beside it
 *   integrity  the manifest check (verify-export's plan) of a DynamoDB export of 10,000 files
 *   projected  10 GB, 100 GB and 1 TB on Lambda from the measured rate (dev/bench/verify-projection.ts),
 *              next to today's one-function design
 * Every count is checked: each export must come out VERIFIED, or the bench fails.
 */

const quiet = { info: () => undefined, warn: () => undefined };
const MB = 1e6;
const GIB = 1024 ** 3;

/** Targets of issue 22. */
export const TARGETS = {
  /** A 1 TB export counted within 15 minutes of the job's end (projected). */
  terabyteSeconds: 15 * 60,
  /** The manifest check of 10,000 files, measured. */
  manifestCheckSeconds: 60,
  /** The local fan-out against one worker on this machine. */
  fanOutRatio: 1.6,
} as const;

interface Pool {
  workers: ChildProcess[];
  close: () => void;
}

/** Whether `taskset` can pin a process to one CPU here (Linux util-linux). */
function canPin(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `n` counting workers (dev/bench/verify-worker.ts), each a process, ready to count. `pinned`:
 * worker i runs on CPU i only (taskset), a vCPU each as a 1,769 MB Lambda has: one Node process
 * otherwise inflates on its thread pool beside its main thread, more than one core's worth.
 */
async function startWorkers(n: number, endpoint: string, pinned: boolean): Promise<Pool> {
  const cores = availableParallelism();
  const node = [process.execPath, '--import', 'tsx', join(import.meta.dirname, 'verify-worker.ts')];
  const workers = Array.from({ length: n }, (_, i) => {
    const [command, ...args] = pinned ? ['taskset', '-c', String(i % cores), ...node] : node;
    return spawn(command as string, args, {
      env: { ...process.env, BENCH_S3_ENDPOINT: endpoint },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  });
  await Promise.all(workers.map((w) => new Promise<void>((resolve) => w.once('message', () => resolve()))));
  return {
    workers,
    close: () => {
      for (const w of workers) w.send('exit');
    },
  };
}

/** Counts every batch on the pool, each worker taking the next batch when it is free (the Map's MaxConcurrency). */
async function countOn(
  pool: Pool,
  events: CountBatchEvent[],
  streams: number,
): Promise<{ seconds: number; counts: BatchCount[] }> {
  const counts: BatchCount[] = new Array(events.length);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    pool.workers.map(async (worker) => {
      while (next < events.length) {
        const index = next++;
        const answer = await new Promise<{ result?: BatchCount; error?: string }>((resolve) => {
          worker.once('message', resolve);
          worker.send({ event: events[index], streams });
        });
        if (!answer.result) throw new Error(`bench worker: ${answer.error}`);
        counts[index] = answer.result;
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, counts };
}

export interface VerifyBenchResult {
  cores: number;
  /** Whether each worker ran on one CPU of its own (taskset). */
  pinned: boolean;
  loadAverage: number;
  exports: {
    kind: string;
    files: number;
    bytes: number;
    records: number;
    batches: number;
    verdict: string;
  }[];
  bytes: number;
  oneWorker: { seconds: number; mbps: number };
  fanOut: { workers: number; seconds: number; mbps: number; perWorkerMBps: number; ratio: number };
  streams: { streams: number; seconds: number; mbps: number };
  manifestCheck: { files: number; seconds: number; batches: number; verdict: string };
  measured: Measured;
}

/** Writes the data, starts the emulator, measures; cleans up whatever happens. */
export async function measureVerify(options: {
  bodyMiB: number;
  copies: number;
}): Promise<VerifyBenchResult> {
  const cores = availableParallelism();
  const dataDir = await mkdtemp(join(tmpdir(), 'verify-bench-'));
  const s3Root = join(dataDir, 's3');
  const emulator = await startEmulator({ dataDir, port: 0 });
  const s3 = new S3Client({
    endpoint: emulator.url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  const pools: Pool[] = [];
  try {
    const written = Date.now();
    const exports = await writeBenchExports({
      s3Root,
      bucket: DEFAULT_BUCKET,
      bodyBytes: options.bodyMiB * 1024 ** 2,
      distinct: 2,
      copies: options.copies,
    });
    const bytes = exports.reduce((sum, e) => sum + e.bytes, 0);
    process.stderr.write(
      `verify bench: wrote ${exports.reduce((n, e) => n + e.files, 0)} files, ${f1(bytes / MB)} MB of gzip in ${f1((Date.now() - written) / 1000)} s\n`,
    );
    // Batches of about 4 files: enough batches to share out, as a large export has.
    const settings = { batchBytes: 4 * (options.bodyMiB + 1) * 1024 ** 2, concurrency: cores };
    const works: VerificationWork[] = [];
    for (const e of exports)
      works.push(await planVerification(e.target, { s3, logger: quiet, now: Date.now, settings }));
    const events = works.flatMap((work) => work.plan.map((batch) => ({ batch, scope: work.scope })));

    const pinned = canPin();
    const one = await startWorkers(1, emulator.url, pinned);
    const free = await startWorkers(1, emulator.url, false);
    const many = await startWorkers(cores, emulator.url, pinned);
    pools.push(one, free, many);
    // A first pass warms what a Lambda would have warm too (the emulator's ETag cache, the page cache).
    for (const pool of pools) await countOn(pool, events.slice(0, pool.workers.length), 1);
    const single = await countOn(one, events, 1);
    const withStreams = await countOn(free, events, cores);
    const fanned = await countOn(many, events, 1);

    // Every count must be right: the fan-out's counts make each export VERIFIED.
    const results: VerifyBenchResult['exports'] = [];
    let offset = 0;
    for (const [i, work] of works.entries()) {
      const e = exports[i] as BenchExport;
      const counts = fanned.counts.slice(offset, offset + work.plan.length);
      offset += work.plan.length;
      const result = await finishVerification(
        e.target,
        { ...work, counts },
        { s3, logger: quiet, now: Date.now },
      );
      results.push({
        kind: e.kind,
        files: e.files,
        bytes: e.bytes,
        records: e.records,
        batches: work.plan.length,
        verdict: result.verdict,
      });
      if (result.verdict !== 'VERIFIED')
        throw new Error(`verify bench: ${e.kind} is ${result.verdict}: ${result.note}`);
    }
    for (const [a, b] of [single, withStreams].map((run) => [run.counts, fanned.counts] as const))
      if (a.some((c, i) => c.records !== b[i]?.records))
        throw new Error('verify bench: the runs counted differently');

    const manifestCheck = await measureManifestCheck(s3Root, s3);
    const oneMBps = bytes / MB / single.seconds;
    const ratio = single.seconds / fanned.seconds;
    return {
      cores,
      pinned,
      loadAverage: loadavg()[0] ?? 0,
      exports: results,
      bytes,
      oneWorker: { seconds: single.seconds, mbps: oneMBps },
      fanOut: {
        workers: cores,
        seconds: fanned.seconds,
        mbps: bytes / MB / fanned.seconds,
        perWorkerMBps: bytes / MB / fanned.seconds / cores,
        ratio,
      },
      streams: { streams: cores, seconds: withStreams.seconds, mbps: bytes / MB / withStreams.seconds },
      manifestCheck,
      measured: {
        perWorkerMBps: oneMBps,
        parallelEfficiency: Math.min(1, ratio / cores),
        manifestSecondsPerFile: manifestCheck.seconds / manifestCheck.files,
      },
    };
  } finally {
    for (const pool of pools) pool.close();
    s3.destroy();
    await emulator.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** verify-export's plan (the manifest check) of a DynamoDB export of 10,000 data files, through S3 over HTTP. */
async function measureManifestCheck(
  s3Root: string,
  s3: S3Client,
): Promise<VerifyBenchResult['manifestCheck']> {
  const files = 10_000;
  const exportId = '01764295200000-manifest';
  const tableArn = 'arn:aws:dynamodb:us-east-1:000000000000:table/bench';
  const written = await writeExportFiles({
    s3Root,
    bucket: DEFAULT_BUCKET,
    prefix: 'bench/manifest-check',
    exportId,
    exportArn: `${tableArn}/export/${exportId}`,
    tableArn,
    tableId: 'bench',
    startMs: Date.now(),
    endMs: Date.now(),
    format: 'DYNAMODB_JSON',
    sseAlgorithm: 'AES256',
    sseKmsKeyId: undefined,
    lines: Array.from({ length: files }, (_, i) => ({ Item: { pk: { S: `item-${i}` } } })),
    itemsPerFile: 1,
  });
  const target = {
    source: 'dynamodb',
    sourceName: 'DynamoDB',
    bucket: DEFAULT_BUCKET,
    prefix: written.manifestKey.slice(0, written.manifestKey.lastIndexOf('/') + 1),
    sourceManifests: { keys: [written.manifestKey], expected: 1 },
    defaultFormat: 'ndjson' as const,
    expected: files,
    expectedFrom: 'ItemCount',
    run: { executionId: 'bench', executionName: 'bench', scheduledTime: null, target: null },
    job: { id: exportId, status: 'COMPLETED' },
  };
  // Cold: the emulator has never hashed these files for their ETags (S3 keeps them; a cold emulator is slower).
  const started = performance.now();
  const work = await planVerification(target, {
    s3,
    logger: quiet,
    now: Date.now,
    settings: { batchBytes: VERIFICATION_DEFAULTS.batchMegabytes * 1024 ** 2, concurrency: 40 },
  });
  return {
    files,
    seconds: (performance.now() - started) / 1000,
    batches: work.plan.length,
    verdict: work.verdict,
  };
}

const humanBytes = (bytes: number) =>
  bytes >= 1024 ** 4
    ? `${f1(bytes / 1024 ** 4)} TB`
    : bytes >= GIB
      ? `${f1(bytes / GIB)} GB`
      : `${f1(bytes / 1024 ** 2)} MB`;
const duration = (s: number) => (s >= 120 ? `${f1(s / 60)} min` : `${f1(s)} s`);

/** The report: tables, the projection (labelled), and the targets MET or NOT MET. */
export function verifyReport(r: VerifyBenchResult): {
  lines: string[];
  targets: { name: string; met: boolean; detail: string }[];
} {
  const sizes = [10, 100, 1024].map((gb) => gb * GIB);
  const fan = sizes.map((b) => projectFanOut(b, r.measured));
  const today = sizes.map((b) => projectToday(b, r.measured));
  const memories = [1024, 1769, 3008, 5307, 10240];
  const tb = fan[2] as (typeof fan)[number];
  const targets = [
    {
      name: "a 1 TB export counted within 15 min of the job's end (projected)",
      met: tb.fits && tb.wallSeconds <= TARGETS.terabyteSeconds,
      detail: `${duration(tb.wallSeconds)} (${tb.batches} batches, ${tb.waves} waves of ${DEFAULT_SETTINGS.concurrency})`,
    },
    {
      name: 'manifest check of 10,000 files < 60 s (measured)',
      met: r.manifestCheck.seconds < TARGETS.manifestCheckSeconds,
      detail: `${f1(r.manifestCheck.seconds)} s`,
    },
    {
      name: `local fan-out ≥ ${TARGETS.fanOutRatio}× one worker on ${r.cores} cores (measured)`,
      met: r.fanOut.ratio >= TARGETS.fanOutRatio,
      detail: `${r.fanOut.ratio.toFixed(2)}×`,
    },
  ];
  const lines = [
    `Verification, measured on this machine (${r.cores} cores, load average ${r.loadAverage.toFixed(2)} at the end; the emulator's S3 over HTTP; ${r.pinned ? 'each worker on one CPU of its own (taskset), as a 1,769 MB Lambda has one vCPU' : 'workers not pinned (no taskset)'}; one worker with streams on every core):`,
    table(
      ['export (generator)', 'files', 'MB gzip', 'records', 'batches', 'verdict'],
      r.exports.map((e) => [
        e.kind,
        e.files,
        f1(e.bytes / MB),
        e.records.toLocaleString('en-US'),
        e.batches,
        e.verdict,
      ]),
    ),
    table(
      ['counting', 'workers × streams', 'seconds', 'MB/s gzip', 'MB/s per worker', 'vs one worker'],
      [
        ['one worker', '1 × 1', f1(r.oneWorker.seconds), f1(r.oneWorker.mbps), f1(r.oneWorker.mbps), '1.00×'],
        [
          'one worker, streams',
          `1 × ${r.streams.streams}`,
          f1(r.streams.seconds),
          f1(r.streams.mbps),
          f1(r.streams.mbps),
          `${(r.oneWorker.seconds / r.streams.seconds).toFixed(2)}×`,
        ],
        [
          'fan-out',
          `${r.fanOut.workers} × 1`,
          f1(r.fanOut.seconds),
          f1(r.fanOut.mbps),
          f1(r.fanOut.perWorkerMBps),
          `${r.fanOut.ratio.toFixed(2)}×`,
        ],
      ],
    ),
    `Integrity: the manifest check (verify-export's plan: manifest-summary.json, manifest-files.json, 10 listing pages, every ETag compared) of a DynamoDB export of ${r.manifestCheck.files.toLocaleString('en-US')} files: ${f1(r.manifestCheck.seconds)} s (${r.manifestCheck.batches} batch(es) planned, provisional verdict ${r.manifestCheck.verdict}).`,
    '',
    `PROJECTION (not measured): Lambda arm64 with count-export-batch at ${DEFAULT_SETTINGS.countMemoryMb} MB (${vcpusOf(DEFAULT_SETTINGS.countMemoryMb).toFixed(2)} vCPU, ${countStreamsOf(DEFAULT_SETTINGS.countMemoryMb)} streams), batches of ${DEFAULT_SETTINGS.batchMegabytes} MB, ${DEFAULT_SETTINGS.concurrency} at once; a vCPU counts as fast as one core here (${f1(r.measured.perWorkerMBps)} MB/s), parallel efficiency ${r.measured.parallelEfficiency.toFixed(2)} (the fan-out's, measured; a function's streams taken to scale alike on its vCPUs), files of ${ASSUMED.fileBytes / 1024 ** 2} MiB, ${ASSUMED.getLatencySeconds * 1000} ms a GET, ${ASSUMED.listPageSeconds * 1000} ms a listing page, ${ASSUMED.waveOverheadSeconds} s a wave (cold start, scheduling); list prices us-east-1 (Lambda, Step Functions, S3 requests):`,
    table(
      [
        'export',
        'files',
        'batches',
        'batch s',
        'wall after the job',
        'GB-s',
        'cost',
        'today: one 512 MB function',
      ],
      sizes.map((bytes, i) => {
        const p = fan[i] as (typeof fan)[number];
        const t = today[i] as (typeof today)[number];
        return [
          humanBytes(bytes),
          p.files.toLocaleString('en-US'),
          p.batches,
          f1(p.batchSeconds),
          `${duration(p.wallSeconds)}${p.fits ? '' : ' (NOT_COUNTED: a batch outlasts its budget)'}`,
          f1(p.gbSeconds),
          `$${p.usd.toFixed(3)}`,
          `${t.verdict} (${humanBytes(t.counted)} counted in ${duration(t.wallSeconds)}), ${f1(t.gbSeconds)} GB-s, $${t.usd.toFixed(4)}`,
        ];
      }),
    ),
    `PROJECTION per count-export-batch memory (stage setting verification.countMemoryMb; default ${DEFAULT_SETTINGS.countMemoryMb}), batches of ${DEFAULT_SETTINGS.batchMegabytes} MB, ${DEFAULT_SETTINGS.concurrency} at once:`,
    table(
      [
        'memory MB',
        'vCPU',
        'streams',
        'MB/s per function',
        'largest export counted within 15 min',
        'cost of 1 TB',
      ],
      memories.map((memoryMb) => {
        const settings = { ...DEFAULT_SETTINGS, countMemoryMb: memoryMb };
        return [
          memoryMb,
          vcpusOf(memoryMb).toFixed(2),
          countStreamsOf(memoryMb),
          f1(functionMBps(r.measured, memoryMb)),
          humanBytes(largestWithin(TARGETS.terabyteSeconds, r.measured, settings)),
          `$${projectFanOut(1024 * GIB, r.measured, settings).usd.toFixed(2)}`,
        ];
      }),
    ),
  ];
  return { lines, targets };
}
