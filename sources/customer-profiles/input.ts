/*
 * Customer Profiles' execution input from what the options say (the CLI's, a local run's, a
 * target's settings): built here once, for `npm run export -- start` (cli/input.ts), the local
 * run (dev/local) and each target's schedule (stack.ts `scheduleInput`). Only what is given: the
 * stage's defaults fill the rest (settings.ts), and the validation judges it (describe.ts).
 * Loaded by osls through type stripping (stack.ts): erasable TypeScript only.
 */

/** What a Customer Profiles run exports; a schedule's values may be CloudFormation intrinsics (`V`). */
export interface ProfilesInputOptions<V = string> {
  /** --domain: DomainName. */
  domain?: V | undefined;
  /** --segment-definition: SegmentDefinitionName. */
  segmentDefinition?: V | undefined;
  /** --format: DataFormat. */
  format?: string | undefined;
  /** --role-arn: RoleArn, the role the service assumes. */
  roleArn?: V | undefined;
  /** DestinationUri, a template (a target's prefix under the stage's bucket). */
  destinationUri?: V | undefined;
  /** EncryptionKey (the stage bucket's KMS key). */
  encryptionKey?: V | undefined;
}

export function profilesInput<V = string>(options: ProfilesInputOptions<V>): Record<string, unknown> {
  return {
    Source: 'customer-profiles',
    ...(options.domain !== undefined && { DomainName: options.domain }),
    ...(options.segmentDefinition !== undefined && { SegmentDefinitionName: options.segmentDefinition }),
    ...(options.format !== undefined && { DataFormat: options.format }),
    ...(options.roleArn !== undefined && { RoleArn: options.roleArn }),
    ...(options.destinationUri !== undefined && { DestinationUri: options.destinationUri }),
    ...(options.encryptionKey !== undefined && { EncryptionKey: options.encryptionKey }),
  };
}
