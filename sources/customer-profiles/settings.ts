import { LOCAL_BUCKET, localRoleArn } from '../local.ts';

/*
 * Customer Profiles' stage defaults, declared once: the name its input validation reads each by
 * (describe.ts), the create function's environment variable that carries it (set by the stack,
 * stack.ts `environment()`, and by the local run) and the local run's value; sources/settings.ts
 * registers them (and checks their shape). Loaded by osls through type stripping: erasable
 * TypeScript only, `.ts` imports.
 */

/**
 * The destination under `exportDestination.keyPrefix` when a target gives no prefix: a folder per
 * run, because Customer Profiles writes its files straight into the destination.
 */
export const DEFAULT_PROFILES_PREFIX = 'customer-profiles/{DomainName}/{SegmentDefinitionName}/{timestamp}/';

export const PROFILES_DEFAULTS = {
  /** RoleArn: the role the service assumes (the stack's ProfilesExportRole, or `exportDestination.profilesRoleArn`). */
  ProfilesRoleArn: { env: 'PROFILES_ROLE_ARN', local: localRoleArn('profiles-export-local') },
  /** DestinationUri: `s3://<bucket>/<keyPrefix>` and the default prefix. */
  ProfilesDestination: {
    env: 'PROFILES_DESTINATION',
    local: `s3://${LOCAL_BUCKET}/${DEFAULT_PROFILES_PREFIX}`,
  },
} as const;
