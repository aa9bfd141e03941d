import { CONFIG_DEFAULTS, type PollConfig } from './config.ts';
import type { JobSnapshot, JobStatus, PollState } from './types.ts';

/*
 * When to look at the export job next. Every status check is a Lambda call and
 * three billed state transitions, and every second between the job's end and
 * the check that sees it delays the summary. So the wait:
 *  - starts at minWaitSeconds and, while nothing can be estimated (CREATED …
 *    PENDING_JOB, or PROCESSING before the first piece), grows with the time the
 *    job has taken so far: the longer a job has run, the longer it has left;
 *  - once pieces complete, estimates the end: the pieces left at the observed
 *    rate, plus COMPLETING, assumed to last `finishingShare` of the processing
 *    time; it waits `aimFraction` of the time left and estimates again, so the
 *    checks close in on the end instead of overshooting it;
 *  - in COMPLETING/FAILING (no counts move) goes straight to the estimated end;
 *  - near or past the estimated end, looks every nearWaitSeconds, which bounds
 *    the delay of the summary;
 *  - is always an integer within [minWaitSeconds, maxWaitSeconds] and never
 *    reaches past the run's deadline.
 * Everything here is pure: the benchmark replays thousands of jobs through it.
 */

/**
 * What the estimator remembers between checks, carried in the poll state next
 * to the {@link PollState} fields (the ASL passes `$.poll` through as is).
 * Times are estimates: a change seen at a check happened at some moment since
 * the check before, and is dated midway. Optional so an older state still works.
 */
export interface PollEstimates {
  /** When the previous check ran (ISO 8601). */
  lastCheckAt?: string;
  /** End of the setup phases (CREATED, PREPARING_FOR_INITIALIZATION, INITIALIZING). */
  setupEndedAt?: string;
  /** Start of PROCESSING. */
  processingStartedAt?: string;
  /** Start of COMPLETING or FAILING. */
  finishingStartedAt?: string;
  /** When the count of finished pieces last went up. */
  piecesChangedAt?: string;
  /** When pieces were first seen finished, and how many: the start of the steady-rate window. */
  rateAnchorAt?: string;
  rateAnchorPieces?: number;
  /** Pieces finished per second, the faster (earlier-end) of the two estimates. */
  piecesPerSecond?: number;
}

/** The poll state as this module writes it. */
export type AdaptivePollState = PollState & PollEstimates;

/** The settings with their defaults applied and made consistent. */
export interface PollSettings {
  min: number;
  max: number;
  near: number;
  idleGrowth: number;
  aimFraction: number;
  finishingShare: number;
}

const BEFORE_PROCESSING: ReadonlySet<JobStatus> = new Set([
  'CREATED',
  'PREPARING_FOR_INITIALIZATION',
  'INITIALIZING',
  'PENDING_JOB',
]);
const SETUP: ReadonlySet<JobStatus> = new Set(['CREATED', 'PREPARING_FOR_INITIALIZATION', 'INITIALIZING']);
const FINISHING: ReadonlySet<JobStatus> = new Set(['COMPLETING', 'FAILING']);

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** The config's poll settings with defaults for the optional ones; the near wait is kept within the bounds. */
export function pollSettings(config: PollConfig): PollSettings {
  const min = config.minWaitSeconds;
  const max = Math.max(min, config.maxWaitSeconds);
  return {
    min,
    max,
    near: clamp(config.nearWaitSeconds ?? CONFIG_DEFAULTS.POLL_NEAR_WAIT_SECONDS, min, max),
    idleGrowth: config.idleGrowth ?? CONFIG_DEFAULTS.POLL_IDLE_GROWTH,
    aimFraction: config.aimFraction ?? CONFIG_DEFAULTS.POLL_AIM_FRACTION,
    finishingShare: config.finishingShare ?? CONFIG_DEFAULTS.POLL_FINISHING_SHARE,
  };
}

function piecesDone(job: JobSnapshot): number {
  return (job.CompletedPieces ?? 0) + (job.FailedPieces ?? 0);
}

function isTerminal(status: JobStatus): boolean {
  return status === 'COMPLETED' || status === 'FAILED';
}

