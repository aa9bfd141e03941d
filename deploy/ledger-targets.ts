import { inputDefaultsOf, loadCreateExportJobConfig } from '../functions/shared/config.ts';
import { resolveExecutionInput } from '../sources/input.ts';
import { sourceFor } from '../sources/registry.ts';
import { runIdentityOf } from '../sources/run-identity.ts';
import { type IntrinsicValues, resolveIntrinsics } from './intrinsics.ts';
import { contextOf, environmentOf } from './resources.ts';
import { scheduleInputOf } from './schedules.ts';
import type { StageConfig } from './stage-config.ts';

/*
 * Two targets whose runs would be one run in the ledger: the same source data to the same
 * place (their ledger target is equal; their names are not part of it). Each night they
 * would claim one run: one export and two summaries, and for incremental DynamoDB targets
 * windows that interleave. Packaging refuses such a stage, naming both targets.
 *
 * The ledger target is computed as create-export-job computes it: each schedule's input,
 * resolved for one imagined account, through the same validation with the defaults the
 * stack gives the function.
 */

const IMAGINED: IntrinsicValues = {
  account: '000000000000',
  region: 'us-east-1',
  // Lowercase letters, digits and hyphens: valid in a bucket name, which is where Refs go.
  ref: (id) => `ref-${id.toLowerCase()}`,
  getAtt: (id) => `arn:aws:iam::000000000000:role/${id}`,
};

/** A time every schedule's input can run at (the check does not depend on it). */
const SCHEDULED = '2026-01-01T00:00:00Z';

/** Problems: one line per pair of targets that share a ledger target. */
export function sharedLedgerTargets(config: StageConfig): string[] {
  const env = resolveIntrinsics(environmentOf(config).createExportJob, IMAGINED) as Record<string, string>;
  const defaults = inputDefaultsOf(loadCreateExportJobConfig({ ...env, RUN_LEDGER_TABLE: 'runs' }));
  const ctx = contextOf(config);
  const seen = new Map<string, string>();
  const problems: string[] = [];
  config.targets.forEach((target, i) => {
    const input = resolveIntrinsics(scheduleInputOf(target, ctx), IMAGINED);
    const raw = JSON.parse(String(input).replace('<aws.scheduler.scheduled-time>', SCHEDULED));
    let key: string;
    try {
      const request = resolveExecutionInput(raw, defaults, SCHEDULED);
      key = runIdentityOf(request, sourceFor(request).describe.destinationTemplate(raw, defaults)).target;
    } catch {
      // An input the function would refuse is reported by its own checks, not as a duplicate.
      return;
    }
    const other = seen.get(key);
    if (other !== undefined) {
      problems.push(
        `target ${target.name}: targets[${i}]: exports the same data to the same place as target ${other}, so both would be one run in the run ledger each night (one export, two summaries; an incremental target's windows would interleave). Give one of them another prefix, or remove one`,
      );
    } else {
      seen.set(key, target.name);
    }
  });
  return problems;
}
