import type { SourceLookup, SummarySource } from '../core/summary.ts';
import type { ResolvedExportRequest, SourceId } from '../core/types.ts';
import { CUSTOMER_PROFILES } from './customer-profiles/describe.ts';
import type { ProfilesRequest } from './customer-profiles/types.ts';
import { DYNAMODB } from './dynamodb/describe.ts';
import type { DynamoDbRequest } from './dynamodb/types.ts';
import { DEFAULT_SOURCE, sourceOf } from './ids.ts';
import { PINPOINT } from './pinpoint/describe.ts';
import type { PinpointRequest } from './pinpoint/types.ts';
import type { RegisteredSource } from './types.ts';

/*
 * Every export source the functions know (docs/SOURCES.md), by the pure half of each
 * (describe.ts, no SDK client): every function imports this. The SDK halves are
 * registered apart, so a function's bundle holds only the clients it can call:
 *
 *   sources/runtimes.ts     create and status reads (create-export-job, get-export-job-status)
 *   sources/final-reads.ts  the summary's re-read of a finished job (publish-summary)
 *
 * Adding a source is adding its folder and a line in each registry (and its stack and
 * emulator parts in deploy/sources.ts and sources/emulators.ts); a contract test checks that.
 */
interface SourceTable {
  readonly pinpoint: RegisteredSource<PinpointRequest>;
  readonly 'customer-profiles': RegisteredSource<ProfilesRequest>;
  readonly dynamodb: RegisteredSource<DynamoDbRequest>;
}

export const SOURCES: SourceTable = {
  pinpoint: { describe: PINPOINT },
  'customer-profiles': { describe: CUSTOMER_PROFILES },
  dynamodb: { describe: DYNAMODB },
};

/** The registered source `id`, or undefined. */
export function registeredSource(id: string): RegisteredSource | undefined {
  return Object.hasOwn(SOURCES, id) ? (SOURCES[id as SourceId] as RegisteredSource | undefined) : undefined;
}

/** The ids of the registered sources, in registration order. */
export const registeredSourceIds = (): SourceId[] => Object.keys(SOURCES) as SourceId[];

/** The summary's view of a source by its id (absent: the default source), for core/summary.ts. */
export const summarySourceOf: SourceLookup = (id) =>
  registeredSource(id ?? DEFAULT_SOURCE)?.describe as SummarySource<never> | undefined;

/** The source of a resolved request; a request can only name a registered source (the input was validated). */
export function sourceFor(request: ResolvedExportRequest): RegisteredSource {
  const id = sourceOf(request);
  const source = registeredSource(id);
  if (!source) throw new TypeError(`No export source is registered as ${id}`);
  return source;
}
