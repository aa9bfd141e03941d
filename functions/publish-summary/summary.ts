import type { ExportJobResponse } from '@aws-sdk/client-pinpoint';
import { isEndOfSupportMessage, PINPOINT_END_OF_SUPPORT_DATE } from '../shared/pinpoint-errors.ts';
import { triggerOf } from '../shared/trigger.ts';
import type {
  CaughtError,
  ExportSummary,
  JobStatus,
  PublishSummaryEvent,
  SummaryStatus,
} from '../shared/types.ts';

/*
 * Turns whatever state the workflow reached into the one summary subscribers
 * receive. Pure: the caller supplies the final job as re-read from Pinpoint (or
 * undefined when there is no job or it could not be read).
 */

/** A caught error's name and message. A Lambda error's Cause is JSON `{errorType, errorMessage, trace}`. */
export function describeCaughtError(error: CaughtError): { name: string; message: string } {
  const cause = error.Cause ?? '';
  try {
    const parsed = JSON.parse(cause) as { errorType?: unknown; errorMessage?: unknown };
    if (parsed && typeof parsed === 'object' && typeof parsed.errorMessage === 'string') {
      return {
        name: typeof parsed.errorType === 'string' ? parsed.errorType : error.Error,
        message: parsed.errorMessage,
      };
    }
  } catch {
    // Not JSON: a plain cause (States.Timeout, local runs).
  }
  return { name: error.Error, message: cause || '(no cause given)' };
}

/** What an operator should do about an ERROR, by error name. */
export function adviceForError(name: string, message: string): string {
  if (isEndOfSupportMessage(message)) {
    return `Amazon Pinpoint's engagement features reached end of support on ${PINPOINT_END_OF_SUPPORT_DATE}: disable this schedule and move the audience to AWS End User Messaging or Amazon Connect.`;
  }
  switch (name) {
    case 'InvalidExportInputError':
      return 'Fix the field named above in the schedule input (config/stages/<stage>.yml) or the stage defaults, redeploy, then start the run again with `npm run export`.';
    case 'PinpointRequestRejectedError':
      return 'Pinpoint refused the request; the message above says why. Fix it, then start the run again with `npm run export`.';
    case 'PinpointThrottledError':
    case 'PinpointUnavailableError':
      return 'Pinpoint stayed throttled or unavailable through every retry. Start the run again later with `npm run export`; no duplicate job will be created.';
    case 'ConfigurationError':
      return 'A function is misconfigured for this stage: fix the stage configuration and redeploy.';
    case 'States.Timeout':
    case 'Sandbox.Timedout':
      return 'A function timed out through every retry (a hung AWS call, most likely Pinpoint). Check its logs for the execution, then start the run again with `npm run export`; no duplicate job will be created.';
    default:
      if (name.startsWith('Lambda.'))
        return 'The Lambda service failed through every retry. Start the run again with `npm run export`.';
      return 'Unexpected error: check the function logs for this execution (see the README Logs Insights query).';
  }
}

function num(value: number | undefined): number | null {
  return value === undefined ? null : value;
}

function secondsBetween(from: string | null | undefined, to: string | null | undefined): number | null {
  if (!from || !to) return null;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isNaN(ms) ? null : Math.max(0, Math.round(ms / 1000));
}

/**
 * Longest value kept from the raw execution input. Only an invalid input is read
 * raw, and it may hold up to Step Functions' 256 KB in one field: repeated in the
 * JSON, the email text and the message attributes, it would push the message past
 * SNS's limit and lose the one summary of the run.
 */
export const MAX_RAW_INPUT_CHARS = 200;

/** A string field of the raw (unvalidated) execution input, cut to {@link MAX_RAW_INPUT_CHARS}. */
function stringField(value: unknown, key: string): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const field = (value as Record<string, unknown>)[key];
  if (typeof field !== 'string') return null;
  return field.length > MAX_RAW_INPUT_CHARS ? `${field.slice(0, MAX_RAW_INPUT_CHARS)}...` : field;
}

function formatCount(n: number | null): string {
  return n === null ? '?' : n.toLocaleString('en-US');
}

