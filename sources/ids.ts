import type { SourceId } from '../core/types.ts';

/*
 * The export sources' ids, the default one first, and the source of a request. Every
 * registry (sources/registry.ts, runtimes.ts, final-reads.ts, deploy/source-stacks.ts, the
 * emulator's) has one entry per id; the contract tests hold them equal.
 */

/** Every source's id, the default first. */
export const SOURCE_IDS = [
  'pinpoint',
  'customer-profiles',
  'dynamodb',
] as const satisfies readonly SourceId[];

/** An input without `Source` is a Pinpoint input: every input written before sources existed. */
export const DEFAULT_SOURCE: SourceId = 'pinpoint';

/** The source of a request or input (the default one when it names none). */
export function sourceOf(request: { Source?: string | undefined }): SourceId {
  return (request.Source ?? DEFAULT_SOURCE) as SourceId;
}
