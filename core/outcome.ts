import type { JobStatus, SummaryVerdict } from './job.ts';

/*
 * How a run ended: decided once, here, from the job's status, the verification's verdict and
 * the failure counts. Everything that tells or acts on a run derives from it: the exit status,
 * the SNS `status` attribute, the Subject and the body's first line, the terminal, `--json`,
 * `list` and `history`, the run ledger, the `Runs` metric, the alarms, subscribers' filters,
 * "the previous good night" and an incremental target's coverage (docs/OUTCOMES.md).
 */

/** Every outcome, the successful one first. */
export const OUTCOMES = [
  'COMPLETED',
  'MISMATCH',
  'UNVERIFIED',
  'TOO_MANY_FAILURES',
  'FAILED',
  'TIMED_OUT',
  'ERROR',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** What an outcome means for everything that derives from it. */
export interface OutcomeRule {
  /**
   * A success: the execution succeeds and the CLI exits 0; the run is a "previous good night"
   * (the next run's comparison and poll prior) and moves an incremental target's coverage on.
   * Every other outcome fails the execution (exit 1, the failed-executions alarm).
   */
  success: boolean;
  /** The Fail state's error name (ErrorPath); null for the success. */
  failError: string | null;
  /** The export job completed: the outcome speaks of its files and failures (what it exported counts). */
  jobCompleted: boolean;
  /** What it means, in one line (docs, `--help`). */
  means: string;
  /** The alarms it fires (docs/DEPLOY.md "Dashboard and metric alarms"). */
  alarms: string;
}

/** The one table. */
export const OUTCOME_RULES: Readonly<Record<Outcome, OutcomeRule>> = {
  COMPLETED: {
    success: true,
    failError: null,
    jobCompleted: true,
    means: 'the job completed, its files were verified (or counted) and its failures are within the limit',
    alarms: 'none',
  },
  MISMATCH: {
    success: false,
    failError: 'ExportVerificationMismatch',
    jobCompleted: true,
    means: 'the job completed, but its files in S3 do not hold what it reported',
    alarms: "failed executions; the target's verification mismatch",
  },
  UNVERIFIED: {
    success: false,
    failError: 'ExportUnverified',
    jobCompleted: true,
    means: 'the job completed, but its files could not be verified or counted',
    alarms: 'failed executions',
  },
  TOO_MANY_FAILURES: {
    success: false,
    failError: 'ExportTooManyFailures',
    jobCompleted: true,
    means: "the job completed, but more records failed than the target's maxFailurePercent allows",
    alarms: 'failed executions',
  },
  FAILED: {
    success: false,
    failError: 'ExportJobFailed',
    jobCompleted: false,
    means: 'the source ran the job and it failed',
    alarms: 'failed executions',
  },
  TIMED_OUT: {
    success: false,
    failError: 'ExportJobTimedOut',
    jobCompleted: false,
    means: "the job did not end before the run's deadline or the status-check cap",
    alarms: 'failed executions',
  },
  ERROR: {
    success: false,
    failError: 'ExportWorkflowError',
    jobCompleted: false,
    means: 'the workflow could not run the export (bad input, a refusal, an AWS error)',
    alarms: 'failed executions',
  },
};

/** The outcomes that are not a success (what a failures-only subscription receives). */
export const FAILURE_OUTCOMES = OUTCOMES.filter((o) => !OUTCOME_RULES[o].success);

export function isOutcome(value: unknown): value is Outcome {
  return typeof value === 'string' && (OUTCOMES as readonly string[]).includes(value);
}

export function isSuccess(outcome: Outcome): boolean {
  return OUTCOME_RULES[outcome].success;
}

/** The outcome whose Fail-state error this is, if any (`list` and `status` read it back). */
export function outcomeOfFailError(error: string | undefined): Outcome | undefined {
  return OUTCOMES.find((o) => error !== undefined && OUTCOME_RULES[o].failError === error);
}

/**
 * The failure limit when a target sets none: 1 % of the records the job processed. A few
 * malformed records in a large export are a data problem to read about (the summary lists
 * them, `hasFailures` is true), not a failed night; one record in a hundred failing is
 * systematic, and the export is no longer a usable copy.
 */
export const DEFAULT_MAX_FAILURE_PERCENT = 1;

/** What the outcome is decided from. */
export interface OutcomeFacts {
  /** The workflow caught an error before the job ended (the summary's `error`). */
  error: boolean;
  jobStatus: JobStatus | null;
  /** The verification's verdict; null when the job did not complete. */
  verdict: SummaryVerdict | null;
  /** Records the source processed (Pinpoint's TotalProcessed counts its failures too). */
  processed: number | null;
  failures: number | null;
  /** The target's limit, percent of processed. */
  maxFailurePercent: number;
}

export interface DecidedOutcome {
  outcome: Outcome;
  /** Records exported: processed minus failed; null when the source did not say. */
  exported: number | null;
  /** Failed records in percent of processed, one decimal; null when it cannot be said. */
  failurePercent: number | null;
}

/**
 * The outcome. An error first, then the job's end; for a completed job the files come first
 * (a MISMATCH or an unverified export is never a success), then the failures: above the
 * limit, or every record failed, is not a success either.
 */
export function decideOutcome(facts: OutcomeFacts): DecidedOutcome {
  const exported =
    facts.processed === null ? null : Math.max(0, facts.processed - Math.max(0, facts.failures ?? 0));
  const failurePercent =
    facts.processed && facts.failures !== null
      ? Math.round((facts.failures / facts.processed) * 1000) / 10
      : null;
  const decided = (outcome: Outcome): DecidedOutcome => ({ outcome, exported, failurePercent });
  if (facts.error) return decided('ERROR');
  if (facts.jobStatus === 'FAILED') return decided('FAILED');
  if (facts.jobStatus !== 'COMPLETED') return decided('TIMED_OUT');
  if (facts.verdict === 'MISMATCH') return decided('MISMATCH');
  if (facts.verdict !== 'VERIFIED' && facts.verdict !== 'COUNTED') return decided('UNVERIFIED');
  const failures = facts.failures ?? 0;
  if (facts.processed !== null && facts.processed > 0) {
    if (exported === 0) return decided('TOO_MANY_FAILURES');
    if ((failures / facts.processed) * 100 > facts.maxFailurePercent) return decided('TOO_MANY_FAILURES');
  }
  return decided('COMPLETED');
}

/**
 * The outcome table as docs/OUTCOMES.md shows it (a test holds the two equal): outcome, what it
 * means, exit status, `status` attribute, whether coverage moves and it is a previous good
 * night, the execution's end and the alarms.
 */
export function outcomeTableMarkdown(): string {
  const rows = OUTCOMES.map((o) => {
    const rule = OUTCOME_RULES[o];
    const yes = rule.success ? 'yes' : 'no';
    return `| \`${o}\` | ${rule.means} | ${rule.success ? 0 : 1} | \`${o}\` | ${yes} | ${yes} | ${
      rule.failError ? `fails (\`${rule.failError}\`)` : 'succeeds'
    } | ${rule.alarms} |`;
  });
  return [
    '| outcome | means | exit status | `status` attribute | moves coverage | a previous good night | execution | alarms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
