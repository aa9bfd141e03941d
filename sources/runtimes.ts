import type { ResolvedExportRequest, SourceId } from '../core/types.ts';
import { sourceOf } from './ids.ts';
import type { SourceRuntime } from './types.ts';

/*
 * The SDK half of every source, each a dynamic import: esbuild puts each source's client
 * in its own chunk (serverless.yml: splitting), and a cold start loads only the chunk of
 * the source its run uses. Imported by create-export-job and get-export-job-status only.
 */
export const RUNTIMES: { readonly [K in SourceId]: () => Promise<SourceRuntime<never>> } = {
  pinpoint: async () => (await import('./pinpoint/runtime.ts')).default,
  'customer-profiles': async () => (await import('./customer-profiles/runtime.ts')).default,
  dynamodb: async () => (await import('./dynamodb/runtime.ts')).default,
};

/** The runtime of a request's source (loaded on first use). */
export function runtimeFor(request: ResolvedExportRequest): Promise<SourceRuntime> {
  return RUNTIMES[sourceOf(request)]() as Promise<SourceRuntime>;
}
