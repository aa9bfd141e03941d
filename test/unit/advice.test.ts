import { describe, expect, it } from 'vitest';
import { type AdviceWords, adviceOf, linksOf, rerunAdvice } from '../../core/advice.ts';
import type { ExportSummary } from '../../core/types.ts';

/*
 * What to do about a run that did not succeed (core/advice.ts): the email's
 * "What to do", the terminal's `what to do` and `advice` in --json. Each outcome's advice names
 * the facts on-call acts on (where the files are, what failed and how many, the limit, the command
 * that shows the job) and says truthfully what a re-run does.
 */

const JOB_ID = 'job-0123456789abcdef';
const WHERE = 's3://exports-bucket/dynamodb/orders/2026-11-28/';
const MANIFEST = `${WHERE}_manifest.json`;

const words: AdviceWords = {
  service: 'DynamoDB',
  where: WHERE,
  checkCommand: (jobId) => `aws dynamodb describe-export --export-arn ${jobId}`,
  findsLostJobs: true,
};
const bare: AdviceWords = { service: 'DynamoDB', findsLostJobs: true };

function summary(overrides: Partial<ExportSummary>): ExportSummary {
  return {
    status: 'COMPLETED',
    headline: 'headline',
    stage: 'prod',
    target: 'nightly-orders',
    previousRun: null,
    recordsDrop: false,
    sourceFields: { applicationId: null, segmentId: null, segmentVersion: null },
    jobId: JOB_ID,
    jobStatus: 'COMPLETED',
    jobReused: false,
    s3UrlPrefix: WHERE,
    TotalProcessed: 48_198,
    TotalFailures: 2_431,
    exported: 45_767,
    failurePercent: 5,
    maxFailurePercent: 1,
    Failures: [],
    failuresOmitted: 0,
    TotalPieces: null,
    CompletedPieces: null,
    FailedPieces: null,
    creationDate: null,
    completionDate: null,
    durationSeconds: null,
    statusChecks: 4,
    scheduledTime: '2026-11-28T02:00:00.000Z',
    execution: {
      id: 'arn:aws:states:eu-west-1:123456789012:execution:export-prod:nightly-1',
      name: 'nightly-1',
      startTime: '2026-11-28T02:00:04.000Z',
      trigger: 'schedule',
    },
    verification: null,
    details: null,
    error: null,
    ...overrides,
  };
}

const verification = (
  note: string,
  manifestUri: string | null,
): NonNullable<ExportSummary['verification']> => ({
  verdict: 'MISMATCH',
  files: 2,
  bytes: 100,
  records: 10,
  expected: 12,
  manifestUri,
  note,
});

describe('the advice for a MISMATCH', () => {
  it('says not to use the files, where they are and which manifest lists what each held', () => {
    const advice = adviceOf(
      summary({ status: 'MISMATCH', verification: verification('2 missing', MANIFEST) }),
      words,
    );

    expect(advice).toMatch(
      /^Do not use these files as a complete copy: what DynamoDB wrote to s3:\/\/exports-bucket/,
    );
    expect(advice).toContain(`(the manifest ${MANIFEST} lists what each file held)`);
    expect(advice).toContain('start it again with `npm run export` without --scheduled-time');
  });

  it('speaks of the export location and no manifest when neither is known', () => {
    const advice = adviceOf(
      summary({ status: 'MISMATCH', verification: verification('2 missing', null) }),
      bare,
    );

    expect(advice).toContain('what DynamoDB wrote to the export location differs from what it reported.');
  });
});

describe('the advice for an UNVERIFIED run', () => {
  it('says why the files were not verified, and which permissions the verification needs where', () => {
    const advice = adviceOf(
      summary({
        status: 'UNVERIFIED',
        verification: { ...verification('S3 answered 503', null), verdict: 'UNVERIFIED' },
      }),
      words,
    );

    expect(advice).toContain('its files were not verified: S3 answered 503.');
    expect(advice).toContain(`may list and read ${WHERE} (s3:ListBucket, s3:GetObject)`);
  });

  it('says the verification did not run when nothing is known of it', () => {
    const advice = adviceOf(summary({ status: 'UNVERIFIED' }), bare);

    expect(advice).toContain('its files were not verified: the verification did not run.');
    expect(advice).toContain('may list and read the export location');
  });
});

describe('the advice for TOO_MANY_FAILURES', () => {
  it('says the failures without the processed count a source did not report', () => {
    expect(adviceOf(summary({ status: 'TOO_MANY_FAILURES', TotalProcessed: null }), words)).toMatch(
      /^2,431 records failed \(5 %\), above/,
    );
  });

  it('gives the counts, the share, the limit and the command that lists every failure', () => {
    const advice = adviceOf(summary({ status: 'TOO_MANY_FAILURES' }), words);

    expect(advice).toMatch(
      /^2,431 of 48,198 records failed \(5 %\), above the target's limit of 1 % \(maxFailurePercent\)\. Read the first Failures in this summary \(all of them: `aws dynamodb describe-export --export-arn job-0123456789abcdef`\) and fix the records at fault in DynamoDB\./,
    );
  });

  it('says once that the failures are unknown, leaves out the share and the command, and marks an unknown limit', () => {
    const advice = adviceOf(
      summary({
        status: 'TOO_MANY_FAILURES',
        TotalFailures: null,
        TotalProcessed: null,
        failurePercent: null,
        maxFailurePercent: undefined,
        jobId: null,
      }),
      words,
    );

    expect(advice).toMatch(
      /^An unknown number of records failed, above the target's limit of \? % \(maxFailurePercent\)\. Read the first Failures in this summary and fix/,
    );
  });
});

