import { describe, expect, it } from 'vitest';
import {
  estimateEndMs,
  estimateProcessingEndMs,
  initialPollState,
  nextPollState,
  nextWaitSeconds,
  type PollEstimates,
  pollSettings,
  priorEstimates,
  priorFinishingSeconds,
} from '../../core/poll-schedule.ts';
import type { JobSnapshot, JobStatus, PollState } from '../../core/types.ts';
import type { PollConfig } from '../../functions/shared/config.ts';

/*
 * The poll schedule's waits, case by case, with the arithmetic in the comments: the bounds, the
 * deadline and the check cap are pinned by property tests (poll-schedule-properties.test.ts);
 * these pin how soon a job's end is seen, which is what a careless edit of the estimates costs
 * (a summary minutes late, or checks wasted).
 */

const T0 = Date.parse('2026-11-28T02:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const iso = (seconds: number) => at(seconds).toISOString();

/** near 25 s, so the robust wait is 50 s; finishingShare 0.4, aimFraction 0.7, idleGrowth 1.5. */
const config: PollConfig = {
  minWaitSeconds: 5,
  maxWaitSeconds: 900,
  runDeadlineSeconds: 12 * 3600,
  nearWaitSeconds: 25,
  idleGrowth: 1.5,
  aimFraction: 0.7,
  finishingShare: 0.4,
};
const settings = pollSettings(config);

function job(status: JobStatus, completed?: number, total?: number): JobSnapshot {
  return {
    Id: 'job-1',
    JobStatus: status,
    CreationDate: iso(0),
    ...(total === undefined ? {} : { TotalPieces: total, CompletedPieces: completed ?? 0, FailedPieces: 0 }),
    Reused: false,
  };
}

describe('poll settings', () => {
  it('takes the default for a setting that is zero, negative, not a number or infinite', () => {
    const defaults = pollSettings({ minWaitSeconds: 0, maxWaitSeconds: 0, runDeadlineSeconds: 0 });

    const broken = pollSettings({
      minWaitSeconds: 0,
      maxWaitSeconds: -300,
      runDeadlineSeconds: Number.POSITIVE_INFINITY,
      nearWaitSeconds: Number.NaN,
      idleGrowth: Number.POSITIVE_INFINITY,
      aimFraction: -0.7,
      finishingShare: 0,
    });

    expect(broken).toEqual(defaults);
    expect(Number.isFinite(broken.idleGrowth)).toBe(true);
  });
});

describe("the previous run's timing as the prior", () => {
  it('keeps only the duration when the previous run recorded nothing else', () => {
    expect(priorEstimates({ durationSeconds: 600 })).toEqual({ expectedSeconds: 600 });
  });

  it("keeps COMPLETING's start without a setup the previous run did not record", () => {
    expect(priorEstimates({ durationSeconds: 600, finishingStartedSeconds: 500 })).toEqual({
      expectedSeconds: 600,
      priorFinishingStartSeconds: 500,
    });
  });

  it('drops a setup as long as the time before COMPLETING (a setup ends before COMPLETING starts)', () => {
    expect(priorEstimates({ durationSeconds: 600, finishingStartedSeconds: 500, setupSeconds: 500 })).toEqual(
      {
        expectedSeconds: 600,
        priorFinishingStartSeconds: 500,
      },
    );
  });
});

describe('the first wait', () => {
  it('counts the deadline as passed when the run starts the moment its deadline is reached', () => {
    const state = initialPollState(job('PROCESSING', 0, 4), at(-12 * 3600), at(0), config);

    expect(state.deadlinePassed).toBe(true);
    expect(state.waitSeconds).toBe(1);
  });

  it('looks at a reused job already COMPLETING after the shortest wait, not at half the previous duration', () => {
    // A prior of an hour would send a job still in its setup or processing half an hour ahead.
    const state = initialPollState(job('COMPLETING', 4, 4), at(0), at(60), config, 3600);

    expect(state.waitSeconds).toBe(5);
  });
});

describe('when processing is estimated to end', () => {
  const processing = job('PROCESSING', 4, 10);

  it('is the pieces left at the fastest pace from the last finished piece', () => {
    // 6 pieces left at 0.1 piece/s from t=100 s: t=160 s (later than now + 5 pieces' time, 155 s).
    const estimates: PollEstimates = { piecesPerSecond: 0.1, piecesChangedAt: iso(100) };

    expect(estimateProcessingEndMs(processing, estimates, at(105))).toBe(T0 + 160_000);
  });

  it('is now without a pace, or without the moment a piece last finished', () => {
    expect(estimateProcessingEndMs(processing, { piecesChangedAt: iso(100) }, at(105))).toBe(T0 + 105_000);
    expect(estimateProcessingEndMs(processing, { piecesPerSecond: 0.1 }, at(105))).toBe(T0 + 105_000);
  });
});

describe("when the job's end is estimated", () => {
  // The shortest setup 50 s: COMPLETING lasts at least 0.4 × 50 = 20 s.
  const estimates: PollEstimates = { setupMinSeconds: 50, setupMaxSeconds: 60 };

  it('is unknown in the setup, and in COMPLETING until a check saw it begin', () => {
    expect(estimateEndMs(job('CREATED'), estimates, at(30), settings)).toBeUndefined();
    expect(estimateEndMs(job('COMPLETING', 4, 4), estimates, at(330), settings)).toBeUndefined();
  });

  it("is COMPLETING's earliest start plus its shortest length", () => {
    const completing = { ...estimates, finishingStartedAt: iso(300) };

    expect(estimateEndMs(job('COMPLETING', 4, 4), completing, at(330), settings)).toBe(T0 + 320_000);
  });
});

describe("COMPLETING's expected length from the previous run", () => {
  // The previous run: 600 s, COMPLETING from 500 s (100 s long). This job was created at t=0.
  const previous: PollEstimates = { expectedSeconds: 600, priorFinishingStartSeconds: 500 };

  it('scales by when this job reached COMPLETING: the middle of the two checks around it', () => {
    // Between 540 s and 560 s: 550 s against 500 s, so 1.1 × 100 s.
    const estimates = { ...previous, finishingStartedAt: iso(540), finishingSeenAt: iso(560) };

    expect(priorFinishingSeconds(estimates, T0)).toBeCloseTo(110, 6);
  });

  it('scales by the setup instead when both runs recorded one', () => {
    // This setup lay between 100 s and 140 s: 120 s against the previous 100 s, so 1.2 × 100 s.
    const estimates = {
      ...previous,
      priorSetupSeconds: 100,
      setupMinSeconds: 100,
      setupMaxSeconds: 140,
      finishingStartedAt: iso(540),
      finishingSeenAt: iso(560),
    };

    expect(priorFinishingSeconds(estimates, T0)).toBeCloseTo(120, 6);
    expect(priorFinishingSeconds({ ...estimates, setupMaxSeconds: 100 }, T0)).toBeCloseTo(100, 6);
  });

  it("scales by when COMPLETING was reached when this job's setup is unknown or contradicts itself", () => {
    const seen = {
      ...previous,
      priorSetupSeconds: 100,
      finishingStartedAt: iso(540),
      finishingSeenAt: iso(560),
    };

    expect(priorFinishingSeconds({ ...seen, setupMinSeconds: 100 }, T0)).toBeCloseTo(110, 6);
    expect(priorFinishingSeconds({ ...seen, setupMinSeconds: 140, setupMaxSeconds: 100 }, T0)).toBeCloseTo(
      110,
      6,
    );
    const { priorSetupSeconds: _, ...withoutPriorSetup } = seen;
    expect(
      priorFinishingSeconds({ ...withoutPriorSetup, setupMinSeconds: 100, setupMaxSeconds: 140 }, T0),
    ).toBeCloseTo(110, 6);
  });

  it('holds for a job from half to twice the previous scale, and says nothing outside it', () => {
    const withSetup = (seconds: number) => ({
      ...previous,
      priorSetupSeconds: 100,
      setupMinSeconds: seconds,
      setupMaxSeconds: seconds,
      finishingStartedAt: iso(540),
    });

    expect(priorFinishingSeconds(withSetup(50), T0)).toBeCloseTo(50, 6);
    expect(priorFinishingSeconds(withSetup(200), T0)).toBeCloseTo(200, 6);
    expect(priorFinishingSeconds(withSetup(220), T0)).toBeUndefined();
    expect(priorFinishingSeconds(withSetup(45), T0)).toBeUndefined();
  });

  it('is unknown before a check saw COMPLETING, or without a previous COMPLETING that began before its end', () => {
    const setupKnown = { priorSetupSeconds: 100, setupMinSeconds: 100, setupMaxSeconds: 140 };

    expect(priorFinishingSeconds({ ...previous, ...setupKnown }, T0)).toBeUndefined();
    const started = { ...setupKnown, finishingStartedAt: iso(540) };
    expect(
      priorFinishingSeconds({ ...started, expectedSeconds: 600, priorFinishingStartSeconds: 0 }, T0),
    ).toBeUndefined();
    expect(
      priorFinishingSeconds({ ...started, expectedSeconds: 600, priorFinishingStartSeconds: 600 }, T0),
    ).toBeUndefined();
  });
});

describe('the next wait', () => {
  it('is one second for a job that has ended', () => {
    expect(nextWaitSeconds(job('COMPLETED', 4, 4), {}, at(600), settings)).toBe(1);
  });

  it("steps up from a wide setup bracket's low end by about the square root of its width", () => {
    // Setup between 100 s and 1,000 s, 300 s in: step √(2 × 25 × 900 / 0.4) ≈ 335.4 s, so the look
    // comes at 435.4 s, 135.4 s from now (the growth, 1.5 × 300 s = 450 s, does not bind).
    const estimates: PollEstimates = { setupMinSeconds: 100, setupMaxSeconds: 1000 };

    expect(nextWaitSeconds(job('CREATED'), estimates, at(300), settings)).toBeCloseTo(135.41, 2);
  });

  it("grows with the time so far while only the setup's high end is known", () => {
    // 600 s in: 1.5 × 600 s, not the 400 s left to the high end (no bracket without its low end).
    expect(nextWaitSeconds(job('CREATED'), { setupMaxSeconds: 1000 }, at(600), settings)).toBe(900);
  });

  it('grows with the time queued in PENDING_JOB', () => {
    // Queued since 200 s, now 1,200 s: 1.5 × 1,000 s.
    const estimates: PollEstimates = { statusSince: iso(200) };

    expect(nextWaitSeconds(job('PENDING_JOB'), estimates, at(1200), settings)).toBe(1500);
  });

  describe('with the last piece in progress', () => {
    // Two pieces, the first finished 30 s into processing: a piece takes 30 s.
    const lastPiece = job('PROCESSING', 1, 2);
    const paced: PollEstimates = {
      processingStartedAt: iso(100),
      piecesChangedAt: iso(130),
      piecesPerSecond: 1 / 30,
    };

    it('waits the robust wait when no setup was seen', () => {
      expect(nextWaitSeconds(lastPiece, paced, at(130), settings)).toBe(50);
    });

    it("waits COMPLETING's shortest length plus a near wait when the setup was seen", () => {
      // The shortest setup 10 s: COMPLETING at least 4 s, so 4 + 25 s.
      const estimates = { ...paced, setupMinSeconds: 10, setupMaxSeconds: 20 };

      expect(nextWaitSeconds(lastPiece, estimates, at(130), settings)).toBe(29);
    });

    it('waits the robust wait for a slower piece too', () => {
      // A piece takes 60 s: its end lies 60 s ahead, within a window of 120 s.
      const slow: PollEstimates = {
        processingStartedAt: iso(100),
        piecesChangedAt: iso(160),
        piecesPerSecond: 1 / 60,
      };

      expect(nextWaitSeconds(lastPiece, slow, at(160), settings)).toBe(50);
    });
  });

  describe('with no pace yet', () => {
    const early: PollEstimates = { processingStartedAt: iso(100) };

    it('spreads the checks left to the deadline for a source that reports no pieces', () => {
      expect(nextWaitSeconds(job('PROCESSING'), early, at(130), settings, 600)).toBe(600);
    });

    it('does not spread them for a job whose pieces are known', () => {
      // 30 s into processing: 0.7 × max(30, 25) = 21 s, at least a near wait.
      expect(nextWaitSeconds(job('PROCESSING', 0, 1), early, at(130), settings, 600)).toBe(25);
      expect(nextWaitSeconds(job('PROCESSING', 4, 4), early, at(130), settings, 600)).toBe(25);
    });
  });
});

describe('the poll state after a check', () => {
  const first = (): PollState => initialPollState(job('PROCESSING', 1, 4), at(0), at(0), config);

  it('counts from zero a check count that is malformed (negative or fractional)', () => {
    expect(nextPollState({ ...first(), checks: -3 }, job('PROCESSING', 1, 4), at(30), config).checks).toBe(1);
    expect(nextPollState({ ...first(), checks: 2.5 }, job('PROCESSING', 1, 4), at(30), config).checks).toBe(
      1,
    );
  });

  it('remembers the last progress: a piece more or a new status is progress, the same snapshot is not', () => {
    const unchanged = nextPollState(first(), job('PROCESSING', 1, 4), at(30), config);
    const piece = nextPollState(first(), job('PROCESSING', 2, 4), at(30), config);
    const status = nextPollState(first(), job('COMPLETING', 1, 4), at(30), config);

    expect(unchanged.lastProgressAt).toBe(iso(0));
    expect(piece.lastProgressAt).toBe(iso(30));
    expect(status.lastProgressAt).toBe(iso(30));
  });
});
