/**
 * Amazon Connect Customer Profiles (restJson1, signing name `profile`) on the
 * emulator's port: the domain, segment definition and segment snapshot operations
 * the `customer-profiles` source uses, with the shapes, enums, patterns and error
 * names of botocore's model (customer-profiles 2020-08-15).
 *
 * Served: CreateDomain, GetDomain, CreateSegmentDefinition, GetSegmentDefinition,
 * ListSegmentDefinitions, CreateSegmentSnapshot, GetSegmentSnapshot. Any other
 * Customer Profiles call is answered 400 UnknownOperationException naming it.
 *
 * A snapshot is IN_PROGRESS for `snapshotSeconds` on the emulator's clock. The
 * first time it is seen past that (GetSegmentSnapshot, the state, an S3 request)
 * it ends: FAILED when a `job-fail` fault marked it, when its role contains
 * `no-trust` or when the destination bucket does not exist; otherwise it writes
 * the segment's profiles under the DestinationUri and is COMPLETED.
 */

import { createHash } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FaultKind } from '../emulator/faults.ts';
import {
  type HttpResult,
  RestJsonError,
  restJson,
  restJsonErrorResult,
  type SourceRequest,
  type SourceService,
  type SourceServiceContext,
} from '../emulator/protocol.ts';
import { parseS3Url } from '../pinpoint/emulator-jobs.ts';
import {
  type DataFormat,
  EXTENSIONS,
  planParts,
  renderPart,
  SEEDED_SEGMENT_DEFINITIONS,
  segmentMembers,
} from './emulator-data.ts';

/** The account id in every ARN, as elsewhere in the emulator. */
const ACCOUNT_ID = '000000000000';

/** Largest request body read (ours: Customer Profiles publishes no figure; SegmentSqlQuery alone may be 50,000 characters). */
export const PROFILES_MAX_BODY_BYTES = 1024 * 1024;

/** A domain as the emulator keeps it. */
export interface ProfilesDomainRecord {
  name: string;
  defaultExpirationDays: number;
  defaultEncryptionKey?: string;
  deadLetterQueueUrl?: string;
  tags: Record<string, string>;
  createdAtMs: number;
  lastUpdatedAtMs: number;
  /** Profiles 0..profileCount-1 exist (generated on demand, see emulator-data.ts). */
  profileCount: number;
  segmentDefinitions: Map<string, SegmentDefinitionRecord>;
}

/** A segment definition as the emulator keeps it. */
export interface SegmentDefinitionRecord {
  name: string;
  displayName: string;
  description?: string;
  segmentGroups?: unknown;
  segmentSqlQuery?: string;
  segmentSort?: unknown;
  tags: Record<string, string>;
  arn: string;
  createdAtMs: number;
}

/** The statuses of the API's `SegmentSnapshotStatus`. */
export type SegmentSnapshotStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

/** A segment snapshot as the emulator keeps it. */
export interface SegmentSnapshotRecord {
  snapshotId: string;
  domainName: string;
  segmentDefinitionName: string;
  dataFormat: DataFormat;
  encryptionKey?: string;
  roleArn?: string;
  destinationUri: string;
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing slash. */
  keyPrefix: string;
  createdAtMs: number;
  /** When it stops being IN_PROGRESS, on the emulator's clock (ms). */
  dueAtMs: number;
  /** Profiles of the domain when the snapshot was taken. */
  profileCount: number;
  /** Set by a `job-fail` fault: the snapshot ends FAILED with this StatusMessage. */
  failWith?: string;
  /** The `truncate-export` fault: the snapshot's last part never lands (it has two parts at least). */
  dropLastPart?: boolean;
  /** Set by a `job-stuck` fault: the snapshot never ends. */
  stuck?: boolean;
  /** How it ended, once seen past {@link dueAtMs}. */
  outcome?: { status: 'COMPLETED' | 'FAILED'; message?: string };
  /** Profiles written (undefined before completion and for ORC, whose placeholder files hold no countable records). */
  records?: number;
  /** Files written (absolute paths). */
  files: string[];
  /** Set while (or after) the snapshot ends, so it ends once. */
  ending?: Promise<void>;
}

