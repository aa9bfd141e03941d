import {
  BEFORE_PROCESSING,
  clamp,
  createdMsOf,
  FINISHING,
  isTerminal,
  msOf,
  type PollEstimates,
  piecesDone,
  piecesLeft,
  SETUP,
  setupLowSeconds,
  updateEstimates,
} from './poll-estimates.ts';
import { CONFIG_DEFAULTS, POLL_CHECK_CAP, type PollConfig } from './settings.ts';
import type { JobSnapshot, PollPrior, PollState } from './types.ts';

export { type PollEstimates, SETUP_SHAPE, updateEstimates } from './poll-estimates.ts';
export { POLL_CHECK_CAP } from './settings.ts';

/*
 * When to look at the export job next. Every status check is a Lambda call and
 * three billed state transitions, and every second between the job's end and
 * the check that sees it delays the summary. The wait
 *  - during the setup (CREATED … INITIALIZING) grows with the time the job has
 *    taken so far (idleGrowth × elapsed), and steps through the setup's bracket
 *    once a phase change bounds it (SETUP_SHAPE), never faster than that growth;
 *  - in PENDING_JOB grows with the time queued: nothing can be learned there;
 *  - in PROCESSING, with more than one piece left, aims at the end of processing
 *    estimated from the fastest observed pace (aimFraction of the time left);
 *    with the last piece in progress, before any piece finished, or for a source
 *    that reports no pieces, it never exceeds the robust wait;
 *  - in COMPLETING/FAILING looks a near wait after the earliest end (finishingShare
 *    × the shortest setup), never more than the robust wait, then every near wait;
 *    a COMPLETING that lasts far longer spreads the checks left evenly to the deadline;
 *  - with a prior (the target's previous COMPLETED duration) the first checks go
 *    straight to half of it, where the job could first end; when the prior also recorded
 *    the previous job's setup and COMPLETING start, COMPLETING's first wait goes to
 *    aimFraction of its expected length (the previous one scaled by this job's setup);
 *  - is always a finite integer within [minWaitSeconds, maxWaitSeconds], never
 *    reaches past the run's deadline, and is long enough that the checks left
 *    before the ASL's cap (POLL_CHECK_CAP) reach the deadline: a run ends on the
 *    job's end or on its deadline, never on the cap.
 * The robust wait (ROBUST_WAIT_FACTOR × the near wait) bounds the delay whenever
 * the job's shape defeats the estimate. Everything here is pure: the benchmark
 * replays thousands of jobs through it.
 */

/** The robust wait is this many near waits: the delay bound when the estimate cannot be trusted. */
export const ROBUST_WAIT_FACTOR = 2;

/** With a prior, the job is not expected to end before this share of the previous run's duration. */
export const PRIOR_EARLIEST_SHARE = 0.5;

/**
 * With a prior, the first look in the setup comes at this share of the previous run's duration:
 * early enough to see the setup (whose length sets COMPLETING's), without the growing looks.
 */
export const PRIOR_SETUP_SHARE = 0.1;

/** With pieces left, one wait spans at most this many pieces' time at the fastest observed pace. */
export const PIECES_PER_WAIT = 3;

/** COMPLETING that has lasted this many times its shortest estimate counts as long: checks are spread. */
export const LONG_FINISHING_FACTOR = 2;

/** The settings with their defaults applied and made consistent. */
export interface PollSettings {
  min: number;
  max: number;
  near: number;
  /** The wait that bounds the delay when the estimate cannot be trusted. */
  robust: number;
  idleGrowth: number;
  aimFraction: number;
  finishingShare: number;
}

const positiveOr = (value: number | undefined, fallback: number): number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;

/**
 * The config's poll settings with defaults for the optional (or non-finite) ones, the near and
 * robust waits within the bounds, and the longest wait raised to what the cap needs to reach the
 * deadline (runDeadlineSeconds / POLL_CHECK_CAP).
 */
