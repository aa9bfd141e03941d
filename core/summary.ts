import type { ExportJobResponse } from '@aws-sdk/client-pinpoint';
import { quoteInput } from '../sources/input.ts';
import { registeredSource, sourceFor } from '../sources/registry.ts';
import type { SummaryWords } from '../sources/types.ts';
import { type AdviceWords, adviceOf, linksOf, rerunAdvice } from './advice.ts';
import { PINPOINT_END_OF_SUPPORT, PINPOINT_END_OF_SUPPORT_ADVICE } from './aws-errors.ts';
import { parseExplainedMessage, type RawInputFacts, splitInputFacts, toReason } from './errors.ts';
import { DEFAULT_MAX_FAILURE_PERCENT, decideOutcome, isSuccess } from './outcome.ts';
import { triggerFrom } from './trigger.ts';
import {
  type CaughtError,
  type ExportSummary,
  type JobSnapshot,
  type JobStatus,
  type PublishSummaryEvent,
  sourceOf,
} from './types.ts';

type SummaryVerification = NonNullable<ExportSummary['verification']>;

/*
 * Turns whatever state the workflow reached into the one summary subscribers
 * receive. Pure: the caller supplies the final job as re-read from Pinpoint (or
 * undefined when there is no job or it could not be read).
 */

/** A caught error as the summary reports it. */
export interface CaughtErrorDescription {
  name: string;
  /** What happened (the reason and advice lines a classified error carries are split off). */
  message: string;
  reason: string;
  advice: string;
  /** What create-export-job's error said of the raw input, when it failed. */
  input?: RawInputFacts;
}

/** Longest error name kept (Step Functions' own names are short; anything longer is not ours). */
const MAX_ERROR_NAME_CHARS = 100;

/**
 * A caught error's name, message, reason and advice. A Lambda error's Cause is JSON
 * `{errorType, errorMessage, trace}`; a classified error's message ends with its reason
 * and advice, and create-export-job's with what it saw of the input.
 */
export function describeCaughtError(error: CaughtError): CaughtErrorDescription {
  let name = typeof error.Error === 'string' ? error.Error : 'UnknownError';
  let message = error.Cause ?? '';
  try {
    const parsed = JSON.parse(message) as { errorType?: unknown; errorMessage?: unknown };
    if (parsed && typeof parsed === 'object' && typeof parsed.errorMessage === 'string') {
      if (typeof parsed.errorType === 'string') name = parsed.errorType;
      message = parsed.errorMessage;
    }
  } catch {
    // Not JSON: a plain cause (States.Timeout, local runs).
  }
  name = quoteInput(name, MAX_ERROR_NAME_CHARS);
  const { message: rest, input } = splitInputFacts(message);
  const parsed = parseExplainedMessage(rest);
  const detail = parsed.detail || '(no cause given)';
  return {
    name,
    message: detail,
    reason: parsed.reason ?? reasonForError(name, detail),
    advice: parsed.advice ?? adviceForError(name, detail),
    ...(input ? { input } : {}),
  };
}

/** JavaScript's own error classes: thrown by our code, never by AWS. */
const OWN_BUG_NAMES = new Set([
  'OrchestratorBugError',
  'Error',
  'TypeError',
  'ReferenceError',
  'RangeError',
  'SyntaxError',
  'EvalError',
  'URIError',
  'AggregateError',
]);

/**
 * The cause in a few words, for an error that does not carry one: Step Functions' and
 * Lambda's own errors, input and configuration errors, and errors thrown outside the
 * AWS error classifier.
 */
export function reasonForError(name: string, message: string): string {
  switch (name) {
    case 'InvalidExportInputError':
      return toReason(`invalid input: ${message.split(': ')[0] ?? ''}`);
    case 'ConfigurationError':
      return 'function misconfigured';
    case 'States.Timeout':
    case 'Sandbox.Timedout':
      return 'function timed out';
    case 'Lambda.Unknown':
      return 'function crashed or timed out';
    case 'Lambda.TooManyRequestsException':
      return 'lambda throttled';
    case 'States.DataLimitExceeded':
      return 'state too large';
    case 'PinpointThrottledError':
    case 'SnsThrottledError':
      return 'throttled';
    case 'PinpointUnavailableError':
    case 'SnsUnavailableError':
      return 'service unavailable';
    case 'PinpointRequestRejectedError':
      return PINPOINT_END_OF_SUPPORT.test(message) ? 'end of support' : 'request rejected';
    default:
      if (name.startsWith('Lambda.')) return 'lambda service error';
      if (OWN_BUG_NAMES.has(name)) return 'orchestrator bug';
      return 'unexpected error';
  }
}

