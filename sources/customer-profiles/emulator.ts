/**
 * Amazon Connect Customer Profiles (restJson1, signing name `profile`) on the emulator's
 * port: the `customer-profiles` source's {@link EmulatedService}, with the shapes, enums,
 * patterns and error names of botocore's model (customer-profiles 2020-08-15).
 *
 * Served: CreateDomain, GetDomain, CreateSegmentDefinition, GetSegmentDefinition,
 * ListSegmentDefinitions (emulator-domains.ts), CreateSegmentSnapshot, GetSegmentSnapshot
 * (emulator-snapshots.ts: when a snapshot ends and the files it writes). Any other
 * Customer Profiles call is answered 400 UnknownOperationException naming it.
 *
 * Its paths (`/domains/…`) are also legal S3 path-style paths (a bucket named `domains`),
 * so a request is Customer Profiles' when it is signed for `profile`, or unsigned on one
 * of its paths.
 */

import type { FaultKind } from '../emulator/faults.ts';
import { type EmulatedService, type Exchange, type ServiceContext, serveWhole } from '../emulator/service.ts';
import {
  createDomain,
  createSegmentDefinition,
  definitionOf,
  definitionResponse,
  domainOf,
  domainResponse,
  listSegmentDefinitions,
  seedDomains,
} from './emulator-domains.ts';
import { route, SERVED_OPERATIONS } from './emulator-routes.ts';
import { createSnapshot, endSnapshot, getSnapshot } from './emulator-snapshots.ts';
import { type ProfilesContext, ProfilesStore } from './emulator-store.ts';
import {
  errorResult,
  json,
  PROFILES_ERROR_SHAPES,
  PROFILES_MAX_BODY_BYTES,
  ProfilesError,
  parseBody,
  profilesErrors,
} from './emulator-wire.ts';

/** The seeded Customer Profiles domain. */
export const DEFAULT_PROFILES_DOMAIN = 'local-domain';

/** A seeded segment definition of every seeded domain: every 4th profile (`Attributes.tier` = `vip`). */
export const DEFAULT_SEGMENT_DEFINITION = 'vip-customers';

/** The emulator's options for Customer Profiles (`startEmulator`'s `profiles`). */
export interface ProfilesEmulatorOptions {
  /**
   * Seeded domains, each with the segment definitions `vip-customers` (every 4th profile)
   * and `all-profiles`; default `[DEFAULT_PROFILES_DOMAIN]`.
   */
  domains?: string[];
  /** Profiles in each seeded domain; default 500. */
  count?: number;
  /** Seconds a segment snapshot stays IN_PROGRESS on the `now` clock; default 3. */
  snapshotSeconds?: number;
  /** About how many profiles a snapshot's part file holds (at most 50 parts); default 200. */
  profilesPerFile?: number;
}

/** The emulated Customer Profiles; its state holds the domains and the snapshots. */
export type CustomerProfilesService = EmulatedService<ProfilesStore>;

/** Creates the service and seeds its domains. */
export function createCustomerProfilesService(
  ctx: ServiceContext,
  options: ProfilesEmulatorOptions = {},
): CustomerProfilesService {
  const count = options.count ?? 500;
  if (!Number.isInteger(count) || count < 0) {
    throw new TypeError(`profiles.count must be an integer >= 0: ${count}`);
  }
  const store = new ProfilesStore();
  const profiles: ProfilesContext = {
    store,
    faults: ctx.faults,
    now: ctx.now,
    region: ctx.region,
    account: ctx.account,
    s3Root: ctx.s3Root,
    options: {
      domains: options.domains ?? [DEFAULT_PROFILES_DOMAIN],
      count,
      snapshotSeconds: options.snapshotSeconds ?? 3,
      profilesPerFile: options.profilesPerFile ?? 200,
    },
  };
  seedDomains(profiles);
  return {
    name: 'customer-profiles',
    recognises: {
      signingName: 'profile',
      claims: (head) => head.signingName === undefined && route(head.method, head.path) !== undefined,
    },
    operations: SERVED_OPERATIONS,
    state: store,
    serve: (exchange) => serve(profiles, exchange),
    snapshot: async () => store.snapshot(),
    settle: async () => {
      await Promise.all(store.snapshots.map((record) => endSnapshot(profiles, record)));
    },
  };
}

async function serve(ctx: ProfilesContext, exchange: Exchange): Promise<void> {
  const { method, path } = exchange.head;
  const routed = route(method, path);
  exchange.identify(routed ? (routed.operation ?? 'Unknown') : 'Unknown');
  const limits = { maxBodyBytes: PROFILES_MAX_BODY_BYTES, errors: PROFILES_ERROR_SHAPES };
  await serveWhole(exchange, limits, async (body) => {
    const { requestId } = exchange;
    try {
      if (!routed?.operation) {
        throw profilesErrors.unknownOperation(`No Customer Profiles operation matches ${method} ${path}`);
      }
      const served = await answer(ctx, routed.operation, exchange.head.query, body, routed.params);
      if (served.lost) {
        const error = profilesErrors.internal(served.lost.message ?? 'Internal server error');
        return { result: errorResult(error, requestId), fault: served.lost.kind };
      }
      return { result: json(served.answer, requestId) };
    } catch (error) {
      if (!(error instanceof ProfilesError)) throw error;
      return { result: errorResult(error, requestId) };
    }
  });
}

async function answer(
  ctx: ProfilesContext,
  operation: string,
  query: URLSearchParams,
  text: string,
  params: Record<string, string>,
): Promise<{ answer?: unknown; lost?: { kind: FaultKind; message?: string } }> {
  const body = operation.startsWith('Create') ? parseBody(text) : {};
  switch (operation) {
    case 'CreateDomain':
      return { answer: createDomain(ctx, params, body) };
    case 'GetDomain':
      return { answer: domainResponse(domainOf(ctx, params)) };
    case 'CreateSegmentDefinition':
      return { answer: createSegmentDefinition(ctx, params, body) };
    case 'GetSegmentDefinition':
      return { answer: definitionResponse(definitionOf(domainOf(ctx, params), params)) };
    case 'ListSegmentDefinitions':
      return { answer: listSegmentDefinitions(ctx, params, query) };
    case 'CreateSegmentSnapshot': {
      const { snapshotId, lost } = createSnapshot(ctx, params, body);
      return lost ? { lost } : { answer: { SnapshotId: snapshotId } };
    }
    case 'GetSegmentSnapshot':
      return { answer: await getSnapshot(ctx, params) };
    default:
      throw profilesErrors.unknownOperation(
        `The emulator does not serve ${operation}; it serves ${SERVED_OPERATIONS.join(', ')}`,
      );
  }
}
