import { LOCAL_BUCKET, localRoleArn } from '../local.ts';

/*
 * Pinpoint's stage defaults, declared once: the name its input validation reads each by
 * (describe.ts), the create function's environment variable that carries it (set by the stack,
 * stack.ts `environment()`, and by the local run) and the local run's value; sources/settings.ts
 * registers them (and checks their shape). Loaded by osls through type stripping: erasable
 * TypeScript only, `.ts` imports.
 */

/** The S3UrlPrefix template under `exportDestination.keyPrefix` when the stage file sets no `prefixTemplate`. */
export const DEFAULT_PREFIX_TEMPLATE = '{ApplicationId}/{SegmentId}/{date}/';

export const PINPOINT_DEFAULTS = {
  /** ExportJobRequest.RoleArn: the export role Pinpoint assumes (the stack's, or `exportDestination.roleArn`). */
  RoleArn: { env: 'DEFAULT_ROLE_ARN', local: localRoleArn('pinpoint-export-local') },
  /** ExportJobRequest.S3UrlPrefix: `s3://<bucket>/<keyPrefix><prefixTemplate>`. */
  S3UrlPrefix: {
    env: 'DEFAULT_S3_URL_PREFIX',
    local: `s3://${LOCAL_BUCKET}/pinpoint/${DEFAULT_PREFIX_TEMPLATE}`,
  },
} as const;