/** Builds the summary. `finalJob` is the job as re-read from Pinpoint, with Failures. */
export function buildSummary(
  event: PublishSummaryEvent,
  stage: string,
  finalJob: ExportJobResponse | undefined,
): ExportSummary {
  const { Run: run, Execution: execution } = event;
  const rawInput = run.Input;
  const rawRequest =
    typeof rawInput === 'object' && rawInput !== null
      ? (rawInput as Record<string, unknown>).ExportJobRequest
      : undefined;
  const request = run.request;
  const snapshot = run.job;
  const jobStatus = (finalJob?.JobStatus ?? snapshot?.JobStatus ?? null) as JobStatus | null;

  let status: SummaryStatus;
  if (run.error) status = 'ERROR';
  else if (jobStatus === 'COMPLETED') status = 'COMPLETED';
  else if (jobStatus === 'FAILED') status = 'FAILED';
  else status = 'TIMED_OUT';

  const caught = run.error ? describeCaughtError(run.error) : null;
  const applicationId = request?.ApplicationId ?? stringField(rawInput, 'ApplicationId');
  const segmentId = request?.ExportJobRequest.SegmentId ?? stringField(rawRequest, 'SegmentId');
  const creationDate = finalJob?.CreationDate ?? snapshot?.CreationDate ?? null;
  const completionDate = finalJob?.CompletionDate ?? snapshot?.CompletionDate ?? null;
  const summary: ExportSummary = {
    status,
    headline: '',
    stage,
    applicationId,
    segmentId,
    segmentVersion: request?.ExportJobRequest.SegmentVersion ?? finalJob?.Definition?.SegmentVersion ?? null,
    jobId: finalJob?.Id ?? snapshot?.Id ?? null,
    jobStatus,
    jobReused: snapshot?.Reused ?? false,
    s3UrlPrefix: request?.ExportJobRequest.S3UrlPrefix ?? finalJob?.Definition?.S3UrlPrefix ?? null,
    TotalProcessed: num(finalJob?.TotalProcessed ?? snapshot?.TotalProcessed),
    TotalFailures: num(finalJob?.TotalFailures ?? snapshot?.TotalFailures),
    Failures: finalJob?.Failures ?? [],
    failuresOmitted: 0,
    TotalPieces: num(finalJob?.TotalPieces ?? snapshot?.TotalPieces),
    CompletedPieces: num(finalJob?.CompletedPieces ?? snapshot?.CompletedPieces),
    FailedPieces: num(finalJob?.FailedPieces ?? snapshot?.FailedPieces),
    creationDate,
    completionDate,
    durationSeconds: secondsBetween(creationDate, completionDate),
    statusChecks: run.poll?.checks ?? 0,
    scheduledTime: request?.ScheduledTime ?? stringField(rawInput, 'ScheduledTime'),
    execution: {
      id: execution.Id,
      name: execution.Name,
      startTime: execution.StartTime,
      trigger: run.execution?.Trigger ?? triggerOf(execution.Name, rawInput),
    },
    error: caught ? { ...caught, advice: adviceForError(caught.name, caught.message) } : null,
  };
  summary.headline = headlineOf(summary);
  return summary;
}

/** Longest error message quoted in a headline (the full message is in `error.message`). */
export const HEADLINE_ERROR_CHARS = 300;

function brief(message: string): string {
  const first = message.split('\n')[0] ?? '';
  return first.length > HEADLINE_ERROR_CHARS ? `${first.slice(0, HEADLINE_ERROR_CHARS - 3)}...` : first;
}

function headlineOf(s: ExportSummary): string {
  const what = s.segmentId ? `segment ${s.segmentId}` : 'all endpoints';
  const app = s.applicationId ?? 'unknown application';
  switch (s.status) {
    case 'COMPLETED':
      return `Exported ${formatCount(s.TotalProcessed)} endpoints (${what}) of ${app} to ${s.s3UrlPrefix}${
        s.TotalFailures ? `; ${formatCount(s.TotalFailures)} failed` : ''
      }.`;
    case 'FAILED':
      return `The export job ${s.jobId} of ${app} (${what}) FAILED: ${formatCount(s.TotalFailures)} endpoints failed, ${formatCount(s.TotalProcessed)} processed.`;
    case 'TIMED_OUT':
      return `The export job ${s.jobId} of ${app} (${what}) did not finish in time: last seen ${s.jobStatus}, ${formatCount(s.CompletedPieces)}/${formatCount(s.TotalPieces)} pieces, after ${s.statusChecks} checks.`;
    case 'ERROR':
      return `The export of ${app} (${what}) did not run: ${s.error?.name}: ${brief(s.error?.message ?? '')}`;
  }
}
