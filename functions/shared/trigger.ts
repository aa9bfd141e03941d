import type { Trigger } from './types.ts';

/** Executions started by the operators' CLI are named with this prefix. */
export const MANUAL_EXECUTION_PREFIX = 'manual-';

/**
 * What started an execution. EventBridge Scheduler cannot name executions but
 * always sends ScheduledTime; the CLI names its executions `manual-…`.
 */
export function triggerOf(executionName: string, rawInput: unknown): Trigger {
  if (executionName.startsWith(MANUAL_EXECUTION_PREFIX)) return 'manual';
  if (typeof rawInput === 'object' && rawInput !== null && 'ScheduledTime' in rawInput) return 'schedule';
  return 'other';
}
