import type { FollowUpdate } from './follow.ts';
import type { JobProgress, RunReport } from './report.ts';

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
  if (job.totalPieces === null || job.totalPieces === 0) return 'pieces not known yet';
  return `${job.completedPieces ?? 0}/${job.totalPieces} pieces`;
}

export function formatProgress(job: JobProgress): string {
  const parts = [formatPieces(job), `${formatNumber(job.totalProcessed ?? 0)} endpoints`];
  if (job.totalFailures) parts.push(`${formatNumber(job.totalFailures)} failures`);
  return parts.join(', ');
}

const BAR_WIDTH = 24;

/** `[██████████░░░░░░░░░░░░░░]  42%  3/8 pieces · 750 endpoints · PROCESSING` */
export function progressBar(job: JobProgress, elapsedSeconds: number): string {
  const total = job.totalPieces ?? 0;
  const done = Math.min(total, job.completedPieces ?? 0);
  const ratio = total > 0 ? done / total : 0;
  const filled = Math.round(ratio * BAR_WIDTH);
  const bar = `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}]`;
  const percent = total > 0 ? `${String(Math.floor(ratio * 100)).padStart(3)}%` : '  …';
  return `${bar} ${percent}  ${formatPieces(job)} · ${formatNumber(job.totalProcessed ?? 0)} endpoints · ${job.status} · ${formatDuration(elapsedSeconds)}`;
}

const CLEAR_LINE = '\r\x1b[K';

function line(at: Date, label: string, detail = ''): string {
  return `${formatClock(at)}  ${label.padEnd(20)}${detail ? `  ${detail}` : ''}`.trimEnd();
}

/** Describes one update as a status line. */
export function updateLine(update: FollowUpdate): string {
  switch (update.type) {
    case 'execution':
      return line(update.at, `execution ${update.status}`);
    case 'job': {
      const detail =
        update.statusChanged && update.job.status === 'CREATED'
          ? `export job ${update.job.id} ${update.job.reused ? 'reused' : 'created'}`
          : formatProgress(update.job);
      return line(update.at, `job ${update.job.status}`, detail);
    }
    case 'task-failed':
      return line(update.at, `${update.stateName} error`, `${update.error}: ${update.cause}`.slice(0, 200));
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

  constructor(
    private readonly out: Writer,
    private readonly tty: boolean,
    private readonly elapsed: () => number,
  ) {}

  update(update: FollowUpdate): void {
    if (update.type === 'job') this.job = update.job;
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

  /** Removes the bar before anything else is printed. */
  finish(): void {
    this.clearBar();
  }

  private drawBar(): void {
    if (!this.job) return;
    this.bar = progressBar(this.job, this.elapsed());
    this.out.write(`${CLEAR_LINE}${this.bar}`);
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
  const headline = report.summary?.subject ?? report.error?.cause ?? '';
  if (headline) rows.push(['summary', headline]);
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
