/*
 * Pinpoint's execution input from what the options say (the CLI's, a local run's, a target's
 * settings): built here once, for `npm run export -- start` (cli/input.ts), the local run
 * (dev/local) and each target's schedule (stack.ts `scheduleInput`). Only what is given: the
 * stage's defaults fill the rest (settings.ts), and the validation judges it (describe.ts).
 * Loaded by osls through type stripping (stack.ts): erasable TypeScript only.
 */

/** What a Pinpoint run exports; a schedule's values may be CloudFormation intrinsics (`V`). */
export interface PinpointInputOptions<V = string> {
  /** --application-id: ApplicationId. */
  applicationId?: V | undefined;
  /** --segment-id: ExportJobRequest.SegmentId. */
  segmentId?: V | undefined;
  /** --segment-version: ExportJobRequest.SegmentVersion (as typed when it is not a number: the validation names it). */
  segmentVersion?: number | string | undefined;
  /** --s3-url-prefix: ExportJobRequest.S3UrlPrefix, a template. */
  s3UrlPrefix?: V | undefined;
  /** --role-arn: ExportJobRequest.RoleArn. */
  roleArn?: V | undefined;
}

/** The input's Pinpoint fields (a Pinpoint input names no Source, as every input before sources existed). */
export function pinpointInput<V = string>(options: PinpointInputOptions<V>): Record<string, unknown> {
  const request: Record<string, unknown> = {};
  if (options.roleArn !== undefined) request.RoleArn = options.roleArn;
  if (options.s3UrlPrefix !== undefined) request.S3UrlPrefix = options.s3UrlPrefix;
  if (options.segmentId !== undefined) request.SegmentId = options.segmentId;
  if (options.segmentVersion !== undefined) request.SegmentVersion = options.segmentVersion;
  return {
    ...(options.applicationId !== undefined && { ApplicationId: options.applicationId }),
    ...(Object.keys(request).length > 0 && { ExportJobRequest: request }),
  };
}
