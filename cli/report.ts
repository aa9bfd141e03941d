import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { isSuccess, outcomeOfFailError } from '../core/outcome.ts';
import { buildSummary } from '../core/summary.ts';
import type {
  ExportSummary,
  JobStatus,
  PublishSummaryEvent,
  PublishSummaryResult,
  RunState,
  SummaryStatus,
  Trigger,
  VerificationResult,
} from '../core/types.ts';
import { sourceFor, summarySourceOf } from '../sources/registry.ts';
import { ExitCode } from './errors.ts';

/*
 * What the CLI knows about one run, whichever way it learnt it (Step Functions
 * or the local run), and how that maps to an outcome and an exit status.
 */

/**
 * The export's outcome: the run's (core/outcome.ts, the summary's status), or
 * ABORTED when someone stopped the execution before it had one.
 */
export type Outcome = SummaryStatus | 'ABORTED';

/** The export job's progress, read from a RunState. */
export interface JobProgress {
  id: string;
  status: JobStatus;
  completedPieces: number | null;
  totalPieces: number | null;
  failedPieces: number | null;
  totalProcessed: number | null;
  totalFailures: number | null;
  reused: boolean;
  s3UrlPrefix: string | null;
  statusChecks: number;
  /** Seconds the workflow waits before its next status check (null once the job ended). */
  waitSeconds: number | null;
  /** What VerifyExport found in S3, once it ran (a COMPLETED job). */
  verification?: VerificationView;
  /** What one record is for the run's source ("endpoints", "profiles", "items"); absent: endpoints. */
  unit?: string;
  /** Sources other than Pinpoint: the status in the source's own words (IN_PROGRESS). */
  sourceStatus?: string;
}

/** The verification as the CLI shows it. */
export interface VerificationView {
  verdict: string;
  files: number | null;
  records: number | null;
  expected: number | null;
  manifestUri: string | null;
  note: string;
}

/** The summary as the execution reports it (PublishSummary's result). */
export interface RunSummary {
  status: SummaryStatus;
  subject: string;
  messageId: string | null;
  /** The headline, what to do and the verdict, as PublishSummary returned them (absent from older runs). */
  headline?: string | null;
  advice?: string | null;
  verdict?: string | null;
}

export interface RunReport {
  name: string;
  arn: string;
  stateMachineArn: string | null;
  /** Null for local runs. */
  consoleUrl: string | null;
  trigger: Trigger;
  /** The execution's status in Step Functions. */
  status: ExecutionStatus;
  /** The export's outcome; null while the execution runs. */
  outcome: Outcome | null;
  startDate: string;
  stopDate: string | null;
  durationSeconds: number | null;
  input: unknown;
  job: JobProgress | null;
  summary: RunSummary | null;
  /** The Fail state's error and cause (cause is the summary's headline). */
  error: { error: string; cause: string | null } | null;
  /** Why a run that did not COMPLETE ended as it did; null while running and for COMPLETED. */
  explanation: Explanation | null;
}

/** Why a run did not COMPLETE, in the words its summary gives subscribers. */
export interface Explanation {
  /** The summary's headline. */
  headline: string | null;
  /** The cause in a few words (the summary's `error.reason`), when the summary has one. */
  reason: string | null;
  /** What to do (the summary's `error.advice`). */
  advice: string | null;
  /** Set when no summary was published: why PublishSummary failed, and what to do. */
  noSummary: string | null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The job progress in a task's output, when that output is a RunState (or holds one). */
export function jobProgressOf(value: unknown): JobProgress | null {
  if (!isObject(value) || !isObject(value.job)) return null;
  const job = value.job as Partial<RunState['job']>;
  if (typeof job.Id !== 'string' || typeof job.JobStatus !== 'string') return null;
  const run = value as Partial<RunState>;
  const num = (n: unknown) => (typeof n === 'number' ? n : null);
  // VerifyExport's output holds the counting plan (`plan`) and a provisional verdict: the verdict is FinishVerification's.
  const found =
    isObject(run.verification) && !('plan' in run.verification)
      ? (run.verification as Partial<VerificationResult>)
      : null;
  const words = run.request ? sourceFor(run.request).describe.words(run.request) : undefined;
  const verification: VerificationView | undefined =
    found && typeof found.verdict === 'string'
      ? {
          verdict: found.verdict,
          files: num(found.files),
          records: num(found.records),
          expected: num(found.expected),
          manifestUri: typeof found.manifestUri === 'string' ? found.manifestUri : null,
          note: typeof found.note === 'string' ? found.note : '',
        }
      : undefined;
  return {
    ...(verification ? { verification } : {}),
    id: job.Id,
    status: job.JobStatus,
    completedPieces: num(job.CompletedPieces),
    totalPieces: num(job.TotalPieces),
    failedPieces: num(job.FailedPieces),
    totalProcessed: num(job.TotalProcessed),
    totalFailures: num(job.TotalFailures),
    reused: job.Reused === true,
    s3UrlPrefix: words?.where ?? null,
    ...(words && words.unit !== 'endpoints' ? { unit: words.unit } : {}),
    ...(typeof job.SourceStatus === 'string' ? { sourceStatus: job.SourceStatus } : {}),
    statusChecks: num(run.poll?.checks) ?? 0,
    waitSeconds:
      job.JobStatus === 'COMPLETED' || job.JobStatus === 'FAILED' || run.poll?.deadlinePassed
        ? null
        : num(run.poll?.waitSeconds),
  };
}

/** The PublishSummaryResult in an output (`$.summary`), when there is one. */
export function summaryOf(value: unknown): RunSummary | null {
  if (!isObject(value) || !isObject(value.summary)) return null;
  const s = value.summary as Partial<PublishSummaryResult>;
  if (typeof s.status !== 'string') return null;
  return {
    status: s.status,
    subject: s.subject ?? '',
    messageId: s.messageId ?? null,
    ...(typeof s.headline === 'string' ? { headline: s.headline } : {}),
    ...(typeof s.advice === 'string' ? { advice: s.advice } : {}),
    ...(typeof s.verdict === 'string' ? { verdict: s.verdict } : {}),
  };
}

/** A Lambda error's Cause is JSON `{errorType, errorMessage}`; anything else is the message itself. */
export function causeMessage(cause: string | null | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed?.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // a plain cause
  }
  return cause;
}

