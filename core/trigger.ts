import type { Trigger } from './types.ts';

/** Executions started by the operators' CLI are named with this prefix. */
export const MANUAL_EXECUTION_PREFIX = 'manual-';

/**
 * What started an execution. EventBridge Scheduler cannot name executions but
 * always sends ScheduledTime; the CLI names its executions `manual-…`.
 */
export function triggerOf(executionName: string, rawInput: unknown): Trigger {
  return triggerFrom(
    executionName,
    typeof rawInput === 'object' && rawInput !== null && Object.hasOwn(rawInput, 'ScheduledTime'),
  );
}

/** {@link triggerOf} from whether the input had a ScheduledTime (all an ERROR summary knows of an invalid input). */
export function triggerFrom(executionName: string, hasScheduledTime: boolean): Trigger {
  if (executionName.startsWith(MANUAL_EXECUTION_PREFIX)) return 'manual';
  return hasScheduledTime ? 'schedule' : 'other';
}
