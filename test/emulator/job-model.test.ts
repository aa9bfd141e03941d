import { describe, expect, it } from 'vitest';
import {
  buildJobPlan,
  type JobPlan,
  jobProgressAt,
  pieceFinishTimes,
  processingTimeForWork,
} from '../../sources/pinpoint/emulator-job-model.ts';

const evenPlan = (overrides: Partial<JobPlan> = {}): JobPlan => ({
  createdMs: 100,
  preparingMs: 100,
  initializingMs: 100,
  pendingMs: 0,
  processingMs: 400,
  completingMs: 100,
  pieceWeights: [1, 1, 1, 1],
  ...overrides,
});

/** Distinct statuses seen when sampling a plan every `stepMs` up to `untilMs`. */
function statusSequence(plan: JobPlan, untilMs: number, stepMs = 10): string[] {
  const seen: string[] = [];
  for (let t = 0; t <= untilMs; t += stepMs) {
    const { status } = jobProgressAt(plan, t);
    if (seen.at(-1) !== status) seen.push(status);
  }
  return seen;
}

describe('job model', () => {
  it('walks the real status sequence to COMPLETED', () => {
    expect(statusSequence(evenPlan(), 1000)).toEqual([
      'CREATED',
      'PREPARING_FOR_INITIALIZATION',
      'INITIALIZING',
      'PROCESSING',
      'COMPLETING',
      'COMPLETED',
    ]);
  });

  it('spends pendingMs in PENDING_JOB before processing', () => {
    const plan = evenPlan({ pendingMs: 500 });
    expect(statusSequence(plan, 1500)).toEqual([
      'CREATED',
      'PREPARING_FOR_INITIALIZATION',
      'INITIALIZING',
      'PENDING_JOB',
      'PROCESSING',
      'COMPLETING',
      'COMPLETED',
    ]);
    expect(jobProgressAt(plan, 799).status).toBe('PENDING_JOB');
    expect(jobProgressAt(plan, 800).status).toBe('PROCESSING');
  });

  it('completes pieces progressively and reports the terminal time', () => {
    const plan = evenPlan();
    expect(jobProgressAt(plan, 399).completedPieces).toBe(0);
    expect(jobProgressAt(plan, 400).completedPieces).toBe(1);
    expect(jobProgressAt(plan, 600).completedPieces).toBe(3);
    const done = jobProgressAt(plan, 800);
    expect(done).toMatchObject({
      status: 'COMPLETED',
      completedPieces: 4,
      terminal: true,
      terminalAtMs: 800,
    });
    expect(done.nextChangeAtMs).toBeNull();
  });

  it('ends FAILING then FAILED when a piece fails', () => {
    const plan = evenPlan({ failedPieces: [3] });
    expect(jobProgressAt(plan, 750)).toMatchObject({
      status: 'FAILING',
      completedPieces: 3,
      failedPieces: 1,
    });
    expect(jobProgressAt(plan, 800)).toMatchObject({ status: 'FAILED', terminal: true });
  });

  it('never finishes when a stall lasts forever', () => {
    const plan = evenPlan({ stalls: [{ atWork: 0.5, durationMs: Number.POSITIVE_INFINITY }] });
    const late = jobProgressAt(plan, 12 * 3600_000);
    expect(late).toMatchObject({
      status: 'PROCESSING',
      completedPieces: 1,
      terminal: false,
      terminalAtMs: null,
    });
    expect(late.nextChangeAtMs).toBeNull();
  });

  it('delays everything after a finite stall by its duration', () => {
    const plan = evenPlan({ stalls: [{ atWork: 0.5, durationMs: 1000 }] });
    expect(pieceFinishTimes(plan)).toEqual([400, 1500, 1600, 1700]);
    expect(jobProgressAt(plan, 1499).completedPieces).toBe(1);
    expect(jobProgressAt(plan, 1800).status).toBe('COMPLETED');
  });

  it('slows the first part of the work on a slow start', () => {
    const plan = evenPlan({ slowStart: { workFraction: 0.5, speed: 0.25 } });
    // Half the work at quarter speed takes 800 ms instead of 200 ms.
    expect(processingTimeForWork(plan, 0.5)).toBe(800);
    expect(processingTimeForWork(plan, 1)).toBe(1000);
    expect(pieceFinishTimes(plan)).toEqual([700, 1100, 1200, 1300]);
  });

  it('draws uneven but deterministic piece durations from the seed', () => {
    const a = buildJobPlan({ durationMs: 60_000, pieces: 8, seed: 42 });
    const b = buildJobPlan({ durationMs: 60_000, pieces: 8, seed: 42 });
    const c = buildJobPlan({ durationMs: 60_000, pieces: 8, seed: 43 });
    expect(a).toEqual(b);
    expect(a.pieceWeights).not.toEqual(c.pieceWeights);
    const times = pieceFinishTimes(a);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(new Set(gaps.map((g) => Math.round(g))).size).toBeGreaterThan(1);
    expect(jobProgressAt(a, 60_000).status).toBe('COMPLETED');
    expect(jobProgressAt(a, 59_000).status).not.toBe('COMPLETED');
  });

  it('models a 12-hour job with stalls cheaply and consistently', () => {
    const plan = buildJobPlan({
      durationMs: 12 * 3600_000,
      pieces: 200,
      seed: 7,
      slowStart: { workFraction: 0.1, speed: 0.5 },
      stalls: [{ atWork: 0.3, durationMs: 1800_000 }],
    });
    let previous = -1;
    let checks = 0;
    for (let t = 0; t <= 14 * 3600_000; t += 60_000) {
      const progress = jobProgressAt(plan, t);
      const done = progress.completedPieces + progress.failedPieces;
      expect(done).toBeGreaterThanOrEqual(previous);
      previous = done;
      checks++;
    }
    expect(checks).toBe(841);
    const end = jobProgressAt(plan, 14 * 3600_000);
    expect(end.status).toBe('COMPLETED');
    // 12 h nominal + 0.5 h of stall + slow start (10% of 65% of 12 h, at half speed = +0.78 h).
    expect(end.terminalAtMs! / 3600_000).toBeCloseTo(13.28, 2);
  });

  it('tells when the next change happens', () => {
    expect(jobProgressAt(evenPlan(), 0).nextChangeAtMs).toBe(100);
    expect(jobProgressAt(evenPlan(), 450).nextChangeAtMs).toBe(500);
  });
});
