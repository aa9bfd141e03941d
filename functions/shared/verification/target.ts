import type { RunState, VerificationResult, VerificationTarget } from '../../../core/types.ts';
import { sourceFor } from '../../../sources/registry.ts';

/*
 * What each source tells the verification (sources/<id>/describe.ts): where its job
 * wrote, in which format, how many records it reported, and which manifests of its own
 * name the job's files. The three verification functions (verify-export,
 * count-export-batch, finish-verification) start from the same target.
 */

export type { VerificationTarget } from '../../../core/types.ts';

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

/** The result for a job that wrote nothing on purpose (an incremental window too short to export yet). */
export function nothingToVerify(state: { job: { Details?: Record<string, unknown> } }): VerificationResult {
  return {
    verdict: 'VERIFIED',
    location: '',
    files: 0,
    bytes: 0,
    records: 0,
    countedFiles: 0,
    expected: 0,
    manifestUri: '',
    note: `nothing was exported: ${String(state.job.Details?.Skipped ?? 'the source started no export')}`,
  };
}
