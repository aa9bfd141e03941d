import { describe, expect, it } from 'vitest';
import { runEngineSample, SAMPLE_ENV } from '../../bench/asl-sample.ts';
import { adaptivePoller, walkJob } from '../../bench/asl-walk.ts';
import { makeJob } from '../../bench/population.ts';
import { loadGetExportJobStatusConfig } from '../../functions/shared/config.ts';

describe('bench: the pure ASL walk and the real engine', () => {
  it('give the same checks, transitions and delay for the same jobs', async () => {
    const jobs = [makeJob(40, 11), makeJob(2 * 3600, 12)];
    const engine = await runEngineSample(jobs);
    const config = loadGetExportJobStatusConfig({ ...SAMPLE_ENV }).poll;
    const simulated = jobs.map((job) => walkJob(job, adaptivePoller(config)));
    for (const [i, sim] of simulated.entries()) {
      const run = engine[i]!;
      expect(run.status).toBe('SUCCEEDED');
      expect(run.checks).toBe(sim.checks);
      expect(run.transitions).toBe(sim.transitions);
      expect(
        Math.abs((run.delaySeconds ?? Number.NaN) - (sim.delaySeconds ?? Number.NaN)),
      ).toBeLessThanOrEqual(1);
    }
    // The fixed states plus three per check (Wait, Task, Choice).
    expect(simulated[0]!.transitions).toBe(4 + 3 * simulated[0]!.checks);
  });
});
