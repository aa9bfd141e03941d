import type { FollowUpdate } from './follow.ts';
import { causeMessage, type JobProgress, type RunReport, type VerificationView } from './report.ts';

/*
 * Text output for people: status lines as things happen, a one-line progress
 * bar redrawn in place on a terminal (plain lines otherwise, for logs and CI),
 * the run's report and the list table.
 */

/** Anything with write(text), such as process.stdout. */
export interface Writer {
  write(text: string): unknown;
}

const numberFormat = new Intl.NumberFormat('en-US');

export function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? '?' : numberFormat.format(value);
}

/** `42s`, `3m 05s`, `1h 02m`. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/** `15:30:01Z`: UTC, like the execution names. */
export function formatClock(date: Date): string {
  return `${date.toISOString().slice(11, 19)}Z`;
}

/** `2026-11-28 15:30:00Z`. */
export function formatDateTime(iso: string | null): string {
  if (!iso) return '-';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}

export function formatPieces(job: JobProgress): string {
  // Only Pinpoint reports pieces; another source says its own status instead.
  if (job.unit !== undefined) return job.sourceStatus ?? job.status;
  if (job.totalPieces === null || job.totalPieces === 0) return 'pieces not known yet';
  return `${job.completedPieces ?? 0}/${job.totalPieces} pieces`;
}

/** "2,000 of 2,000 records in 8 files" (VERIFIED, MISMATCH), or the verification's note otherwise. */
export function verificationText(v: VerificationView): string {
  if (
    (v.verdict === 'VERIFIED' || v.verdict === 'MISMATCH' || v.verdict === 'COUNTED') &&
    v.records !== null &&
    v.files !== null
  ) {
    const of = v.expected === null ? '' : ` of ${v.expected.toLocaleString('en-US')} reported`;
    return `${v.records.toLocaleString('en-US')} records${of} in ${v.files.toLocaleString('en-US')} ${v.files === 1 ? 'file' : 'files'}`;
  }
  return v.note;
}

/** "2,000 endpoints", or for a source that reports its count only at the end, "items counted at the end". */
function processedText(job: JobProgress): string {
  if (job.unit !== undefined && job.totalProcessed === null) return `${job.unit} counted at the end`;
  return `${formatNumber(job.totalProcessed ?? 0)} ${job.unit ?? 'endpoints'}`;
}

export function formatProgress(job: JobProgress): string {
  const parts = [formatPieces(job), processedText(job)];
  if (job.totalFailures) parts.push(`${formatNumber(job.totalFailures)} failures`);
  return parts.join(', ');
}

const BAR_WIDTH = 24;

/**
 * `[██████████░░░░░░░░░░░░░░]  42%  3/8 pieces · 750 endpoints · PROCESSING · 3m 05s · next check in 42s`:
 * the run's elapsed time, and the countdown to the workflow's next status check when it is known.
 */
export function progressBar(
  job: JobProgress,
  elapsedSeconds: number,
  nextCheckSeconds?: number | null,
): string {
  const total = job.totalPieces ?? 0;
  const done = Math.min(total, job.completedPieces ?? 0);
  const ratio = total > 0 ? done / total : 0;
  const filled = Math.round(ratio * BAR_WIDTH);
  const bar = `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}]`;
  const percent = total > 0 ? `${String(Math.floor(ratio * 100)).padStart(3)}%` : '  …';
  const next =
    nextCheckSeconds === undefined || nextCheckSeconds === null
      ? ''
      : nextCheckSeconds > 0
        ? ` · next check in ${formatDuration(nextCheckSeconds)}`
        : ' · checking';
  return `${bar} ${percent}  ${formatPieces(job)} · ${processedText(job)} · ${job.status} · ${formatDuration(elapsedSeconds)}${next}`;
}

/** What the progress line needs to keep its clock running between updates. */
export interface Ticker {
  now: () => Date;
  every: (ms: number, fn: () => void) => () => void;
}

const CLEAR_LINE = '\r\x1b[K';

/** The first line of `text`, at most `max` characters, cut at a word with an ellipsis (the report has it whole). */
export function shorten(text: string, max: number): string {
  const first = text.split('\n')[0] ?? '';
  if (first.length <= max) return first;
  const cut = first.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}

function line(at: Date, label: string, detail = ''): string {
  return `${formatClock(at)}  ${label.padEnd(20)}${detail ? `  ${detail}` : ''}`.trimEnd();
}

/** Describes one update as a status line. */
export function updateLine(update: FollowUpdate): string {
  switch (update.type) {
    case 'execution':
      return line(update.at, `execution ${update.status}`);
    case 'job': {
      const verified = update.job.verification;
      if (verified) return line(update.at, `verify ${verified.verdict}`, verificationText(verified));
      const detail =
        update.statusChanged && update.job.status === 'CREATED'
          ? `export job ${update.job.id} ${update.job.reused ? 'reused' : 'created'}`
          : formatProgress(update.job);
      return line(update.at, `job ${update.job.status}`, detail);
    }
    case 'checked':
      return line(update.at, `job ${update.job.status}`, formatProgress(update.job));
    case 'task-failed':
      // A Lambda error's cause is JSON ({errorType, errorMessage, trace}): show its message.
      return line(
        update.at,
        `${update.stateName} error`,
        `${update.error}: ${shorten(causeMessage(update.cause), 200)}`,
      );
    case 'summary':
      return line(update.at, `summary ${update.summary.status}`, update.summary.subject);
  }
}