export function pollSettings(config: PollConfig): PollSettings {
  const min = Math.max(
    1,
    Math.round(positiveOr(config.minWaitSeconds, CONFIG_DEFAULTS.POLL_MIN_WAIT_SECONDS)),
  );
  const deadline = positiveOr(config.runDeadlineSeconds, CONFIG_DEFAULTS.RUN_DEADLINE_SECONDS);
  // At least what lets the cap's checks reach the deadline (the stage config refuses less).
  const max = Math.max(
    min,
    Math.round(positiveOr(config.maxWaitSeconds, CONFIG_DEFAULTS.POLL_MAX_WAIT_SECONDS)),
    Math.ceil(deadline / POLL_CHECK_CAP),
  );
  const near = clamp(positiveOr(config.nearWaitSeconds, CONFIG_DEFAULTS.POLL_NEAR_WAIT_SECONDS), min, max);
  return {
    min,
    max,
    near,
    robust: clamp(ROBUST_WAIT_FACTOR * near, min, max),
    idleGrowth: positiveOr(config.idleGrowth, CONFIG_DEFAULTS.POLL_IDLE_GROWTH),
    aimFraction: Math.min(1, positiveOr(config.aimFraction, CONFIG_DEFAULTS.POLL_AIM_FRACTION)),
    finishingShare: positiveOr(config.finishingShare, CONFIG_DEFAULTS.POLL_FINISHING_SHARE),
  };
}

/**
 * The wait as the Wait state gets it: an integer within [min, max], at least what keeps the
 * checks left before the cap enough to reach the deadline (wait ≥ time left − (checks left − 1)
 * × max: after it, the time left is within what the remaining checks can cover at max), and
 * never past the deadline. `checksLeft` counts the checks the ASL still allows, the next included.
 */
function finalWait(wait: number, nowMs: number, deadlineMs: number, checksLeft: number, s: PollSettings) {
  const untilDeadline = Math.ceil((deadlineMs - nowMs) / 1000);
  if (!Number.isFinite(untilDeadline) || untilDeadline <= 1) return 1;
  const forCap = untilDeadline - (Math.max(1, checksLeft) - 1) * s.max;
  const bounded = clamp(Number.isFinite(wait) ? Math.round(wait) : s.min, s.min, s.max);
  return Math.max(1, Math.min(Math.max(bounded, forCap), s.max, untilDeadline));
}

/**
 * The prior's fields of the poll state: the previous duration, the previous job's setup length
 * and when its COMPLETING began, kept only when positive, finite and in order.
 */
export function priorEstimates(prior: number | PollPrior | undefined): PollEstimates {
  const duration = positiveOr(typeof prior === 'number' ? prior : prior?.durationSeconds, 0);
  if (duration <= 0) return {};
  const finishing = typeof prior === 'object' ? positiveOr(prior.finishingStartedSeconds, 0) : 0;
  const setup = typeof prior === 'object' ? positiveOr(prior.setupSeconds, 0) : 0;
  const finishingOk = finishing > 0 && finishing < duration;
  const setupOk = finishingOk && setup > 0 && setup < finishing;
  return {
    expectedSeconds: duration,
    ...(finishingOk ? { priorFinishingStartSeconds: finishing } : {}),
    ...(setupOk ? { priorSetupSeconds: setup } : {}),
  };
}

/**
 * The poll state right after the job was created (or reused); `prior`: the target's previous
 * COMPLETED run (its duration alone, or with its recorded timing), if any.
 */