/** What publish-summary would put in the summary for this input: the same code, so the same words. */
function summaryFor(event: PublishSummaryEvent): ExportSummary | null {
  try {
    return buildSummary(event, '', undefined, {}, summarySourceOf);
  } catch {
    return null;
  }
}

/**
 * Why a run ended as it did. The headline is the summary's (read back, or the
 * Fail state's cause, which publish-summary sets to the headline); reason and
 * advice are the summary's `error`, rebuilt from PublishSummary's input by
 * publish-summary's own code when the summary itself cannot be read.
 */
export function explanationOf(run: {
  outcome: Outcome | null;
  published: RunSummary | null;
  error: { error: string; cause: string | null } | null;
  /** The summary as subscribers received it, when it could be read back. */
  summary?: ExportSummary | null | undefined;
  /** PublishSummary's input (the run's state), from the history or the local engine. */
  publishEvent?: PublishSummaryEvent | null | undefined;
}): Explanation | null {
  if (run.outcome === null || run.outcome === 'COMPLETED' || run.outcome === 'ABORTED') return null;
  const rebuilt = run.summary ?? (run.publishEvent ? summaryFor(run.publishEvent) : null);
  const error = rebuilt?.error as (ExportSummary['error'] & { reason?: unknown }) | null | undefined;
  const reason = typeof error?.reason === 'string' && error.reason ? error.reason : null;
  // The one advice table's words: the summary's, else what PublishSummary returned.
  const advice = rebuilt?.advice ?? run.published?.advice ?? error?.advice ?? null;
  if (run.published === null) {
    const failure = run.error
      ? `${run.error.error}${run.error.cause ? `: ${causeMessage(run.error.cause).split('\n')[0]}` : ''}`
      : 'the execution ended before PublishSummary';
    return {
      headline: rebuilt?.headline ?? null,
      reason,
      advice,
      noSummary: `no summary was published (${failure}); subscribers were not told. Check the SNS topic (SUMMARY_TOPIC_ARN) and its KMS key, then start the run again.`,
    };
  }
  return {
    headline:
      run.summary?.headline ?? run.published.headline ?? run.error?.cause ?? rebuilt?.headline ?? null,
    reason,
    advice,
    noSummary: null,
  };
}

/** The export's outcome from the execution's status, its error and its summary. */
export function outcomeOf(
  status: ExecutionStatus | undefined,
  error: string | undefined,
  summary: RunSummary | null,
): Outcome | null {
  switch (status) {
    case 'SUCCEEDED':
      return summary?.status ?? 'COMPLETED';
    case 'FAILED':
      // The Fail state's error names the outcome (OUTCOME_RULES' failError); the summary says it too.
      return outcomeOfFailError(error) ?? (summary && !isSuccess(summary.status) ? summary.status : 'ERROR');
    case 'TIMED_OUT':
      // The execution itself ran out of time (the state machine's TimeoutSeconds).
      return 'TIMED_OUT';
    case 'ABORTED':
      return 'ABORTED';
    case 'PENDING_REDRIVE':
      return 'ERROR';
    default:
      return null;
  }
}

/** 0 for a success (and for a run that is still going and was not followed), 1 for any other outcome. */
export function exitCodeOf(outcome: Outcome | null): ExitCode {
  if (outcome === null || (outcome !== 'ABORTED' && isSuccess(outcome))) return ExitCode.Ok;
  return ExitCode.ExportFailed;
}

export function secondsBetween(start: Date, end: Date): number {
  return Math.max(0, Math.round((end.getTime() - start.getTime()) / 1000));
}

export function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
