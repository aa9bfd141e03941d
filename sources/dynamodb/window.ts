/*
 * Which export(s) a DynamoDB run starts: the window arithmetic, pure so every case is a
 * unit test. Incremental exports never leave a gap: each run exports from where the
 * target's previous COMPLETED run stopped (its ledger outcome's coveredUntil) up to its
 * own end, {@link EXPORT_LAG_MS} before its scheduled time.
 *
 * DynamoDB's limits (developer guide, "Incremental export"): a window is at least 15
 * minutes and at most 24 hours, and lies within the point-in-time-recovery window.
 */

export const MIN_WINDOW_MS = 15 * 60 * 1000;
export const MAX_WINDOW_MS = 24 * 60 * 60 * 1000;
/**
 * A run exports the table as of this long before its scheduled time. Point-in-time recovery
 * trails the clock (LatestRestorableDateTime is "typically 5 minutes before the current
 * time", botocore's model) and a run starts at most 5 minutes before its scheduled time
 * (input validation), so that moment is always restorable when the run starts. Every time a
 * run sends is the scheduled time less this: a retry, a take-over or a duplicate computes the
 * same request (the same ClientToken gets the same export back), and consecutive nightly
 * runs' windows are exactly as long as the nights between them (24 h, not 24 h and the start's
 * delay). What changed in the last 15 minutes is in the next run's window.
 */
export const EXPORT_LAG_MS = 15 * 60 * 1000;

export interface Window {
  /** ISO, inclusive. */
  from: string;
  /** ISO, exclusive. */
  to: string;
}

export type ExportPlan =
  /** One full export of the table as of `exportTime`; `reason` says why when the target is incremental. */
  | { kind: 'full'; exportTime: string; reason?: string }
  /** Consecutive incremental exports, together covering previous coverage → the run's end. */
  | { kind: 'incremental'; windows: Window[] }
  /** Nothing to export yet: the window is shorter than DynamoDB allows; the next run covers it. */
  | { kind: 'skip'; reason: string }
  /** The run cannot export without a gap or a guess: an ERROR summary with this reason and advice. */
  | { kind: 'refuse'; reason: string; advice: string };

export interface PlanInput {
  exportType: 'FULL_EXPORT' | 'INCREMENTAL_EXPORT';
  /** The run's ScheduledTime (ISO). */
  scheduledTime: string;
  /** What the target's previous COMPLETED run covered up to (ISO); undefined for the first run. */
  previousCoveredUntil?: string | undefined;
  /** The table's EarliestRestorableDateTime (ISO). */
  earliestRestorable: string;
  /** What to do when an incremental window starts before `earliestRestorable`. */
  outsideRecoveryWindow: 'ERROR' | 'FULL_EXPORT';
}

/** Where a run's export ends: {@link EXPORT_LAG_MS} before its scheduled time (epoch ms). */
export const exportEndOf = (scheduledTime: string): number => Date.parse(scheduledTime) - EXPORT_LAG_MS;

const iso = (ms: number) => new Date(ms).toISOString();
const hours = (ms: number) => `${(ms / 3_600_000).toFixed(ms % 3_600_000 === 0 ? 0 : 1)} h`;

/** Splits [from, to) into the fewest equal windows of at most 24 hours (each then at least 12 h), or into `count`. */
export function splitWindow(
  from: number,
  to: number,
  count = Math.max(1, Math.ceil((to - from) / MAX_WINDOW_MS)),
): Window[] {
  const windows: Window[] = [];
  for (let i = 0; i < count; i++) {
    const start = from + Math.round(((to - from) * i) / count);
    const end = i === count - 1 ? to : from + Math.round(((to - from) * (i + 1)) / count);
    windows.push({ from: iso(start), to: iso(end) });
  }
  return windows;
}

export function planExport(input: PlanInput): ExportPlan {
  const earliest = Date.parse(input.earliestRestorable);
  const end = exportEndOf(input.scheduledTime);
  const full = (reason?: string): ExportPlan => ({
    kind: 'full',
    exportTime: iso(end),
    ...(reason ? { reason } : {}),
  });
  if (end < earliest) {
    // Most often point-in-time recovery was just switched on (the PITR-off advice says to): the
    // table is restorable only from that moment, and the run's export time lies before it. The
    // truth to tell is when the first export becomes possible, not a remedy for a --scheduled-time
    // the run may never have had.
    const firstPossible = iso(earliest + EXPORT_LAG_MS);
    return {
      kind: 'refuse',
      reason: 'export time before earliest restorable time',
      advice: `The run exports the table as of ${iso(end)} (15 minutes before its scheduled time ${input.scheduledTime}), but point-in-time recovery holds the table only from ${input.earliestRestorable} on (EarliestRestorableDateTime: when recovery was switched on, or at most its recovery period back). The first run that can export is one scheduled at or after ${firstPossible}: from then on the schedule's next run exports by itself, or start one by hand with \`npm run export\`. A run scheduled before ${firstPossible} cannot be exported any more.`,
    };
  }
  if (input.exportType === 'FULL_EXPORT') return full();
  if (input.previousCoveredUntil === undefined) {
    return full('the first run of an incremental target, the base the next runs add to');
  }
  const from = Date.parse(input.previousCoveredUntil);
  if (from < earliest) {
    const gap = `the previous export covered up to ${input.previousCoveredUntil}, before the table's earliest restorable time ${input.earliestRestorable}`;
    if (input.outsideRecoveryWindow === 'FULL_EXPORT')
      return full(`${gap}: a full export instead (outsideRecoveryWindow)`);
    return {
      kind: 'refuse',
      reason: 'incremental window outside recovery window',
      advice: `An incremental export cannot cover the gap: ${gap} (point-in-time recovery keeps at most 35 days). Nothing was exported, so no change is lost silently. Set outsideRecoveryWindow: full-export on the target in config/stages/<stage>.yml and redeploy: its next run exports the whole table, and the incremental runs after it continue from there. Or start this run once by hand with OutsideRecoveryWindow FULL_EXPORT in its input (aws stepfunctions start-execution).`,
    };
  }
  if (end - from < MIN_WINDOW_MS) {
    return {
      kind: 'skip',
      reason: `the window since the previous export (${input.previousCoveredUntil}, ${Math.round((end - from) / 60_000)} min) is shorter than DynamoDB's 15-minute minimum; the next run covers it`,
    };
  }
  // More than 24 hours (a missed night, an outage of a few days): consecutive exports in this run.
  return { kind: 'incremental', windows: splitWindow(from, end) };
}

/** "72 h in 3 exports" and its kin, for the summary. */
export function describeWindows(windows: Window[]): string {
  const first = windows[0];
  const last = windows[windows.length - 1];
  if (!first || !last) return '';
  const span = Date.parse(last.to) - Date.parse(first.from);
  return `${first.from} to ${last.to} (${hours(span)}${windows.length > 1 ? ` in ${windows.length} exports of at most 24 h` : ''})`;
}