describe('the advice for a FAILED job', () => {
  it('quotes its first failure without the final dot, and says what a re-run does', () => {
    const advice = adviceOf(
      summary({ status: 'FAILED', jobStatus: 'FAILED', Failures: ['Bucket a.b denied it.'] }),
      words,
    );

    expect(advice).toMatch(
      /^DynamoDB ran the export job and it failed: "Bucket a\.b denied it"\. Pieces that/,
    );
    expect(advice).toContain(
      'The export job job-0123456789abcdef FAILED: check it with `aws dynamodb describe-export --export-arn job-0123456789abcdef`; a re-run with the same ScheduledTime (`--scheduled-time 2026-11-28T02:00:00.000Z`) creates a new job.',
    );
  });

  it('points to the Failures when the job gave none', () => {
    expect(adviceOf(summary({ status: 'FAILED', jobStatus: 'FAILED' }), words)).toContain(
      'and it failed: read the Failures. Pieces',
    );
  });
});

describe('the advice for a TIMED_OUT run', () => {
  it('says the job may still be running, and what a re-run does', () => {
    const advice = adviceOf(summary({ status: 'TIMED_OUT', jobStatus: 'PROCESSING' }), words);

    expect(advice).toMatch(
      /^The job did not end before the run's deadline; it may still be running in DynamoDB\./,
    );
    expect(advice).not.toContain('PENDING_JOB');
    expect(advice).toContain(
      'only if exports legitimately take this long. The export job job-0123456789abcdef',
    );
    expect(advice).toContain(
      'The export job job-0123456789abcdef was last seen PROCESSING and may still finish on its own: check it with',
    );
  });

  it('says what held a job that waited in PENDING_JOB', () => {
    expect(adviceOf(summary({ status: 'TIMED_OUT', jobStatus: 'PENDING_JOB' }), words)).toContain(
      'It waited in PENDING_JOB: other export or import jobs in the account held the queue',
    );
  });
});

describe('the advice for an ERROR', () => {
  it("is the error's own advice, with nothing added", () => {
    const error = { name: 'SourceRequestRejectedError', message: 'm', reason: 'r', advice: 'Enable PITR.' };

    expect(adviceOf(summary({ status: 'ERROR', error }), words)).toBe('Enable PITR.');
  });

  it('points to the logs when the error gave none', () => {
    expect(adviceOf(summary({ status: 'ERROR' }), words)).toBe(
      'Check the function logs for this execution (see the README Logs Insights query).',
    );
  });
});

describe('advice around the outcome', () => {
  it('gives none for a success', () => {
    expect(adviceOf(summary({ status: 'COMPLETED' }), words)).toBeNull();
  });

  it("says an incremental target's coverage did not move, so the window is exported again", () => {
    const advice = adviceOf(
      summary({ status: 'MISMATCH', countsChanges: true, verification: verification('x', null) }),
      words,
    );

    expect(advice).toMatch(/\. The target's coverage did not move: its next run exports this window again/);
  });
});

describe('what a re-run does', () => {
  it('says nothing to a run whose input was invalid: the fix comes first', () => {
    const error = { name: 'InvalidExportInputError', message: 'm', reason: 'r', advice: 'a' };

    expect(rerunAdvice(summary({ status: 'ERROR', error }), words)).toBeNull();
  });

  it('says a job in an unknown status may still finish, without a command when the source has none', () => {
    expect(rerunAdvice(summary({ status: 'ERROR', jobStatus: null }), bare)).toBe(
      'The export job job-0123456789abcdef was last seen in an unknown status and may still finish on its own. A re-run with the same ScheduledTime (`--scheduled-time 2026-11-28T02:00:00.000Z`) reuses it rather than starting a second export; a re-run without it starts a new job.',
    );
  });

  it('says a re-run with the same ScheduledTime reuses the job, without quoting a time the run did not have', () => {
    expect(
      rerunAdvice(summary({ status: 'ERROR', jobStatus: 'PROCESSING', scheduledTime: null }), bare),
    ).toBe(
      'The export job job-0123456789abcdef was last seen PROCESSING and may still finish on its own. A re-run with the same ScheduledTime reuses it rather than starting a second export; a re-run without it starts a new job.',
    );
  });

  it('says nothing without a job or a scheduled time', () => {
    expect(rerunAdvice(summary({ status: 'ERROR', jobId: null, scheduledTime: null }), words)).toBeNull();
  });

  it('warns that a source that cannot list its jobs may have started one, naming where to look', () => {
    const cannotFind = { ...words, findsLostJobs: false };

    expect(rerunAdvice(summary({ status: 'ERROR', jobId: null }), cannotFind)).toBe(
      `No export job of this run is known, and DynamoDB cannot list the jobs it started: a re-run starts a new one, so first check that none started (files under ${WHERE}).`,
    );
    expect(rerunAdvice(summary({ status: 'ERROR', jobId: null }), { ...bare, findsLostJobs: false })).toMatch(
      /first check that none started\.$/,
    );
  });
});

describe('the links', () => {
  it('links the execution and the files in the console of the execution’s Region', () => {
    const links = linksOf(summary({}), { dashboardUrl: 'https://dash', runbookUrl: undefined });

    expect(links.execution).toContain('eu-west-1');
    expect(links.s3).toContain('region=eu-west-1');
    expect(links).toMatchObject({ dashboard: 'https://dash', runbook: null });
  });

  it('links no execution for a local run, whose id is not an ARN', () => {
    const local = summary({ execution: { ...summary({}).execution, id: 'local-execution-1' } });

    expect(linksOf(local, {}).execution).toBeNull();
  });
});