/** The emulator's Customer Profiles memory (held by EmulatorState as `profiles`). */
export interface ProfilesStore {
  domains: Map<string, ProfilesDomainRecord>;
  /** Every snapshot, in creation order. */
  snapshots: SegmentSnapshotRecord[];
}

/** Options of the Customer Profiles service (EmulatorOptions' `profiles`). */
export interface ProfilesOptions {
  /** Seeded domains, each with the seeded segment definitions and `count` profiles. */
  domains: string[];
  /** Profiles in each seeded domain. */
  count: number;
  /** How long a snapshot stays IN_PROGRESS (seconds on the emulator's clock). */
  snapshotSeconds: number;
  /** About how many profiles one part file holds (at most 50 parts a snapshot). */
  profilesPerFile: number;
}

/** GetSegmentSnapshot's answer (the model's GetSegmentSnapshotResponse). */
export interface SegmentSnapshotView {
  SnapshotId: string;
  Status: SegmentSnapshotStatus;
  StatusMessage?: string;
  DataFormat: DataFormat;
  EncryptionKey?: string;
  RoleArn?: string;
  DestinationUri: string;
}

/** The snapshot as GetSegmentSnapshot describes it (after {@link SourceService.settle}). */
export function snapshotView(record: SegmentSnapshotRecord): SegmentSnapshotView {
  return {
    SnapshotId: record.snapshotId,
    Status: record.outcome?.status ?? 'IN_PROGRESS',
    ...(record.outcome?.message ? { StatusMessage: record.outcome.message } : {}),
    DataFormat: record.dataFormat,
    ...(record.encryptionKey !== undefined ? { EncryptionKey: record.encryptionKey } : {}),
    ...(record.roleArn !== undefined ? { RoleArn: record.roleArn } : {}),
    DestinationUri: record.destinationUri,
  };
}

/** A Customer Profiles error (its error shapes are `{ Message }`). */
export class ProfilesError extends RestJsonError {
  override readonly name = 'ProfilesError';
}

/** The model's error shapes (each `{ Message }`), by HTTP status. */
export const profilesErrors = {
  badRequest: (message: string) => new ProfilesError(400, 'BadRequestException', message),
  accessDenied: (message: string) => new ProfilesError(403, 'AccessDeniedException', message),
  notFound: (message: string) => new ProfilesError(404, 'ResourceNotFoundException', message),
  throttling: (message: string) => new ProfilesError(429, 'ThrottlingException', message),
  internal: (message: string) => new ProfilesError(500, 'InternalServerException', message),
  /** Not in the model: what a service behind API Gateway answers for a route it does not have. */
  unknownOperation: (message: string) => new ProfilesError(400, 'UnknownOperationException', message),
};

const errorResult = (error: ProfilesError, requestId: string): HttpResult =>
  restJsonErrorResult(error, requestId);
const json = (body: unknown, requestId: string): HttpResult => restJson(200, body, requestId);

/** restJson1 timestamps in a body are epoch seconds (the model sets no timestampFormat). */
const epochSeconds = (ms: number) => ms / 1000;

const NAME = /^[a-zA-Z0-9_-]+$/;
const SNAPSHOT_ID = /^[a-f0-9]{32}$/;
const ROLE_ARN = /^arn:aws:iam:.*:[0-9]+:.*$/;
const DATA_FORMATS: readonly DataFormat[] = ['JSONL', 'CSV', 'ORC'];

const ROUTES: { pattern: RegExp; keys: string[]; methods: Record<string, string> }[] = [
  { pattern: /^\/domains$/, keys: [], methods: { GET: 'ListDomains' } },
  {
    pattern: /^\/domains\/([^/]+)$/,
    keys: ['DomainName'],
    methods: { POST: 'CreateDomain', GET: 'GetDomain', PUT: 'UpdateDomain', DELETE: 'DeleteDomain' },
  },
  {
    pattern: /^\/domains\/([^/]+)\/segment-definitions$/,
    keys: ['DomainName'],
    methods: { GET: 'ListSegmentDefinitions' },
  },
  {
    pattern: /^\/domains\/([^/]+)\/segment-definitions\/([^/]+)$/,
    keys: ['DomainName', 'SegmentDefinitionName'],
    methods: {
      POST: 'CreateSegmentDefinition',
      GET: 'GetSegmentDefinition',
      DELETE: 'DeleteSegmentDefinition',
    },
  },
  {
    pattern: /^\/domains\/([^/]+)\/segments\/([^/]+)\/snapshots$/,
    keys: ['DomainName', 'SegmentDefinitionName'],
    methods: { POST: 'CreateSegmentSnapshot' },
  },
  {
    pattern: /^\/domains\/([^/]+)\/segments\/([^/]+)\/snapshots\/([^/]+)$/,
    keys: ['DomainName', 'SegmentDefinitionName', 'SnapshotId'],
    methods: { GET: 'GetSegmentSnapshot' },
  },
];

