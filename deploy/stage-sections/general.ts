import { DEFAULT_MAX_FAILURE_PERCENT } from '../../core/outcome.ts';
import type { LogLevel } from '../../sources/stack/stage-types.ts';
import { type Raw, REGION, type Reader } from '../stage-fields.ts';

/*
 * The stage file's top-level settings that are not sections: the failure limit of every target
 * that sets none, the Region, the functions' log retention and level. Loaded by osls through Node's type stripping: erasable TypeScript only,
 * `.ts` imports.
 */

/** Retention values CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const GENERAL_DEFAULTS = { logRetentionInDays: 30, logLevel: 'INFO' } as const;

/** Reads `maxFailurePercent`, `region`, `logRetentionInDays` and `logLevel`; defaults for all but the Region. */
export function readGeneral(
  r: Reader,
  raw: Raw,
): { maxFailurePercent: number; region?: string; logRetentionInDays: number; logLevel: LogLevel } {
  const maxFailurePercent = r.percent(raw, 'maxFailurePercent', 'maxFailurePercent');
  const region = r.string(raw, 'region', 'region', REGION, 'such as eu-west-1');
  const logRetentionInDays = r.integer(raw, 'logRetentionInDays', 'logRetentionInDays', 1, 3653);
  if (
    logRetentionInDays !== undefined &&
    !(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionInDays)
  ) {
    r.problem('logRetentionInDays', `must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  const logLevel = r.string(
    raw,
    'logLevel',
    'logLevel',
    /^(?:DEBUG|INFO|WARN|ERROR)$/,
    'DEBUG, INFO, WARN or ERROR',
  );
  return {
    maxFailurePercent: maxFailurePercent ?? DEFAULT_MAX_FAILURE_PERCENT,
    ...(region && { region }),
    logRetentionInDays: logRetentionInDays ?? GENERAL_DEFAULTS.logRetentionInDays,
    logLevel: (logLevel ?? GENERAL_DEFAULTS.logLevel) as LogLevel,
  };
}
