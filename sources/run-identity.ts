import { type ResolvedExportRequest, sourceOf } from '../core/types.ts';
import type { CreateExportJobConfig } from '../functions/shared/config.ts';
import type { RunIdentity } from '../functions/shared/run-ledger.ts';
import { sourceFor } from './registry.ts';
import type { InputDefaults } from './types.ts';

/*
 * Which run of which target an input is: pure, so create-export-job, the CLI and the stack's
 * packaging check (two targets that would share one ledger target are refused) compute it alike.
 */

/** The stage's defaults for every source's input (the create function's environment). */
export function inputDefaultsOf(config: CreateExportJobConfig): InputDefaults {
  return {
    RoleArn: config.defaultRoleArn,
    S3UrlPrefix: config.defaultS3UrlPrefix,
    ProfilesRoleArn: config.profilesRoleArn,
    ProfilesDestination: config.profilesDestination,
    DynamoDbBucket: config.dynamoDbBucket,
    DynamoDbPrefix: config.dynamoDbPrefix,
  };
}

/**
 * The run's identity in the ledger: the source's target key (what is exported and
 * where, the destination *template* included), the readable name, and the run's
 * ScheduledTime (the ledger's sort key).
 */
export function runIdentityOf(request: ResolvedExportRequest, destinationTemplate: string): RunIdentity {
  const { target, name } = sourceFor(request).describe.identity(request, destinationTemplate);
  return {
    source: sourceOf(request),
    target,
    targetName: request.Target ?? name,
    scheduledTime: request.ScheduledTime,
  };
}
