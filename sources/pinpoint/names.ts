import { resolveTemplate, TIME_PLACEHOLDERS, timeValues } from '../../core/input-rules.ts';

/*
 * Amazon Pinpoint's names, patterns and limits, and the placeholders of its S3UrlPrefix template,
 * stated once: the input's validation (describe.ts), the stage file's (stack.ts and
 * deploy/stage-config.ts's exportDestination.prefixTemplate and additionalApplicationIds) read them
 * here. Loaded by osls through type stripping (stack.ts): erasable TypeScript only, `.ts` imports.
 *
 * The S3 prefix template's placeholders are resolved from the execution input only (never from
 * the execution name or the clock), so two deliveries of the same scheduled run resolve to the
 * same prefix: that is what lets create-export-job recognise a job it already created for this run.
 */

/** Pinpoint application (project) ids are 32 lowercase hex characters. */
export const APPLICATION_ID = /^[0-9a-f]{32}$/;
/** A Pinpoint segment id as the execution input accepts it. */
export const SEGMENT_ID = /^[\w.-]{1,64}$/;
/**
 * The segment ids Pinpoint generates: 32 lowercase hex characters, like application ids. The stage
 * configuration requires this shape, so a segment's name in a schedule fails packaging instead of
 * every night's run.
 */
export const PINPOINT_SEGMENT_ID = /^[0-9a-f]{32}$/;
/** Pinpoint's SegmentVersion is a 32-bit integer. */
export const MAX_SEGMENT_VERSION = 2_147_483_647;

/** Placeholders an S3UrlPrefix template may use, and what each becomes. */
export const S3_PREFIX_PLACEHOLDERS = {
  ApplicationId: 'the application id',
  SegmentId: 'the segment id, or "all-endpoints" without a segment',
  SegmentVersion: 'the segment version, or "latest"',
  ...TIME_PLACEHOLDERS,
} as const;

export type S3PrefixPlaceholder = keyof typeof S3_PREFIX_PLACEHOLDERS;

/** The placeholders' names. */
export const PINPOINT_PLACEHOLDERS: readonly string[] = Object.keys(S3_PREFIX_PLACEHOLDERS);

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

/** Resolves every placeholder; callers check the template's placeholders first. */
export function resolveS3UrlPrefix(template: string, values: PrefixValues): string {
  return resolveTemplate(template, {
    ApplicationId: values.ApplicationId,
    SegmentId: values.SegmentId ?? 'all-endpoints',
    SegmentVersion: values.SegmentVersion === undefined ? 'latest' : String(values.SegmentVersion),
    ...timeValues(values.ScheduledTime),
  });
}

/** The template resolved with every placeholder at its longest value (the shared resolver, worst-case input). */
export function longestResolution(template: string): string {
  return resolveS3UrlPrefix(template, {
    ApplicationId: 'x'.repeat(32),
    SegmentId: 'x'.repeat(64),
    SegmentVersion: MAX_SEGMENT_VERSION,
    ScheduledTime: new Date(0),
  });
}
