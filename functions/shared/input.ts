import {
  APPLICATION_ID,
  bucketNameProblem,
  keyPrefixBytesProblem,
  ROLE_ARN,
  SEGMENT_ID,
} from './aws-names.ts';
import { InvalidExportInputError, type RawInputFacts } from './errors.ts';
import { resolveS3UrlPrefix, S3_PREFIX_PLACEHOLDERS, unknownPlaceholders } from './s3-prefix.ts';

import type { ResolvedExportRequest } from './types.ts';

/*
 * Validation of the execution input, shared by create-export-job and the
 * operators' CLI so both reject the same mistakes with the same words.
 *
 * Hand-written rather than a schema library: zod's full build alone is ~450 KB
 * minified and zod/mini would push the create-export-job bundle past its 400 KB
 * budget; the rules are few and each needs its own message anyway.
 */

/** Defaults the stage supplies for fields the input leaves out. */
export interface InputDefaults {
  RoleArn?: string | undefined;
  S3UrlPrefix?: string | undefined;
}

const TOP_LEVEL_FIELDS = ['ApplicationId', 'ExportJobRequest', 'ScheduledTime', 'Target'] as const;

/**
 * How far after the execution's start a ScheduledTime may lie (clock skew between
 * Scheduler and Step Functions). A run is never scheduled in the future: the run
 * ledger and the job look-up both trust that a run's jobs are created after it.
 */
export const MAX_SCHEDULED_AHEAD_SECONDS = 300;

/** A target name, as the stage config names schedules: 1-64 of `0-9A-Za-z-_.`. */
export const TARGET_NAME = /^[0-9A-Za-z._-]{1,64}$/;
const REQUEST_FIELDS = ['RoleArn', 'S3UrlPrefix', 'SegmentId', 'SegmentVersion'] as const;

/** Pinpoint's SegmentVersion is a 32-bit integer. */
const MAX_SEGMENT_VERSION = 2_147_483_647;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
/** Longest S3 URL we accept: S3 keys are at most 1,024 bytes, plus `s3://` and a 63-char bucket. */
const MAX_S3_URL_LENGTH = 1100;

/**
 * Date.parse rolls impossible dates over (2026-02-30 becomes 2026-03-02, 24:00 the next day):
 * check the written day exists in its month and the hour is 00-23.
 */
function isCalendarTime(iso: string): boolean {
  const year = Number(iso.slice(0, 4));
  const month = Number(iso.slice(5, 7));
  const day = Number(iso.slice(8, 10));
  const hour = Number(iso.slice(11, 13));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23;
}

function fail(field: string, problem: string): never {
  throw new InvalidExportInputError(field, problem);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Longest piece of the input quoted in a message or a summary field (an input may hold 256 KB in one name or value). */
export const MAX_QUOTED_INPUT_CHARS = 64;

/**
 * Text from the raw input made safe to quote anywhere (messages, summary fields,
 * SNS message attributes): printable ASCII, at most {@link MAX_QUOTED_INPUT_CHARS}
 * characters, saying how long it really was when cut.
 */
export function quoteInput(text: string, max = MAX_QUOTED_INPUT_CHARS): string {
  const safe = text
    .slice(0, 4 * max)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\t\n\v\f\r\u0085\u2028\u2029]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?');
  if (safe.length <= max && text.length <= 4 * max) return safe;
  return `${safe.slice(0, max)}... (${text.length} characters)`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return value.length > 40 ? `a ${value.length}-character string` : `"${quoteInput(value)}"`;
  return quoteInput(`${typeof value} ${JSON.stringify(value)}`.slice(0, 60));
}

function rejectUnknownFields(object: Record<string, unknown>, allowed: readonly string[], prefix: string) {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      fail(`${prefix}${quoteInput(key)}`, `unknown field; allowed fields are ${allowed.join(', ')}`);
    }
  }
}

