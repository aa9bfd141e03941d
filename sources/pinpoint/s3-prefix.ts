/**
 * The S3 prefix template. Placeholders are resolved from the execution input
 * only (never from the execution name or the clock), so two deliveries of the
 * same scheduled run resolve to the same prefix: that is what lets
 * create-export-job recognise a job it already created for this run.
 */

import {
  resolveTemplate,
  TIME_PLACEHOLDERS,
  timeValues,
  unknownTemplatePlaceholders,
} from '../../core/input-rules.ts';

/** Placeholders an S3UrlPrefix template may use, and what each becomes. */
export const S3_PREFIX_PLACEHOLDERS = {
  ApplicationId: 'the application id',
  SegmentId: 'the segment id, or "all-endpoints" without a segment',
  SegmentVersion: 'the segment version, or "latest"',
  ...TIME_PLACEHOLDERS,
} as const;

export type S3PrefixPlaceholder = keyof typeof S3_PREFIX_PLACEHOLDERS;

/** Names of placeholders in `template` that are not known, in order of appearance. */
export function unknownPlaceholders(template: string): string[] {
  return unknownTemplatePlaceholders(template, Object.keys(S3_PREFIX_PLACEHOLDERS));
}

/**
 * Own properties only: `name in S3_PREFIX_PLACEHOLDERS` would also accept `{__proto__}`,
 * `{constructor}` or `{toString}` and resolve them to `[object Object]` or a function's source.
 */
export function isPlaceholder(name: string): name is S3PrefixPlaceholder {
  return Object.hasOwn(S3_PREFIX_PLACEHOLDERS, name);
}

export interface PrefixValues {
  ApplicationId: string;
  SegmentId?: string | undefined;
  SegmentVersion?: number | undefined;
  ScheduledTime: Date;
}

/** Resolves every placeholder; callers validate with {@link unknownPlaceholders} first. */
export function resolveS3UrlPrefix(template: string, values: PrefixValues): string {
  return resolveTemplate(template, {
    ApplicationId: values.ApplicationId,
    SegmentId: values.SegmentId ?? 'all-endpoints',
    SegmentVersion: values.SegmentVersion === undefined ? 'latest' : String(values.SegmentVersion),
    ...timeValues(values.ScheduledTime),
  });
}
