import { CONFIG_DEFAULTS, type PollConfig } from './config.ts';
import type { JobSnapshot, JobStatus, PollState } from './types.ts';

/*
 * When to look at the export job next. Every status check is a Lambda call and
 * three billed state transitions, and every second between the job's end and
 * the check that sees it delays the summary. The job's end is COMPLETING's end,
 * and COMPLETING is taken to last `finishingShare` of the setup: so the wait
 *  - during the setup (CREATED … INITIALIZING) grows with the time the job has
 *    taken so far until a phase change brackets the setup's length (its phases'
 *    usual shape, SETUP_SHAPE); it then steps up from the bracket's low end until
 *    the bracket leaves COMPLETING's length known to within a near wait;
 *  - in PROCESSING estimates the end of processing from the pieces' pace (at least
 *    PROCESSING_PER_SETUP × the setup) and closes in on it: aimFraction of the time
 *    left, and for the last piece steps through the window in which it should end;
 *    with the last piece in progress it never waits more than COMPLETING's shortest
 *    length plus a near wait;
 *  - in COMPLETING/FAILING (nothing moves) looks a near wait after the earliest end
 *    (the last check that saw PROCESSING + COMPLETING's shortest length), then every
 *    near wait, which bounds the summary's delay;
 *  - is always an integer within [minWaitSeconds, maxWaitSeconds] and never
 *    reaches past the run's deadline.
 * Everything here is pure: the benchmark replays thousands of jobs through it. What
 * it remembers between checks is in PollState's optional fields (types.ts).
 */

/** The settings with their defaults applied and made consistent. */
export interface PollSettings {
  min: number;
  max: number;
  near: number;
  idleGrowth: number;
  aimFraction: number;
  finishingShare: number;
}

/**
 * The usual shape of the setup: CREATED ends at this fraction of it, PREPARING_FOR_INITIALIZATION
 * at that one (INITIALIZING fills the rest). It only narrows what the checks show; a check that
 * contradicts it drops it for the job.
 */
export const SETUP_SHAPE = { createdEnds: 0.2, preparingEnds: 0.6 } as const;

/**
 * Processing takes at least this many times the setup (the job model gives 2.6 at full
 * speed; slow starts and stalls only lengthen it). Only a floor for the first estimate:
 * the pace of the finished pieces takes over once it gives a later end.
 */
export const PROCESSING_PER_SETUP = 2;

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

function piecesLeft(job: JobSnapshot): number {
  return (job.TotalPieces ?? 0) - piecesDone(job);
}

function isTerminal(status: JobStatus): boolean {
  return status === 'COMPLETED' || status === 'FAILED';
}

function boundByDeadline(waitSeconds: number, now: Date, deadline: Date): number {
  const untilDeadline = Math.ceil((deadline.getTime() - now.getTime()) / 1000);
  return Math.max(1, Math.min(Math.round(waitSeconds), untilDeadline));
}

