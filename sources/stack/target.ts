/*
 * The fields every target of the stage file has: each source's target type (sources/<id>/types.ts)
 * extends it, and stage-types.ts joins them into ExportTarget. Loaded by osls through type
 * stripping: erasable TypeScript only.
 */

/**
 * What every scheduled export has, whatever its source: an EventBridge Scheduler
 * schedule that starts the workflow.
 */
export interface TargetBase {
  /** Schedule name, unique in the stage: 1–64 of `0-9A-Za-z-_.`. */
  name: string;
  /** The export source (deploy/source-stacks.ts); `pinpoint` when the stage file names none. */
  source: string;
  /** The six fields of an EventBridge Scheduler cron expression, without `cron(…)`. */
  cron: string;
  /** IANA time zone the cron expression is evaluated in. */
  timezone: string;
  enabled: boolean;
  /** Overrides `scheduler.flexibleWindowMinutes` for this target. */
  flexibleWindowMinutes?: number;
  /** Overrides the stage's `maxFailurePercent` for this target (its schedule input's MaxFailurePercent). */
  maxFailurePercent?: number;
}