/** What an operator should do about an ERROR whose error does not say it itself. */
export function adviceForError(name: string, message: string): string {
  switch (name) {
    case 'InvalidExportInputError':
      return 'Fix the field the error names in the schedule input (config/stages/<stage>.yml) or the stage defaults, redeploy, then start the run again with `npm run export`.';
    case 'PinpointRequestRejectedError':
      return PINPOINT_END_OF_SUPPORT.test(message)
        ? PINPOINT_END_OF_SUPPORT_ADVICE
        : 'Pinpoint refused the request; the message says why. Fix it, then start the run again with `npm run export`.';
    case 'PinpointThrottledError':
    case 'PinpointUnavailableError':
      return 'Pinpoint stayed throttled or unavailable through every retry. Start the run again later with `npm run export`.';
    case 'ConfigurationError':
      return 'A function is misconfigured for this stage: fix the stage configuration and redeploy.';
    case 'States.Timeout':
    case 'Sandbox.Timedout':
    case 'Lambda.Unknown':
      return 'A function timed out (or ran out of memory) through every retry, most likely on a hung AWS call. Check its logs for the execution, then start the run again with `npm run export`.';
    default:
      if (name.startsWith('Lambda.'))
        return 'The Lambda service failed through every retry. Start the run again with `npm run export`.';
      if (OWN_BUG_NAMES.has(name))
        return `This is a bug in the orchestrator (${name}), not an AWS problem: report it with the execution name and the function's log (see the README Logs Insights query). Re-running fails the same way until it is fixed.`;
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

/** "1 file", "8 files". */
function filesText(n: number | null): string {
  return `${formatCount(n)} ${n === 1 ? 'file' : 'files'}`;
}

function formatCount(n: number | null): string {
  return n === null ? '?' : n.toLocaleString('en-US');
}

/** What the run ledger knows of the target's earlier runs, and the stage's settings the summary needs. */
export interface RunHistory {
  /** The target's previous good (COMPLETED) run and what it exported. */
  previous?: { scheduledTime: string; exported: number | null };
  /** Warn when the exported records drop by more than this many percent against it. */
  dropWarnPercent?: number | undefined;
  /** The stage's failure limit, for a request that sets none (MAX_FAILURE_PERCENT). */
  maxFailurePercent?: number | undefined;
  /** The stage's dashboard and runbook, linked from the summary. */
  dashboardUrl?: string | undefined;
  runbookUrl?: string | undefined;
}

/** Percent change from `before` to `now`, one decimal; null when it cannot be said. */
export function changePercent(before: number | null, now: number | null): number | null {
  if (before === null || now === null || before === 0) return null;
  return Math.round(((now - before) / before) * 1000) / 10;
}

/** A source's words for the summary, with its name. */
type Words = SummaryWords & { service: string; findsLostJobs?: boolean; note?: string };

/** The source's words for each summary being built (headline, advice), kept off the published object. */
const wordsOf = new WeakMap<ExportSummary, Words>();

/**
 * Builds the summary. `finalJob` is the job as re-read from its source when the snapshot
 * leaves something out (Pinpoint: its Failures); other sources' snapshots are complete.
 */
export function buildSummary(
  event: PublishSummaryEvent,
  stage: string,
  finalJob: ExportJobResponse | undefined,
  history: RunHistory = {},
): ExportSummary {
  const { Run: run, Execution: execution } = event;
  const request = run.request;
  const snapshot = run.job;
  const jobStatus = (finalJob?.JobStatus ?? snapshot?.JobStatus ?? null) as JobStatus | null;

  const caught = run.error ? describeCaughtError(run.error) : null;
  // Without a validated request, only what create-export-job's error saw of the raw input (capped, sanitized).
  const raw = caught?.input;
  const pinpoint = request === undefined || request.Source === undefined ? request : undefined;
  const described = request ? sourceFor(request).describe : undefined;
  const note = snapshot && described?.jobNote ? described.jobNote(snapshot as JobSnapshot) : undefined;
  const words =
    request && described
      ? {
          ...described.words(request),
          service: described.service,
          findsLostJobs: described.findsLostJobs,
          ...(note ? { note } : {}),
        }
      : undefined;
  const applicationId = pinpoint?.ApplicationId ?? (request ? null : (raw?.ApplicationId ?? null));
  const segmentId = pinpoint?.ExportJobRequest.SegmentId ?? (request ? null : (raw?.SegmentId ?? null));
  const creationDate = finalJob?.CreationDate ?? snapshot?.CreationDate ?? null;
  const completionDate = finalJob?.CompletionDate ?? snapshot?.CompletionDate ?? null;
  const verification = !caught && jobStatus === 'COMPLETED' ? verificationOf(run) : null;
  // A source that reports no count (Customer Profiles): what the verification counted in the files.
  const counted = verification?.verdict === 'COUNTED' ? verification.records : null;
  const totalProcessed = num(finalJob?.TotalProcessed ?? snapshot?.TotalProcessed) ?? counted;
  const totalFailures = num(finalJob?.TotalFailures ?? snapshot?.TotalFailures);
  const maxFailurePercent =
    request?.MaxFailurePercent ?? history.maxFailurePercent ?? DEFAULT_MAX_FAILURE_PERCENT;
  // The one decision every channel tells (core/outcome.ts).
  const {
    outcome: status,
    exported,
    failurePercent,
  } = decideOutcome({
    error: caught !== null,
    jobStatus,
    verdict: verification?.verdict ?? null,
    processed: totalProcessed,
    failures: totalFailures,
    maxFailurePercent,
  });
  const previous = history.previous;
  // An incremental export counts changes: no comparison, no drop warning.
  const comparable = request && described ? described.comparesCounts(request) : true;
  const change =
    previous && isSuccess(status) && comparable ? changePercent(previous.exported, exported) : null;
  const summary: ExportSummary = {
    status,
    headline: '',
    stage,
    source: request
      ? sourceOf(request)
      : ((raw?.Source as ExportSummary['source']) ?? (raw ? 'pinpoint' : null)),
    service: words?.service ?? registeredSource(raw?.Source ?? 'pinpoint')?.describe.service ?? 'Pinpoint',
    what: words?.what ?? raw?.What ?? null,
    target: run.run?.targetName ?? null,
    previousRun: previous
      ? {
          scheduledTime: previous.scheduledTime,
          TotalProcessed: previous.exported,
          changePercent: change,
        }
      : null,
    recordsDrop:
      change !== null && history.dropWarnPercent !== undefined && change < -history.dropWarnPercent,
    ...(comparable ? {} : { countsChanges: true }),
    applicationId,
    segmentId,
    segmentVersion: pinpoint?.ExportJobRequest.SegmentVersion ?? finalJob?.Definition?.SegmentVersion ?? null,
    jobId: finalJob?.Id ?? snapshot?.Id ?? null,
    jobStatus,
    jobReused: snapshot?.Reused ?? false,
    s3UrlPrefix: words?.where ?? finalJob?.Definition?.S3UrlPrefix ?? null,
    TotalProcessed: totalProcessed,
    TotalFailures: totalFailures,
    exported,
    failurePercent,
    maxFailurePercent,
    Failures: finalJob?.Failures ?? snapshot?.Failures ?? [],
    failuresOmitted: 0,
    TotalPieces: num(finalJob?.TotalPieces ?? snapshot?.TotalPieces),
    CompletedPieces: num(finalJob?.CompletedPieces ?? snapshot?.CompletedPieces),
    FailedPieces: num(finalJob?.FailedPieces ?? snapshot?.FailedPieces),
    creationDate,
    completionDate,
    durationSeconds: secondsBetween(creationDate, completionDate),
    statusChecks: run.poll?.checks ?? 0,
    scheduledTime: request?.ScheduledTime ?? raw?.ScheduledTime ?? null,
    execution: {
      id: execution.Id,
      name: execution.Name,
      startTime: execution.StartTime,
      trigger: run.execution?.Trigger ?? triggerFrom(execution.Name, raw?.hasScheduledTime ?? false),
    },
    verification,
    details: snapshot?.Details ?? null,
    error: caught
      ? { name: caught.name, message: caught.message, reason: caught.reason, advice: caught.advice }
      : null,
  };
  if (words) wordsOf.set(summary, words);
  summary.headline = headlineOf(summary);
  const adviceWords = adviceWordsOf(summary);
  if (summary.error) {
    const rerun = rerunAdvice(summary, adviceWords);
    if (rerun) summary.error.advice = `${summary.error.advice} ${rerun}`;
  }
  summary.advice = adviceOf(summary, adviceWords);
  summary.links = linksOf(summary, history);
  return summary;
}

/** The source's words the advice uses; without a validated request, the source the input named. */
function adviceWordsOf(s: ExportSummary): AdviceWords {
  const words = wordsOf.get(s);
  return {
    service: words?.service ?? s.service ?? 'Pinpoint',
    where: words?.where ?? s.s3UrlPrefix ?? undefined,
    checkCommand: words?.checkCommand,
    findsLostJobs:
      words?.findsLostJobs ?? registeredSource(s.source ?? 'pinpoint')?.describe.findsLostJobs ?? true,
  };
}

/**
 * What VerifyExport found, or why there is nothing: its error after every retry (the
 * Catch's `$.verificationError`), or a job first seen COMPLETED when the summary re-read it.
 */
export function verificationOf(run: PublishSummaryEvent['Run']): SummaryVerification {
  const found = run.verification;
  if (found) {
    // VerifyExport's provisional verdict, left in place when a later step (the count, the finish)
    // failed through its retries: it stands, and the error says why it is not the final one.
    const cut = run.verificationError ? describeCaughtError(run.verificationError) : undefined;
    return {
      verdict: found.verdict,
      files: found.files,
      bytes: found.bytes,
      records: found.records,
      expected: found.expected,
      manifestUri: found.manifestUri,
      note: cut ? `${found.note}; the verification stopped there: ${cut.reason} (${cut.name})` : found.note,
    };
  }
  const unverified = { files: null, bytes: null, records: null, expected: null, manifestUri: null };
  if (run.verificationError) {
    const error = describeCaughtError(run.verificationError);
    return {
      verdict: 'UNVERIFIED',
      ...unverified,
      note: `the verification could not run: ${error.reason} (${error.name}). ${error.advice}`,
    };
  }
  return {
    verdict: 'UNVERIFIED',
    ...unverified,
    note: 'the files were not verified: the job was seen COMPLETED only when the summary re-read it, after the workflow had stopped waiting',
  };
}

/** "; verified: 2,000 records in 8 files" and its kin, for a COMPLETED headline. */
function verifiedOf(s: ExportSummary): string {
  const v = s.verification;
  if (!v) return '';
  switch (v.verdict) {
    case 'VERIFIED':
      return `; verified: ${formatCount(v.records)} records in ${filesText(v.files)}`;
    case 'COUNTED':
      return `; counted in ${filesText(v.files)}`;
    default:
      // Any other verdict is an outcome of its own (MISMATCH, UNVERIFIED), with its own headline.
      return '';
  }
}

/** "; 3 failed (0.2 %)" when records failed. */
function failedOf(s: ExportSummary): string {
  if (!s.TotalFailures) return '';
  const percent =
    s.failurePercent === null || s.failurePercent === undefined ? '' : ` (${s.failurePercent} %)`;
  return `; ${formatCount(s.TotalFailures)} failed${percent}`;
}

/**
 * The headline of a job that completed but whose run is not a success (MISMATCH, UNVERIFIED,
 * TOO_MANY_FAILURES), the same for every source: `job` names the job and what it exported.
 */
function completedButOf(
  s: ExportSummary,
  job: string,
  unit: string,
  where: string | null,
): string | undefined {
  switch (s.status) {
    case 'MISMATCH':
      return `MISMATCH: ${job} COMPLETED, but what it wrote to ${where} differs from what it reported: ${s.verification?.note}.`;
    case 'UNVERIFIED':
      return `UNVERIFIED: ${job} COMPLETED, exporting ${formatCount(s.exported ?? null)} ${unit} to ${where}, but its files were not verified: ${(s.verification?.note ?? '').replace(/^the files were not verified: /, '').replace(/\.$/, '')}.`;
    case 'TOO_MANY_FAILURES':
      return `TOO MANY FAILURES: ${job} exported ${formatCount(s.exported ?? null)} of ${formatCount(s.TotalProcessed)} ${unit} to ${where}: ${formatCount(s.TotalFailures)} failed (${s.failurePercent ?? '?'} %), above the target's limit of ${s.maxFailurePercent} %.`;
    default:
      return undefined;
  }
}

function headlineOf(s: ExportSummary): string {
  const words =
    wordsOf.get(s) ??
    (s.source && s.source !== 'pinpoint'
      ? { what: s.what ?? 'an unknown target', unit: 'records', where: '', service: s.service ?? s.source }
      : undefined);
  if (words && s.source !== 'pinpoint') return sourceHeadlineOf(s, words);
  const what = s.segmentId ? `segment ${s.segmentId}` : 'all endpoints';
  const app = s.applicationId ?? 'unknown application';
  const job = `the export job ${s.jobId} of ${app} (${what})`;
  switch (s.status) {
    case 'COMPLETED':
      return `${s.recordsDrop ? 'WARNING, fewer records than last time: ' : ''}Exported ${formatCount(s.exported ?? null)} endpoints (${what}) of ${app} to ${s.s3UrlPrefix}${failedOf(s)}${comparisonOf(s)}${verifiedOf(s)}.`;
    case 'MISMATCH':
    case 'UNVERIFIED':
    case 'TOO_MANY_FAILURES':
      return completedButOf(s, job, 'endpoints', s.s3UrlPrefix) ?? '';
    case 'FAILED':
      return `The export job ${s.jobId} of ${app} (${what}) FAILED: ${formatCount(s.TotalFailures)} endpoints failed, ${formatCount(s.TotalProcessed)} processed.`;
    case 'TIMED_OUT':
      return `The export job ${s.jobId} of ${app} (${what}) did not finish in time: last seen ${s.jobStatus}, ${formatCount(s.CompletedPieces)}/${formatCount(s.TotalPieces)} pieces, after ${s.statusChecks} checks.`;
    case 'ERROR':
      // The cause in words; the full message and the advice are in `error`.
      if (s.jobId)
        return `The export job ${s.jobId} of ${app} (${what}) was last seen ${s.jobStatus ?? 'in an unknown status'} when the workflow stopped: ${s.error?.reason} (${s.error?.name}).`;
      return `The export of ${app} (${what}) did not run: ${s.error?.reason} (${s.error?.name}).`;
  }
}

/** The headline of a source other than Pinpoint, in its own words (no pieces; its own record unit). */
function sourceHeadlineOf(s: ExportSummary, w: Words): string {
  const job = `The ${w.service} export ${s.jobId}`;
  switch (s.status) {
    case 'COMPLETED':
      if (s.details?.Skipped) return `Nothing exported for ${w.what}: ${s.details.Skipped}.`;
      return `${s.recordsDrop ? 'WARNING, fewer records than last time: ' : ''}Exported ${formatCount(s.exported ?? null)} ${w.unit} (${w.what}) to ${w.where}${w.note ? `, ${w.note}` : ''}${failedOf(s)}${comparisonOf(s)}${verifiedOf(s)}.`;
    case 'MISMATCH':
    case 'UNVERIFIED':
    case 'TOO_MANY_FAILURES':
      return completedButOf(s, `${job} of ${w.what}`, w.unit, w.where) ?? '';
    case 'FAILED':
      return `${job} of ${w.what} FAILED: ${(s.Failures[0] ?? 'no reason given').replace(/\.$/, '')}.`;
    case 'TIMED_OUT':
      return `${job} of ${w.what} did not finish in time: last seen ${s.jobStatus}, after ${s.statusChecks} checks.`;
    case 'ERROR':
      if (s.jobId)
        return `${job} of ${w.what} was last seen ${s.jobStatus ?? 'in an unknown status'} when the workflow stopped: ${s.error?.reason} (${s.error?.name}).`;
      return `The ${w.service} export of ${w.what} did not run: ${s.error?.reason} (${s.error?.name}).`;
  }
}

/** "; -12.0 % against 2026-11-28" when the ledger knows the target's previous COMPLETED run. */
function comparisonOf(s: ExportSummary): string {
  const change = s.previousRun?.changePercent;
  if (change === null || change === undefined || !s.previousRun) return '';
  const sign = change > 0 ? '+' : change < 0 ? '-' : '';
  return `; ${sign}${Math.abs(change).toFixed(1)} % against ${s.previousRun.scheduledTime.slice(0, 10)}`;
}
