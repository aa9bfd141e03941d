/**
 * The time model of an Amazon Pinpoint export job: what `GetExportJob` reports
 * at any moment is a pure function of a {@link JobPlan} and the time elapsed since
 * the job was created. Nothing here reads a clock or keeps state, so the emulator
 * can answer with a virtual clock and a benchmark can replay a 12-hour job in
 * microseconds by calling {@link jobProgressAt} with any elapsed time it likes.
 *
 * Phases, in order: CREATED → PREPARING_FOR_INITIALIZATION → INITIALIZING →
 * PENDING_JOB (only when `pendingMs > 0`) → PROCESSING → COMPLETING → COMPLETED,
 * or FAILING → FAILED when at least one piece failed (Pinpoint marks the whole job
 * FAILED if any piece fails). A stall of infinite duration keeps the job in
 * PROCESSING forever, which is how "never finishes" is modelled.
 */

import type { JobStatus } from '../../core/types.ts';
import { mulberry32 } from '../emulator/random.ts';

/** A pause in processing: no piece finishes while it lasts. */
export interface Stall {
  /** Fraction of the total processing work (0..1) done when the stall begins. */
  atWork: number;
  /** How long nothing moves, in ms. `Infinity` = the job never finishes. */
  durationMs: number;
}

/** A slow start: the first part of the work proceeds at reduced speed (cold caches, a busy queue). */
export interface SlowStart {
  /** Fraction of the work (0..1) done at reduced speed. */
  workFraction: number;
  /** Speed during that part, relative to normal (0 < speed ≤ 1). 0.25 = four times slower. */
  speed: number;
}

/** Everything that determines an export job's timeline. All durations are in ms. */
export interface JobPlan {
  createdMs: number;
  preparingMs: number;
  initializingMs: number;
  /** Time in PENDING_JOB before processing starts (Pinpoint queues jobs when the account is busy). 0 = skip. */
  pendingMs: number;
  /** Processing time at full speed without stalls; slow start and stalls add to it. */
  processingMs: number;
  /** Time spent in COMPLETING (or FAILING) after the last piece finished. */
  completingMs: number;
  /**
   * Relative work of each piece (length = number of pieces). Pieces hold about the
   * same number of endpoints, as in Pinpoint, but take uneven time to finish.
   */
  pieceWeights: readonly number[];
  slowStart?: SlowStart;
  stalls?: readonly Stall[];
  /** Indexes of pieces that fail (they count as FailedPieces and make the job FAILED). */
  failedPieces?: readonly number[];
}

/** What a job looks like at one moment. */
export interface JobProgress {
  status: JobStatus;
  totalPieces: number;
  /** Pieces finished successfully so far. */
  completedPieces: number;
  /** Pieces finished unsuccessfully so far. */
  failedPieces: number;
  /**
   * Pieces finish in index order, so the finished ones are exactly
   * `0 .. finishedPieces - 1`; the emulator sums endpoint counts over that prefix.
   */
  finishedPieces: number;
  /** COMPLETED or FAILED. */
  terminal: boolean;
  /** Elapsed ms at which the job reaches (or reached) its terminal status; `null` if it never does. */
  terminalAtMs: number | null;
  /** Elapsed ms of the next change of status or counts; `null` when nothing will change any more. */
  nextChangeAtMs: number | null;
}

/** Parameters for {@link buildJobPlan}: the knobs a test, the emulator or a benchmark turns. */
export interface JobPlanParams {
  /** Nominal job duration from creation to COMPLETED without pending, slow start or stalls. */
  durationMs: number;
  pieces: number;
  /** Seed for the uneven piece durations; the same seed gives the same plan. */
  seed?: number;
  /** 0 = all pieces take the same time; 0.9 = piece durations vary between 0.1× and 1.9× the mean. Default 0.6. */
  unevenness?: number;
  pendingMs?: number;
  slowStart?: SlowStart;
  stalls?: readonly Stall[];
  failedPieces?: readonly number[];
}

/**
 * Splits a nominal duration into Pinpoint's phases (5% created, 10% preparing,
 * 10% initializing, 65% processing, 10% completing) and draws uneven piece
 * weights from a seeded PRNG. The shares are our choice: Pinpoint does not
 * document them, and only their order and rough proportions matter to a poller.
 */
export function buildJobPlan(params: JobPlanParams): JobPlan {
  const d = Math.max(0, params.durationMs);
  const pieces = Math.max(1, Math.floor(params.pieces));
  const unevenness = Math.min(0.95, Math.max(0, params.unevenness ?? 0.6));
  const random = mulberry32(params.seed ?? 1);
  const pieceWeights = Array.from({ length: pieces }, () => 1 + unevenness * (random() * 2 - 1));
  return {
    createdMs: d * 0.05,
    preparingMs: d * 0.1,
    initializingMs: d * 0.1,
    pendingMs: Math.max(0, params.pendingMs ?? 0),
    processingMs: d * 0.65,
    completingMs: d * 0.1,
    pieceWeights,
    ...(params.slowStart ? { slowStart: params.slowStart } : {}),
    ...(params.stalls ? { stalls: params.stalls } : {}),
    ...(params.failedPieces ? { failedPieces: params.failedPieces } : {}),
  };
}

