import { TIME_PLACEHOLDERS } from '../../core/input-rules.ts';

/*
 * Amazon Connect Customer Profiles' names, patterns and limits (botocore's customer-profiles
 * 2020-08-15 model), stated once: the input's validation (describe.ts) and the stage file's
 * (stack.ts) read them here. Loaded by osls through type stripping (stack.ts): erasable
 * TypeScript only, `.ts` imports.
 */

/** DomainName and SegmentDefinitionName (botocore `name`): 1-64 of letters, digits, _ and -. */
export const PROFILES_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** The placeholders a DestinationUri template may use. */
export const PROFILES_PLACEHOLDERS: readonly string[] = [
  'DomainName',
  'SegmentDefinitionName',
  ...Object.keys(TIME_PLACEHOLDERS),
];

/** CreateSegmentSnapshot's DestinationUri: 1-255 characters. */
export const MAX_DESTINATION_URI_CHARS = 255;

/** DataFormat. */
export const DATA_FORMATS = ['JSONL', 'CSV', 'ORC'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

/** The model's RoleArn pattern (`arn:aws:iam:.*:[0-9]+:.*`), tightened to a role. */
export const PROFILES_ROLE_ARN = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,448}$/;
/** The model's RoleArn: at most 512 characters. */
export const MAX_ROLE_ARN_CHARS = 512;

/** A KMS key or alias ARN (the model allows any string; the stack passes an ARN). */
export const KMS_KEY_ARN = /^arn:aws(?:-[a-z]+)*:kms:[a-z0-9-]+:\d{12}:(?:key|alias)\/[\w/+=,.@-]{1,240}$/;
/** The model's EncryptionKey: at most 255 characters. */
export const MAX_ENCRYPTION_KEY_CHARS = 255;

/** The service principal the export role trusts and create-export-job may pass it to. */
export const PROFILES_SERVICE = 'profile.amazonaws.com';
