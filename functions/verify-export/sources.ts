import { sourceFor } from '../../sources/registry.ts';
import type { RunState } from '../shared/types.ts';
import type { VerificationTarget } from './verify-export.ts';

export { parseS3Url } from '../shared/s3-url.ts';

/*
 * What each source tells the verification (sources/<id>/describe.ts): where its job
 * wrote, in which format, and how many records it reported.
 */

/** The run's verification target; undefined when its job wrote nothing to verify (a skipped window). */
export function verificationTargetOf(state: RunState): VerificationTarget | undefined {
  const target = sourceFor(state.request).describe.verification(state as never);
  if (!target) return undefined;
  return {
    ...target,
    run: {
      executionId: state.execution.Id,
      executionName: state.execution.Name,
      scheduledTime: state.request.ScheduledTime ?? null,
      target: state.run?.targetName ?? state.request.Target ?? null,
    },
  };
}
