import { createHash } from 'node:crypto';
import { ROLE_ARN } from '../../core/aws-names.ts';
import {
  asGiven,
  checkS3Url,
  fail,
  isPlainObject,
  optionalString,
  quoteInput,
  rejectUnknownFields,
} from '../../core/input-rules.ts';
import { parseS3Url } from '../../core/s3-url.ts';
import type { SourceDescription } from '../types.ts';
import {
  APPLICATION_ID,
  MAX_SEGMENT_VERSION,
  PINPOINT_PLACEHOLDERS,
  resolveS3UrlPrefix,
  SEGMENT_ID,
} from './names.ts';
import type { PinpointRequest } from './types.ts';

/*
 * Amazon Pinpoint's endpoint export (CreateExportJob): the input, the run's identity,
 * where a job's files are and the summary's words. The SDK calls are in runtime.ts.
 */

const REQUEST_FIELDS = ['RoleArn', 'S3UrlPrefix', 'SegmentId', 'SegmentVersion'] as const;

function resolve(
  raw: Record<string, unknown>,
  defaults: { RoleArn?: string | undefined; S3UrlPrefix?: string | undefined },
  scheduledTime: Date,
): Omit<PinpointRequest, 'ScheduledTime' | 'Target'> {
  const applicationId = raw.ApplicationId;
  if (applicationId === undefined) fail('ApplicationId', 'is required');
  if (typeof applicationId !== 'string')
    fail('ApplicationId', `must be a string, got ${asGiven(applicationId)}`);
  if (!APPLICATION_ID.test(applicationId)) {
    fail(
      'ApplicationId',
      `must be a Pinpoint project id (32 lowercase hex characters), got ${asGiven(applicationId)}`,
    );
  }

  const request = raw.ExportJobRequest ?? {};
  if (!isPlainObject(request)) fail('ExportJobRequest', `must be an object, got ${asGiven(request)}`);
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
      `must be an IAM role ARN (arn:aws:iam::123456789012:role/name), got ${asGiven(roleArn)}`,
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
  checkS3Url(prefixTemplate, 'ExportJobRequest.S3UrlPrefix', PINPOINT_PLACEHOLDERS);

  const segmentId = optionalString(request, 'SegmentId', 'ExportJobRequest.SegmentId');
  if (segmentId !== undefined && !SEGMENT_ID.test(segmentId)) {
    fail(
      'ExportJobRequest.SegmentId',
      `must be a segment id (letters, digits, - _ .; at most 64), got ${asGiven(segmentId)}`,
    );
  }
  const segmentVersion = request.SegmentVersion;
  if (segmentVersion !== undefined) {
    if (typeof segmentVersion !== 'number' || !Number.isInteger(segmentVersion) || segmentVersion < 1) {
      fail('ExportJobRequest.SegmentVersion', `must be a positive integer, got ${asGiven(segmentVersion)}`);
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
  checkS3Url(s3UrlPrefix, 'ExportJobRequest.S3UrlPrefix', PINPOINT_PLACEHOLDERS);

  return {
    ApplicationId: applicationId,
    ExportJobRequest: {
      RoleArn: roleArn,
      S3UrlPrefix: s3UrlPrefix,
      ...(segmentId === undefined ? {} : { SegmentId: segmentId }),
      ...(segmentVersion === undefined ? {} : { SegmentVersion: segmentVersion as number }),
    },
  };
}

const sha12 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/** A segment id as the `segmentId` attribute carries it (the input validation's limit). */
const SEGMENT_ID_ATTRIBUTE = /^[\w.-]{1,64}$/;

export const PINPOINT: SourceDescription<PinpointRequest> = {
  id: 'pinpoint',
  service: 'Pinpoint',
  inputFields: ['ApplicationId', 'ExportJobRequest'],
  placeholders: PINPOINT_PLACEHOLDERS,
  resolve,
  /**
   * The target is what is exported and where: application, segment and version, and the
   * S3 prefix *template* (its resolved form changes every night; the run's ScheduledTime
   * is the ledger's sort key).
   */
  identity(request, template) {
    const { SegmentId, SegmentVersion } = request.ExportJobRequest;
    const where = sha12(template);
    const segment = SegmentId ?? 'all';
    return {
      target: ['pinpoint', request.ApplicationId, segment, SegmentVersion ?? 'latest', where].join('#'),
      name: `${request.ApplicationId.slice(0, 8)}-${segment.slice(0, 12)}-${where.slice(0, 6)}`,
    };
  },
  executionLabel(request) {
    return { what: request.ExportJobRequest.SegmentId, version: request.ExportJobRequest.SegmentVersion };
  },
  destinationTemplate(raw, defaults) {
    const given = isPlainObject(raw.ExportJobRequest) ? raw.ExportJobRequest.S3UrlPrefix : undefined;
    return typeof given === 'string' ? given : (defaults.S3UrlPrefix ?? '');
  },
  /**
   * A Pinpoint export job writes its files into a folder named after the job under the
   * S3UrlPrefix (`<prefix>/<job id>/…`, gzipped JSON, one endpoint a line), so a re-run
   * to the same prefix never mixes with this job's files. The emulator writes the same
   * layout. Pinpoint counts every endpoint it processed, failed ones included: the files
   * hold TotalProcessed − TotalFailures records.
   */
  verification(state) {
    const url = state.request.ExportJobRequest.S3UrlPrefix;
    const location = parseS3Url(url);
    if (!location) throw new TypeError(`S3UrlPrefix is not an s3:// URL: ${url.slice(0, 100)}`);
    const { job } = state;
    const processed = job.TotalProcessed;
    const failures = job.TotalFailures ?? 0;
    return {
      source: 'pinpoint',
      sourceName: 'Pinpoint',
      bucket: location.bucket,
      prefix: `${location.prefix}${job.Id}/`,
      defaultFormat: 'ndjson',
      expected: processed === undefined ? null : processed - failures,
      expectedFrom: 'TotalProcessed - TotalFailures',
      job: {
        id: job.Id,
        status: job.JobStatus,
        applicationId: state.request.ApplicationId,
        segmentId: state.request.ExportJobRequest.SegmentId ?? null,
        segmentVersion: state.request.ExportJobRequest.SegmentVersion ?? null,
        s3UrlPrefix: url,
        TotalProcessed: processed ?? null,
        TotalFailures: job.TotalFailures ?? null,
        completionDate: job.CompletionDate ?? null,
      },
    };
  },
  words(request) {
    const segment = request.ExportJobRequest.SegmentId;
    return {
      what: `${segment ? `segment ${segment}` : 'all endpoints'} of ${request.ApplicationId}`,
      unit: 'endpoints',
      where: request.ExportJobRequest.S3UrlPrefix,
      checkCommand: (jobId) =>
        `aws pinpoint get-export-job --application-id ${request.ApplicationId} --job-id ${jobId}`,
    };
  },
  findsLostJobs: true,
  comparesCounts: () => true,

  rawFacts(raw) {
    const text = (value: unknown): string | undefined =>
      typeof value === 'string' && value !== '' ? quoteInput(value) : undefined;
    const request = isPlainObject(raw.ExportJobRequest) ? raw.ExportJobRequest : {};
    const applicationId = text(raw.ApplicationId);
    const segmentId = text(request.SegmentId);
    return {
      What: `${segmentId ? `segment ${segmentId}` : 'all endpoints'} of ${applicationId ?? 'an unknown application'}`,
      fields: {
        ...(applicationId === undefined ? {} : { applicationId }),
        ...(segmentId === undefined ? {} : { segmentId }),
      },
    };
  },

  attributes: {
    applicationId:
      'the application (project) id; `unknown` when the input had none, `invalid` when it was not an application id',
    segmentId: 'the segment id; `all-endpoints` without a segment, `invalid` when malformed',
  },

  summaryFacts(request, raw) {
    const applicationId = request ? request.ApplicationId : (raw?.applicationId ?? null);
    const segmentId = request ? (request.ExportJobRequest.SegmentId ?? null) : (raw?.segmentId ?? null);
    return {
      fields: {
        applicationId,
        segmentId,
        segmentVersion: request?.ExportJobRequest.SegmentVersion ?? null,
      },
      // Filterable tokens, never raw input: a value that is not an id is `invalid`.
      attributes: {
        applicationId:
          applicationId === null ? 'unknown' : APPLICATION_ID.test(applicationId) ? applicationId : 'invalid',
        segmentId:
          segmentId === null ? 'all-endpoints' : SEGMENT_ID_ATTRIBUTE.test(segmentId) ? segmentId : 'invalid',
      },
    };
  },
};
