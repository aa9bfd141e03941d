/**
 * Amazon Pinpoint (restJson1) operations the export workflow uses, plus enough
 * application and segment operations to explore them with the AWS CLI.
 *
 * Conventions (the emulator's, documented for users):
 * - A role whose ARN contains `no-trust` cannot be assumed by Pinpoint: 403
 *   ForbiddenException "Unable to assume role …", as when the role's trust policy
 *   does not name pinpoint.amazonaws.com.
 * - Segment ids are derived from application id and name (`segmentIdFor` in dataset.ts);
 *   every application has `active-users` (versions 1..3) and `dormant-users` (version 1).
 * - An application flagged end-of-support answers engagement calls with 403
 *   ForbiddenException and {@link endOfSupportMessage}.
 */

import { randomBytes } from 'node:crypto';
import type { ApplicationRecord, EmulatorState } from '../../dev/emulator/state.ts';
import type { FaultController } from '../emulator/faults.ts';
import { type HttpResult, pinpointErrors, pinpointJson } from '../emulator/protocol.ts';
import { seededSegments } from './emulator-dataset.ts';
import {
  createJobRecord,
  type ExportDefinition,
  type ExportJobRecord,
  isTerminal,
  parseS3Url,
  writeJobFiles,
} from './emulator-jobs.ts';

/** Largest Pinpoint request body accepted; larger ones get 413. Our choice: Pinpoint does not publish one figure. */
export const PINPOINT_MAX_BODY_BYTES = 1024 * 1024;

/** The account id used in every ARN. */
export const ACCOUNT_ID = '000000000000';

/** What the Pinpoint handlers need from the emulator. */
export interface PinpointContext {
  state: EmulatorState;
  faults: FaultController;
  now: () => number;
  region: string;
  dataDir: string;
  dataset: { endpoints: number; malformedEvery: number };
  job: { durationSeconds: number; pieces?: number; pendingSeconds: number };
  nextSeq: () => number;
}

/** A routed Pinpoint request. */
export interface PinpointRoute {
  operation: string;
  applicationId?: string;
  jobId?: string;
  segmentId?: string;
  version?: string;
}

type RouteResult = { route: PinpointRoute } | { methodNotAllowed: true; applicationId?: string } | undefined;

const ROUTES: { pattern: RegExp; keys: (keyof PinpointRoute)[]; methods: Record<string, string> }[] = [
  { pattern: /^\/v1\/apps$/, keys: [], methods: { GET: 'GetApps', POST: 'CreateApp' } },
  {
    pattern: /^\/v1\/apps\/([^/]+)$/,
    keys: ['applicationId'],
    methods: { GET: 'GetApp', DELETE: 'DeleteApp' },
  },
  {
    pattern: /^\/v1\/apps\/([^/]+)\/jobs\/export$/,
    keys: ['applicationId'],
    methods: { GET: 'GetExportJobs', POST: 'CreateExportJob' },
  },
  {
    pattern: /^\/v1\/apps\/([^/]+)\/jobs\/export\/([^/]+)$/,
    keys: ['applicationId', 'jobId'],
    methods: { GET: 'GetExportJob' },
  },
  { pattern: /^\/v1\/apps\/([^/]+)\/segments$/, keys: ['applicationId'], methods: { GET: 'GetSegments' } },
  {
    pattern: /^\/v1\/apps\/([^/]+)\/segments\/([^/]+)$/,
    keys: ['applicationId', 'segmentId'],
    methods: { GET: 'GetSegment' },
  },
  {
    pattern: /^\/v1\/apps\/([^/]+)\/segments\/([^/]+)\/versions$/,
    keys: ['applicationId', 'segmentId'],
    methods: { GET: 'GetSegmentVersions' },
  },
  {
    pattern: /^\/v1\/apps\/([^/]+)\/segments\/([^/]+)\/versions\/([^/]+)$/,
    keys: ['applicationId', 'segmentId', 'version'],
    methods: { GET: 'GetSegmentVersion' },
  },
  {
    pattern: /^\/v1\/apps\/([^/]+)\/segments\/([^/]+)\/jobs\/export$/,
    keys: ['applicationId', 'segmentId'],
    methods: { GET: 'GetSegmentExportJobs' },
  },
];

