import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import type {
  JobStatus,
  PublishSummaryResult,
  RunState,
  SummaryStatus,
  Trigger,
} from '../functions/shared/types.ts';
import { ExitCode } from './errors.ts';

/*
 * What the CLI knows about one run, whichever way it learnt it (Step Functions
 * or the local run), and how that maps to an outcome and an exit status.
 */

/** The export's outcome: the summary's status, or ABORTED when someone stopped the execution. */
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
}

/** The summary as the execution reports it. */
export interface RunSummary {
  status: SummaryStatus;
  subject: string;
  messageId: string | null;
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
  return {
    id: job.Id,
    status: job.JobStatus,
    completedPieces: num(job.CompletedPieces),
    totalPieces: num(job.TotalPieces),
    failedPieces: num(job.FailedPieces),
    totalProcessed: num(job.TotalProcessed),
    totalFailures: num(job.TotalFailures),
    reused: job.Reused === true,
    s3UrlPrefix: run.request?.ExportJobRequest?.S3UrlPrefix ?? null,
    statusChecks: num(run.poll?.checks) ?? 0,
  };
}

/** The PublishSummaryResult in an output (`$.summary`), when there is one. */
export function summaryOf(value: unknown): RunSummary | null {
  if (!isObject(value) || !isObject(value.summary)) return null;
  const s = value.summary as Partial<PublishSummaryResult>;
  if (typeof s.status !== 'string') return null;
  return { status: s.status, subject: s.subject ?? '', messageId: s.messageId ?? null };
}

/** Fail-state error names (publish-summary's FAILURE_ERRORS) → outcome. */
const OUTCOME_OF_ERROR: Record<string, SummaryStatus> = {
  ExportJobFailed: 'FAILED',
  ExportJobTimedOut: 'TIMED_OUT',
  ExportWorkflowError: 'ERROR',
};

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
      if (error && OUTCOME_OF_ERROR[error]) return OUTCOME_OF_ERROR[error];
      return summary && summary.status !== 'COMPLETED' ? summary.status : 'ERROR';
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

/** 0 for COMPLETED (and for a run that is still going and was not followed), 1 for any other outcome. */
export function exitCodeOf(outcome: Outcome | null): ExitCode {
  if (outcome === null || outcome === 'COMPLETED') return ExitCode.Ok;
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
