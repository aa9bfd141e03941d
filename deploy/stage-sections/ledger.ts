import type { LedgerSettings } from '../../sources/stack/stage-types.ts';
import type { Raw, Reader } from '../stage-fields.ts';

/*
 * The stage's `ledger:`: how long the run ledger keeps runs, whether its table is protected
 * from deletion, and when a drop in records is warned of. Loaded by osls through Node's type
 * stripping: erasable TypeScript only, `.ts` imports.
 */

export const LEDGER_SETTINGS_DEFAULTS = {
  /** About 13 months: year-on-year comparisons stay possible. */
  retentionDays: 400,
} as const;

/** Reads `ledger:`; defaults for what it leaves out (deletion protection: every stage but dev). */
export function readLedger(r: Reader, raw: Raw, stage: string): LedgerSettings {
  const rawLedger = r.object(raw, 'ledger', 'ledger');
  r.unknownKeys(rawLedger, ['retentionDays', 'deletionProtection', 'recordsDropWarnPercent'], 'ledger');
  const recordsDropWarnPercent = r.integer(
    rawLedger,
    'recordsDropWarnPercent',
    'ledger.recordsDropWarnPercent',
    1,
    100,
  );
  return {
    retentionDays:
      r.integer(rawLedger, 'retentionDays', 'ledger.retentionDays', 1, 3653) ??
      LEDGER_SETTINGS_DEFAULTS.retentionDays,
    deletionProtection:
      r.boolean(rawLedger, 'deletionProtection', 'ledger.deletionProtection') ?? stage !== 'dev',
    ...(recordsDropWarnPercent !== undefined && { recordsDropWarnPercent }),
  };
}
