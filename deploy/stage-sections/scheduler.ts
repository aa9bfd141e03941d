import type { SchedulerDefaults } from '../../sources/stack/stage-types.ts';
import type { Raw, Reader } from '../stage-fields.ts';

/*
 * The stage's `scheduler:`: what every target's EventBridge Scheduler schedule does unless the
 * target says otherwise. Loaded by osls through Node's type stripping: erasable TypeScript only,
 * `.ts` imports.
 */

export const SCHEDULER_DEFAULTS = {
  flexibleWindowMinutes: 0,
  retryAttempts: 10,
  maxEventAgeSeconds: 3600,
} as const;

/** Reads `scheduler:`; defaults for what it leaves out. */
export function readScheduler(r: Reader, raw: Raw): SchedulerDefaults {
  const rawScheduler = r.object(raw, 'scheduler', 'scheduler');
  r.unknownKeys(rawScheduler, ['flexibleWindowMinutes', 'retryAttempts', 'maxEventAgeSeconds'], 'scheduler');
  return {
    flexibleWindowMinutes:
      r.integer(rawScheduler, 'flexibleWindowMinutes', 'scheduler.flexibleWindowMinutes', 0, 1440) ??
      SCHEDULER_DEFAULTS.flexibleWindowMinutes,
    retryAttempts:
      r.integer(rawScheduler, 'retryAttempts', 'scheduler.retryAttempts', 0, 185) ??
      SCHEDULER_DEFAULTS.retryAttempts,
    maxEventAgeSeconds:
      r.integer(rawScheduler, 'maxEventAgeSeconds', 'scheduler.maxEventAgeSeconds', 60, 86400) ??
      SCHEDULER_DEFAULTS.maxEventAgeSeconds,
  };
}
