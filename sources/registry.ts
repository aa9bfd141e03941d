import type { SourceLookup, SummarySource } from '../core/summary.ts';
import type { ResolvedExportRequest, SourceId } from '../core/types.ts';
import { CUSTOMER_PROFILES } from './customer-profiles/describe.ts';
import { type ProfilesInputOptions, profilesInput } from './customer-profiles/input.ts';
import type { ProfilesRequest } from './customer-profiles/types.ts';
import { DYNAMODB } from './dynamodb/describe.ts';
import { type DynamoDbInputOptions, dynamoDbInput } from './dynamodb/input.ts';
import type { DynamoDbRequest } from './dynamodb/types.ts';
import { DEFAULT_SOURCE, sourceOf } from './ids.ts';
import { PINPOINT } from './pinpoint/describe.ts';
import { type PinpointInputOptions, pinpointInput } from './pinpoint/input.ts';
import type { PinpointRequest } from './pinpoint/types.ts';
import type { SourceDescription } from './types.ts';

/*
 * Every export source the functions know (docs/SOURCES.md), by the pure half of each
 * (describe.ts, no SDK client) and its input builder (input.ts): every function imports
 * this, and the CLI and the local run build inputs with it. The SDK halves are registered
 * apart, so a function's bundle holds only the clients it can call:
 *
 *   sources/runtimes.ts     create and status reads (create-export-job, get-export-job-status)
 *   sources/final-reads.ts  the summary's re-read of a finished job (publish-summary)
 *
 * Adding a source is adding its folder and a line in each registry (docs/SOURCES.md lists
 * them); a contract test checks that.
 */
/** One registered source: its description and its input builder. */
export interface RegisteredSource<R extends ResolvedExportRequest = ResolvedExportRequest> {
  describe: SourceDescription<R>;
  /** Its part of the execution input from the options that say what to export (sources/<id>/input.ts). */
  input(options: InputOptions): Record<string, unknown>;
}

interface SourceTable {
  readonly pinpoint: RegisteredSource<PinpointRequest>;
  readonly 'customer-profiles': RegisteredSource<ProfilesRequest>;
  readonly dynamodb: RegisteredSource<DynamoDbRequest>;
}

export const SOURCES: SourceTable = {
  pinpoint: { describe: PINPOINT, input: pinpointInput },
  'customer-profiles': { describe: CUSTOMER_PROFILES, input: profilesInput },
  dynamodb: { describe: DYNAMODB, input: dynamoDbInput },
};

/**
 * What a run exports, in the words of the options that say it (the CLI's, a local run's): each
 * source reads its own (sources/<id>/input.ts), and `source` (default pinpoint) picks the source.
 */
export type InputOptions = { source?: SourceId | undefined } & PinpointInputOptions &
  ProfilesInputOptions &
  DynamoDbInputOptions;

/** The source's part of the execution input the options describe: only what they give (sources/<id>/input.ts). */
export function executionInputOf(options: InputOptions): Record<string, unknown> {
  return SOURCES[options.source ?? DEFAULT_SOURCE].input(options);
}

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
