import { type AdviceWords, adviceOf, linksOf, rerunAdvice } from './advice.ts';
import { explainUnexplained } from './aws-errors.ts';
import { parseExplainedMessage, type RawInputFacts, splitInputFacts } from './errors.ts';
import { quoteInput } from './input-rules.ts';
import { DEFAULT_MAX_FAILURE_PERCENT, decideOutcome, isSuccess } from './outcome.ts';
import { triggerFrom } from './trigger.ts';
import type {
  CaughtError,
  CommonRequest,
  ExportSummary,
  JobSnapshot,
  JobStatus,
  PublishSummaryEvent,
} from './types.ts';

type SummaryVerification = NonNullable<ExportSummary['verification']>;

/*
 * Turns whatever state the workflow reached into the one summary subscribers
 * receive. Pure: the caller supplies the final job as re-read from its source (or
 * undefined when there is no job, its snapshot is complete, or it could not be read),
 * and how to find a source's words (the source registry: core names no source).
 */

/** What the summary says of a run of one source, in the source's own words. */
export interface SummaryWords {
  /** What was exported: "all endpoints of application 0123…", "segment vip of domain crm". */
  what: string;
  /** What one record is, plural: "endpoints", "profiles", "items". */
  unit: string;
  /** Where the files go: an s3:// URL. */
  where: string;
  /** A command an operator can run to look at the job, or undefined. */
  checkCommand?: (jobId: string) => string;
}

/** A source's own fields of a summary (in its `sourceFields`) and the message attributes they give. */
export interface SourceFacts {
  fields: Record<string, string | number | null>;
  /** Message attributes a subscriber may filter on, each a safe token (never raw input). */
  attributes: Record<string, string>;
}

/**
 * What the summary needs of a run's source: its description (sources/<id>/describe.ts)
 * satisfies it. `R` is the source's resolved request.
 */
export interface SummarySource<R extends CommonRequest = never> {
  id: string;
  /** The source as people name it: "Pinpoint", "Customer Profiles", "DynamoDB". */
  service: string;
  words(request: R): SummaryWords;
  /** Whether a re-run with the same ScheduledTime finds a job an earlier attempt started. */
  findsLostJobs: boolean;
  /** Whether a run's count compares with the previous good run's (not an incremental export's). */
  comparesCounts(request: R): boolean;
  /** What the headline adds about this job, in a few words (DynamoDB: its window). */
  jobNote?(job: JobSnapshot): string | undefined;
  /**
   * The source's own facts for the summary (Pinpoint: its application and segment), from the
   * request, or from what create-export-job's error saw of a raw input (`raw`) that never validated.
   */
  summaryFacts?(request: R | undefined, raw: Record<string, string> | undefined): SourceFacts;
  /** The SNS attributes its summaryFacts add, by name: what each holds (docs/OPERATE.md's table). */
  attributes?: Readonly<Record<string, string>>;
}

/** Finds a source by its id (absent: the default source); undefined for one not registered. */
export type SourceLookup = (id: string | undefined) => SummarySource<never> | undefined;

/**
 * The finished job as re-read from its source when the state's snapshot leaves something out
 * (Pinpoint: its Failures, which can exceed the state's 256 KB). Every field is optional.
 */
export type FinalJob = Partial<
  Pick<
    JobSnapshot,
    | 'Id'
    | 'CreationDate'
    | 'CompletionDate'
    | 'TotalPieces'
    | 'CompletedPieces'
    | 'FailedPieces'
    | 'TotalProcessed'
    | 'TotalFailures'
  >
> & {
  /** In the source's own words (any string the source answers). */
  JobStatus?: string;
  Failures?: string[];
};

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

/**
 * The cause in a few words, for an error that does not carry one (the one table:
 * core/aws-errors.ts `UNEXPLAINED_ERRORS`).
 */
export function reasonForError(name: string, message: string): string {
  return explainUnexplained(name, message).reason;
}

