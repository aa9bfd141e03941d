import { countStreamsOf, VERIFICATION_DEFAULTS, vcpusOf } from '../../core/verification-sizing.ts';
import { FILE_OVERHEAD_BYTES, MAX_BATCHES } from '../../functions/shared/verification/plan.ts';

/*
 * What the fan-out would take for exports of any size on Lambda: a PROJECTION from the
 * counting rate measured on this machine (MB/s of stored gzip per worker) and Lambda's CPU
 * share per memory size, next to today's one-function design. Every assumption is a named
 * constant here and is printed with the figures.
 */

/** Lambda arm64, us-east-1 list price: per GB-second and per request. */
export const LAMBDA_GB_SECOND_USD = 0.0000133334;
export const LAMBDA_REQUEST_USD = 0.2 / 1_000_000;
/** Step Functions standard workflows: per state transition. */
export const TRANSITION_USD = 0.025 / 1000;
/** S3 standard: GET and LIST requests. */
export const S3_GET_USD = 0.0004 / 1000;
export const S3_LIST_USD = 0.005 / 1000;

/** Assumptions of the projection, printed with it. */
export const ASSUMED = {
  /** A Lambda vCPU counts as fast as one core of this machine. */
  vcpuAsLocalCore: 1,
  /** Average stored size of one data file (DynamoDB writes one or more per partition). */
  fileBytes: 64 * 1024 ** 2,
  /** S3's first byte of a GetObject, seconds. */
  getLatencySeconds: 0.03,
  /** One ListObjectsV2 page of 1,000 keys from S3, seconds. */
  listPageSeconds: 0.15,
  /** A cold start and the Map's scheduling, per wave of invocations, seconds. */
  waveOverheadSeconds: 1,
  /** The plan's and the finish's functions (512 MB). */
  stepMemoryMb: 512,
  /** count-export-batch's timeout and reserve, seconds. */
  countTimeoutSeconds: 300,
  countReserveSeconds: 10,
  /** Today's design: one verify-export of 512 MB, 300 s, counting stopped 20 s before. */
  todayMemoryMb: 512,
  todayBudgetSeconds: 280,
} as const;

/** What the measurements give the projection. */
export interface Measured {
  /** Stored (gzip) MB/s one worker counts with one stream (MB = 1,000,000 bytes). */
  perWorkerMBps: number;
  /**
   * How well counting pipelines share N cores out: the fan-out's speed-up over one worker, / N (at
   * most 1), measured with each worker on a core of its own. A function's streams are taken to
   * scale alike on its vCPUs: each inflates on a thread-pool thread of its own, and the main
   * thread's share (finding newlines) is small beside inflating.
   */
  parallelEfficiency: number;
  /** The manifest check's seconds per file, measured (10,000 files). */
  manifestSecondsPerFile: number;
}

export interface Settings {
  batchMegabytes: number;
  concurrency: number;
  countMemoryMb: number;
}

export const DEFAULT_SETTINGS: Settings = { ...VERIFICATION_DEFAULTS };

/** One export size, projected. */
export interface Projection {
  bytes: number;
  files: number;
  batches: number;
  waves: number;
  /** Seconds one batch counts (its stored bytes at the function's rate, its GETs, its cold start). */
  batchSeconds: number;
  /** Whether a batch fits in count-export-batch's budget (else the verdict would be NOT_COUNTED). */
  fits: boolean;
  /** From the job's end to the verdict: the plan, the Map's waves, the finish. */
  wallSeconds: number;
  gbSeconds: number;
  usd: number;
}

/** Stored MB/s of one counting function of `memoryMb` (its streams, capped by its vCPUs). */
export function functionMBps(measured: Measured, memoryMb: number): number {
  const cpus = vcpusOf(memoryMb) * ASSUMED.vcpuAsLocalCore;
  const streams = countStreamsOf(memoryMb);
  const parallel = Math.min(streams, cpus);
  return measured.perWorkerMBps * (parallel <= 1 ? parallel : parallel * measured.parallelEfficiency);
}

/** Seconds of the plan's (or the finish's) manifest check on S3 for `files` files. */
function checkSeconds(measured: Measured, files: number): number {
  return files * measured.manifestSecondsPerFile + Math.ceil(files / 1000) * ASSUMED.listPageSeconds;
}

/** The fan-out for an export of `bytes` stored bytes. */
export function projectFanOut(
  bytes: number,
  measured: Measured,
  settings: Settings = DEFAULT_SETTINGS,
): Projection {
  const files = Math.max(1, Math.ceil(bytes / ASSUMED.fileBytes));
  const weight = bytes + files * FILE_OVERHEAD_BYTES;
  const limit = Math.max(settings.batchMegabytes * 1024 ** 2, Math.ceil(weight / MAX_BATCHES));
  const batches = Math.max(1, Math.ceil(weight / limit));
  const waves = Math.ceil(batches / settings.concurrency);
  const batchBytes = bytes / batches;
  const filesPerBatch = files / batches;
  const streams = countStreamsOf(settings.countMemoryMb);
  const batchSeconds =
    batchBytes / 1e6 / functionMBps(measured, settings.countMemoryMb) +
    (filesPerBatch * ASSUMED.getLatencySeconds) / streams +
    ASSUMED.waveOverheadSeconds;
  const check = checkSeconds(measured, files);
  const wallSeconds = check + waves * batchSeconds + check;
  const gbSeconds =
    (batches * batchSeconds * settings.countMemoryMb) / 1024 + (2 * check * ASSUMED.stepMemoryMb) / 1024;
  const transitions = 3 + batches;
  const usd =
    gbSeconds * LAMBDA_GB_SECOND_USD +
    (batches + 2) * LAMBDA_REQUEST_USD +
    transitions * TRANSITION_USD +
    (files * 2 + 4) * S3_GET_USD +
    Math.ceil(files / 1000) * 3 * S3_LIST_USD;
  return {
    bytes,
    files,
    batches,
    waves,
    batchSeconds,
    fits: batchSeconds <= ASSUMED.countTimeoutSeconds - ASSUMED.countReserveSeconds,
    wallSeconds,
    gbSeconds,
    usd,
  };
}

/** Today's design: one 512 MB function counting within 280 s; what it counts of `bytes`. */
export function projectToday(bytes: number, measured: Measured) {
  const rate = functionMBps(measured, ASSUMED.todayMemoryMb);
  const counted = Math.min(bytes, rate * 1e6 * ASSUMED.todayBudgetSeconds);
  const seconds = Math.min(ASSUMED.todayBudgetSeconds + 20, counted / 1e6 / rate + 1);
  const gbSeconds = (seconds * ASSUMED.todayMemoryMb) / 1024;
  return {
    counted,
    verdict: counted < bytes ? 'NOT_COUNTED' : 'counted',
    wallSeconds: seconds,
    gbSeconds,
    usd: gbSeconds * LAMBDA_GB_SECOND_USD + LAMBDA_REQUEST_USD + 3 * TRANSITION_USD,
  };
}

/** The largest export (stored bytes) the fan-out counts within `seconds` of the job's end with these settings. */
export function largestWithin(
  seconds: number,
  measured: Measured,
  settings: Settings = DEFAULT_SETTINGS,
): number {
  let low = 0;
  let high = 1024 ** 5;
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    const p = projectFanOut(mid, measured, settings);
    if (p.fits && p.wallSeconds <= seconds) low = mid;
    else high = mid;
  }
  return low;
}
