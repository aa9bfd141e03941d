import { APPLICATION_ID } from '../../sources/pinpoint/names.ts';
import { destinationOf } from '../../sources/stack/destination.ts';
import type { ExportDestination, ExportTarget } from '../../sources/stack/stage-types.ts';
import { type Raw, type Reader, readTarget } from '../stage-fields.ts';

/*
 * The stage's `targets:` (each read by stage-fields.ts `readTarget`, its source's settings by
 * the source) and `additionalApplicationIds:`. Loaded by osls through Node's type stripping:
 * erasable TypeScript only, `.ts` imports.
 */

/** Reads `targets:`; a target's length checks see where its files go (`exportDestination`). */
export function readTargets(
  r: Reader,
  raw: Raw,
  exportDestination: ExportDestination,
  now: Date,
): ExportTarget[] {
  const targets: ExportTarget[] = [];
  const rawTargets = raw.targets ?? [];
  if (!Array.isArray(rawTargets)) {
    r.problem('targets', 'must be a list');
    return targets;
  }
  const names = new Set<string>();
  const destination = destinationOf({ exportDestination });
  rawTargets.forEach((t, i) => {
    const target = readTarget(r, t, `targets[${i}]`, names, now, destination);
    if (target) targets.push(target);
  });
  return targets;
}

/** Reads `additionalApplicationIds:`: Pinpoint applications the functions may act on besides the targets'. */
export function readAdditionalApplicationIds(r: Reader, raw: Raw): string[] {
  const additionalApplicationIds: string[] = [];
  const rawExtra = raw.additionalApplicationIds ?? [];
  if (!Array.isArray(rawExtra)) {
    r.problem('additionalApplicationIds', 'must be a list');
    return additionalApplicationIds;
  }
  rawExtra.forEach((id, i) => {
    if (typeof id !== 'string' || !APPLICATION_ID.test(id)) {
      r.problem(`additionalApplicationIds[${i}]`, `${JSON.stringify(id)} is not a Pinpoint application id`);
    } else {
      additionalApplicationIds.push(id);
    }
  });
  return additionalApplicationIds;
}