function boundByDeadline(waitSeconds: number, now: Date, deadline: Date): number {
  const untilDeadline = Math.ceil((deadline.getTime() - now.getTime()) / 1000);
  return Math.max(1, Math.min(Math.round(waitSeconds), untilDeadline));
}

/** The poll state right after the job was created (or reused). */
export function initialPollState(
  job: JobSnapshot,
  runStart: Date,
  now: Date,
  config: PollConfig,
): AdaptivePollState {
  const deadline = new Date(runStart.getTime() + config.runDeadlineSeconds * 1000);
  return {
    checks: 0,
    waitSeconds: isTerminal(job.JobStatus) ? 1 : boundByDeadline(config.minWaitSeconds, now, deadline),
    deadline: deadline.toISOString(),
    deadlinePassed: now >= deadline,
    lastProgressAt: now.toISOString(),
    lastPiecesDone: piecesDone(job),
    lastStatus: job.JobStatus,
    lastCheckAt: now.toISOString(),
  };
}

/** The estimator's memory updated with the job as seen `now`. */
export function updateEstimates(previous: AdaptivePollState, job: JobSnapshot, now: Date): PollEstimates {
  const nowMs = now.getTime();
  const previousCheckMs = previous.lastCheckAt
    ? Date.parse(previous.lastCheckAt)
    : nowMs - previous.waitSeconds * 1000;
  const midway = new Date((previousCheckMs + nowMs) / 2).toISOString();
  // For the spans that place the end, the earliest moment the change can have
  // happened: an early estimate costs a check or two, a late one delays the summary.
  const earliest = new Date(previousCheckMs).toISOString();
  const status = job.JobStatus;
  const setupEndedAt = previous.setupEndedAt ?? (SETUP.has(status) ? undefined : earliest);
  const processingStartedAt =
    previous.processingStartedAt ?? (BEFORE_PROCESSING.has(status) ? undefined : midway);
  const finishingStartedAt =
    previous.finishingStartedAt ?? (FINISHING.has(status) || isTerminal(status) ? midway : undefined);

  const done = piecesDone(job);
  const changed = done > previous.lastPiecesDone;
  const piecesChangedAt = changed ? midway : previous.piecesChangedAt;
  let rateAnchorAt = previous.rateAnchorAt;
  let rateAnchorPieces = previous.rateAnchorPieces;
  let piecesPerSecond = previous.piecesPerSecond;
  if (changed && processingStartedAt && piecesChangedAt) {
    const changedMs = Date.parse(piecesChangedAt);
    // Two views of the pace, both measured up to the last finished piece (so the
    // piece in progress does not drag them down): since processing began (held
    // back by a slow start or a stall) and since the first finished piece (the
    // steady pace). The faster gives the earlier end, and an early look costs one
    // check where a late one costs the summary's delay.
    const sinceStart = done / Math.max(1, (changedMs - Date.parse(processingStartedAt)) / 1000);
    let steady = 0;
    if (rateAnchorAt === undefined || rateAnchorPieces === undefined) {
      rateAnchorAt = piecesChangedAt;
      rateAnchorPieces = done;
    } else {
      steady = (done - rateAnchorPieces) / Math.max(1, (changedMs - Date.parse(rateAnchorAt)) / 1000);
    }
    piecesPerSecond = Math.max(sinceStart, steady);
  }
  return {
    lastCheckAt: now.toISOString(),
    ...(setupEndedAt ? { setupEndedAt } : {}),
    ...(processingStartedAt ? { processingStartedAt } : {}),
    ...(finishingStartedAt ? { finishingStartedAt } : {}),
    ...(piecesChangedAt ? { piecesChangedAt } : {}),
    ...(rateAnchorAt !== undefined && rateAnchorPieces !== undefined
      ? { rateAnchorAt, rateAnchorPieces }
      : {}),
    ...(piecesPerSecond !== undefined ? { piecesPerSecond } : {}),
  };
}

/**
 * How long COMPLETING/FAILING is expected to last, ms: `finishingShare` times the
 * setup (creation until the job left INITIALIZING, a queue wait in PENDING_JOB
 * excluded). Setup is the one span every job shows before its end and no stall or
 * slow start stretches; the share is a deliberately early guess (see config.ts).
 */
