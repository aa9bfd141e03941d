/*
 * Pinpoint's CreateExportJob in the emulator: the request checked as Pinpoint checks it,
 * the job made (sources/pinpoint/emulator-jobs.ts) with what the fault rules ask of it
 * (`job-fail`, `job-stuck`, `job-pending`), and a lost answer (`create-then-500`).
 * A role whose ARN contains `no-trust` cannot be assumed by Pinpoint: 403
 * ForbiddenException "Unable to assume role …", as when the role's trust policy does not
 * name pinpoint.amazonaws.com.
 */

import type { FaultKind } from '../emulator/faults.ts';
import { type HttpResult, parseS3Url } from '../emulator/protocol.ts';
import { createJobRecord, type ExportDefinition, type ExportJobRecord } from './emulator-jobs.ts';
import type { ApplicationRecord, PinpointContext } from './emulator-state.ts';
import { type PinpointError, parseBody, pinpointErrors, pinpointJson } from './emulator-wire.ts';

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** A Pinpoint error that a fault rule shaped (the request log names the rule). */
export type FaultedPinpointError = PinpointError & { fault?: FaultKind };

/** The segment of an application, or NotFound. */
export function findSegment(app: ApplicationRecord, segmentId: string) {
  const segment = app.segments.find((s) => s.id === segmentId);
  if (!segment) throw pinpointErrors.notFound(`Segment ${segmentId} not found`);
  return segment;
}

/** The request's definition, checked as Pinpoint checks it, and the segment it names. */
function checkRequest(app: ApplicationRecord, body: string) {
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
  return { definition, segmentName, segmentVersion };
}

/** CreateExportJob: makes the job (202 with its description), or throws PinpointError. */
export function createExportJob(
  ctx: PinpointContext,
  app: ApplicationRecord,
  body: string,
  requestId: string,
): HttpResult {
  const { definition, segmentName, segmentVersion } = checkRequest(app, body);
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
    seq: ctx.state.nextSeq(),
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
  if (lost) {
    const error: FaultedPinpointError = pinpointErrors.internal(lost.message ?? 'Internal server error');
    throw Object.assign(error, { fault: lost.kind });
  }
  return pinpointJson(202, ctx.state.view(job), requestId);
}