function checkS3UrlPrefix(value: string, field: string): void {
  if (value.length > MAX_S3_URL_LENGTH)
    fail(field, `is ${value.length} characters long; at most ${MAX_S3_URL_LENGTH}`);
  const match = /^s3:\/\/([^/]*)(\/.*)?$/.exec(value);
  if (!match) fail(field, `must look like s3://bucket-name/prefix/, got ${describe(value)}`);
  const bucket = match[1] ?? '';
  const keyProblem = keyPrefixBytesProblem((match[2] ?? '').slice(1));
  if (keyProblem) fail(field, keyProblem);
  const problem = bucketNameProblem(bucket);
  if (problem)
    fail(field, `bucket name "${quoteInput(bucket)}" is not a valid S3 bucket name: it ${problem}`);
  const unknown = unknownPlaceholders(value);
  if (unknown.length > 0) {
    fail(
      field,
      `unknown placeholder {${quoteInput(unknown[0] ?? '')}}; known placeholders are ${Object.keys(
        S3_PREFIX_PLACEHOLDERS,
      )
        .map((p) => `{${p}}`)
        .join(', ')}`,
    );
  }
}

function optionalString(object: Record<string, unknown>, key: string, field: string): string | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail(field, `must be a string, got ${describe(value)}`);
  if (value.trim() === '') fail(field, 'must not be empty');
  return value;
}

/**
 * Validates an execution input and completes it: stage defaults for RoleArn and
 * S3UrlPrefix, ScheduledTime defaulting to `startTime`, the S3 prefix template
 * resolved. Throws {@link InvalidExportInputError} naming the first field at fault.
 */
