import { bucketNameProblem, keyPrefixBytesProblem, ROLE_ARN } from '../../core/aws-names.ts';
import { longestResolution, PINPOINT_PLACEHOLDERS } from '../../sources/pinpoint/names.ts';
import { DEFAULT_PREFIX_TEMPLATE } from '../../sources/pinpoint/settings.ts';
import type { ExportDestination } from '../../sources/stack/stage-types.ts';
import { KMS_KEY_ARN, type Raw, type Reader } from '../stage-fields.ts';

/*
 * The stage's `exportDestination:`: the bucket every export goes to (the stack's or an existing
 * one), the key prefix under it, and the export roles of an existing bucket. Loaded by osls
 * through Node's type stripping: erasable TypeScript only, `.ts` imports.
 */

export const EXPORT_DESTINATION_DEFAULTS = {
  keyPrefix: 'exports/',
  prefixTemplate: DEFAULT_PREFIX_TEMPLATE,
  expirationDays: 30,
  accessLogExpirationDays: 365,
} as const;

/** Reads `exportDestination:`; defaults for what it leaves out. */
export function readExportDestination(r: Reader, raw: Raw): ExportDestination {
  const rawDest = r.object(raw, 'exportDestination', 'exportDestination');
  r.unknownKeys(
    rawDest,
    [
      'bucketName',
      'roleArn',
      'profilesRoleArn',
      'kmsKeyArn',
      'keyPrefix',
      'prefixTemplate',
      'expirationDays',
      'accessLogExpirationDays',
    ],
    'exportDestination',
  );
  const bucketName = r.string(rawDest, 'bucketName', 'exportDestination.bucketName');
  const kmsKeyArn = r.string(
    rawDest,
    'kmsKeyArn',
    'exportDestination.kmsKeyArn',
    KMS_KEY_ARN,
    'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)',
  );
  if (kmsKeyArn && rawDest.bucketName === undefined) {
    r.problem(
      'exportDestination.kmsKeyArn',
      "applies to an existing bucketName (the stack's own bucket uses SSE-S3)",
    );
  }
  const bucketProblem = bucketName === undefined ? undefined : bucketNameProblem(bucketName);
  if (bucketProblem)
    r.problem(
      'exportDestination.bucketName',
      `"${bucketName}" is not a valid S3 bucket name: it ${bucketProblem}`,
    );
  const roleArn = r.string(rawDest, 'roleArn', 'exportDestination.roleArn', ROLE_ARN, 'an IAM role ARN');
  if (rawDest.roleArn !== undefined && rawDest.bucketName === undefined) {
    r.problem(
      'exportDestination.roleArn',
      'an existing export role needs the existing bucketName it writes to',
    );
  }
  const profilesRoleArn = r.string(
    rawDest,
    'profilesRoleArn',
    'exportDestination.profilesRoleArn',
    ROLE_ARN,
    'an IAM role ARN',
  );
  if (rawDest.profilesRoleArn !== undefined && rawDest.bucketName === undefined) {
    r.problem(
      'exportDestination.profilesRoleArn',
      'an existing Customer Profiles export role needs the existing bucketName it writes to',
    );
  }
  const keyPrefix =
    r.keyTemplate(rawDest, 'keyPrefix', 'exportDestination.keyPrefix', PINPOINT_PLACEHOLDERS, false) ??
    EXPORT_DESTINATION_DEFAULTS.keyPrefix;
  if (
    keyPrefix.includes('{') ||
    keyPrefix.includes('*') ||
    !keyPrefix.endsWith('/') ||
    keyPrefix.length < 2
  ) {
    r.problem(
      'exportDestination.keyPrefix',
      `"${keyPrefix}" must be a fixed prefix ending with "/", without placeholders`,
    );
  }
  const prefixTemplate =
    r.keyTemplate(
      rawDest,
      'prefixTemplate',
      'exportDestination.prefixTemplate',
      PINPOINT_PLACEHOLDERS,
      false,
    ) ?? EXPORT_DESTINATION_DEFAULTS.prefixTemplate;
  const expirationDays = r.integer(rawDest, 'expirationDays', 'exportDestination.expirationDays', 1, 3650);
  const accessLogExpirationDays = r.integer(
    rawDest,
    'accessLogExpirationDays',
    'exportDestination.accessLogExpirationDays',
    1,
    3650,
  );
  return {
    ...(bucketName && { bucketName }),
    ...(roleArn && { roleArn }),
    ...(profilesRoleArn && { profilesRoleArn }),
    ...(kmsKeyArn && { kmsKeyArn }),
    keyPrefix,
    prefixTemplate,
    expirationDays: expirationDays ?? EXPORT_DESTINATION_DEFAULTS.expirationDays,
    accessLogExpirationDays: accessLogExpirationDays ?? EXPORT_DESTINATION_DEFAULTS.accessLogExpirationDays,
  };
}

/**
 * The longest key the stage's Pinpoint template can resolve to must leave room for Pinpoint's
 * object names (each source checks its targets' own prefixes). Checked after every section and
 * target: its problem comes last.
 */
export function checkPrefixTemplate(r: Reader, destination: ExportDestination): void {
  const templateProblem = keyPrefixBytesProblem(
    `${destination.keyPrefix}${longestResolution(destination.prefixTemplate)}`,
  );
  if (templateProblem)
    r.problem(
      'exportDestination.prefixTemplate',
      `with exportDestination.keyPrefix and its placeholders at their longest, the ${templateProblem}`,
    );
}