export function finishingDurationMs(
  job: JobSnapshot,
  estimates: PollEstimates,
  now: Date,
  settings: PollSettings,
): number {
  const created = Date.parse(job.CreationDate);
  const setupEnd = Date.parse(estimates.setupEndedAt ?? estimates.processingStartedAt ?? now.toISOString());
  return settings.finishingShare * Math.max(0, setupEnd - created);
}

/**
 * When the job is estimated to reach COMPLETED/FAILED (epoch ms), or undefined
 * before PROCESSING, when there is nothing to estimate from.
 *
 * In PROCESSING it is the later of two times: the expected end (the pieces left
 * at the observed pace from the last finished piece, then COMPLETING) and the
 * earliest plausible end (all but the piece in progress still to do, then
 * COMPLETING), which takes over when the job runs behind its pace, as in a stall.
 */
export function estimateEndMs(
  job: JobSnapshot,
  estimates: PollEstimates,
  now: Date,
  settings: PollSettings,
): number | undefined {
  const nowMs = now.getTime();
  const total = job.TotalPieces ?? 0;
  const rate = estimates.piecesPerSecond;
  const finishing = finishingDurationMs(job, estimates, now, settings);
  if (job.JobStatus === 'PROCESSING') {
    const done = piecesDone(job);
    if (rate && total > 0 && estimates.piecesChangedAt) {
      const expected = Date.parse(estimates.piecesChangedAt) + ((total - done) / rate) * 1000;
      const earliest = nowMs + (Math.max(0, total - done - 1) / rate) * 1000;
      return Math.max(expected, earliest) + finishing;
    }
    // No piece finished yet: processing takes at least as long as the setup before
    // it did (it is the bulk of an export).
    const processingStart = Date.parse(estimates.processingStartedAt ?? job.CreationDate);
    const setupMs = processingStart - Date.parse(job.CreationDate);
    return Math.max(nowMs, processingStart + setupMs) + finishing;
  }
  if (FINISHING.has(job.JobStatus) && estimates.finishingStartedAt) {
    return Date.parse(estimates.finishingStartedAt) + finishing;
  }
  return undefined;
}

/**
 * Seconds to wait before the next check (before rounding and the deadline),
 * given the job as just seen and the estimator's updated memory.
 */
export function nextWaitSeconds(
  job: JobSnapshot,
  estimates: PollEstimates,
  now: Date,
  settings: PollSettings,
): number {
  const { min, max, near } = settings;
  if (isTerminal(job.JobStatus)) return 1;
  const nowMs = now.getTime();
  const endMs = estimateEndMs(job, estimates, now, settings);
  if (endMs === undefined) {
    const elapsed = Math.max(0, (nowMs - Date.parse(job.CreationDate)) / 1000);
    return clamp(settings.idleGrowth * elapsed, min, max);
  }
  const left = (endMs - nowMs) / 1000;
  if (left <= near) return near;
  // In COMPLETING nothing moves that could refine the estimate: go to it.
  if (FINISHING.has(job.JobStatus)) return clamp(left, min, max);
  // A pace read from the first pieces can be far too slow (a slow start, a stall):
  // never wait longer than aimFraction of the time processing has taken so far, so
  // the estimate is refreshed before it can overshoot the end by much.
  const processingSoFar = (nowMs - Date.parse(estimates.processingStartedAt ?? job.CreationDate)) / 1000;
  const aim = Math.min(left, Math.max(processingSoFar, near)) * settings.aimFraction;
  return clamp(Math.max(aim, near), min, max);
}

/** The poll state after a status check. */
export function nextPollState(
  previous: PollState,
  job: JobSnapshot,
  now: Date,
  config: PollConfig,
): AdaptivePollState {
  const deadline = new Date(previous.deadline);
  const done = piecesDone(job);
  const progressed = done > previous.lastPiecesDone || job.JobStatus !== previous.lastStatus;
  const estimates = updateEstimates(previous, job, now);
  const wait = nextWaitSeconds(job, estimates, now, pollSettings(config));
  return {
    checks: previous.checks + 1,
    waitSeconds: boundByDeadline(wait, now, deadline),
    deadline: previous.deadline,
    deadlinePassed: now >= deadline,
    lastProgressAt: progressed ? now.toISOString() : previous.lastProgressAt,
    lastPiecesDone: done,
    lastStatus: job.JobStatus,
    ...estimates,
  };
}