export function initialPollState(
  job: JobSnapshot,
  runStart: Date,
  now: Date,
  config: PollConfig,
  prior?: number | PollPrior,
): PollState {
  const settings = pollSettings(config);
  const startMs = Number.isFinite(runStart.getTime()) ? runStart.getTime() : now.getTime();
  const deadlineSeconds = positiveOr(config.runDeadlineSeconds, CONFIG_DEFAULTS.RUN_DEADLINE_SECONDS);
  const deadline = new Date(startMs + deadlineSeconds * 1000);
  const nowMs = now.getTime();
  const createdMs = createdMsOf(job, {}, nowMs);
  const estimates: PollEstimates = {
    createdAt: new Date(createdMs).toISOString(),
    ...priorEstimates(prior),
  };
  const wait = isTerminal(job.JobStatus)
    ? 1
    : Math.max(settings.min, priorWait(job, estimates, nowMs, createdMs, settings.max) ?? 0);
  return {
    checks: 0,
    waitSeconds: isTerminal(job.JobStatus)
      ? 1
      : finalWait(wait, nowMs, deadline.getTime(), POLL_CHECK_CAP, settings),
    deadline: deadline.toISOString(),
    deadlinePassed: nowMs >= deadline.getTime(),
    lastProgressAt: now.toISOString(),
    lastPiecesDone: piecesDone(job),
    lastStatus: job.JobStatus,
    lastCheckAt: now.toISOString(),
    ...estimates,
  };
}

/**
 * With a prior, until the earliest end it allows (PRIOR_EARLIEST_SHARE of the previous run's
 * duration) and while the job gives no pace of its own, the wait that goes straight there.
 */
function priorWait(
  job: JobSnapshot,
  estimates: PollEstimates,
  nowMs: number,
  createdMs: number,
  max: number,
): number | undefined {
  const expected = estimates.expectedSeconds;
  if (!expected || FINISHING.has(job.JobStatus)) return undefined;
  if (job.JobStatus === 'PROCESSING' && estimates.piecesPerSecond) return undefined;
  // In the setup, one early look (instead of the growing ones) still brackets it; later, the
  // earliest end the prior allows.
  const share = SETUP.has(job.JobStatus) ? PRIOR_SETUP_SHARE : PRIOR_EARLIEST_SHARE;
  const untilThen = (createdMs + share * expected * 1000 - nowMs) / 1000;
  return untilThen > 0 ? Math.min(untilThen, max) : undefined;
}

/**
 * The shortest COMPLETING/FAILING the estimate allows, ms: `finishingShare` times the
 * shortest setup (a queue wait in PENDING_JOB excluded).
 */
export function finishingDurationMs(estimates: PollEstimates, settings: PollSettings): number {
  return settings.finishingShare * setupLowSeconds(estimates) * 1000;
}

/**
 * When PROCESSING is estimated to end (epoch ms): the pieces left at the fastest observed
 * pace from the last finished piece, or, when the job runs behind its pace (a stall), all but
 * the piece in progress still to do from now; never before now.
 */
export function estimateProcessingEndMs(job: JobSnapshot, estimates: PollEstimates, now: Date): number {
  const nowMs = now.getTime();
  const rate = estimates.piecesPerSecond;
  const left = piecesLeft(job);
  const changedMs = msOf(estimates.piecesChangedAt);
  if (rate && left > 0 && changedMs !== undefined) {
    const expected = changedMs + (left / rate) * 1000;
    const behind = nowMs + (Math.max(0, left - 1) / rate) * 1000;
    return Math.max(expected, behind, nowMs);
  }
  return nowMs;
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
  const startedMs = msOf(estimates.finishingStartedAt);
  if (FINISHING.has(job.JobStatus) && startedMs !== undefined) return startedMs + finishing;
  return undefined;
}

/**
 * With a prior that recorded when the previous job's COMPLETING began, how long this job's
 * COMPLETING/FAILING is expected to last (seconds): the previous COMPLETING's length (its
 * duration less that start) scaled by this job's setup against the previous one's (COMPLETING
 * grows with the setup, as finishingShare assumes), or by this job's time before COMPLETING
 * against the previous one's when either setup is unknown. Undefined without that prior, before
 * COMPLETING, or when this job is outside [PRIOR_EARLIEST_SHARE, 1 / PRIOR_EARLIEST_SHARE] of
 * the previous one's scale: then the prior says nothing of this job.
 */
