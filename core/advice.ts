import { consoleUrl, regionOfArn, s3ConsoleUrl } from './console-links.ts';
import type { Outcome } from './outcome.ts';
import type { ExportSummary, SummaryLinks } from './types.ts';

/*
 * What to do about a run that did not succeed, and where to look: one table, read by the
 * summary (its `advice` and `links`), so the email's "What to do", the terminal's
 * `what to do` and `advice` in --json are the same words. An ERROR's advice is its
 * error's own (the classifier's row, or the caught error's), which the table passes on.
 */

/** What the advice needs to know of the run's source. */
export interface AdviceWords {
  /** The source as people name it ("Pinpoint", "DynamoDB"). */
  service: string;
  /** Where the job writes (an s3:// URL). */
  where?: string | undefined;
  /** A command that shows the job, when the source has one. */
  checkCommand?: ((jobId: string) => string) | undefined;
  /** Whether a re-run with the same ScheduledTime finds a job an earlier attempt started. */
  findsLostJobs: boolean;
}

const START_AGAIN = 'start it again with `npm run export`';

/** The advice for each outcome that is not a success; ERROR's comes with its error. */
const ADVICE: Record<Exclude<Outcome, 'COMPLETED'>, (s: ExportSummary, w: AdviceWords) => string> = {
  MISMATCH: (s, w) =>
    `Do not use these files as a complete copy: what ${w.service} wrote to ${w.where ?? 'the export location'} differs from what it reported${
      s.verification?.manifestUri
        ? ` (the manifest ${s.verification.manifestUri} lists what each file held)`
        : ''
    }. Look for what else writes to or expires that prefix (a lifecycle rule, replication, another job). A re-run with the same ScheduledTime checks the same job again; to export anew, ${START_AGAIN} without --scheduled-time.`,
  UNVERIFIED: (s, w) =>
    `The export job completed, but its files were not verified: ${
      s.verification?.note ?? 'the verification did not run'
    }. Check that verify-export may list and read ${w.where ?? 'the export location'} (s3:ListBucket, s3:GetObject) and write its manifest there (s3:PutObject), and read its log for this execution; then ${START_AGAIN} to export and verify anew.`,
  TOO_MANY_FAILURES: (s, w) =>
    `${failedOfProcessed(s)}${
      s.failurePercent === null || s.failurePercent === undefined ? '' : ` (${s.failurePercent} %)`
    }, above the target's limit of ${s.maxFailurePercent ?? '?'} % (maxFailurePercent). Read the first Failures in this summary${
      s.jobId && w.checkCommand ? ` (all of them: \`${w.checkCommand(s.jobId)}\`)` : ''
    } and fix the records at fault in ${w.service}. Raise maxFailurePercent for the target in config/stages/<stage>.yml only if such failures are expected.`,
  FAILED: (s, w) =>
    `${w.service} ran the export job and it failed: ${
      s.Failures[0] ? `"${s.Failures[0].replace(/\.$/, '')}"` : 'read the Failures'
    }. Pieces that cannot write to S3 mean the role the service assumes lacks s3:PutObject on the location (or the bucket policy or KMS key denies it). Fix it, then ${START_AGAIN}.`,
  TIMED_OUT: (s, w) =>
    `The job did not end before the run's deadline; it may still be running in ${w.service}. If it finishes later its files are written, but not verified and not reported. If it stays stuck, open an AWS support case; raise the stage's poll.runDeadlineSeconds only if exports legitimately take this long.${
      s.jobStatus === 'PENDING_JOB'
        ? ' It waited in PENDING_JOB: other export or import jobs in the account held the queue; move this schedule away from them.'
        : ''
    }`,
  ERROR: (s) =>
    s.error?.advice ?? 'Check the function logs for this execution (see the README Logs Insights query).',
};

/**
 * "2,431 of 48,198 records failed". decideOutcome only says TOO_MANY_FAILURES with both counts
 * known; a count a source did not report is said once in words, not as "an unknown number of of".
 */
function failedOfProcessed(s: ExportSummary): string {
  const failed = s.TotalFailures ?? null;
  const processed = s.TotalProcessed ?? null;
  if (failed === null) return 'An unknown number of records failed';
  const n = failed.toLocaleString('en-US');
  return processed === null
    ? `${n} records failed`
    : `${n} of ${processed.toLocaleString('en-US')} records failed`;
}

/**
 * What a re-run does, said truthfully: only a re-run with the same ScheduledTime looks
 * for this run's job (it resolves to the same S3 prefix), and a FAILED job is redone.
 */
export function rerunAdvice(s: ExportSummary, w: AdviceWords): string | null {
  if (s.error?.name === 'InvalidExportInputError') return null;
  const sameTime = s.scheduledTime ? ` (\`--scheduled-time ${s.scheduledTime}\`)` : '';
  if (s.jobId) {
    const command = w.checkCommand?.(s.jobId);
    const check = command ? `: check it with \`${command}\`` : '';
    if (s.jobStatus === 'FAILED')
      return `The export job ${s.jobId} FAILED${check}; a re-run with the same ScheduledTime${sameTime} creates a new job.`;
    return `The export job ${s.jobId} was last seen ${s.jobStatus ?? 'in an unknown status'} and may still finish on its own${check}. A re-run with the same ScheduledTime${sameTime} reuses it rather than starting a second export; a re-run without it starts a new job.`;
  }
  if (!s.scheduledTime) return null;
  if (!w.findsLostJobs)
    return `No export job of this run is known, and ${w.service} cannot list the jobs it started: a re-run starts a new one, so first check that none started${w.where ? ` (files under ${w.where})` : ''}.`;
  return `No export job of this run is known. A re-run with the same ScheduledTime${sameTime} reuses one if ${w.service} did create it; without it, it starts a new job.`;
}

/**
 * What to do about the run: null for a success; otherwise the outcome's advice, what a
 * re-run does (FAILED and TIMED_OUT; an ERROR's error already says it) and, for an
 * incremental target, that its coverage stayed where it was.
 */
export function adviceOf(s: ExportSummary, w: AdviceWords): string | null {
  if (s.status === 'COMPLETED') return null;
  const parts = [ADVICE[s.status](s, w)];
  if (s.status === 'FAILED' || s.status === 'TIMED_OUT') {
    const rerun = rerunAdvice(s, w);
    if (rerun) parts.push(rerun);
  }
  if (s.countsChanges)
    parts.push(
      "The target's coverage did not move: its next run exports this window again, so no change is lost.",
    );
  return parts.join(' ');
}

/** Where to look: the execution, the files, the dashboard, the runbook. */
export function linksOf(
  s: Pick<ExportSummary, 'execution' | 's3UrlPrefix'>,
  settings: { dashboardUrl?: string | undefined; runbookUrl?: string | undefined },
): SummaryLinks {
  const arn = s.execution.id;
  const isArn = arn.startsWith('arn:');
  return {
    execution: isArn ? consoleUrl(arn) : null,
    s3: s.s3UrlPrefix ? (s3ConsoleUrl(s.s3UrlPrefix, isArn ? regionOfArn(arn) : undefined) ?? null) : null,
    dashboard: settings.dashboardUrl ?? null,
    runbook: settings.runbookUrl ?? null,
  };
}
