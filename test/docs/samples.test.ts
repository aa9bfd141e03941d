import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OUTCOME_RULES, OUTCOMES } from '../../core/outcome.ts';
import { normaliseSample, ROOT, runSample, sampleDocuments, samplesIn } from './samples.ts';

/*
 * Every sample of output in the docs is what its command prints today (test/docs/samples.ts).
 * `npm run docs:samples` rewrites them after a change of output.
 */

const samples = sampleDocuments().flatMap(samplesIn);

describe('the samples in the docs are what their commands print', () => {
  it('has samples to check', () => {
    expect(samples.length).toBeGreaterThan(0);
  });

  it.each(samples.map((s) => [`${relative(ROOT, s.file)}: ${s.command}`, s] as const))(
    '%s',
    async (_, sample) => {
      const output = await runSample(sample.command);

      expect(normaliseSample(sample.text), 'run `npm run docs:samples` to write what it prints now').toBe(
        normaliseSample(output),
      );
    },
    60_000,
  );

  it('notices a sample edited to differ from the output', () => {
    const sample =
      'manual-20261129T101135Z-all-feox  COMPLETED\n  summary      [local] Pinpoint export COMPLETED all endpoints of a1b2c3d4e5f60718293a4b5c6d7e8f90: 2,000 exported';

    expect(normaliseSample(sample)).not.toBe(normaliseSample(sample.replace('2,000', '2,001')));
    expect(normaliseSample(sample)).toBe(
      normaliseSample(sample.replace('20261129T101135Z', '20261206T055554Z').replace('feox', 'k3f9')),
    );
    const metrics =
      '  metrics      StatusChecks 4 · RecordsExported 2,000 · Failures 0 · JobDurationSeconds 6';
    expect(normaliseSample(metrics)).toBe(
      normaliseSample(metrics.replace('StatusChecks 4', 'StatusChecks 5')),
    );
    expect(normaliseSample(metrics)).not.toBe(normaliseSample(metrics.replace('Failures 0', 'Failures 1')));
  });
});

describe("the README's outcome table", () => {
  it("is the code's outcomes, in its order, with their meaning and exit status", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const rows = OUTCOMES.map(
      (o) => `| \`${o}\` | ${OUTCOME_RULES[o].means} | ${OUTCOME_RULES[o].success ? 0 : 1} |`,
    );

    expect(readme).toContain(
      ['| outcome | means | exit status |', '| --- | --- | --- |', ...rows].join('\n'),
    );
  });
});
