/*
 * Which export(s) a DynamoDB run starts: the window arithmetic, pure so every case is a
 * unit test. Incremental exports never leave a gap: each run exports from where the
 * target's previous COMPLETED run stopped (its ledger outcome's coveredUntil) up to its
 * own scheduled time.
 *
 * DynamoDB's limits (developer guide, "Incremental export"): a window is at least 15
 * minutes and at most 24 hours, and lies within the point-in-time-recovery window.
 */

export const MIN_WINDOW_MS = 15 * 60 * 1000;
export const MAX_WINDOW_MS = 24 * 60 * 60 * 1000;
/**
 * How far behind the clock point-in-time recovery may be: DynamoDB's LatestRestorableDateTime
 * is "typically 5 minutes before the current time" (botocore's model); three times that.
 */
export const PITR_LAG_MS = 15 * 60 * 1000;

export interface Window {
  /** ISO, inclusive. */
  from: string;
  /** ISO, exclusive. */
  to: string;
  /**
   * The last window of a run for "now" (scheduled less than {@link PITR_LAG_MS} before the
   * run was first claimed): point-in-time recovery may not have reached the scheduled time
   * yet (the latest restorable time trails the clock by about 5 minutes), so ExportToTime is
   * left out and DynamoDB ends the window at the latest time it has. Decided from the run's
   * first claim, which every retry and duplicate shares, never from the moving latest
   * restorable time: a retry sends the very same request (the same ClientToken gets the same
   * export back).
   */
  open?: boolean;
}

export type ExportPlan =
  /**
   * One full export of the table as of `exportTime`, or — `open` — as of the latest restorable
   * time (ExportTime left out, for the reason {@link Window.open} gives); `reason` says why when
   * the target is incremental.
   */
  | { kind: 'full'; exportTime: string; open?: boolean; reason?: string }
  /** Consecutive incremental exports, together covering previous coverage → the scheduled time. */
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
  /** The table's LatestRestorableDateTime (ISO), or now. */
  latestRestorable: string;
  /**
   * When the run was first claimed (ISO; the run ledger's firstClaimedAt): the same for every
   * retry and duplicate of the run, so whether its end is open is decided the same way each time.
   */
  runStartedAt: string;
  /** What to do when an incremental window starts before `earliestRestorable`. */
  outsideRecoveryWindow: 'ERROR' | 'FULL_EXPORT';
}

const iso = (ms: number) => new Date(ms).toISOString();
const hours = (ms: number) => `${(ms / 3_600_000).toFixed(ms % 3_600_000 === 0 ? 0 : 1)} h`;

/** Splits [from, to) into the fewest equal windows of at most 24 hours (each then at least 12 h). */
export function splitWindow(from: number, to: number): Window[] {
  const count = Math.max(1, Math.ceil((to - from) / MAX_WINDOW_MS));
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
  // Every time sent is derived from the scheduled time, never from the moving latest restorable
  // time: the ClientToken is derived from them, so a retry must compute the same ones.
  const scheduled = Date.parse(input.scheduledTime);
  const open = scheduled > Date.parse(input.runStartedAt) - PITR_LAG_MS;
  // What DynamoDB can export now: up to the scheduled time, or the latest restorable time before it.
  const until = Math.min(scheduled, Date.parse(input.latestRestorable));
  const full = (reason?: string): ExportPlan => ({
    kind: 'full',
    exportTime: iso(scheduled),
    ...(open ? { open } : {}),
    ...(reason ? { reason } : {}),
  });
  if (until < earliest) {
    return {
      kind: 'refuse',
      reason: 'scheduled time outside recovery window',
      advice: `The run's ScheduledTime (${input.scheduledTime}) is before the table's earliest restorable time (${input.earliestRestorable}): point-in-time recovery no longer holds that moment. Start the run with a later --scheduled-time, or without one.`,
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
  if (until - from < MIN_WINDOW_MS) {
    return {
      kind: 'skip',
      reason: `the window since the previous export (${input.previousCoveredUntil}, ${Math.round((until - from) / 60_000)} min) is shorter than DynamoDB's 15-minute minimum; the next run covers it`,
    };
  }
  // More than 24 hours (a missed night, an outage of a few days): consecutive exports in this run.
  const windows = splitWindow(from, scheduled);
  const last = windows[windows.length - 1];
  if (open && last) last.open = true;
  return { kind: 'incremental', windows };
}

/** "72 h in 3 exports" and its kin, for the summary. */
export function describeWindows(windows: Window[]): string {
  const first = windows[0];
  const last = windows[windows.length - 1];
  if (!first || !last) return '';
  const span = Date.parse(last.to) - Date.parse(first.from);
  return `${first.from} to ${last.to} (${hours(span)}${windows.length > 1 ? ` in ${windows.length} exports of at most 24 h` : ''})`;
}