export function priorFinishingSeconds(estimates: PollEstimates, createdMs: number): number | undefined {
  const duration = estimates.expectedSeconds;
  const finishing = estimates.priorFinishingStartSeconds;
  const earliestMs = msOf(estimates.finishingStartedAt);
  if (!duration || !finishing || !(finishing < duration) || earliestMs === undefined) return undefined;
  const seenMs = Math.max(earliestMs, msOf(estimates.finishingSeenAt) ?? earliestMs);
  const setup = estimates.priorSetupSeconds;
  const low = estimates.setupMinSeconds;
  const high = estimates.setupMaxSeconds;
  const scale =
    setup && low && high && high >= low
      ? (low + high) / 2 / setup
      : ((earliestMs + seenMs) / 2 - createdMs) / 1000 / finishing;
  if (!(scale >= PRIOR_EARLIEST_SHARE && scale <= 1 / PRIOR_EARLIEST_SHARE)) return undefined;
  return scale * (duration - finishing);
}

/**
 * Seconds to wait before the next check, before rounding, the bounds, the cap and the
 * deadline (`finalWait`). `spread`: the time to the deadline shared evenly among the checks left.
 */
export function nextWaitSeconds(
  job: JobSnapshot,
  estimates: PollEstimates,
  now: Date,
  settings: PollSettings,
  spread = 0,
): number {
  const { near, robust, idleGrowth, aimFraction } = settings;
  if (isTerminal(job.JobStatus)) return 1;
  const nowMs = now.getTime();
  const createdMs = createdMsOf(job, estimates, nowMs);
  const elapsed = (nowMs - createdMs) / 1000;
  const sinceStatus = Math.max(0, (nowMs - (msOf(estimates.statusSince) ?? createdMs)) / 1000);
  const prior = priorWait(job, estimates, nowMs, createdMs, settings.max) ?? 0;
  if (SETUP.has(job.JobStatus)) {
    // Nothing is known of what follows the setup: look again after a share of the time so far,
    // so that a quick processing after a long setup is still caught in PROCESSING.
    const growth = idleGrowth * elapsed;
    const low = estimates.setupMinSeconds;
    const high = estimates.setupMaxSeconds;
    if (low !== undefined && high !== undefined) {
      // The setup's end is bracketed: step up from the bracket's low end by about its square
      // root (fewer checks here against fewer in COMPLETING), then look just after its end.
      const step = Math.sqrt((2 * near * (high - low)) / settings.finishingShare);
      const target = settings.finishingShare * (high - low) > near ? Math.min(high, low + step) : high;
      return Math.max(prior, Math.min(Math.max(target - elapsed, near), growth));
    }
    return Math.max(prior, growth);
  }
  if (FINISHING.has(job.JobStatus)) {
    // Nothing moves in COMPLETING: look a near wait after the earliest end, then every near
    // wait; never more than the robust wait in one go (COMPLETING may be shorter than assumed).
    const finishing = finishingDurationMs(estimates, settings) / 1000;
    const endMs = estimateEndMs(job, estimates, now, settings) ?? nowMs;
    // With the previous job's COMPLETING as the prior: one wait to aimFraction of its expected
    // length from COMPLETING's earliest start (as PROCESSING aims at its end), then near waits.
    const expected = priorFinishingSeconds(estimates, createdMs);
    const startMs = msOf(estimates.finishingStartedAt) ?? nowMs;
    const untilAim = expected === undefined ? 0 : (startMs + aimFraction * expected * 1000 - nowMs) / 1000;
    const wait = untilAim > near ? untilAim : clamp((endMs - nowMs) / 1000 + near, near, robust);
    // A COMPLETING far longer than its shortest estimate: spread the checks left to the deadline.
    return sinceStatus > LONG_FINISHING_FACTOR * Math.max(finishing, robust) ? Math.max(wait, spread) : wait;
  }
  // Queued (PENDING_JOB): nothing can be learned; the wait grows with the time queued.
  if (BEFORE_PROCESSING.has(job.JobStatus)) return Math.max(prior, robust, idleGrowth * sinceStatus, spread);

  // PROCESSING.
  const left = piecesLeft(job);
  const rate = estimates.piecesPerSecond;
  const processingSoFar = (nowMs - (msOf(estimates.processingStartedAt) ?? createdMs)) / 1000;
  // A pace read from the first pieces can be far too slow (a slow start): never wait more
  // than aimFraction of the processing time so far, so it is re-read before it overshoots.
  const paced = Math.max(processingSoFar, near) * aimFraction;
  if (rate && left > 1) {
    const leftP = (estimateProcessingEndMs(job, estimates, now) - nowMs) / 1000;
    // Never more than PIECES_PER_WAIT pieces' time at the fastest pace: pieces that speed up
    // would otherwise all finish within one extrapolated wait.
    const pieces = Math.max(PIECES_PER_WAIT / rate, robust);
    return Math.max(Math.min(leftP * aimFraction, paced, pieces), near);
  }
  // The last piece in progress, no piece finished yet, or a source that reports no pieces:
  // the job can end at any moment, so the robust wait bounds the delay (tighter when
  // COMPLETING's shortest length plus a near wait is shorter).
  // (Without a setup seen, as for a source without setup phases, COMPLETING's length is unknown.)
  const finishing = finishingDurationMs(estimates, settings) / 1000;
  const cap = setupLowSeconds(estimates) > 0 ? clamp(finishing + near, near, robust) : robust;
  const unknowable = left === 0 && piecesDone(job) === 0;
  if (!rate) {
    // Several pieces and none finished: the job cannot end before they all do; grow with the
    // processing time so far (re-read before it overshoots). One piece, or none reported: robust.
    if (left > 1) return Math.max(prior, paced, near);
    return Math.max(prior, Math.min(cap, Math.max(paced, near)), unknowable ? spread : 0);
  }
  // The last piece: it ends within about a piece's time either side of the estimate. Go to
  // the start of that window, then step through it by about the square root of what is left.
  const leftP = (estimateProcessingEndMs(job, estimates, now) - nowMs) / 1000;
  const piece = 1 / rate;
  const untilWindow = leftP - piece;
  if (untilWindow > near) return Math.min(cap, Math.max(Math.min(untilWindow, paced), near));
  const window = leftP + piece;
  if (window > 4 * near) return Math.min(cap, Math.max(near, Math.sqrt(window * near)));
  return cap;
}

