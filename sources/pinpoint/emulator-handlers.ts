/*
 * The Pinpoint operations the emulator answers, once routed (emulator-routes.ts): the
 * applications, their seeded segments (emulator-dataset.ts) and the export jobs
 * (CreateExportJob is emulator-create.ts). An application flagged end-of-support, or
 * matched by an `end-of-support` fault, answers engagement calls with 403
 * ForbiddenException and {@link endOfSupportMessage}.
 */

import { randomBytes } from 'node:crypto';
import { ACCOUNT_ID, type HttpResult } from '../emulator/protocol.ts';
import { createExportJob, findSegment } from './emulator-create.ts';
import { type ExportJobRecord, isTerminal, writeJobFiles } from './emulator-jobs.ts';
import type { PinpointRoute } from './emulator-routes.ts';
import { type ApplicationRecord, newApplication, type PinpointContext } from './emulator-state.ts';
import { paginate, parseBody, pinpointErrors, pinpointJson } from './emulator-wire.ts';

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

/** Writes the files of jobs that reached a terminal status, before their status is reported. */
export async function settleJobs(
  ctx: Pick<PinpointContext, 'now' | 's3Root'>,
  jobs: ExportJobRecord[],
): Promise<void> {
  const now = ctx.now();
  await Promise.all(jobs.filter((job) => isTerminal(job, now)).map((job) => writeJobFiles(job, ctx.s3Root)));
}

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
      await settleJobs(ctx, [job]);
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
      await settleJobs(ctx, items);
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