/** Finds the operation for a method and path; tells a known path with the wrong method apart. */
export function routePinpoint(method: string, path: string): RouteResult {
  for (const { pattern, keys, methods } of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    keys.forEach((key, i) => {
      params[key] = decodeURIComponent(match[i + 1]!);
    });
    const operation = methods[method];
    if (!operation)
      return {
        methodNotAllowed: true,
        ...(params.applicationId ? { applicationId: params.applicationId } : {}),
      };
    return { route: { operation, ...params } };
  }
  return undefined;
}

/**
 * The answer an application gives after Amazon Pinpoint's end of support
 * (2026-10-30). ASSUMPTION: AWS has not published the exact status and text;
 * we answer 403 ForbiddenException with words an operator understands.
 */
export function endOfSupportMessage(applicationId: string): string {
  return (
    `Amazon Pinpoint engagement features (endpoints, segments, campaigns, journeys and export jobs) reached ` +
    `end of support on October 30, 2026 and are no longer available for application ${applicationId}.`
  );
}

/** Makes an application record with the seeded segments. */
export function newApplication(
  ctx: Pick<PinpointContext, 'region' | 'now'>,
  id: string,
  name: string,
): ApplicationRecord {
  return {
    id,
    name,
    arn: `arn:aws:mobiletargeting:${ctx.region}:${ACCOUNT_ID}:apps/${id}`,
    creationDate: new Date(ctx.now()).toISOString(),
    tags: {},
    endOfSupport: false,
    segments: seededSegments(id),
  };
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** Handles one routed Pinpoint request; throws PinpointError for error answers. */
export async function handlePinpoint(
  ctx: PinpointContext,
  route: PinpointRoute,
  query: URLSearchParams,
  body: string,
  requestId: string,
): Promise<HttpResult> {
  const { state } = ctx;
  switch (route.operation) {
    case 'GetApps': {
      const apps = [...state.applications.values()];
      const { items, nextToken } = paginate(apps, query, 100);
      return pinpointJson(
        200,
        { Item: items.map(appResponse), ...(nextToken ? { NextToken: nextToken } : {}) },
        requestId,
      );
    }
    case 'CreateApp': {
      const request = parseBody(body);
      if (typeof request.Name !== 'string' || request.Name.length === 0) {
        throw pinpointErrors.badRequest('Name is required.');
      }
      const id = randomBytes(16).toString('hex');
      const app = newApplication(ctx, id, request.Name);
      if (request.tags && typeof request.tags === 'object') app.tags = request.tags as Record<string, string>;
      state.applications.set(id, app);
      return pinpointJson(201, appResponse(app), requestId);
    }
    default:
      break;
  }

  const app = state.applications.get(route.applicationId ?? '');
  if (!app) throw pinpointErrors.notFound('Application not found');
  if (route.operation === 'GetApp') return pinpointJson(200, appResponse(app), requestId);
  if (route.operation === 'DeleteApp') {
    state.applications.delete(app.id);
    return pinpointJson(200, appResponse(app), requestId);
  }
  const context = { service: 'pinpoint' as const, operation: route.operation, applicationId: app.id };
  const endOfSupport = ctx.faults.take(context, ['end-of-support'], true)[0];
  if (app.endOfSupport || endOfSupport) {
    throw pinpointErrors.forbidden(endOfSupport?.message ?? endOfSupportMessage(app.id));
  }

  switch (route.operation) {
    case 'CreateExportJob':
      return createExportJob(ctx, app, body, requestId);
    case 'GetExportJob': {
      const job = state.jobs.find((j) => j.applicationId === app.id && j.id === route.jobId);
      if (!job) throw pinpointErrors.notFound('Job not found');
      await settle(ctx, [job]);
      return pinpointJson(200, state.view(job), requestId);
    }
    case 'GetExportJobs':
    case 'GetSegmentExportJobs': {
      let jobs = state.jobsFor(app.id);
      if (route.operation === 'GetSegmentExportJobs') {
        findSegment(app, route.segmentId!);
        jobs = jobs.filter((j) => j.definition.SegmentId === route.segmentId);
      }
      const newestFirst = [...jobs].sort((a, b) => b.createdAtMs - a.createdAtMs || b.seq - a.seq);
      const { items, nextToken } = paginate(newestFirst, query, 100);
      await settle(ctx, items);
      return pinpointJson(
        200,
        { Item: items.map((job) => state.view(job)), ...(nextToken ? { NextToken: nextToken } : {}) },
        requestId,
      );
    }
    case 'GetSegments':
      return pinpointJson(
        200,
        { Item: app.segments.map((s) => segmentResponse(ctx, app, s.id, s.latestVersion)) },
        requestId,
      );
    case 'GetSegment': {
      const segment = findSegment(app, route.segmentId!);
      return pinpointJson(200, segmentResponse(ctx, app, segment.id, segment.latestVersion), requestId);
    }
    case 'GetSegmentVersions': {
      const segment = findSegment(app, route.segmentId!);
      const versions = Array.from({ length: segment.latestVersion }, (_, i) =>
        segmentResponse(ctx, app, segment.id, i + 1),
      );
      return pinpointJson(200, { Item: versions }, requestId);
    }
    case 'GetSegmentVersion': {
      const segment = findSegment(app, route.segmentId!);
      const version = Number(route.version);
      if (!Number.isInteger(version) || version < 1 || version > segment.latestVersion) {
        throw pinpointErrors.notFound('Segment version not found');
      }
      return pinpointJson(200, segmentResponse(ctx, app, segment.id, version), requestId);
    }
    default:
      throw pinpointErrors.notFound(`Unknown operation ${route.operation}`);
  }
}

async function createExportJob(
  ctx: PinpointContext,
  app: ApplicationRecord,
  body: string,
  requestId: string,
) {
  const request = parseBody(body);
  const { RoleArn, S3UrlPrefix, SegmentId, SegmentVersion } = request;
  if (RoleArn === undefined || RoleArn === null || RoleArn === '') {
    throw pinpointErrors.badRequest('Missing required parameter: RoleArn');
  }
  if (S3UrlPrefix === undefined || S3UrlPrefix === null || S3UrlPrefix === '') {
    throw pinpointErrors.badRequest('Missing required parameter: S3UrlPrefix');
  }
  if (typeof RoleArn !== 'string' || !ROLE_ARN.test(RoleArn)) {
    throw pinpointErrors.badRequest(
      `Invalid RoleArn: ${String(RoleArn)}. Expected arn:aws:iam::<account-id>:role/<role-name>`,
    );
  }
  if (typeof S3UrlPrefix !== 'string' || !parseS3Url(S3UrlPrefix)) {
    throw pinpointErrors.badRequest(
      `Invalid S3UrlPrefix: ${String(S3UrlPrefix)}. Expected s3://bucket-name/folder-name/`,
    );
  }
  if (S3UrlPrefix.split('/').includes('..')) {
    throw pinpointErrors.badRequest(
      `Invalid S3UrlPrefix: ${S3UrlPrefix}. Path segments '..' are not allowed`,
    );
  }
  if (SegmentId !== undefined && SegmentId !== null && typeof SegmentId !== 'string') {
    throw pinpointErrors.badRequest('Invalid SegmentId: must be a string');
  }
  if (
    SegmentVersion !== undefined &&
    SegmentVersion !== null &&
    (typeof SegmentVersion !== 'number' || !Number.isInteger(SegmentVersion) || SegmentVersion < 1)
  ) {
    throw pinpointErrors.badRequest('Invalid SegmentVersion: must be a positive integer');
  }
  if (typeof SegmentVersion === 'number' && !SegmentId) {
    throw pinpointErrors.badRequest('SegmentVersion requires SegmentId');
  }
  if (RoleArn.includes('no-trust')) {
    throw pinpointErrors.forbidden(
      `Unable to assume role ${RoleArn}. Make sure the role exists and its trust policy allows pinpoint.amazonaws.com to assume it.`,
    );
  }
  let segmentName: string | undefined;
  let segmentVersion = 0;
  if (typeof SegmentId === 'string' && SegmentId !== '') {
    const segment = findSegment(app, SegmentId);
    segmentName = segment.name;
    segmentVersion = typeof SegmentVersion === 'number' ? SegmentVersion : segment.latestVersion;
    if (segmentVersion > segment.latestVersion) {
      throw pinpointErrors.notFound(`Segment version ${segmentVersion} not found for segment ${SegmentId}`);
    }
  }

  const definition: ExportDefinition = { RoleArn, S3UrlPrefix };
  if (typeof SegmentId === 'string' && SegmentId !== '') definition.SegmentId = SegmentId;
  if (typeof SegmentVersion === 'number') definition.SegmentVersion = SegmentVersion;

  const context = { service: 'pinpoint' as const, operation: 'CreateExportJob', applicationId: app.id };
  const outcomes = ctx.faults.take(context, ['job-fail', 'job-stuck', 'job-pending']);
  const fail = outcomes.find((o) => o.kind === 'job-fail');
  const pending = outcomes.find((o) => o.kind === 'job-pending');
  const job: ExportJobRecord = createJobRecord({
    applicationId: app.id,
    definition,
    ...(segmentName ? { segmentName } : {}),
    segmentVersion,
    createdAtMs: ctx.now(),
    seq: ctx.nextSeq(),
    shape: {
      endpoints: ctx.dataset.endpoints,
      malformedEvery: ctx.dataset.malformedEvery,
      durationSeconds: ctx.job.durationSeconds,
      ...(ctx.job.pieces !== undefined ? { pieces: ctx.job.pieces } : {}),
      pendingSeconds: pending?.pendingSeconds ?? ctx.job.pendingSeconds,
      ...(fail ? { failLastPieces: Math.max(1, fail.failedPieces ?? 1) } : {}),
      ...(fail?.message ? { failureDetail: fail.message } : {}),
      stuck: outcomes.some((o) => o.kind === 'job-stuck'),
    },
  });
  ctx.state.jobs.push(job);
  // create-then-500: the job exists, but the caller never learns its id (a lost response).
  const lost = ctx.faults.take(context, ['create-then-500'], true)[0];
  if (lost)
    throw Object.assign(pinpointErrors.internal(lost.message ?? 'Internal server error'), {
      fault: lost.kind,
    });
  return pinpointJson(202, ctx.state.view(job), requestId);
}

/** Writes files of jobs that reached a terminal status, before their status is reported. */
export async function settle(
  ctx: Pick<PinpointContext, 'now' | 'dataDir'>,
  jobs: ExportJobRecord[],
): Promise<void> {
  const now = ctx.now();
  await Promise.all(jobs.filter((job) => isTerminal(job, now)).map((job) => writeJobFiles(job, ctx.dataDir)));
}

function findSegment(app: ApplicationRecord, segmentId: string) {
  const segment = app.segments.find((s) => s.id === segmentId);
  if (!segment) throw pinpointErrors.notFound(`Segment ${segmentId} not found`);
  return segment;
}

function parseBody(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // fall through: answered as BadRequest below, like any body Pinpoint cannot read
  }
  throw pinpointErrors.badRequest('Invalid request body: expected a JSON object');
}

