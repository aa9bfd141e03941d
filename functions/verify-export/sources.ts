import type { RunState } from '../shared/types.ts';
import type { VerificationTarget } from './verify-export.ts';

/*
 * What each source tells the verification: where its job wrote, in which format,
 * and how many records it reported. Pinpoint is the only source today; DynamoDB
 * (ItemCount, `AWSDynamoDB/<export id>/data/`) and Customer Profiles (TotalProcessed)
 * are another function each here.
 */

/** `s3://bucket/a/b/` → bucket and key prefix (`a/b/`, or empty); undefined when it is not an S3 URL. */
export function parseS3Url(url: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match?.[1]) return undefined;
  const path = (match[2] ?? '').replace(/^\/+/, '');
  return { bucket: match[1], prefix: path === '' || path.endsWith('/') ? path : `${path}/` };
}

/**
 * A Pinpoint export job writes its files into a folder named after the job under the
 * S3UrlPrefix (`<prefix>/<job id>/…`, gzipped JSON, one endpoint a line), so a re-run
 * to the same prefix never mixes with this job's files. The emulator writes the same
 * layout. Pinpoint counts every endpoint it processed, failed ones included: the files
 * hold TotalProcessed − TotalFailures records.
 */
export function pinpointTarget(state: RunState): VerificationTarget {
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
    run: {
      executionId: state.execution.Id,
      executionName: state.execution.Name,
      scheduledTime: state.request.ScheduledTime ?? null,
      target: state.run?.targetName ?? state.request.Target ?? null,
    },
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
}
