import type { PollConfig } from './config.ts';
import type { JobSnapshot, JobStatus, PollState } from './types.ts';

/*
 * When to look at the export job next. Every status check is a Lambda call and
 * three billed state transitions, and every second between the job's end and
 * the next check delays the summary, so the wait is:
 *  - short at first, growing geometrically while the job shows no progress;
 *  - once pieces complete, aimed at a fraction of the estimated time left, so
 *    checks close in on the estimated end instead of overshooting it;
 *  - the shortest wait while the job is COMPLETING or FAILING;
 *  - always within [minWaitSeconds, maxWaitSeconds] and never past the deadline.
 */

/** Growth factor of the wait while no progress is visible. */
export const IDLE_GROWTH = 1.5;
/** Fraction of the estimated remaining time to wait when progress is visible. */
export const REMAINING_FRACTION = 0.5;

const FINISHING: ReadonlySet<JobStatus> = new Set(['COMPLETING', 'FAILING']);

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function piecesDone(job: JobSnapshot): number {
  return (job.CompletedPieces ?? 0) + (job.FailedPieces ?? 0);
}

/** The poll state right after the job was created (or reused). */
export function initialPollState(job: JobSnapshot, runStart: Date, now: Date, config: PollConfig): PollState {
  const deadline = new Date(runStart.getTime() + config.runDeadlineSeconds * 1000);
  const terminal = job.JobStatus === 'COMPLETED' || job.JobStatus === 'FAILED';
  return {
    checks: 0,
    waitSeconds: terminal ? 1 : boundByDeadline(config.minWaitSeconds, now, deadline),
    deadline: deadline.toISOString(),
    deadlinePassed: now >= deadline,
    lastProgressAt: now.toISOString(),
    lastPiecesDone: piecesDone(job),
    lastStatus: job.JobStatus,
  };
}

function boundByDeadline(waitSeconds: number, now: Date, deadline: Date): number {
  const untilDeadline = Math.ceil((deadline.getTime() - now.getTime()) / 1000);
  return Math.max(1, Math.min(Math.round(waitSeconds), untilDeadline));
}

/**
 * Seconds to wait before the next check, given the job as just seen. Pure:
 * the benchmark simulates thousands of jobs through this same function.
 */
export function nextWaitSeconds(
  previous: PollState,
  job: JobSnapshot,
  now: Date,
  config: PollConfig,
): number {
  const { minWaitSeconds: min, maxWaitSeconds: max } = config;
  if (FINISHING.has(job.JobStatus)) return min;
  const total = job.TotalPieces ?? 0;
  const done = piecesDone(job);
  const elapsed = (now.getTime() - Date.parse(job.CreationDate)) / 1000;
  if (job.JobStatus === 'PROCESSING' && total > 0 && done > 0 && elapsed > 0) {
    const remaining = (elapsed * (total - done)) / done;
    return clamp(remaining * REMAINING_FRACTION, min, max);
  }
  return clamp(previous.waitSeconds * IDLE_GROWTH, min, max);
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
  return {
    checks: previous.checks + 1,
    waitSeconds: boundByDeadline(nextWaitSeconds(previous, job, now, config), now, deadline),
    deadline: previous.deadline,
    deadlinePassed: now >= deadline,
    lastProgressAt: progressed ? now.toISOString() : previous.lastProgressAt,
    lastPiecesDone: done,
    lastStatus: job.JobStatus,
  };
}