/**
 * Wall time (ms from the start of PROCESSING) at which the given fraction of the
 * work is done, taking slow start and stalls into account. Monotonic in `work`.
 */
export function processingTimeForWork(plan: JobPlan, work: number): number {
  const w = Math.min(1, Math.max(0, work));
  const slow = plan.slowStart;
  let t: number;
  if (slow && slow.speed > 0 && slow.speed < 1 && slow.workFraction > 0) {
    const slowPart = Math.min(w, slow.workFraction);
    t = (slowPart / slow.speed + (w - slowPart)) * plan.processingMs;
  } else {
    t = w * plan.processingMs;
  }
  for (const stall of plan.stalls ?? []) {
    // A stall at exactly the work reached delays the piece that finishes there,
    // so "stall at 50%" holds back the piece that would complete the first half.
    if (stall.atWork < w || (stall.atWork === w && w > 0)) t += stall.durationMs;
  }
  return t;
}

/** Elapsed ms (since creation) at which each piece finishes; `Infinity` for pieces held by an endless stall. */
export function pieceFinishTimes(plan: JobPlan): number[] {
  const start = processingStartMs(plan);
  const total = plan.pieceWeights.reduce((sum, w) => sum + Math.max(0, w), 0);
  const times: number[] = [];
  let done = 0;
  for (const weight of plan.pieceWeights) {
    done += Math.max(0, weight);
    const work = total > 0 ? done / total : 1;
    times.push(start + processingTimeForWork(plan, work));
  }
  return times;
}

/**
 * The job's status and piece counts `elapsedMs` after creation. Pure: the same
 * plan and elapsed time always give the same answer.
 *
 * @example
 * const plan = buildJobPlan({ durationMs: 12 * 3600_000, pieces: 40, stalls: [{ atWork: 0.5, durationMs: 600_000 }] });
 * jobProgressAt(plan, 3 * 3600_000).status; // 'PROCESSING'
 */
export function jobProgressAt(plan: JobPlan, elapsedMs: number): JobProgress {
  const totalPieces = plan.pieceWeights.length;
  const failedSet = new Set(plan.failedPieces ?? []);
  const finishTimes = pieceFinishTimes(plan);
  const processingStart = processingStartMs(plan);
  const processingEnd = finishTimes.length > 0 ? finishTimes[finishTimes.length - 1]! : processingStart;
  const anyFailed = [...failedSet].some((i) => i >= 0 && i < totalPieces);
  const terminalAt = processingEnd + plan.completingMs;

  let finishedPieces = 0;
  while (finishedPieces < totalPieces && finishTimes[finishedPieces]! <= elapsedMs) finishedPieces++;
  let failedPieces = 0;
  for (let i = 0; i < finishedPieces; i++) if (failedSet.has(i)) failedPieces++;

  const boundaries: [number, JobStatus][] = [
    [plan.createdMs, 'CREATED'],
    [plan.createdMs + plan.preparingMs, 'PREPARING_FOR_INITIALIZATION'],
    [plan.createdMs + plan.preparingMs + plan.initializingMs, 'INITIALIZING'],
    [processingStart, 'PENDING_JOB'],
  ];
  let status: JobStatus | undefined;
  for (const [end, phase] of boundaries) {
    if (elapsedMs < end) {
      status = phase;
      break;
    }
  }
  if (!status) {
    if (finishedPieces < totalPieces) status = 'PROCESSING';
    else if (elapsedMs < terminalAt) status = anyFailed ? 'FAILING' : 'COMPLETING';
    else status = anyFailed ? 'FAILED' : 'COMPLETED';
  }

  const changes = [...boundaries.map(([end]) => end), ...finishTimes, terminalAt].filter(
    (t) => t > elapsedMs && Number.isFinite(t),
  );
  const terminal = status === 'COMPLETED' || status === 'FAILED';
  return {
    status,
    totalPieces,
    completedPieces: finishedPieces - failedPieces,
    failedPieces,
    finishedPieces,
    terminal,
    terminalAtMs: Number.isFinite(terminalAt) ? terminalAt : null,
    nextChangeAtMs: terminal || changes.length === 0 ? null : Math.min(...changes),
  };
}

function processingStartMs(plan: JobPlan): number {
  return plan.createdMs + plan.preparingMs + plan.initializingMs + plan.pendingMs;
}