/** The poll state right after the job was created (or reused). */
export function initialPollState(job: JobSnapshot, runStart: Date, now: Date, config: PollConfig): PollState {
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

/** The estimator's fields of the poll state. */
export type PollEstimates = Pick<
  PollState,
  | 'lastCheckAt'
  | 'setupSeenMinSeconds'
  | 'setupSeenMaxSeconds'
  | 'setupMinSeconds'
  | 'setupMaxSeconds'
  | 'processingStartedAt'
  | 'finishingStartedAt'
  | 'piecesChangedAt'
  | 'rateAnchorAt'
  | 'rateAnchorPieces'
  | 'piecesPerSecond'
>;

/** What a check at `t` seconds after creation, seeing `status`, says of the setup's length: (low, high]. */
function setupBoundsSeen(status: JobStatus, t: number, shaped: boolean): [number, number] {
  const { createdEnds, preparingEnds } = SETUP_SHAPE;
  if (!SETUP.has(status)) return [0, t];
  if (!shaped) return [t, Number.POSITIVE_INFINITY];
  if (status === 'CREATED') return [t / createdEnds, Number.POSITIVE_INFINITY];
  if (status === 'PREPARING_FOR_INITIALIZATION') return [t / preparingEnds, t / createdEnds];
  return [t, t / preparingEnds];
}

/** The estimator's memory updated with the job as seen `now`. */
export function updateEstimates(previous: PollState, job: JobSnapshot, now: Date): PollEstimates {
  const nowMs = now.getTime();
  const createdMs = Date.parse(job.CreationDate);
  const previousCheckMs = previous.lastCheckAt
    ? Date.parse(previous.lastCheckAt)
    : nowMs - previous.waitSeconds * 1000;
  const earliest = new Date(previousCheckMs).toISOString();
  const status = job.JobStatus;
  const t = Math.max(0, (nowMs - createdMs) / 1000);

  // The setup's length: what the checks show, narrowed by the setup's usual shape.
  const [seenLow, seenHigh] = setupBoundsSeen(status, t, false);
  const seenMin = Math.max(previous.setupSeenMinSeconds ?? 0, seenLow);
  const seenMax = Math.min(previous.setupSeenMaxSeconds ?? Number.POSITIVE_INFINITY, seenHigh);
  const [shapeLow, shapeHigh] = setupBoundsSeen(status, t, true);
  let setupMin = Math.max(previous.setupMinSeconds ?? 0, seenMin, shapeLow);
  let setupMax = Math.min(previous.setupMaxSeconds ?? Number.POSITIVE_INFINITY, seenMax, shapeHigh);
  if (setupMin > setupMax) {
    setupMin = seenMin;
    setupMax = seenMax;
  }

  let processingStartedAt = previous.processingStartedAt;
  if (processingStartedAt === undefined && !BEFORE_PROCESSING.has(status)) {
    // Straight from the setup, processing began when the setup ended: the middle of
    // its estimate, within the interval since the previous check.
    const fromSetup =
      SETUP.has(previous.lastStatus) && Number.isFinite(setupMax)
        ? clamp(createdMs + ((setupMin + setupMax) / 2) * 1000, previousCheckMs, nowMs)
        : (previousCheckMs + nowMs) / 2;
    processingStartedAt = new Date(fromSetup).toISOString();
  }
  const finishingStartedAt =
    previous.finishingStartedAt ?? (FINISHING.has(status) || isTerminal(status) ? earliest : undefined);

  const done = piecesDone(job);
  const changed = done > previous.lastPiecesDone;
  // Pieces finish during processing: date a change midway between the later of the
  // previous check and processing's start, and now.
  const changedFromMs = Math.max(previousCheckMs, processingStartedAt ? Date.parse(processingStartedAt) : 0);
  const piecesChangedAt = changed
    ? new Date((Math.min(changedFromMs, nowMs) + nowMs) / 2).toISOString()
    : previous.piecesChangedAt;
  let rateAnchorAt = previous.rateAnchorAt;
  let rateAnchorPieces = previous.rateAnchorPieces;
  let piecesPerSecond = previous.piecesPerSecond;
  if (changed && processingStartedAt && piecesChangedAt) {
    const changedMs = Date.parse(piecesChangedAt);
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
    ...(seenMin > 0 ? { setupSeenMinSeconds: seenMin } : {}),
    ...(Number.isFinite(seenMax) ? { setupSeenMaxSeconds: seenMax } : {}),
    ...(setupMin > 0 ? { setupMinSeconds: setupMin } : {}),
    ...(Number.isFinite(setupMax) ? { setupMaxSeconds: setupMax } : {}),
    ...(processingStartedAt ? { processingStartedAt } : {}),
    ...(finishingStartedAt ? { finishingStartedAt } : {}),
    ...(piecesChangedAt ? { piecesChangedAt } : {}),
    ...(rateAnchorAt !== undefined && rateAnchorPieces !== undefined
      ? { rateAnchorAt, rateAnchorPieces }
      : {}),
    ...(piecesPerSecond !== undefined ? { piecesPerSecond } : {}),
  };
}

/** The setup's length as estimated (seconds): its shortest, longest (if bounded) and middle. */
function setupEstimate(
  estimates: PollEstimates,
  elapsed: number,
): { low: number; high: number | undefined; mid: number } {
  const low = estimates.setupMinSeconds ?? estimates.setupSeenMinSeconds ?? 0;
  const high = estimates.setupMaxSeconds ?? estimates.setupSeenMaxSeconds;
  return { low, high, mid: high === undefined ? Math.max(low, elapsed) : (low + high) / 2 };
}

/**
 * The shortest COMPLETING/FAILING the estimate allows, ms: `finishingShare` times the
 * shortest setup (a queue wait in PENDING_JOB excluded).
 */
export function finishingDurationMs(estimates: PollEstimates, settings: PollSettings): number {
  const low = estimates.setupMinSeconds ?? estimates.setupSeenMinSeconds ?? 0;
  return settings.finishingShare * low * 1000;
}

/**
 * When PROCESSING is estimated to end (epoch ms): the pieces left at the observed pace
 * from the last finished piece, or, when the job runs behind its pace (a stall), all but
 * the piece in progress still to do from now; before the first piece, processing is
 * taken to last at least as long as the setup did.
 */
export function estimateProcessingEndMs(job: JobSnapshot, estimates: PollEstimates, now: Date): number {
  const nowMs = now.getTime();
  const total = job.TotalPieces ?? 0;
  const rate = estimates.piecesPerSecond;
  const done = piecesDone(job);
  const processingStart = Date.parse(estimates.processingStartedAt ?? job.CreationDate);
  const setup = setupEstimate(estimates, (processingStart - Date.parse(job.CreationDate)) / 1000);
  const atLeast = Math.max(nowMs, processingStart + PROCESSING_PER_SETUP * setup.low * 1000);
  if (rate && total > 0 && estimates.piecesChangedAt) {
    const expected = Date.parse(estimates.piecesChangedAt) + ((total - done) / rate) * 1000;
    const behind = nowMs + (Math.max(0, total - done - 1) / rate) * 1000;
    return Math.max(expected, behind, atLeast);
  }
  return atLeast;
}

/**
 * The earliest the job is estimated to reach COMPLETED/FAILED (epoch ms), or undefined
 * before PROCESSING, when there is nothing to estimate from.
 */
export function estimateEndMs(
  job: JobSnapshot,
  estimates: PollEstimates,
  now: Date,
  settings: PollSettings,
): number | undefined {
  const finishing = finishingDurationMs(estimates, settings);
  if (job.JobStatus === 'PROCESSING') return estimateProcessingEndMs(job, estimates, now) + finishing;
  if (FINISHING.has(job.JobStatus) && estimates.finishingStartedAt) {
    return Date.parse(estimates.finishingStartedAt) + finishing;
  }
  return undefined;
}

/** Seconds to wait before the next check (before rounding and the deadline). */
export function nextWaitSeconds(
  job: JobSnapshot,
  estimates: PollEstimates,
  now: Date,
  settings: PollSettings,
): number {
  const { min, max, near } = settings;
  if (isTerminal(job.JobStatus)) return 1;
  const nowMs = now.getTime();
  const elapsed = Math.max(0, (nowMs - Date.parse(job.CreationDate)) / 1000);
  if (SETUP.has(job.JobStatus)) {
    const low = estimates.setupMinSeconds;
    const high = estimates.setupMaxSeconds;
    if (low !== undefined && high !== undefined) {
      // The setup's end is bracketed: narrow the bracket while it leaves COMPLETING's
      // length uncertain by more than a near wait, then look just after its end.
      // A check past the setup ends the narrowing, so step up from the low end: by about
      // the square root of the bracket (fewer checks here against fewer in COMPLETING).
      const step = Math.sqrt((2 * near * (high - low)) / settings.finishingShare);
      const target = settings.finishingShare * (high - low) > near ? Math.min(high, low + step) : high;
      return clamp(Math.ceil(target - elapsed), min, max);
    }
    return clamp(settings.idleGrowth * elapsed, min, max);
  }
  if (FINISHING.has(job.JobStatus)) {
    // Nothing moves in COMPLETING: look a near wait after the earliest end, then every near wait.
    const endMs = estimateEndMs(job, estimates, now, settings) ?? nowMs;
    return clamp(Math.max(0, (endMs - nowMs) / 1000) + near, min, max);
  }
  const setupLow = estimates.setupMinSeconds ?? estimates.setupSeenMinSeconds ?? 0;
  // Queued (PENDING_JOB): half the setup time, the only scale known.
  if (job.JobStatus !== 'PROCESSING') return clamp(Math.max(near, 0.5 * setupLow), min, max);

  // PROCESSING: close in on the end of processing, so that the first check that sees
  // COMPLETING follows it closely (COMPLETING's end is stepped to from the last check
  // that still saw PROCESSING).
  const leftP = (estimateProcessingEndMs(job, estimates, now) - nowMs) / 1000;
  const rate = estimates.piecesPerSecond;
  const processingSoFar = (nowMs - Date.parse(estimates.processingStartedAt ?? job.CreationDate)) / 1000;
  // A pace read from the first pieces can be far too slow (a slow start): never wait more
  // than aimFraction of the processing time so far, so it is re-read before it overshoots.
  const paced = Math.max(processingSoFar, near) * settings.aimFraction;
  // With the last piece in progress the job can reach COMPLETING at any moment, and it then
  // ends no sooner than COMPLETING's shortest length: looking again within that plus a near
  // wait keeps the delay within a near wait.
  const finishing = finishingDurationMs(estimates, settings) / 1000;
  const cap = piecesLeft(job) <= 1 ? finishing + near : max;
  if (!rate)
    return clamp(Math.min(cap, settings.aimFraction * Math.max(leftP, processingSoFar, near)), min, max);
  if (piecesLeft(job) > 1)
    return clamp(Math.max(Math.min(leftP * settings.aimFraction, paced), near), min, max);
  // The last piece: it ends within about a piece's time either side of the estimate. Go
  // to the start of that window, then step through it by about the square root of what is
  // left of it (a check that still sees PROCESSING moves the first look in COMPLETING later
  // by as much as it waited; one that sees COMPLETING leaves near-wait steps to make).
  const piece = 1 / rate;
  const untilWindow = leftP - piece;
  if (untilWindow > near) return clamp(Math.min(cap, Math.max(Math.min(untilWindow, paced), near)), min, max);
  const window = leftP + piece;
  if (window > 4 * near) return clamp(Math.min(cap, Math.max(near, Math.sqrt(window * near))), min, max);
  return clamp(cap, min, max);
}

/** The poll state after a status check. */
export function nextPollState(
  previous: PollState,
  job: JobSnapshot,
  now: Date,
  config: PollConfig,
): PollState {
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