/** What an operator should do about an ERROR whose error does not say it itself (the same table). */
export function adviceForError(name: string, message: string): string {
  return explainUnexplained(name, message).advice;
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
 * `sources` finds the run's source (the registry): the run's request names it, or, when the
 * input never validated, what create-export-job's error saw of it.
 */
export function buildSummary(
  event: PublishSummaryEvent,
  stage: string,
  finalJob: FinalJob | undefined,
  history: RunHistory,
  sources: SourceLookup,
): ExportSummary {
  const { Run: run, Execution: execution } = event;
  const request = run.request;
  const snapshot = run.job;
  const jobStatus = (finalJob?.JobStatus ?? snapshot?.JobStatus ?? null) as JobStatus | null;

  const caught = run.error ? describeCaughtError(run.error) : null;
  // Without a validated request, only what create-export-job's error saw of the raw input (capped, sanitized).
  const raw = caught?.input;
  const source = sources(request ? request.Source : raw?.Source);
  const typed = request as never;
  const note = snapshot && request && source?.jobNote ? source.jobNote(snapshot as JobSnapshot) : undefined;
  const words =
    request && source
      ? {
          ...source.words(typed),
          service: source.service,
          findsLostJobs: source.findsLostJobs,
          ...(note ? { note } : {}),
        }
      : undefined;
  const facts = source?.summaryFacts?.(request ? typed : undefined, request ? undefined : raw?.fields);
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
  const comparable = request && source ? source.comparesCounts(typed) : true;
  const change =
    previous && isSuccess(status) && comparable ? changePercent(previous.exported, exported) : null;
  const summary: ExportSummary = {
    status,
    headline: '',
    stage,
    source: source?.id ?? null,
    service: source?.service ?? null,
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
    sourceFields: facts?.fields ?? {},
    sourceAttributes: facts?.attributes ?? {},
    jobId: finalJob?.Id ?? snapshot?.Id ?? null,
    jobStatus,
    jobReused: snapshot?.Reused ?? false,
    s3UrlPrefix: words?.where ?? null,
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
  const adviceWords = adviceWordsOf(summary, source);
  if (summary.error) {
    const rerun = rerunAdvice(summary, adviceWords);
    if (rerun) summary.error.advice = `${summary.error.advice} ${rerun}`;
  }
  summary.advice = adviceOf(summary, adviceWords);
  summary.links = linksOf(summary, history);
  return summary;
}

/** The source's words the advice uses; without a validated request, the source the input named. */
function adviceWordsOf(s: ExportSummary, source: SummarySource<never> | undefined): AdviceWords {
  const words = wordsOf.get(s);
  return {
    service: words?.service ?? s.service ?? 'the source',
    where: words?.where ?? s.s3UrlPrefix ?? undefined,
    checkCommand: words?.checkCommand,
    findsLostJobs: words?.findsLostJobs ?? source?.findsLostJobs ?? true,
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
  const w: Words = wordsOf.get(s) ?? {
    what: s.what ?? 'an unknown target',
    unit: 'records',
    where: '',
    service: s.service ?? 'source',
  };
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
      // A source that counts failed records says how many; else its own reason (DynamoDB's FailureCode).
      if (s.TotalFailures !== null && s.TotalProcessed !== null)
        return `${job} of ${w.what} FAILED: ${formatCount(s.TotalFailures)} ${w.unit} failed, ${formatCount(s.TotalProcessed)} processed.`;
      return `${job} of ${w.what} FAILED: ${(s.Failures[0] ?? 'no reason given').replace(/\.$/, '')}.`;
    case 'TIMED_OUT':
      return `${job} of ${w.what} did not finish in time: last seen ${s.jobStatus}${
        s.TotalPieces === null
          ? ''
          : `, ${formatCount(s.CompletedPieces)}/${formatCount(s.TotalPieces)} pieces`
      }, after ${s.statusChecks} checks.`;
    case 'ERROR':
      // The cause in words; the full message and the advice are in `error`.
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
