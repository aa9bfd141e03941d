import { VERIFICATION_DEFAULTS } from '../../core/verification-sizing.ts';
import type { Raw, Reader } from '../stage-fields.ts';

/*
 * The stage's `verification:` settings (config/stages/<stage>.yml): how an export's records
 * are counted after its job COMPLETED. docs/PERFORMANCE.md says how large an export each
 * setting counts within 15 minutes, and at what cost.
 *
 * Loaded by osls through Node's type stripping: erasable TypeScript only, `.ts` imports.
 */

export type { VerificationSettings } from '../../sources/stack/stage-types.ts';

import type { VerificationSettings } from '../../sources/stack/stage-types.ts';

/** Reads `verification:`; defaults for what it leaves out. */
export function readVerificationSettings(r: Reader, raw: Raw): VerificationSettings {
  const settings = r.object(raw, 'verification', 'verification');
  r.unknownKeys(settings, ['batchMegabytes', 'concurrency', 'countMemoryMb'], 'verification');
  return {
    batchMegabytes:
      // From 64 MB (a few seconds of counting) to 100 GB (more than one invocation counts in 15 minutes).
      r.integer(settings, 'batchMegabytes', 'verification.batchMegabytes', 64, 102_400) ??
      VERIFICATION_DEFAULTS.batchMegabytes,
    concurrency:
      r.integer(settings, 'concurrency', 'verification.concurrency', 1, 40) ??
      VERIFICATION_DEFAULTS.concurrency,
    countMemoryMb:
      // Lambda's range is 128-10,240 MB; below 1,769 MB a function has less than one vCPU to gunzip with.
      r.integer(settings, 'countMemoryMb', 'verification.countMemoryMb', 1024, 10_240) ??
      VERIFICATION_DEFAULTS.countMemoryMb,
  };
}