export function resolveExecutionInput(
  raw: unknown,
  defaults: InputDefaults,
  startTime: string,
): ResolvedExportRequest {
  if (raw === undefined || raw === null)
    fail('(input)', 'is empty; expected an object with at least ApplicationId');
  if (!isPlainObject(raw)) fail('(input)', `must be a JSON object, got ${describe(raw)}`);
  rejectUnknownFields(raw, TOP_LEVEL_FIELDS, '');

  const applicationId = raw.ApplicationId;
  if (applicationId === undefined) fail('ApplicationId', 'is required');
  if (typeof applicationId !== 'string')
    fail('ApplicationId', `must be a string, got ${describe(applicationId)}`);
  if (!APPLICATION_ID.test(applicationId)) {
    fail(
      'ApplicationId',
      `must be a Pinpoint project id (32 lowercase hex characters), got ${describe(applicationId)}`,
    );
  }

  const scheduled = optionalString(raw, 'ScheduledTime', 'ScheduledTime') ?? startTime;
  if (!ISO_WITH_ZONE.test(scheduled) || Number.isNaN(Date.parse(scheduled)) || !isCalendarTime(scheduled)) {
    fail(
      'ScheduledTime',
      `must be an ISO 8601 time with a zone, such as 2026-11-28T02:00:00Z, got ${describe(scheduled)}`,
    );
  }
  const scheduledTime = new Date(scheduled);
  const ahead = (scheduledTime.getTime() - Date.parse(startTime)) / 1000;
  if (ahead > MAX_SCHEDULED_AHEAD_SECONDS) {
    fail(
      'ScheduledTime',
      `is ${Math.round(ahead)} s after the execution started (${startTime}); a run cannot be scheduled in the future: use a time at most ${MAX_SCHEDULED_AHEAD_SECONDS} s after the start, or leave ScheduledTime out to use the start time`,
    );
  }

  const target = optionalString(raw, 'Target', 'Target');
  if (target !== undefined && !TARGET_NAME.test(target)) {
    fail('Target', `must be a target name (1-64 of letters, digits, - _ .), got ${describe(target)}`);
  }

  const request = raw.ExportJobRequest ?? {};
  if (!isPlainObject(request)) fail('ExportJobRequest', `must be an object, got ${describe(request)}`);
  rejectUnknownFields(request, REQUEST_FIELDS, 'ExportJobRequest.');

  const roleArn = optionalString(request, 'RoleArn', 'ExportJobRequest.RoleArn') ?? defaults.RoleArn;
  if (roleArn === undefined) {
    fail(
      'ExportJobRequest.RoleArn',
      'is required: the input has none and the stage configures no default role',
    );
  }
  if (!ROLE_ARN.test(roleArn)) {
    fail(
      'ExportJobRequest.RoleArn',
      `must be an IAM role ARN (arn:aws:iam::123456789012:role/name), got ${describe(roleArn)}`,
    );
  }

  const prefixTemplate =
    optionalString(request, 'S3UrlPrefix', 'ExportJobRequest.S3UrlPrefix') ?? defaults.S3UrlPrefix;
  if (prefixTemplate === undefined) {
    fail(
      'ExportJobRequest.S3UrlPrefix',
      'is required: the input has none and the stage configures no default prefix',
    );
  }
  checkS3UrlPrefix(prefixTemplate, 'ExportJobRequest.S3UrlPrefix');

  const segmentId = optionalString(request, 'SegmentId', 'ExportJobRequest.SegmentId');
  if (segmentId !== undefined && !SEGMENT_ID.test(segmentId)) {
    fail(
      'ExportJobRequest.SegmentId',
      `must be a segment id (letters, digits, - _ .; at most 64), got ${describe(segmentId)}`,
    );
  }
  const segmentVersion = request.SegmentVersion;
  if (segmentVersion !== undefined) {
    if (typeof segmentVersion !== 'number' || !Number.isInteger(segmentVersion) || segmentVersion < 1) {
      fail('ExportJobRequest.SegmentVersion', `must be a positive integer, got ${describe(segmentVersion)}`);
    }
    if (segmentVersion > MAX_SEGMENT_VERSION) {
      fail(
        'ExportJobRequest.SegmentVersion',
        `must be at most ${MAX_SEGMENT_VERSION} (a 32-bit integer), got ${segmentVersion}`,
      );
    }
    if (segmentId === undefined) {
      fail('ExportJobRequest.SegmentVersion', 'is only allowed together with ExportJobRequest.SegmentId');
    }
  }

  const s3UrlPrefix = resolveS3UrlPrefix(prefixTemplate, {
    ApplicationId: applicationId,
    SegmentId: segmentId,
    SegmentVersion: segmentVersion as number | undefined,
    ScheduledTime: scheduledTime,
  });
  // The resolved prefix must still be a valid S3 URL (a placeholder may have made it too long).
  checkS3UrlPrefix(s3UrlPrefix, 'ExportJobRequest.S3UrlPrefix');

  return {
    ApplicationId: applicationId,
    ExportJobRequest: {
      RoleArn: roleArn,
      S3UrlPrefix: s3UrlPrefix,
      ...(segmentId === undefined ? {} : { SegmentId: segmentId }),
      ...(segmentVersion === undefined ? {} : { SegmentVersion: segmentVersion as number }),
    },
    ScheduledTime: scheduledTime.toISOString(),
    ...(target === undefined ? {} : { Target: target }),
  };
}

/** What an ERROR summary shows of a raw execution input that may not have passed validation. */
export function rawInputFacts(raw: unknown): RawInputFacts {
  if (!isPlainObject(raw)) return { hasScheduledTime: false };
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' && value !== '' ? quoteInput(value) : undefined;
  const request = isPlainObject(raw.ExportJobRequest) ? raw.ExportJobRequest : {};
  const facts: RawInputFacts = { hasScheduledTime: Object.hasOwn(raw, 'ScheduledTime') };
  const applicationId = text(raw.ApplicationId);
  const segmentId = text(request.SegmentId);
  const scheduledTime = text(raw.ScheduledTime);
  if (applicationId !== undefined) facts.ApplicationId = applicationId;
  if (segmentId !== undefined) facts.SegmentId = segmentId;
  if (scheduledTime !== undefined) facts.ScheduledTime = scheduledTime;
  return facts;
}
