import type { RunIdentity } from '../core/ledger.ts';
import type { ResolvedExportRequest } from '../core/types.ts';
import { sourceOf } from './ids.ts';
import { sourceFor } from './registry.ts';

/*
 * Which run of which target an input is: pure, so create-export-job, the CLI and the stack's
 * packaging check (two targets that would share one ledger target are refused) compute it alike.
 */

/**
 * The run's identity in the ledger: the source's target key (what is exported and
 * where, the destination *template* included), the readable name, and the run's
 * ScheduledTime (the ledger's sort key).
 */
export function runIdentityOf(request: ResolvedExportRequest, destinationTemplate: string): RunIdentity {
  const { target, name } = sourceFor(request).describe.identity(request, destinationTemplate);
  return {
    source: sourceOf(request),
    target,
    targetName: request.Target ?? name,
    scheduledTime: request.ScheduledTime,
  };
}
