import { LOCAL_BUCKET } from '../local.ts';

/*
 * DynamoDB's stage defaults, declared once: the name its input validation reads each by
 * (describe.ts), the create function's environment variable that carries it (set by the stack,
 * stack.ts `environment()`, and by the local run) and the local run's value; sources/settings.ts
 * registers them (and checks their shape). Loaded by osls through type stripping: erasable
 * TypeScript only, `.ts` imports.
 */

/** The S3Prefix under `exportDestination.keyPrefix` when a target gives no prefix. */
export const DEFAULT_DYNAMODB_PREFIX = 'dynamodb/{TableName}/{date}/';

export const DYNAMODB_DEFAULTS = {
  /** S3Bucket: the stage's export bucket. */
  DynamoDbBucket: { env: 'DYNAMODB_EXPORT_BUCKET', local: LOCAL_BUCKET },
  /**
   * S3Prefix: `<keyPrefix>` and the default prefix. A local run has no key prefix, and a folder per
   * run (`{timestamp}` for `{date}`), so the incremental demo's two runs keep their files apart.
   */
  DynamoDbPrefix: {
    env: 'DYNAMODB_EXPORT_PREFIX',
    local: DEFAULT_DYNAMODB_PREFIX.replace('{date}/', '{timestamp}/'),
  },
} as const;
