import { describe, expect, it } from 'vitest';
import { runEngineSample, SAMPLE_ENV } from '../../dev/bench/asl-sample.ts';
import { adaptivePoller, type JobRun, walkJob } from '../../dev/bench/asl-walk.ts';
import { makeJob } from '../../dev/bench/population.ts';
import { loadGetExportJobStatusConfig } from '../../functions/shared/config.ts';

describe('bench: the pure ASL walk and the real engine', () => {
  it('give the same checks, transitions and delay for the same jobs', async () => {
    const jobs = [makeJob(40, 11), makeJob(2 * 3600, 12)];
    const engine = await runEngineSample(jobs);
    const config = loadGetExportJobStatusConfig({ ...SAMPLE_ENV }).poll;
    const simulated = jobs.map((job) => walkJob(job, adaptivePoller(config)));
    for (const [i, sim] of simulated.entries()) {
      const run = engine[i]!;
      expect(run.status, run.error).toBe('SUCCEEDED');
      expect(run.checks).toBe(sim.checks);
      expect(run.transitions).toBe(sim.transitions);
      expect(
        Math.abs((run.delaySeconds ?? Number.NaN) - (sim.delaySeconds ?? Number.NaN)),
      ).toBeLessThanOrEqual(1);
    }
    // Both COMPLETED: the same fixed states, plus three per check (Wait, Task, Choice).
    const [short, long] = simulated as [JobRun, JobRun];
    expect(short.summaryStatus).toBe('COMPLETED');
    expect(long.summaryStatus).toBe('COMPLETED');
    expect(long.transitions - short.transitions).toBe(3 * (long.checks - short.checks));
  });
});