/** The poll state after a status check. */
export function nextPollState(
  previous: PollState,
  job: JobSnapshot,
  now: Date,
  config: PollConfig,
): PollState {
  const nowMs = now.getTime();
  const settings = pollSettings(config);
  const deadlineMs = msOf(previous.deadline) ?? nowMs;
  const checks = (Number.isInteger(previous.checks) && previous.checks > 0 ? previous.checks : 0) + 1;
  const done = piecesDone(job);
  const progressed = done > previous.lastPiecesDone || job.JobStatus !== previous.lastStatus;
  const estimates = updateEstimates(previous, job, now);
  const checksLeft = POLL_CHECK_CAP - checks;
  const spread = Math.max(0, (deadlineMs - nowMs) / 1000 / Math.max(1, checksLeft));
  const wait = nextWaitSeconds(job, estimates, now, settings, spread);
  return {
    checks,
    waitSeconds: isTerminal(job.JobStatus) ? 1 : finalWait(wait, nowMs, deadlineMs, checksLeft, settings),
    deadline: previous.deadline,
    deadlinePassed: !(nowMs < deadlineMs),
    lastProgressAt: progressed ? now.toISOString() : previous.lastProgressAt,
    lastPiecesDone: done,
    lastStatus: job.JobStatus,
    ...estimates,
  };
}