/** The operations this emulator serves (the others are routed, for the log, and refused). */
export const SERVED_OPERATIONS = [
  'CreateDomain',
  'GetDomain',
  'CreateSegmentDefinition',
  'GetSegmentDefinition',
  'ListSegmentDefinitions',
  'CreateSegmentSnapshot',
  'GetSegmentSnapshot',
] as const;

function route(
  method: string,
  path: string,
): { operation?: string; params: Record<string, string> } | undefined {
  for (const { pattern, keys, methods } of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    keys.forEach((key, i) => {
      params[key] = safeDecode(match[i + 1]!);
    });
    return { operation: methods[method], params };
  }
  return undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The ARN of a segment definition (the model gives no pattern; this follows the `profile` service's ARNs). */
function segmentDefinitionArn(region: string, domainName: string, name: string): string {
  return `arn:aws:profile:${region}:${ACCOUNT_ID}:domains/${domainName}/segment-definitions/${name}`;
}

/** The seeded definitions' content: what their names mean, as a real definition would say it. */
function seededDefinition(
  region: string,
  domainName: string,
  name: (typeof SEEDED_SEGMENT_DEFINITIONS)[number],
  createdAtMs: number,
): SegmentDefinitionRecord {
  const vip = name === 'vip-customers';
  return {
    name,
    displayName: vip ? 'VIP customers' : 'All profiles',
    description: vip ? 'Profiles whose tier attribute is vip' : 'Every profile of the domain',
    segmentGroups: vip
      ? {
          Include: 'ALL',
          Groups: [
            {
              Type: 'ALL',
              Dimensions: [
                {
                  ProfileAttributes: {
                    Attributes: { tier: { DimensionType: 'INCLUSIVE', Values: ['vip'] } },
                  },
                },
              ],
            },
          ],
        }
      : {
          Include: 'ALL',
          Groups: [
            {
              Type: 'ALL',
              Dimensions: [
                {
                  ProfileAttributes: {
                    ProfileType: { DimensionType: 'INCLUSIVE', Values: ['PROFILE'] },
                  },
                },
              ],
            },
          ],
        },
    tags: {},
    arn: segmentDefinitionArn(region, domainName, name),
    createdAtMs,
  };
}

/** Creates the service and seeds its domains into `store`. */
export function createCustomerProfilesService(
  ctx: SourceServiceContext,
  store: ProfilesStore,
  options: ProfilesOptions,
): SourceService {
  const { faults, now, region } = ctx;
  let seq = 0;

  for (const name of options.domains) {
    if (!NAME.test(name) || name.length > 64) {
      throw new TypeError(`Customer Profiles domain name must match ^[a-zA-Z0-9_-]+$ (at most 64): ${name}`);
    }
    const created = now();
    const domain: ProfilesDomainRecord = {
      name,
      defaultExpirationDays: 366,
      tags: {},
      createdAtMs: created,
      lastUpdatedAtMs: created,
      profileCount: options.count,
      segmentDefinitions: new Map(),
    };
    for (const definition of SEEDED_SEGMENT_DEFINITIONS) {
      domain.segmentDefinitions.set(definition, seededDefinition(region, name, definition, created));
    }
    store.domains.set(name, domain);
  }

  function domainOf(params: Record<string, string>): ProfilesDomainRecord {
    const name = checkName('DomainName', params.DomainName);
    const domain = store.domains.get(name);
    if (!domain) throw profilesErrors.notFound(`Domain ${name} not found`);
    return domain;
  }

  function definitionOf(
    domain: ProfilesDomainRecord,
    params: Record<string, string>,
  ): SegmentDefinitionRecord {
    const name = checkName('SegmentDefinitionName', params.SegmentDefinitionName);
    const definition = domain.segmentDefinitions.get(name);
    if (!definition)
      throw profilesErrors.notFound(`Segment definition ${name} not found in domain ${domain.name}`);
    return definition;
  }

  function createDomain(params: Record<string, string>, body: Record<string, unknown>) {
    const name = checkName('DomainName', params.DomainName);
    const days = body.DefaultExpirationDays;
    if (days === undefined) throw profilesErrors.badRequest('DefaultExpirationDays is required');
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 1098) {
      throw profilesErrors.badRequest('DefaultExpirationDays must be an integer between 1 and 1098');
    }
    const key = optionalString(body, 'DefaultEncryptionKey', 0, 255);
    const dlq = optionalString(body, 'DeadLetterQueueUrl', 0, 255);
    const tags = checkTags(body.Tags);
    if (store.domains.has(name)) throw profilesErrors.badRequest(`Domain ${name} already exists`);
    const created = now();
    const domain: ProfilesDomainRecord = {
      name,
      defaultExpirationDays: days,
      ...(key !== undefined ? { defaultEncryptionKey: key } : {}),
      ...(dlq !== undefined ? { deadLetterQueueUrl: dlq } : {}),
      tags,
      createdAtMs: created,
      lastUpdatedAtMs: created,
      profileCount: 0,
      segmentDefinitions: new Map(),
    };
    store.domains.set(name, domain);
    const { Stats: _stats, ...answer } = domainResponse(domain);
    return answer;
  }

  function createSegmentDefinition(params: Record<string, string>, body: Record<string, unknown>) {
    const domain = domainOf(params);
    const name = checkName('SegmentDefinitionName', params.SegmentDefinitionName);
    const displayName = optionalString(body, 'DisplayName', 1, 255);
    if (displayName === undefined) throw profilesErrors.badRequest('DisplayName is required');
    const description = optionalString(body, 'Description', 1, 4000);
    const sql = optionalString(body, 'SegmentSqlQuery', 1, 50_000);
    const groups = body.SegmentGroups;
    if (groups !== undefined && (typeof groups !== 'object' || groups === null || Array.isArray(groups))) {
      throw profilesErrors.badRequest('SegmentGroups must be an object');
    }
    if (groups === undefined && sql === undefined) {
      throw profilesErrors.badRequest('Either SegmentGroups or SegmentSqlQuery is required');
    }
    if (groups !== undefined && sql !== undefined) {
      throw profilesErrors.badRequest('SegmentGroups and SegmentSqlQuery cannot both be set');
    }
    const tags = checkTags(body.Tags);
    if (domain.segmentDefinitions.has(name)) {
      throw profilesErrors.badRequest(`Segment definition ${name} already exists in domain ${domain.name}`);
    }
    const record: SegmentDefinitionRecord = {
      name,
      displayName,
      ...(description !== undefined ? { description } : {}),
      ...(groups !== undefined ? { segmentGroups: groups } : {}),
      ...(sql !== undefined ? { segmentSqlQuery: sql } : {}),
      ...(body.SegmentSort !== undefined ? { segmentSort: body.SegmentSort } : {}),
      tags,
      arn: segmentDefinitionArn(region, domain.name, name),
      createdAtMs: now(),
    };
    domain.segmentDefinitions.set(name, record);
    return {
      SegmentDefinitionName: record.name,
      DisplayName: record.displayName,
      ...(record.description !== undefined ? { Description: record.description } : {}),
      CreatedAt: epochSeconds(record.createdAtMs),
      SegmentDefinitionArn: record.arn,
      ...(Object.keys(tags).length > 0 ? { Tags: tags } : {}),
    };
  }

  function listSegmentDefinitions(params: Record<string, string>, query: URLSearchParams) {
    const domain = domainOf(params);
    const sizeText = query.get('max-results');
    const size = sizeText === null ? 100 : Number(sizeText);
    if (!Number.isInteger(size) || size < 1 || size > 500) {
      throw profilesErrors.badRequest('max-results must be an integer between 1 and 500');
    }
    const token = query.get('next-token');
    let offset = 0;
    if (token !== null) {
      offset = /^o[0-9]{1,9}$/.test(token) ? Number(token.slice(1)) : Number.NaN;
      if (!Number.isInteger(offset)) throw profilesErrors.badRequest('next-token is not valid');
    }
    const all = [...domain.segmentDefinitions.values()];
    const page = all.slice(offset, offset + size);
    return {
      Items: page.map((d) => ({
        SegmentDefinitionName: d.name,
        DisplayName: d.displayName,
        ...(d.description !== undefined ? { Description: d.description } : {}),
        SegmentDefinitionArn: d.arn,
        CreatedAt: epochSeconds(d.createdAtMs),
        ...(Object.keys(d.tags).length > 0 ? { Tags: d.tags } : {}),
        SegmentType: segmentType(d),
      })),
      ...(offset + size < all.length ? { NextToken: `o${offset + size}` } : {}),
    };
  }

  function createSnapshot(
    params: Record<string, string>,
    body: Record<string, unknown>,
  ): { snapshotId: string; lost?: { kind: FaultKind; message?: string } } {
    const domain = domainOf(params);
    const definition = definitionOf(domain, params);
    const format = body.DataFormat;
    if (format === undefined) throw profilesErrors.badRequest('DataFormat is required');
    if (!DATA_FORMATS.includes(format as DataFormat)) {
      throw profilesErrors.badRequest(`DataFormat must be one of ${DATA_FORMATS.join(', ')}`);
    }
    const encryptionKey = optionalString(body, 'EncryptionKey', 0, 255);
    const roleArn = optionalString(body, 'RoleArn', 0, 512);
    if (roleArn !== undefined && !ROLE_ARN.test(roleArn)) {
      throw profilesErrors.badRequest('RoleArn must match arn:aws:iam:.*:[0-9]+:.*');
    }
    const destinationUri = optionalString(body, 'DestinationUri', 1, 255);
    if (destinationUri === undefined) {
      throw profilesErrors.badRequest(
        'DestinationUri is required when the request is not submitted from the Amazon Connect admin website',
      );
    }
    const location = parseS3Url(destinationUri);
    if (!location) {
      throw profilesErrors.badRequest('DestinationUri must be an s3:// URI with a valid bucket name');
    }
    const created = now();
    const snapshotId = createHash('sha256')
      .update(`${domain.name}:${definition.name}:snapshot:${++seq}:${created}`)
      .digest('hex')
      .slice(0, 32);
    const context = { service: 'customer-profiles' as const, operation: 'CreateSegmentSnapshot' };
    const outcomeRules = faults.take(context, ['job-fail', 'job-stuck', 'job-pending', 'truncate-export']);
    const failRule = outcomeRules.find((rule) => rule.kind === 'job-fail');
    const pendingSeconds = outcomeRules.find((rule) => rule.kind === 'job-pending')?.pendingSeconds ?? 0;
    const record: SegmentSnapshotRecord = {
      snapshotId,
      domainName: domain.name,
      segmentDefinitionName: definition.name,
      dataFormat: format as DataFormat,
      ...(encryptionKey !== undefined ? { encryptionKey } : {}),
      ...(roleArn !== undefined ? { roleArn } : {}),
      destinationUri,
      bucket: location.bucket,
      keyPrefix: location.keyPrefix,
      createdAtMs: created,
      dueAtMs: created + (options.snapshotSeconds + pendingSeconds) * 1000,
      profileCount: domain.profileCount,
      ...(failRule
        ? {
            failWith:
              failRule.message ??
              `Segment snapshot failed: an internal error stopped the export of segment ${definition.name}`,
          }
        : {}),
      ...(outcomeRules.some((rule) => rule.kind === 'job-stuck') ? { stuck: true } : {}),
      ...(outcomeRules.some((rule) => rule.kind === 'truncate-export') ? { dropLastPart: true } : {}),
      files: [],
    };
    store.snapshots.push(record);
    // create-then-500: the snapshot exists, but the caller never learns its id (a lost answer).
    const lost = faults.take(context, ['create-then-500'], true)[0];
    return {
      snapshotId,
      ...(lost ? { lost: { kind: lost.kind, ...(lost.message ? { message: lost.message } : {}) } } : {}),
    };
  }

  /** Ends a snapshot that is due: decides FAILED or writes its files and COMPLETES. Once. */
  function end(record: SegmentSnapshotRecord): Promise<void> {
    if (record.ending) return record.ending;
    if (record.stuck || now() < record.dueAtMs) return Promise.resolve();
    record.ending = (async () => {
      const destination = `s3://${record.bucket}/${record.keyPrefix ? `${record.keyPrefix}/` : ''}`;
      if (record.failWith !== undefined) {
        record.outcome = { status: 'FAILED', message: record.failWith };
        return;
      }
      if (record.roleArn?.includes('no-trust')) {
        // Our wording: the service assumes the role only when it writes.
        record.outcome = {
          status: 'FAILED',
          message: `Unable to assume role ${record.roleArn}: check that its trust policy allows profile.amazonaws.com`,
        };
        return;
      }
      const bucketDir = join(ctx.s3Root, record.bucket);
      const exists = await stat(bucketDir).then(
        (s) => s.isDirectory(),
        () => false,
      );
      if (!exists) {
        // Our wording: AWS does not document the StatusMessage of a failed write.
        record.outcome = {
          status: 'FAILED',
          message: `Failed to write the snapshot to ${destination}: the bucket ${record.bucket} does not exist`,
        };
        return;
      }
      const members = segmentMembers(record.segmentDefinitionName, record.profileCount);
      const perFile = record.dropLastPart
        ? Math.min(options.profilesPerFile, Math.max(1, Math.ceil(members.length / 2)))
        : options.profilesPerFile;
      const planned = planParts(members, perFile);
      // An export cut short: every part is named "of N", but the last one never lands.
      const parts = record.dropLastPart && planned.length > 1 ? planned.slice(0, -1) : planned;
      const dir = join(bucketDir, ...record.keyPrefix.split('/').filter(Boolean));
      await mkdir(dir, { recursive: true });
      for (const [p, indexes] of parts.entries()) {
        const name = `${record.snapshotId}_part-${String(p + 1).padStart(5, '0')}-of-${String(planned.length).padStart(5, '0')}.${EXTENSIONS[record.dataFormat]}`;
        const file = join(dir, name);
        await writeFile(file, renderPart(record.domainName, indexes, record.dataFormat));
        record.files.push(file);
      }
      if (record.dataFormat !== 'ORC') record.records = members.length;
      record.outcome = { status: 'COMPLETED' };
    })();
    return record.ending;
  }

  async function getSnapshot(params: Record<string, string>): Promise<SegmentSnapshotView> {
    const domain = domainOf(params);
    const definition = definitionOf(domain, params);
    const id = params.SnapshotId ?? '';
    if (!SNAPSHOT_ID.test(id))
      throw profilesErrors.badRequest('SnapshotId must be 32 lowercase hex characters');
    const record = store.snapshots.find(
      (s) =>
        s.snapshotId === id && s.domainName === domain.name && s.segmentDefinitionName === definition.name,
    );
    if (!record) throw profilesErrors.notFound(`Snapshot ${id} not found`);
    await end(record);
    return snapshotView(record);
  }

  async function serve(operation: string, request: SourceRequest, params: Record<string, string>) {
    const body = operation.startsWith('Create') ? parseBody(request.body) : {};
    switch (operation) {
      case 'CreateDomain':
        return { answer: createDomain(params, body) };
      case 'GetDomain':
        return { answer: domainResponse(domainOf(params)) };
      case 'CreateSegmentDefinition':
        return { answer: createSegmentDefinition(params, body) };
      case 'GetSegmentDefinition': {
        const definition = definitionOf(domainOf(params), params);
        return { answer: definitionResponse(definition) };
      }
      case 'ListSegmentDefinitions':
        return { answer: listSegmentDefinitions(params, request.query) };
      case 'CreateSegmentSnapshot': {
        const { snapshotId, lost } = createSnapshot(params, body);
        if (lost) return { lost };
        return { answer: { SnapshotId: snapshotId } };
      }
      case 'GetSegmentSnapshot':
        return { answer: await getSnapshot(params) };
      default:
        throw profilesErrors.unknownOperation(
          `The emulator does not serve ${operation}; it serves ${SERVED_OPERATIONS.join(', ')}`,
        );
    }
  }

  return {
    service: 'customer-profiles',
    signingName: 'profile',
    maxBodyBytes: PROFILES_MAX_BODY_BYTES,
    operationOf: (method, path) => {
      const routed = route(method, path);
      return routed ? (routed.operation ?? 'Unknown') : undefined;
    },
    async handle(request) {
      const routed = route(request.method, request.path);
      try {
        if (!routed?.operation) {
          throw profilesErrors.unknownOperation(
            `No Customer Profiles operation matches ${request.method} ${request.path}`,
          );
        }
        const served = await serve(routed.operation, request, routed.params);
        if (served.lost) {
          return {
            result: errorResult(
              profilesErrors.internal(served.lost.message ?? 'Internal server error'),
              request.requestId,
            ),
            fault: served.lost.kind,
          };
        }
        return { result: json(served.answer, request.requestId) };
      } catch (error) {
        if (!(error instanceof ProfilesError)) throw error;
        return { result: errorResult(error, request.requestId) };
      }
    },
    faultAnswer: (kind, message, requestId) =>
      errorResult(
        kind === 'throttle'
          ? profilesErrors.throttling(message ?? 'Rate exceeded')
          : profilesErrors.internal(message ?? 'Internal server error'),
        requestId,
      ),
    tooLarge: (requestId) =>
      errorResult(
        profilesErrors.badRequest(`Request body exceeds the limit of ${PROFILES_MAX_BODY_BYTES} bytes`),
        requestId,
      ),
    settle: async () => {
      await Promise.all(store.snapshots.map(end));
    },
  };

  function domainResponse(domain: ProfilesDomainRecord) {
    return {
      DomainName: domain.name,
      DefaultExpirationDays: domain.defaultExpirationDays,
      ...(domain.defaultEncryptionKey !== undefined
        ? { DefaultEncryptionKey: domain.defaultEncryptionKey }
        : {}),
      ...(domain.deadLetterQueueUrl !== undefined ? { DeadLetterQueueUrl: domain.deadLetterQueueUrl } : {}),
      Stats: {
        ProfileCount: domain.profileCount,
        MeteringProfileCount: domain.profileCount,
        ObjectCount: domain.profileCount,
        TotalSize: domain.profileCount * 1024,
      },
      CreatedAt: epochSeconds(domain.createdAtMs),
      LastUpdatedAt: epochSeconds(domain.lastUpdatedAtMs),
      ...(Object.keys(domain.tags).length > 0 ? { Tags: domain.tags } : {}),
    };
  }
}

function definitionResponse(d: SegmentDefinitionRecord) {
  return {
    SegmentDefinitionName: d.name,
    DisplayName: d.displayName,
    ...(d.description !== undefined ? { Description: d.description } : {}),
    ...(d.segmentGroups !== undefined ? { SegmentGroups: d.segmentGroups } : {}),
    ...(d.segmentSort !== undefined ? { SegmentSort: d.segmentSort } : {}),
    SegmentDefinitionArn: d.arn,
    CreatedAt: epochSeconds(d.createdAtMs),
    ...(Object.keys(d.tags).length > 0 ? { Tags: d.tags } : {}),
    ...(d.segmentSqlQuery !== undefined ? { SegmentSqlQuery: d.segmentSqlQuery } : {}),
    SegmentType: segmentType(d),
  };
}

/** SQL-defined segments are the ENHANCED kind; dimension-defined ones CLASSIC. */
function segmentType(d: SegmentDefinitionRecord): 'CLASSIC' | 'ENHANCED' {
  return d.segmentSqlQuery !== undefined ? 'ENHANCED' : 'CLASSIC';
}

function checkName(field: string, value: string | undefined): string {
  if (value === undefined || value.length < 1 || value.length > 64 || !NAME.test(value)) {
    throw profilesErrors.badRequest(`${field} must match ^[a-zA-Z0-9_-]+$ and be 1 to 64 characters long`);
  }
  return value;
}

function optionalString(body: Record<string, unknown>, field: string, min: number, max: number) {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length < min || value.length > max) {
    throw profilesErrors.badRequest(`${field} must be a string of ${min} to ${max} characters`);
  }
  return value;
}

function checkTags(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (
    typeof value !== 'object' ||
    Array.isArray(value) ||
    !Object.values(value).every((v) => typeof v === 'string')
  ) {
    throw profilesErrors.badRequest('Tags must be a map of strings');
  }
  return { ...(value as Record<string, string>) };
}

function parseBody(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // answered below, like any body the service cannot read
  }
  throw profilesErrors.badRequest('The request body is not a JSON object');
}
