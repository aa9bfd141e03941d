import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_FAILURE_PERCENT,
  decideOutcome,
  FAILURE_OUTCOMES,
  isOutcome,
  isSuccess,
  OUTCOME_RULES,
  OUTCOMES,
  type OutcomeFacts,
  outcomeOfFailError,
  outcomeTableMarkdown,
} from '../../core/outcome.ts';

/* The one decision of how a run ended, and the table every channel and the docs read. */

const completed: OutcomeFacts = {
  error: false,
  jobStatus: 'COMPLETED',
  verdict: 'VERIFIED',
  processed: 2_000,
  failures: 0,
  maxFailurePercent: DEFAULT_MAX_FAILURE_PERCENT,
};

describe('decideOutcome', () => {
  it('is COMPLETED only for a completed job whose files were verified or counted, within the failure limit', () => {
    expect(decideOutcome(completed)).toEqual({ outcome: 'COMPLETED', exported: 2_000, failurePercent: 0 });
    expect(decideOutcome({ ...completed, verdict: 'COUNTED', failures: null }).outcome).toBe('COMPLETED');
    expect(decideOutcome({ ...completed, failures: 20 })).toEqual({
      outcome: 'COMPLETED',
      exported: 1_980,
      failurePercent: 1,
    });
  });

  it('puts an error first, then the job, then the files, then the failures', () => {
    expect(decideOutcome({ ...completed, error: true }).outcome).toBe('ERROR');
    expect(decideOutcome({ ...completed, jobStatus: 'FAILED', verdict: null }).outcome).toBe('FAILED');
    expect(decideOutcome({ ...completed, jobStatus: 'PROCESSING', verdict: null }).outcome).toBe('TIMED_OUT');
    expect(decideOutcome({ ...completed, verdict: 'MISMATCH', failures: 2_000 }).outcome).toBe('MISMATCH');
    expect(decideOutcome({ ...completed, verdict: 'UNVERIFIED', failures: 2_000 }).outcome).toBe(
      'UNVERIFIED',
    );
    expect(decideOutcome({ ...completed, verdict: 'NOT_COUNTED' }).outcome).toBe('UNVERIFIED');
    expect(decideOutcome({ ...completed, verdict: null }).outcome).toBe('UNVERIFIED');
  });

  it('is TOO_MANY_FAILURES above the limit, and for 0 exported of more than 0 whatever the limit', () => {
    expect(decideOutcome({ ...completed, failures: 21 })).toEqual({
      outcome: 'TOO_MANY_FAILURES',
      exported: 1_979,
      failurePercent: 1.1,
    });
    expect(decideOutcome({ ...completed, failures: 2_000, maxFailurePercent: 100 }).outcome).toBe(
      'TOO_MANY_FAILURES',
    );
    expect(decideOutcome({ ...completed, failures: 1, maxFailurePercent: 0 }).outcome).toBe(
      'TOO_MANY_FAILURES',
    );
    // Nothing to export is not a failure: an empty segment, a skipped incremental window.
    expect(decideOutcome({ ...completed, processed: 0, failures: 0 }).outcome).toBe('COMPLETED');
  });

  it('says neither the records exported nor the failure share when the source did not report them', () => {
    expect(decideOutcome({ ...completed, verdict: 'COUNTED', processed: null, failures: null })).toEqual({
      outcome: 'COMPLETED',
      exported: null,
      failurePercent: null,
    });
    expect(decideOutcome({ ...completed, failures: null })).toEqual({
      outcome: 'COMPLETED',
      exported: 2_000,
      failurePercent: null,
    });
    expect(decideOutcome({ ...completed, processed: 0, failures: 0 }).failurePercent).toBeNull();
  });
});

describe('the outcome table', () => {
  it('has one success, and a distinct Fail error for every other outcome that the CLI reads back', () => {
    expect(OUTCOMES.filter(isSuccess)).toEqual(['COMPLETED']);
    expect(FAILURE_OUTCOMES).toEqual(OUTCOMES.filter((o) => o !== 'COMPLETED'));
    for (const outcome of FAILURE_OUTCOMES) {
      expect(outcomeOfFailError(OUTCOME_RULES[outcome].failError ?? undefined)).toBe(outcome);
    }
    expect(outcomeOfFailError('States.Runtime')).toBeUndefined();
  });

  it('is the table docs/OUTCOMES.md shows, header included', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'OUTCOMES.md'), 'utf8');
    const table = /\n(\| outcome \|[^\n]*\n(?:\|[^\n]*\n)*)/.exec(doc)?.[1]?.trimEnd();

    expect(table).toBe(outcomeTableMarkdown());
  });

  it("is the README's short table too: every outcome, its meaning and its exit status", () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const table = /\n(\| outcome \| means \| exit status \|\n(?:\|[^\n]*\n)*)/.exec(readme)?.[1]?.trimEnd();

    expect(table).toBe(
      [
        '| outcome | means | exit status |',
        '| --- | --- | --- |',
        ...OUTCOMES.map(
          (o) => `| \`${o}\` | ${OUTCOME_RULES[o].means} | ${OUTCOME_RULES[o].success ? 0 : 1} |`,
        ),
      ].join('\n'),
    );
  });

  it("knows only its own outcomes, not an older release's status", () => {
    expect(OUTCOMES.every(isOutcome)).toBe(true);
    expect(isOutcome('SUCCEEDED')).toBe(false);
    expect(isOutcome(42)).toBe(false);
  });
});