/**
 * Prints updates as they come. On a terminal, progress that does not change the
 * job's status redraws one bar line in place; elsewhere every update is a line.
 */
export class ProgressRenderer {
  private bar = '';
  private job: JobProgress | null = null;
  /** When the workflow checks the job next (epoch ms), when known. */
  private nextCheckAt: number | null = null;
  private stopTicking: (() => void) | undefined;

  constructor(
    private readonly out: Writer,
    private readonly tty: boolean,
    private readonly elapsed: () => number,
    /** On a terminal, redraws the bar every second so its clock and countdown keep moving. */
    private readonly ticker?: Ticker,
  ) {}

  /** A status check that changed nothing shown: only the countdown restarts. */
  checked(job: JobProgress, at: Date): void {
    this.job = job;
    this.nextCheckAt = job.waitSeconds === null ? null : at.getTime() + job.waitSeconds * 1000;
    if (this.tty && this.bar) this.drawBar();
  }

  update(update: FollowUpdate): void {
    if (update.type === 'checked') {
      this.checked(update.job, update.at);
      return;
    }
    if (update.type === 'job') {
      this.job = update.job;
      this.nextCheckAt =
        update.job.waitSeconds === null ? null : update.at.getTime() + update.job.waitSeconds * 1000;
    }
    const terminalJob = this.job !== null && ['COMPLETED', 'FAILED'].includes(this.job.status);
    if (this.tty && update.type === 'job' && !update.statusChanged && !terminalJob) {
      this.drawBar();
      return;
    }
    this.clearBar();
    this.out.write(`${updateLine(update)}\n`);
    if (this.tty && this.job && !terminalJob && update.type !== 'summary' && update.type !== 'execution') {
      this.drawBar();
    }
  }

  /** Removes the bar before anything else is printed, and stops its clock. */
  finish(): void {
    this.stopTicking?.();
    this.stopTicking = undefined;
    this.clearBar();
  }

  private drawBar(): void {
    if (!this.job) return;
    const next =
      this.nextCheckAt === null || !this.ticker
        ? null
        : Math.max(0, Math.ceil((this.nextCheckAt - this.ticker.now().getTime()) / 1000));
    this.bar = progressBar(this.job, this.elapsed(), next);
    this.out.write(`${CLEAR_LINE}${this.bar}`);
    if (this.tty && this.ticker && !this.stopTicking) {
      this.stopTicking = this.ticker.every(1_000, () => {
        if (this.bar) this.drawBar();
      });
    }
  }

  private clearBar(): void {
    if (this.bar) this.out.write(CLEAR_LINE);
    this.bar = '';
  }
}

const TRIGGER_WORDS = { manual: 'manual run', schedule: 'scheduled run', other: 'run' } as const;

/** The block that describes one run. */
export function formatReport(report: RunReport, extraRows: ReadonlyArray<[string, string]> = []): string {
  const rows: Array<[string, string]> = [];
  const why = report.explanation;
  if (why?.noSummary) rows.push(['summary', why.noSummary]);
  else if (report.summary?.subject) rows.push(['summary', report.summary.subject]);
  else if (!why && report.error?.cause) rows.push(['summary', report.error.cause]);
  // The headline of every run, a success's too: from the explanation, else PublishSummary's own result.
  const headline = why?.headline ?? report.summary?.headline;
  if (headline) rows.push(['headline', headline]);
  if (why?.reason) rows.push(['reason', why.reason]);
  if (why?.advice) rows.push(['what to do', why.advice]);
  rows.push([
    'execution',
    `${report.status}, ${TRIGGER_WORDS[report.trigger]}, started ${formatDateTime(report.startDate)}, ${
      report.stopDate ? 'took' : 'running for'
    } ${formatDuration(report.durationSeconds)}`,
  ]);
  if (report.job) {
    rows.push(['job', `${report.job.id} ${report.job.status}${report.job.reused ? ' (reused)' : ''}`]);
    rows.push(['progress', formatProgress(report.job)]);
    if (report.job.s3UrlPrefix) rows.push(['exported to', report.job.s3UrlPrefix]);
    const verified = report.job.verification;
    if (verified) {
      rows.push(['verified', `${verified.verdict}, ${verificationText(verified)}`]);
      if (verified.manifestUri) rows.push(['manifest', verified.manifestUri]);
    } else if (report.summary?.verdict) {
      rows.push(['verified', report.summary.verdict]);
    }
  }
  rows.push(...extraRows);
  if (report.error) rows.push(['error', report.error.error]);
  rows.push(['arn', report.arn]);
  if (report.consoleUrl) rows.push(['console', report.consoleUrl]);
  const width = Math.max(...rows.map(([label]) => label.length));
  return [
    `${report.name}  ${report.outcome ?? 'RUNNING'}`,
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
  ].join('\n');
}

/** One row of `list`. */
export interface ListRow {
  name: string;
  arn: string;
  trigger: RunReport['trigger'];
  status: RunReport['status'];
  outcome: RunReport['outcome'];
  startDate: string;
  stopDate: string | null;
  durationSeconds: number | null;
}

export function formatList(rows: readonly ListRow[]): string {
  if (rows.length === 0) return 'No executions yet.';
  const table = [
    ['NAME', 'TRIGGER', 'STARTED', 'DURATION', 'OUTCOME'],
    ...rows.map((row) => [
      row.name,
      row.trigger,
      formatDateTime(row.startDate),
      formatDuration(row.durationSeconds),
      row.outcome ?? row.status,
    ]),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((cells) => cells[column]!.length)));
  return table
    .map((cells) =>
      cells
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
