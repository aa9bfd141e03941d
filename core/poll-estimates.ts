import type { JobSnapshot, JobStatus, PollState } from './types.ts';

/*
 * What the poller remembers of the job between checks (PollState's optional fields),
 * updated from each snapshot. Pure; every time it reads is guarded, so a missing or
 * unparsable date never turns into NaN (poll-schedule.ts turns these into waits).
 */

/**
 * The usual shape of the setup: CREATED ends at this fraction of it, PREPARING_FOR_INITIALIZATION
 * at that one (INITIALIZING fills the rest). It only narrows what the checks show; a check that
 * contradicts it drops it for the job.
 */
export const SETUP_SHAPE = { createdEnds: 0.2, preparingEnds: 0.6 } as const;

export const SETUP: ReadonlySet<JobStatus> = new Set([
  'CREATED',
  'PREPARING_FOR_INITIALIZATION',
  'INITIALIZING',
]);
export const BEFORE_PROCESSING: ReadonlySet<JobStatus> = new Set([...SETUP, 'PENDING_JOB']);
export const FINISHING: ReadonlySet<JobStatus> = new Set(['COMPLETING', 'FAILING']);

export function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** Epoch ms of an ISO date, or undefined when it is missing or unparsable. */
export function msOf(iso: string | undefined): number | undefined {
  if (typeof iso !== 'string') return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

const count = (value: number | undefined): number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;

export function piecesDone(job: JobSnapshot): number {
  return count(job.CompletedPieces) + count(job.FailedPieces);
}

/** Pieces not yet finished; 0 when the source reports no pieces. */
export function piecesLeft(job: JobSnapshot): number {
  return Math.max(0, count(job.TotalPieces) - piecesDone(job));
}

export function isTerminal(status: JobStatus): boolean {
  return status === 'COMPLETED' || status === 'FAILED';
}

/** When the job was created (epoch ms): its CreationDate, else when it was first seen, else now; never after now. */
export function createdMsOf(job: JobSnapshot, previous: Pick<PollState, 'createdAt'>, nowMs: number): number {
  return Math.min(nowMs, msOf(job.CreationDate) ?? msOf(previous.createdAt) ?? nowMs);
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
  | 'finishingSeenAt'
  | 'piecesChangedAt'
  | 'rateAnchorAt'
  | 'rateAnchorPieces'
  | 'piecesPerSecond'
  | 'createdAt'
  | 'statusSince'
  | 'expectedSeconds'
  | 'priorSetupSeconds'
  | 'priorFinishingStartSeconds'
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

const finiteOr = (value: number | undefined, fallback: number): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : fallback;

/** The estimator's memory updated with the job as seen `now`. */
export function updateEstimates(previous: PollState, job: JobSnapshot, now: Date): PollEstimates {
  const nowMs = now.getTime();
  const createdMs = createdMsOf(job, previous, nowMs);
  const previousCheckMs = Math.min(
    nowMs,
    msOf(previous.lastCheckAt) ?? nowMs - finiteOr(previous.waitSeconds, 0) * 1000,
  );
  const earliest = new Date(previousCheckMs).toISOString();
  const status = job.JobStatus;
  const t = Math.max(0, (nowMs - createdMs) / 1000);

  // The setup's length: what the checks show, narrowed by the setup's usual shape.
  const [seenLow, seenHigh] = setupBoundsSeen(status, t, false);
  const seenMin = Math.max(finiteOr(previous.setupSeenMinSeconds, 0), seenLow);
  const seenMax = Math.min(finiteOr(previous.setupSeenMaxSeconds, Number.POSITIVE_INFINITY), seenHigh);
  const [shapeLow, shapeHigh] = setupBoundsSeen(status, t, true);
  let setupMin = Math.max(finiteOr(previous.setupMinSeconds, 0), seenMin, shapeLow);
  let setupMax = Math.min(finiteOr(previous.setupMaxSeconds, Number.POSITIVE_INFINITY), seenMax, shapeHigh);
  if (setupMin > setupMax) {
    setupMin = seenMin;
    setupMax = seenMax;
  }

  let processingStartedAt =
    msOf(previous.processingStartedAt) === undefined ? undefined : previous.processingStartedAt;
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
  const finishingSeenAt =
    msOf(previous.finishingSeenAt) !== undefined
      ? previous.finishingSeenAt
      : FINISHING.has(status) || isTerminal(status)
        ? now.toISOString()
        : undefined;
  const statusSince =
    status === previous.lastStatus && msOf(previous.statusSince) !== undefined
      ? previous.statusSince
      : status === previous.lastStatus
        ? new Date(createdMs).toISOString()
        : earliest;

  const done = piecesDone(job);
  const before = finiteOr(previous.lastPiecesDone, 0);
  const changed = done > before;
  // Pieces finish during processing: date a change midway between the later of the
  // previous check and processing's start, and now.
  const changedFromMs = Math.max(previousCheckMs, msOf(processingStartedAt) ?? 0);
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
    const anchorMs = msOf(rateAnchorAt);
    if (anchorMs === undefined || rateAnchorPieces === undefined || !Number.isFinite(rateAnchorPieces)) {
      rateAnchorAt = piecesChangedAt;
      rateAnchorPieces = done;
    } else {
      steady = (done - rateAnchorPieces) / Math.max(1, (changedMs - anchorMs) / 1000);
    }
    // The pace of the last interval alone: pieces that speed up are followed, not averaged away.
    const recent = (done - before) / Math.max(1, (nowMs - changedFromMs) / 1000);
    piecesPerSecond = Math.max(sinceStart, steady, recent);
  }
  const expectedSeconds = finiteOr(previous.expectedSeconds, 0);
  const priorSetup = finiteOr(previous.priorSetupSeconds, 0);
  const priorFinishing = finiteOr(previous.priorFinishingStartSeconds, 0);
  return {
    lastCheckAt: now.toISOString(),
    createdAt: new Date(createdMs).toISOString(),
    ...(statusSince ? { statusSince } : {}),
    ...(expectedSeconds > 0 ? { expectedSeconds } : {}),
    ...(priorSetup > 0 ? { priorSetupSeconds: priorSetup } : {}),
    ...(priorFinishing > 0 ? { priorFinishingStartSeconds: priorFinishing } : {}),
    ...(seenMin > 0 ? { setupSeenMinSeconds: seenMin } : {}),
    ...(Number.isFinite(seenMax) ? { setupSeenMaxSeconds: seenMax } : {}),
    ...(setupMin > 0 ? { setupMinSeconds: setupMin } : {}),
    ...(Number.isFinite(setupMax) ? { setupMaxSeconds: setupMax } : {}),
    ...(processingStartedAt ? { processingStartedAt } : {}),
    ...(finishingStartedAt ? { finishingStartedAt } : {}),
    ...(finishingSeenAt ? { finishingSeenAt } : {}),
    ...(piecesChangedAt ? { piecesChangedAt } : {}),
    ...(rateAnchorAt !== undefined && rateAnchorPieces !== undefined
      ? { rateAnchorAt, rateAnchorPieces }
      : {}),
    ...(piecesPerSecond !== undefined && Number.isFinite(piecesPerSecond) && piecesPerSecond > 0
      ? { piecesPerSecond }
      : {}),
  };
}

/** The shortest setup the checks allow, seconds. */
export function setupLowSeconds(estimates: PollEstimates): number {
  return finiteOr(estimates.setupMinSeconds, finiteOr(estimates.setupSeenMinSeconds, 0));
}

/** What a run's poll state says of its job's timing, for the run ledger (the next run's prior). */
export interface RecordedTiming {
  /** How long the setup took, seconds: the middle of what the checks allow (setupMin/MaxSeconds). */
  setupSeconds?: number;
  /** When COMPLETING/FAILING began, seconds since the job's creation: the middle of the two checks around it. */
  finishingStartedSeconds?: number;
}

/**
 * The job's timing as the poll state recorded it: the setup's length (the middle of its
 * bracket), and COMPLETING's start (the middle of the last check that saw PROCESSING and the
 * first that saw COMPLETING/FAILING or the end). Only finite, positive values in order.
 */
export function recordedTiming(poll: Partial<PollEstimates> | undefined): RecordedTiming {
  const createdMs = msOf(poll?.createdAt);
  if (!poll || createdMs === undefined) return {};
  const seconds = (ms: number | undefined) =>
    ms === undefined || !(ms > createdMs) ? undefined : Math.round((ms - createdMs) / 100) / 10;
  const low = finiteOr(poll.setupMinSeconds, Number.NaN);
  const high = finiteOr(poll.setupMaxSeconds, Number.NaN);
  const setup = low > 0 && high >= low ? Math.round(((low + high) / 2) * 10) / 10 : undefined;
  const earliest = msOf(poll.finishingStartedAt);
  const seen = msOf(poll.finishingSeenAt) ?? earliest;
  const finishing = earliest === undefined || seen === undefined ? undefined : seconds((earliest + seen) / 2);
  const ordered = finishing !== undefined && (setup === undefined || setup < finishing);
  return {
    ...(setup !== undefined ? { setupSeconds: setup } : {}),
    ...(finishing !== undefined && ordered ? { finishingStartedSeconds: finishing } : {}),
  };
}
