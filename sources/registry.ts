import type {
  DynamoDbRequest,
  PinpointRequest,
  ProfilesRequest,
  ResolvedExportRequest,
  SourceId,
} from '../functions/shared/types.ts';
import { sourceOf } from '../functions/shared/types.ts';
import { CUSTOMER_PROFILES } from './customer-profiles/describe.ts';
import { DYNAMODB } from './dynamodb/describe.ts';
import { PINPOINT } from './pinpoint/describe.ts';
import type { RegisteredSource, SourceRuntime } from './types.ts';

/*
 * The runtime registry: every export source the functions know (docs/SOURCES.md).
 * Adding a source is adding its folder and one line here (and its stack and emulator
 * parts in stack/sources.ts and emulator/index.ts). Each runtime is a dynamic import:
 * esbuild puts each source's SDK client in its own chunk, and a cold start loads only
 * the client of the source its run uses.
 */
interface SourceTable {
  readonly pinpoint: RegisteredSource<PinpointRequest>;
  readonly 'customer-profiles': RegisteredSource<ProfilesRequest>;
  readonly dynamodb: RegisteredSource<DynamoDbRequest>;
}

export const SOURCES: SourceTable = {
  pinpoint: { describe: PINPOINT, runtime: async () => (await import('./pinpoint/runtime.ts')).default },
  'customer-profiles': {
    describe: CUSTOMER_PROFILES,
    runtime: async () => (await import('./customer-profiles/runtime.ts')).default,
  },
  dynamodb: { describe: DYNAMODB, runtime: async () => (await import('./dynamodb/runtime.ts')).default },
};

/** The registered source `id`, or undefined. */
export function registeredSource(id: string): RegisteredSource | undefined {
  return Object.hasOwn(SOURCES, id) ? (SOURCES[id as SourceId] as RegisteredSource | undefined) : undefined;
}

/** The ids of the registered sources, in registration order. */
export const registeredSourceIds = (): SourceId[] => Object.keys(SOURCES) as SourceId[];

/** The source of a resolved request; a request can only name a registered source (the input was validated). */
export function sourceFor(request: ResolvedExportRequest): RegisteredSource {
  const id = sourceOf(request);
  const source = registeredSource(id);
  if (!source) throw new TypeError(`No export source is registered as ${id}`);
  return source;
}

/** The runtime of a request's source (loaded on first use). */
export function runtimeFor(request: ResolvedExportRequest): Promise<SourceRuntime> {
  return sourceFor(request).runtime();
}
