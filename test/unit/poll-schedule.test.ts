import { describe, expect, it } from 'vitest';
import type { PollConfig } from '../../functions/shared/config.ts';
import {
  type AdaptivePollState,
  estimateEndMs,
  initialPollState,
  nextPollState,
  pollSettings,
} from '../../functions/shared/poll-schedule.ts';
import type { JobSnapshot, JobStatus } from '../../functions/shared/types.ts';

const T0 = Date.parse('2026-11-28T02:00:00.000Z');
const config: PollConfig = {
  minWaitSeconds: 5,
  maxWaitSeconds: 900,
  runDeadlineSeconds: 12 * 3600,
  nearWaitSeconds: 25,
  idleGrowth: 1.5,
  aimFraction: 0.7,
  finishingShare: 0.35,
};
const at = (seconds: number) => new Date(T0 + seconds * 1000);

function job(status: JobStatus, completed = 0, total = 10): JobSnapshot {
  return {
    Id: 'job-1',
    JobStatus: status,
    CreationDate: new Date(T0).toISOString(),
    TotalPieces: total,
    CompletedPieces: completed,
    FailedPieces: 0,
    Reused: false,
  };
}

/** Feeds a sequence of (seconds, snapshot) checks through nextPollState. */
function replay(checks: [number, JobSnapshot][], cfg: PollConfig = config): AdaptivePollState {
  let state: AdaptivePollState = initialPollState(job('CREATED'), at(0), at(0), cfg);
  for (const [seconds, snapshot] of checks) state = nextPollState(state, snapshot, at(seconds), cfg);
  return state;
}

describe('initialPollState', () => {
  it('starts with the shortest wait and the deadline from the run start', () => {
    const state = initialPollState(job('CREATED'), at(0), at(0), config);
    expect(state.waitSeconds).toBe(5);
    expect(state.deadline).toBe(at(12 * 3600).toISOString());
    expect(state.checks).toBe(0);
  });
});

describe('nextPollState', () => {
  it('grows the wait with the elapsed time while the job is still setting up', () => {
    const first = replay([[5, job('CREATED')]]);
    const later = replay([
      [5, job('CREATED')],
      [13, job('CREATED')],
      [33, job('PREPARING_FOR_INITIALIZATION')],
    ]);
    expect(first.waitSeconds).toBe(8); // 1.5 × 5 s, rounded
    expect(later.waitSeconds).toBe(50); // 1.5 × 33 s, rounded
    expect(later.waitSeconds).toBeGreaterThan(first.waitSeconds);
  });

  it('never waits less than the minimum or more than the maximum', () => {
    const early = replay([[1, job('CREATED')]]);
    const late = replay([[4 * 3600, job('INITIALIZING')]]);
    expect(early.waitSeconds).toBe(5);
    expect(late.waitSeconds).toBe(900);
  });

  it('never waits past the run deadline', () => {
    const state = replay([[12 * 3600 - 40, job('INITIALIZING')]]);
    expect(state.waitSeconds).toBe(40);
    expect(state.deadlinePassed).toBe(false);
  });

  it('reports the deadline as passed once the check runs at or after it', () => {
    const state = replay([[12 * 3600, job('PROCESSING', 3)]]);
    expect(state.deadlinePassed).toBe(true);
    expect(state.waitSeconds).toBe(1);
  });

  it('aims at the end estimated from the pieces finished so far', () => {
    // Setup ended between 300 s and 600 s; 5 of 10 pieces done by 1,200 s.
    const state = replay([
      [300, job('INITIALIZING')],
      [600, job('PROCESSING', 0)],
      [900, job('PROCESSING', 2)],
      [1200, job('PROCESSING', 5)],
    ]);
    const settings = pollSettings(config);
    const end = estimateEndMs(job('PROCESSING', 5), state, at(1200), settings)!;
    // Pace since the first pieces: 3 pieces in 300 s (midpoints 750 s → 1,050 s) = 0.01/s.
    // Expected end of processing: 1,050 + 5 / 0.01 = 1,550 s; earliest plausible: now + 4 pieces
    // = 1,600 s; the later one counts. Then COMPLETING ≈ 0.35 × 300 s of setup (its earliest end).
    expect((end - T0) / 1000).toBeCloseTo(1600 + 105, 0);
    // It waits a fraction (aim 0.7) of the time left, so it looks again before the estimate.
    expect(state.waitSeconds).toBe(Math.round(0.7 * ((end - at(1200).getTime()) / 1000)));
  });

  it('looks every near-wait seconds once the estimated end is close or overdue', () => {
    const state = replay([
      [300, job('INITIALIZING')],
      [600, job('PROCESSING', 0)],
      [900, job('PROCESSING', 5)],
      [1200, job('PROCESSING', 10)],
      [1300, job('COMPLETING', 10)],
      [1500, job('COMPLETING', 10)],
    ]);
    expect(state.waitSeconds).toBe(25);
  });

  it('goes straight to the estimated end of COMPLETING', () => {
    // Setup 1,000 s (seen at 1,000 s, left before 1,500 s): COMPLETING ≈ 350 s from its start.
    const state = replay([
      [1000, job('INITIALIZING')],
      [1500, job('PROCESSING', 0)],
      [3000, job('PROCESSING', 9)],
      [3100, job('COMPLETING', 10)],
    ]);
    // COMPLETING started between 3,000 s and 3,100 s (midway 3,050 s): end ≈ 3,050 + 350 s.
    expect(state.waitSeconds).toBe(300);
  });

  it('keeps the near wait within the configured bounds', () => {
    const tight: PollConfig = { minWaitSeconds: 1, maxWaitSeconds: 2, runDeadlineSeconds: 600 };
    const state = replay(
      [
        [1, job('INITIALIZING')],
        [2, job('PROCESSING', 9)],
        [3, job('COMPLETING', 10)],
      ],
      tight,
    );
    expect(state.waitSeconds).toBeGreaterThanOrEqual(1);
    expect(state.waitSeconds).toBeLessThanOrEqual(2);
  });

  it('counts checks and remembers progress', () => {
    const state = replay([
      [5, job('CREATED')],
      [13, job('PROCESSING', 2)],
    ]);
    expect(state.checks).toBe(2);
    expect(state.lastPiecesDone).toBe(2);
    expect(state.lastStatus).toBe('PROCESSING');
    expect(state.lastProgressAt).toBe(at(13).toISOString());
  });
});