function paginate<T>(
  items: T[],
  query: URLSearchParams,
  defaultSize: number,
): { items: T[]; nextToken?: string } {
  const sizeText = query.get('page-size');
  const size = sizeText === null ? defaultSize : Number(sizeText);
  if (!Number.isInteger(size) || size < 1 || size > 1000) {
    throw pinpointErrors.badRequest(`Invalid page-size: ${sizeText}. Must be an integer between 1 and 1000`);
  }
  const token = query.get('token');
  let offset = 0;
  if (token) {
    try {
      const decoded: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
      offset = (decoded as { offset: number }).offset;
    } catch {
      offset = Number.NaN;
    }
    if (!Number.isInteger(offset) || offset < 0) throw pinpointErrors.badRequest('Invalid token');
  }
  const page = items.slice(offset, offset + size);
  const next = offset + size;
  return next < items.length
    ? { items: page, nextToken: Buffer.from(JSON.stringify({ offset: next })).toString('base64url') }
    : { items: page };
}

function appResponse(app: ApplicationRecord) {
  return { Arn: app.arn, Id: app.id, Name: app.name, tags: app.tags, CreationDate: app.creationDate };
}

function segmentResponse(
  ctx: Pick<PinpointContext, 'region'>,
  app: ApplicationRecord,
  segmentId: string,
  version: number,
) {
  const segment = app.segments.find((s) => s.id === segmentId)!;
  return {
    ApplicationId: app.id,
    Arn: `arn:aws:mobiletargeting:${ctx.region}:${ACCOUNT_ID}:apps/${app.id}/segments/${segment.id}`,
    CreationDate: app.creationDate,
    LastModifiedDate: app.creationDate,
    Id: segment.id,
    Name: segment.name,
    SegmentType: 'DIMENSIONAL',
    Version: version,
    Dimensions: {},
  };
}
