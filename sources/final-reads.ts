import type { ResolvedExportRequest, SourceId } from '../core/types.ts';
import { sourceOf } from './ids.ts';
import type { FinalRead } from './types.ts';

/*
 * The summary's re-read of a finished job, for the sources whose state snapshot leaves
 * something out: only Pinpoint (its Failures can exceed the state's 256 KB). The other
 * sources' snapshots carry all the summary needs, so publish-summary's bundle holds no
 * client of theirs. Imported by publish-summary only.
 */
export const FINAL_READS: { readonly [K in SourceId]?: () => Promise<FinalRead<never>> } = {
  pinpoint: async () => (await import('./pinpoint/final-read.ts')).default,
};

/** The re-read of a request's source, or undefined when its snapshot is complete. */
export function finalReadFor(request: ResolvedExportRequest): Promise<FinalRead> | undefined {
  return FINAL_READS[sourceOf(request)]?.() as Promise<FinalRead> | undefined;
}
