import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordedTiming } from '../../core/poll-estimates.ts';
import { initialPollState, nextPollState, POLL_CHECK_CAP, priorEstimates } from '../../core/poll-schedule.ts';
import { JOB_STATUSES, type JobSnapshot, type JobStatus, type PollState } from '../../core/types.ts';
import type { PollConfig } from '../../functions/shared/config.ts';

/*
 * Properties of the poll schedule over random timelines and random settings: whatever the
 * job does, every wait is a finite integer within the bounds and before the deadline, and a
 * run ends on the job's end or on its deadline, never on the ASL's check cap first.
 */

const T0 = Date.parse('2026-11-28T02:00:00.000Z');
const NON_TERMINAL = JOB_STATUSES.filter((s) => s !== 'COMPLETED' && s !== 'FAILED');

/** Settings the stage config accepts (1,000 checks at the longest wait reach the deadline). */
const configArb: fc.Arbitrary<PollConfig> = fc
  .record({
    minWaitSeconds: fc.integer({ min: 1, max: 120 }),
    maxSpan: fc.integer({ min: 0, max: 3600 }),
    runDeadlineSeconds: fc.integer({ min: 60, max: 7 * 24 * 3600 }),
    nearWaitSeconds: fc.option(fc.integer({ min: 1, max: 3600 }), { nil: undefined }),
    idleGrowth: fc.option(fc.double({ min: 0.01, max: 10, noNaN: true }), { nil: undefined }),
    aimFraction: fc.option(fc.double({ min: 0.01, max: 1, noNaN: true }), { nil: undefined }),
    finishingShare: fc.option(fc.double({ min: 0.01, max: 10, noNaN: true }), { nil: undefined }),
  })
  .map(({ maxSpan, ...c }) => {
    const maxWaitSeconds = Math.min(
      3600,
      Math.max(c.minWaitSeconds + maxSpan, Math.ceil(c.runDeadlineSeconds / POLL_CHECK_CAP)),
    );
    return {
      minWaitSeconds: Math.min(c.minWaitSeconds, maxWaitSeconds),
      maxWaitSeconds,
      runDeadlineSeconds: c.runDeadlineSeconds,
      ...(c.nearWaitSeconds !== undefined && { nearWaitSeconds: c.nearWaitSeconds }),
      ...(c.idleGrowth !== undefined && { idleGrowth: c.idleGrowth }),
      ...(c.aimFraction !== undefined && { aimFraction: c.aimFraction }),
      ...(c.finishingShare !== undefined && { finishingShare: c.finishingShare }),
    };
  });

interface Segment {
  seconds: number;
  status: JobStatus;
  total: number | undefined;
  done: number | undefined;
}

/** A random timeline: segments of any status (in any order), pieces that may be missing or go anywhere, then the end. */
const timelineArb = fc.record({
  segments: fc.array(
    fc.record({
      seconds: fc.double({ min: 0.5, max: 20_000, noNaN: true }),
      status: fc.constantFrom(...NON_TERMINAL),
      total: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
      done: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
    }),
    { minLength: 0, maxLength: 12 },
  ),
  end: fc.constantFrom<JobStatus>('COMPLETED', 'FAILED'),
  creationDate: fc.constantFrom('valid', 'missing', 'garbage'),
});

type Timeline = { segments: Segment[]; end: JobStatus; creationDate: string };

function snapshotAt(timeline: Timeline, seconds: number): JobSnapshot {
  let t = 0;
  let current: Segment | undefined;
  for (const segment of timeline.segments) {
    if (seconds < t + segment.seconds) {
      current = segment;
      break;
    }
    t += segment.seconds;
  }
  const creation =
    timeline.creationDate === 'valid'
      ? new Date(T0).toISOString()
      : timeline.creationDate === 'garbage'
        ? 'yesterday-ish'
        : (undefined as unknown as string);
  return {
    Id: 'job',
    JobStatus: current?.status ?? timeline.end,
    CreationDate: creation,
    ...(current?.total !== undefined && { TotalPieces: current.total }),
    ...(current?.done !== undefined && { CompletedPieces: current.done }),
    Reused: false,
  };
}

const endOf = (timeline: Timeline) => timeline.segments.reduce((sum, s) => sum + s.seconds, 0);

