import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  estimateEndMs,
  initialPollState,
  nextPollState,
  POLL_CHECK_CAP,
  pollSettings,
} from '../../core/poll-schedule.ts';
import type { JobSnapshot, JobStatus, PollState } from '../../core/types.ts';
import type { PollConfig } from '../../functions/shared/config.ts';

const T0 = Date.parse('2026-11-28T02:00:00.000Z');
const config: PollConfig = {
  minWaitSeconds: 5,
  maxWaitSeconds: 900,
  runDeadlineSeconds: 12 * 3600,
  nearWaitSeconds: 25,
  idleGrowth: 1.5,
  aimFraction: 0.7,
  finishingShare: 0.4,
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
function replay(checks: [number, JobSnapshot][], cfg: PollConfig = config): PollState {
  let state: PollState = initialPollState(job('CREATED'), at(0), at(0), cfg);
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
      [33, job('CREATED')],
    ]);
    expect(first.waitSeconds).toBe(8); // 1.5 × 5 s, rounded
    expect(later.waitSeconds).toBe(50); // 1.5 × 33 s, rounded
    expect(later.waitSeconds).toBeGreaterThan(first.waitSeconds);
  });

  it('brackets the setup from its phases and steps up to the bracket end', () => {
    // CREATED at 13 s, PREPARING at 33 s: CREATED ended within (13, 33] s, so with the usual
    // shape (CREATED = 0.2 of the setup) the setup lasts (65, 165] s.
    const state = replay([
      [5, job('CREATED')],
      [13, job('CREATED')],
      [33, job('PREPARING_FOR_INITIALIZATION')],
    ]);
    expect(state.setupSeenMinSeconds).toBe(33);
    expect(state.setupMinSeconds).toBe(65);
    expect(state.setupMaxSeconds).toBe(165);
    // The next check comes no later than the bracket's end, not 1.5 × 33 s later.
    expect(33 + state.waitSeconds).toBeLessThanOrEqual(165);
    expect(33 + state.waitSeconds).toBeGreaterThan(65);
  });

  it('drops the setup shape when a check contradicts it', () => {
    // PREPARING at 100 s says the setup lasts at most 500 s; still INITIALIZING at 600 s.
    const state = replay([
      [20, job('CREATED')],
      [100, job('PREPARING_FOR_INITIALIZATION')],
      [600, job('INITIALIZING')],
    ]);
    expect(state.setupMinSeconds).toBe(600);
    expect(state.setupMaxSeconds).toBeUndefined();
    expect(state.waitSeconds).toBe(900); // growth again: 1.5 × 600 s, capped at the maximum
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
    // = 1,600 s; the later one counts. Then COMPLETING ≥ 0.4 × 300 s (the shortest setup:
    // INITIALIZING at 300 s).
    expect(state.setupMinSeconds).toBe(300);
    expect((end - T0) / 1000).toBeCloseTo(1600 + 120, 0);
    // It waits a fraction (aim 0.7) of the time left to the end of processing, so it looks
    // again before the estimate, and close to where COMPLETING begins.
    expect(state.waitSeconds).toBe(Math.round(0.7 * 400));
  });

  it('with the last piece in progress, never waits past the shortest COMPLETING plus a near wait', () => {
    // Setup (300, 500] s; one piece in 1,000 s of processing: the last one could take as long.
    const state = replay([
      [300, job('INITIALIZING')],
      [600, job('PROCESSING', 0, 2)],
      [1600, job('PROCESSING', 1, 2)],
    ]);
    expect(state.waitSeconds).toBeLessThanOrEqual(0.4 * 300 + 25);
  });

  it('before the first piece finishes, lets the wait grow with several pieces left but keeps the robust wait for a single piece', () => {
    // INITIALIZING at 300 s puts the setup's end in (300, 500] s: processing since about 400 s; at
    // 1,600 s nothing finished yet.
    const checks = (total: number): [number, JobSnapshot][] => [
      [300, job('INITIALIZING')],
      [600, job('PROCESSING', 0, total)],
      [1600, job('PROCESSING', 0, total)],
    ];
    const several = replay(checks(10));
    const single = replay(checks(1));
    // 10 pieces cannot all end at once: 0.7 of the processing time so far.
    expect(several.processingStartedAt).toBe(at(400).toISOString());
    expect(several.waitSeconds).toBe(Math.round(0.7 * (1600 - 400)));
    // One piece can end at any moment: the robust wait (2 × the near wait) bounds the delay.
    expect(single.waitSeconds).toBe(50);
  });

  it('looks every near-wait seconds once the estimated end is close or overdue', () => {
    const state = replay([
      [300, job('INITIALIZING')],
      [600, job('PROCESSING', 0)],
      [900, job('PROCESSING', 5)],
      [1200, job('PROCESSING', 10)],
      [1300, job('COMPLETING', 10)],
      [1400, job('COMPLETING', 10)],
    ]);
    expect(state.waitSeconds).toBe(25);
  });

  it('spreads the checks left evenly to the deadline once COMPLETING lasts far longer than its estimate', () => {
    // COMPLETING seen since 1,200 s; at 5,000 s it has lasted far past 2 × its shortest (120 s).
    const state = replay([
      [300, job('INITIALIZING')],
      [600, job('PROCESSING', 0)],
      [900, job('PROCESSING', 5)],
      [1200, job('PROCESSING', 10)],
      [1300, job('COMPLETING', 10)],
      [5000, job('COMPLETING', 10)],
    ]);
    // 6 checks made: (43,200 − 5,000) s shared among the 994 left.
    expect(state.waitSeconds).toBe(Math.round((43_200 - 5000) / 994));
  });

  it('looks a near wait after the earliest end of COMPLETING', () => {
    // Setup (1,000, 1,500] s: COMPLETING lasts at least 0.4 × 1,000 s from its start, which is
    // after 3,000 s (the last check that saw PROCESSING).
    const state = replay([
      [1000, job('INITIALIZING')],
      [1500, job('PROCESSING', 0)],
      [3000, job('PROCESSING', 9)],
      [3100, job('COMPLETING', 10)],
    ]);
    expect(state.finishingStartedAt).toBe(at(3000).toISOString());
    // Earliest end 3,400 s, 325 s away: COMPLETING may be shorter than assumed, so it looks
    // again after the robust wait (2 × the near wait) and keeps the delay within it.
    expect(state.waitSeconds).toBe(50);
    const closer = replay([
      [1000, job('INITIALIZING')],
      [1500, job('PROCESSING', 0)],
      [3000, job('PROCESSING', 9)],
      [3390, job('COMPLETING', 10)],
    ]);
    // Looking at 3,425 s: a near wait after the earliest end.
    expect(closer.waitSeconds).toBe(3400 - 3390 + 25);
  });

  it('caps the wait at the maximum while stepping through a wide setup bracket', () => {
    // CREATED at 100 s, PREPARING at 2,000 s: the setup lasts (3,333, 10,000] s, and the next
    // step into that bracket lies 2,246 s ahead.
    const state = replay([
      [100, job('CREATED')],
      [2000, job('PREPARING_FOR_INITIALIZATION')],
    ]);
    expect(state.setupMaxSeconds).toBe(10_000);
    expect(state.waitSeconds).toBe(900);
  });

  it('caps the wait at the maximum in COMPLETING when its earliest end is further away', () => {
    // As above: the earliest end of COMPLETING is 325 s away, beyond a 40 s maximum.
    const state = replay(
      [
        [1000, job('INITIALIZING')],
        [1500, job('PROCESSING', 0)],
        [3000, job('PROCESSING', 9)],
        [3100, job('COMPLETING', 10)],
      ],
      { ...config, maxWaitSeconds: 40, runDeadlineSeconds: 6 * 3600 },
    );
    expect(state.waitSeconds).toBe(40);
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

describe('the check cap and the deadline', () => {
  it("uses the ASL's iteration cap (IsExportJobDone)", () => {
    const asl = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../statemachine/export-workflow.asl.json'), 'utf8'),
    );
    const rules = JSON.stringify(asl.States.IsExportJobDone.Choices);
    const cap = /"Variable":"\$\.poll\.checks","NumericGreaterThanEquals":(\d+)/.exec(rules)?.[1];
    expect(Number(cap)).toBe(POLL_CHECK_CAP);
  });

  it('raises the longest wait to what lets the cap reach the deadline, for a configuration given through the environment', () => {
    // 1,000 checks at most 2 s apart cover 2,000 s, less than the 3,000 s deadline.
    expect(pollSettings({ minWaitSeconds: 1, maxWaitSeconds: 2, runDeadlineSeconds: 3000 }).max).toBe(3);
    expect(pollSettings({ minWaitSeconds: 1, maxWaitSeconds: 2, runDeadlineSeconds: 120 }).max).toBe(2);
  });

  it('sees a job that sat in PENDING_JOB for 8 hours finish, instead of ending on the cap (default settings)', () => {
    // Queued from 60 s to 8 h, processing until 8.5 h: at the near wait (25 s) the 1,000 checks
    // would run out after about 6.9 h and report TIMED_OUT.
    let state = initialPollState(job('CREATED'), at(0), at(0), config);
    let now = 0;
    const view = (t: number) =>
      t < 60
        ? job('CREATED')
        : t < 8 * 3600
          ? job('PENDING_JOB', 0)
          : t < 8.5 * 3600
            ? job('PROCESSING', 5)
            : job('COMPLETED', 10);
    while (state.lastStatus !== 'COMPLETED' && !state.deadlinePassed && state.checks < POLL_CHECK_CAP) {
      now += state.waitSeconds;
      state = nextPollState(state, view(now), at(now), config);
    }
    expect(state.lastStatus).toBe('COMPLETED');
    // Nothing can be learned while queued: the waits grow with the time queued, a few dozen checks.
    expect(state.checks).toBeLessThan(100);
  });

  it('stretches the waits so the checks left reach the deadline, even where the schedule would look more often', () => {
    // Near wait 5 s (robust 10 s), longest 50 s, deadline 48,000 s: the last piece in progress for
    // the whole run would be looked at every 10 s, 4,800 checks; the cap allows 1,000.
    const tight: PollConfig = {
      ...config,
      nearWaitSeconds: 5,
      maxWaitSeconds: 50,
      runDeadlineSeconds: 48_000,
    };
    let state = initialPollState(job('CREATED'), at(0), at(0), tight);
    let now = 0;
    while (!state.deadlinePassed && state.checks < POLL_CHECK_CAP) {
      now += state.waitSeconds;
      state = nextPollState(state, job(now < 60 ? 'INITIALIZING' : 'PROCESSING', 9), at(now), tight);
      expect(state.waitSeconds).toBeLessThanOrEqual(50);
    }
    expect(state.deadlinePassed).toBe(true);
    expect(state.checks).toBeLessThanOrEqual(POLL_CHECK_CAP);
    expect(now).toBeGreaterThanOrEqual(48_000);
  });
});
