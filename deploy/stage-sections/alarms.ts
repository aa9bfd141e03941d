import type { Alarms } from '../../sources/stack/stage-types.ts';
import { type Raw, type Reader, TOPIC_ARN } from '../stage-fields.ts';

/*
 * The stage's `alarms:`: whether the stack's alarms are on, where they go and when a target's
 * run counts as missed. Loaded by osls through Node's type stripping: erasable TypeScript only,
 * `.ts` imports.
 */

export const ALARMS_DEFAULTS = { enabled: true, missedRunHours: 25 } as const;

/** Reads `alarms:`; defaults for what it leaves out. */
export function readAlarms(r: Reader, raw: Raw): Alarms {
  const rawAlarms = r.object(raw, 'alarms', 'alarms');
  r.unknownKeys(rawAlarms, ['enabled', 'topicArn', 'missedRunHours'], 'alarms');
  const alarmsTopicArn = r.string(rawAlarms, 'topicArn', 'alarms.topicArn', TOPIC_ARN, 'an SNS topic ARN');
  return {
    enabled: r.boolean(rawAlarms, 'enabled', 'alarms.enabled') ?? ALARMS_DEFAULTS.enabled,
    ...(alarmsTopicArn && { topicArn: alarmsTopicArn }),
    missedRunHours:
      r.integer(rawAlarms, 'missedRunHours', 'alarms.missedRunHours', 24, 168) ??
      ALARMS_DEFAULTS.missedRunHours,
  };
}