describe('poll schedule properties over random timelines', () => {
  it('every wait is a finite integer within [min, max] and never past the deadline; the run ends on the job or the deadline, never the cap', () => {
    fc.assert(
      fc.property(
        configArb,
        timelineArb,
        fc.option(
          fc.oneof(
            fc.integer({ min: 1, max: 100_000 }),
            // The prior with the previous run's recorded setup and COMPLETING start (any, even out of order).
            fc.record({
              durationSeconds: fc.integer({ min: 1, max: 100_000 }),
              setupSeconds: fc.option(fc.double({ min: 0, max: 50_000, noNaN: true }), { nil: undefined }),
              finishingStartedSeconds: fc.option(fc.double({ min: 0, max: 100_000, noNaN: true }), {
                nil: undefined,
              }),
            }),
          ),
          { nil: undefined },
        ),
        (config, timeline, prior) => {
          const deadlineMs = T0 + config.runDeadlineSeconds * 1000;
          let nowMs = T0;
          let state: PollState = initialPollState(
            snapshotAt(timeline, 0),
            new Date(T0),
            new Date(T0),
            config,
            prior,
          );
          // A job already ended when created is looked at after 1 s (the ASL waits before its first check).
          let sawEnd = ['COMPLETED', 'FAILED'].includes(snapshotAt(timeline, 0).JobStatus);
          for (;;) {
            const wait = state.waitSeconds;
            expect(Number.isInteger(wait)).toBe(true);
            expect(wait).toBeGreaterThanOrEqual(1);
            expect(wait).toBeLessThanOrEqual(config.maxWaitSeconds);
            const untilDeadline = Math.ceil((deadlineMs - nowMs) / 1000);
            if (untilDeadline > 1) {
              expect(wait).toBeLessThanOrEqual(untilDeadline);
              if (untilDeadline >= config.minWaitSeconds && !sawEnd)
                expect(wait).toBeGreaterThanOrEqual(config.minWaitSeconds);
            }
            // IsExportJobDone.
            if (sawEnd || state.deadlinePassed || state.checks >= POLL_CHECK_CAP) break;
            nowMs += wait * 1000;
            const job = snapshotAt(timeline, (nowMs - T0) / 1000);
            sawEnd = job.JobStatus === 'COMPLETED' || job.JobStatus === 'FAILED';
            state = nextPollState(state, job, new Date(nowMs), config);
          }
          const endedOnJob = sawEnd;
          const endedOnDeadline = state.deadlinePassed;
          expect(endedOnJob || endedOnDeadline).toBe(true);
          if (!endedOnJob)
            expect(T0 + endOf(timeline) * 1000).toBeGreaterThan(deadlineMs - 1000 * config.maxWaitSeconds);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('turns any poll state and job snapshot, however malformed, into a finite integer wait of at least 1 s', () => {
    const maybeDate = fc.oneof(
      fc.constant(undefined),
      fc.constant('not a date'),
      fc.constant(''),
      fc.integer({ min: -1e7, max: 1e8 }).map((s) => new Date(T0 + s * 1000).toISOString()),
    );
    const maybeNumber = fc.oneof(
      fc.constant(undefined),
      fc.constant(Number.NaN),
      fc.constant(Number.POSITIVE_INFINITY),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    );
    fc.assert(
      fc.property(
        configArb,
        fc.record({
          checks: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.constant(Number.NaN)),
          waitSeconds: maybeNumber,
          deadline: maybeDate,
          lastPiecesDone: maybeNumber,
          lastStatus: fc.constantFrom(...JOB_STATUSES),
          lastCheckAt: maybeDate,
          setupSeenMinSeconds: maybeNumber,
          setupSeenMaxSeconds: maybeNumber,
          setupMinSeconds: maybeNumber,
          setupMaxSeconds: maybeNumber,
          processingStartedAt: maybeDate,
          finishingStartedAt: maybeDate,
          finishingSeenAt: maybeDate,
          piecesChangedAt: maybeDate,
          rateAnchorAt: maybeDate,
          rateAnchorPieces: maybeNumber,
          piecesPerSecond: maybeNumber,
          createdAt: maybeDate,
          statusSince: maybeDate,
          expectedSeconds: maybeNumber,
          priorSetupSeconds: maybeNumber,
          priorFinishingStartSeconds: maybeNumber,
        }),
        fc.record({
          status: fc.constantFrom(...JOB_STATUSES),
          creationDate: maybeDate,
          total: maybeNumber,
          completed: maybeNumber,
          failed: maybeNumber,
        }),
        fc.integer({ min: -1e6, max: 1e8 }),
        (config, rawState, raw, nowOffset) => {
          const previous = Object.fromEntries(
            Object.entries(rawState).filter(([, v]) => v !== undefined),
          ) as unknown as PollState;
          const job = {
            Id: 'job',
            JobStatus: raw.status,
            CreationDate: raw.creationDate,
            TotalPieces: raw.total,
            CompletedPieces: raw.completed,
            FailedPieces: raw.failed,
            Reused: false,
          } as JobSnapshot;
          const next = nextPollState(previous, job, new Date(T0 + nowOffset * 1000), config);
          expect(Number.isInteger(next.waitSeconds)).toBe(true);
          expect(next.waitSeconds).toBeGreaterThanOrEqual(1);
          expect(next.waitSeconds).toBeLessThanOrEqual(config.maxWaitSeconds);
          expect(typeof next.deadlinePassed).toBe('boolean');
          const initial = initialPollState(
            job,
            new Date(T0),
            new Date(T0 + nowOffset * 1000),
            config,
            raw.total,
          );
          expect(Number.isInteger(initial.waitSeconds)).toBe(true);
          expect(initial.waitSeconds).toBeGreaterThanOrEqual(1);
          expect(initial.waitSeconds).toBeLessThanOrEqual(config.maxWaitSeconds);
          // A prior object with any (even nonsensical) recorded timing.
          const withTiming = initialPollState(job, new Date(T0), new Date(T0 + nowOffset * 1000), config, {
            durationSeconds: raw.total as number,
            setupSeconds: rawState.priorSetupSeconds as number,
            finishingStartedSeconds: rawState.priorFinishingStartSeconds as number,
          });
          expect(Number.isInteger(withTiming.waitSeconds)).toBe(true);
          expect(withTiming.waitSeconds).toBeGreaterThanOrEqual(1);
          expect(withTiming.waitSeconds).toBeLessThanOrEqual(config.maxWaitSeconds);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('poll schedule with the target history as prior', () => {
  const config: PollConfig = { minWaitSeconds: 5, maxWaitSeconds: 900, runDeadlineSeconds: 12 * 3600 };
  const created = (status: JobStatus): JobSnapshot => ({
    Id: 'job',
    JobStatus: status,
    CreationDate: new Date(T0).toISOString(),
    Reused: false,
  });

  it('first looks a tenth of the previous duration in, instead of after the minimum wait', () => {
    const withPrior = initialPollState(created('CREATED'), new Date(T0), new Date(T0), config, 7200);
    const without = initialPollState(created('CREATED'), new Date(T0), new Date(T0), config);
    expect(withPrior.waitSeconds).toBe(720);
    expect(withPrior.expectedSeconds).toBe(7200);
    expect(without.waitSeconds).toBe(5);
  });

  it('goes straight to half the previous duration while the job shows no pace of its own, then follows the job', () => {
    let state = initialPollState(created('CREATED'), new Date(T0), new Date(T0), config, 7200);
    const onePiece = { ...created('PROCESSING'), TotalPieces: 1, CompletedPieces: 0 };
    state = nextPollState(state, onePiece, new Date(T0 + 720_000), config);
    // One piece in progress at 720 s: the earliest end the prior allows is 3,600 s (the wait at most 900 s).
    expect(state.waitSeconds).toBe(900);
    state = nextPollState(state, onePiece, new Date(T0 + 3_000_000), config);
    expect(state.waitSeconds).toBe(600);
    // Past half the previous duration, the prior no longer stretches the wait.
    const late = nextPollState(state, onePiece, new Date(T0 + 3_700_000), config);
    expect(late.waitSeconds).toBeLessThanOrEqual(50);
    expect(late.expectedSeconds).toBe(7200);
  });

  const prior = { durationSeconds: 7200, setupSeconds: 1800, finishingStartedSeconds: 6480 };

  it("keeps the previous run's setup and COMPLETING start, dropped when out of order", () => {
    const state = initialPollState(created('CREATED'), new Date(T0), new Date(T0), config, prior);
    expect(state).toMatchObject({
      expectedSeconds: 7200,
      priorSetupSeconds: 1800,
      priorFinishingStartSeconds: 6480,
    });
    expect(
      priorEstimates({ durationSeconds: 7200, setupSeconds: 7000, finishingStartedSeconds: 6480 }),
    ).toEqual({
      expectedSeconds: 7200,
      priorFinishingStartSeconds: 6480,
    });
    expect(
      priorEstimates({ durationSeconds: 7200, setupSeconds: 1800, finishingStartedSeconds: 7200 }),
    ).toEqual({
      expectedSeconds: 7200,
    });
    expect(priorEstimates({ durationSeconds: Number.NaN, finishingStartedSeconds: 6480 })).toEqual({});
  });

  /** A poll state that saw PROCESSING at `lastProcessing` s and COMPLETING at `seen` s, setup bracketed to [low, high]. */
  const inCompleting = (low: number, high: number, lastProcessing: number) =>
    ({
      ...initialPollState(created('CREATED'), new Date(T0), new Date(T0), config, prior),
      lastStatus: 'PROCESSING',
      lastCheckAt: new Date(T0 + lastProcessing * 1000).toISOString(),
      setupSeenMinSeconds: low,
      setupSeenMaxSeconds: high,
      setupMinSeconds: low,
      setupMaxSeconds: high,
      processingStartedAt: new Date(T0 + ((low + high) / 2) * 1000).toISOString(),
      lastPiecesDone: 10,
    }) as PollState;
  const completing = { ...created('COMPLETING'), TotalPieces: 10, CompletedPieces: 10 };

  it("in COMPLETING, waits aimFraction of the previous COMPLETING scaled by this job's setup", () => {
    // Previous COMPLETING: 720 s after an 1,800 s setup; this setup is 2,000 s: 800 s expected.
    const state = nextPollState(inCompleting(1900, 2100, 6000), completing, new Date(T0 + 6_025_000), config);
    expect(state.finishingSeenAt).toBe(new Date(T0 + 6_025_000).toISOString());
    // 0.7 (aimFraction's default) × 800 s from the earliest start (6,000 s), less the 25 s since.
    expect(state.waitSeconds).toBe(535);
    const without = nextPollState(
      { ...inCompleting(1900, 2100, 6000), priorFinishingStartSeconds: undefined } as PollState,
      completing,
      new Date(T0 + 6_025_000),
      config,
    );
    expect(without.waitSeconds).toBeLessThanOrEqual(50);
  });

  it('in COMPLETING, ignores a prior whose scale this job contradicts, and steps once past the aim', () => {
    // A setup a third of the previous one: outside [0.5, 2] of its scale.
    const small = nextPollState(inCompleting(550, 650, 6000), completing, new Date(T0 + 6_025_000), config);
    expect(small.waitSeconds).toBeLessThanOrEqual(50);
    // Past the aim (6,560 s), near waits.
    const first = nextPollState(inCompleting(1900, 2100, 6000), completing, new Date(T0 + 6_025_000), config);
    const later = nextPollState(first, completing, new Date(T0 + 6_560_000), config);
    expect(later.waitSeconds).toBeLessThanOrEqual(50);
  });

  it('records the setup and the middle of the checks around COMPLETING as the next prior', () => {
    expect(
      recordedTiming({
        createdAt: new Date(T0).toISOString(),
        setupMinSeconds: 1900,
        setupMaxSeconds: 2100,
        finishingStartedAt: new Date(T0 + 6_000_000).toISOString(),
        finishingSeenAt: new Date(T0 + 6_050_000).toISOString(),
      }),
    ).toEqual({ setupSeconds: 2000, finishingStartedSeconds: 6025 });
    expect(recordedTiming(undefined)).toEqual({});
    expect(
      recordedTiming({ createdAt: 'not a date', finishingStartedAt: new Date(T0).toISOString() }),
    ).toEqual({});
  });
});
