import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  functionMBps,
  largestWithin,
  type Measured,
  projectFanOut,
  projectToday,
} from '../../dev/bench/verify-projection.ts';
import { MAX_BATCHES } from '../../functions/shared/verification/plan.ts';

/*
 * The verify bench's projection (dev/bench/verify-projection.ts): the arithmetic that turns the
 * measured counting rate into batches, wall time and cost on Lambda, checked on figures
 * worked out by hand.
 */

const GIB = 1024 ** 3;
const measured: Measured = { perWorkerMBps: 40, parallelEfficiency: 1, manifestSecondsPerFile: 0 };

describe('the verification projection', () => {
  it("gives a function its streams' rate, but never more than its vCPUs'", () => {
    // 1,769 MB: one vCPU, one stream; 3,008 MB: two streams on 1.7 vCPU; 10,240 MB: six.
    expect(functionMBps(measured, 1769)).toBeCloseTo(40, 5);
    expect(functionMBps(measured, 3008)).toBeCloseTo(40 * (3008 / 1769), 5);
    expect(functionMBps(measured, 10240)).toBeCloseTo(40 * (10240 / 1769), 5);
    expect(functionMBps({ ...measured, parallelEfficiency: 0.5 }, 5307)).toBeCloseTo(40 * 3 * 0.5, 5);
  });

  it('counts 10 GB in batches of the stage size, all in one wave', () => {
    const p = projectFanOut(10 * GIB, measured);

    // 160 files of 64 MiB, each weighing 1 MiB more: 10,400 MiB in 2,048 MiB batches.
    expect(p.files).toBe(160);
    expect(p.batches).toBe(6);
    expect(p.waves).toBe(1);
    expect(p.fits).toBe(true);
  });

  it('grows the batches of 1 TB to stay within 400, counted in waves of the concurrency', () => {
    const p = projectFanOut(1024 * GIB, measured);

    expect(p.batches).toBe(MAX_BATCHES);
    expect(p.waves).toBe(Math.ceil(MAX_BATCHES / DEFAULT_SETTINGS.concurrency));
    expect(p.wallSeconds).toBeGreaterThan(p.waves * p.batchSeconds);
  });

  it('costs about the same per byte at any memory, and takes less wall time with more', () => {
    const small = projectFanOut(1024 * GIB, measured, { ...DEFAULT_SETTINGS, countMemoryMb: 1769 });
    const large = projectFanOut(1024 * GIB, measured, { ...DEFAULT_SETTINGS, countMemoryMb: 10240 });

    expect(large.wallSeconds).toBeLessThan(small.wallSeconds / 3);
    expect(large.usd / small.usd).toBeGreaterThan(0.8);
    expect(large.usd / small.usd).toBeLessThan(1.25);
  });

  it("says today's one 512 MB function ends NOT_COUNTED past what it counts in 280 s", () => {
    const capacity = functionMBps(measured, 512) * 1e6 * 280;

    expect(projectToday(capacity / 2, measured).verdict).toBe('counted');
    expect(projectToday(10 * GIB, measured)).toMatchObject({ verdict: 'NOT_COUNTED', counted: capacity });
  });

  it('finds the largest export counted within 15 minutes, and a larger one is not', () => {
    const largest = largestWithin(900, measured);

    expect(projectFanOut(largest, measured).wallSeconds).toBeLessThanOrEqual(900);
    expect(projectFanOut(largest * 1.05, measured).wallSeconds).toBeGreaterThan(900);
  });
});
