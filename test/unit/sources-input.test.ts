import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidExportInputError } from '../../core/errors.ts';
import type { ProfilesRequest } from '../../sources/customer-profiles/types.ts';
import type { DynamoDbRequest } from '../../sources/dynamodb/types.ts';
import { type InputDefaults, resolveExecutionInput } from '../../sources/input.ts';
import { registeredSourceIds } from '../../sources/registry.ts';

/*
 * The execution input of the Customer Profiles and DynamoDB sources (docs/SOURCES.md),
 * through the one entry point both create-export-job and the CLI use. Where a rule comes
 * from the service's API model, the comment names the botocore shape:
 *   customer-profiles 2020-08-15 service-2.json  (CreateSegmentSnapshotRequest)
 *   dynamodb 2012-08-10 service-2.json           (ExportTableToPointInTimeInput)
 * The rest are this project's choices (stricter than the model) and say so.
 */

// A scheduled time whose UTC date differs from the test zone's (vitest runs in UTC+14):
// a {date} resolved in local time shows up as 2026-11-29.
const SCHEDULED_TIME = '2026-11-28T11:00:00Z';
const START_TIME = '2026-11-28T11:00:07.412Z';

const PROFILES_ROLE = 'arn:aws:iam::123456789012:role/service-role/profiles-export-prod';
const TABLE_ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders';
const KMS_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const STAGE_DEFAULTS: InputDefaults = {
  ProfilesRoleArn: PROFILES_ROLE,
  ProfilesDestination: 's3://exports-bucket/profiles/{DomainName}/{SegmentDefinitionName}/{date}/',
  DynamoDbBucket: 'exports-bucket',
  DynamoDbPrefix: 'dynamodb/{TableName}/{date}/',
};

/*
 * botocore's rules, restated so the tests can hold the validation to them. An input the
 * validation accepts must satisfy these; where the validation is stricter, it says so.
 */
const MODEL = {
  /** customer-profiles shape `name` (DomainName, SegmentDefinitionName): min 1, max 64. */
  profilesName: /^[a-zA-Z0-9_-]+$/,
  /** customer-profiles shape `RoleArn`: max 512. */
  profilesRoleArn: /arn:aws:iam:.*:[0-9]+:.*/,
  /** customer-profiles shape `encryptionKey`: 0-255 characters. */
  maxEncryptionKey: 255,
  /** customer-profiles shape `string1To255` (DestinationUri). */
  maxDestinationUri: 255,
  /** dynamodb shape `S3BucketOwner`. */
  bucketOwner: /[0-9]{12}/,
  /** dynamodb shape `S3Prefix`: max 1024. */
  maxS3Prefix: 1024,
  /** dynamodb shape `S3SseKmsKeyId`: 1-2048. */
  maxKmsKeyId: 2048,
} as const;

function profilesInput(fields: Record<string, unknown> = {}) {
  return {
    Source: 'customer-profiles',
    DomainName: 'crm',
    SegmentDefinitionName: 'vip-customers',
    ScheduledTime: SCHEDULED_TIME,
    ...fields,
  };
}

function dynamoInput(fields: Record<string, unknown> = {}) {
  return { Source: 'dynamodb', TableArn: TABLE_ARN, ScheduledTime: SCHEDULED_TIME, ...fields };
}

/** Drops `key` from an input (a field the case leaves out). */
function without(input: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _, ...rest } = input;
  return rest;
}

const resolveProfiles = (raw: unknown, defaults: InputDefaults = STAGE_DEFAULTS) =>
  resolveExecutionInput(raw, defaults, START_TIME) as ProfilesRequest;
const resolveDynamo = (raw: unknown, defaults: InputDefaults = STAGE_DEFAULTS) =>
  resolveExecutionInput(raw, defaults, START_TIME) as DynamoDbRequest;

/** Runs the validation expecting a rejection; fails the test if the input is accepted. */
function rejectionOf(raw: unknown, defaults: InputDefaults = STAGE_DEFAULTS): InvalidExportInputError {
  try {
    resolveExecutionInput(raw, defaults, START_TIME);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidExportInputError);
    return error as InvalidExportInputError;
  }
  throw new Error('expected resolveExecutionInput to reject the input, but it was accepted');
}

interface RejectionCase {
  what: string;
  input: unknown;
  defaults?: InputDefaults;
  field: string;
  says: string;
}

function expectRejections(cases: RejectionCase[]) {
  it.each(cases)('refuses $what, naming $field', ({ input, defaults, field, says }) => {
    const error = rejectionOf(input, defaults);

    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
    expect(error.message).toContain(says);
  });
}

const PROFILES_FIELDS =
  'DomainName, SegmentDefinitionName, DataFormat, RoleArn, DestinationUri, EncryptionKey, ScheduledTime, Target, Source';
const DYNAMODB_FIELDS =
  'TableArn, ExportType, ExportFormat, S3Bucket, S3Prefix, S3BucketOwner, S3SseAlgorithm, S3SseKmsKeyId, OutsideRecoveryWindow, ScheduledTime, Target, Source';

describe('resolveExecutionInput for Source customer-profiles', () => {
  it('fills the stage defaults and resolves the destination template', () => {
    const request = resolveProfiles(profilesInput());

    expect(request).toEqual({
      Source: 'customer-profiles',
      DomainName: 'crm',
      SegmentDefinitionName: 'vip-customers',
      DataFormat: 'JSONL',
      RoleArn: PROFILES_ROLE,
      DestinationUri: 's3://exports-bucket/profiles/crm/vip-customers/2026-11-28/',
      ScheduledTime: '2026-11-28T11:00:00.000Z',
    });
  });

  it("keeps the input's own values over the defaults and passes Target and EncryptionKey through", () => {
    const request = resolveProfiles(
      profilesInput({
        DataFormat: 'CSV',
        RoleArn: 'arn:aws:iam::210987654321:role/other-export',
        DestinationUri: 's3://other-bucket/{year}/{month}/{day}/{hour}/{timestamp}/',
        EncryptionKey: KMS_KEY,
        Target: 'nightly-vip-profiles',
      }),
    );

    expect(request).toEqual({
      Source: 'customer-profiles',
      DomainName: 'crm',
      SegmentDefinitionName: 'vip-customers',
      DataFormat: 'CSV',
      RoleArn: 'arn:aws:iam::210987654321:role/other-export',
      DestinationUri: 's3://other-bucket/2026/11/28/11/20261128T110000Z/',
      EncryptionKey: KMS_KEY,
      ScheduledTime: '2026-11-28T11:00:00.000Z',
      Target: 'nightly-vip-profiles',
    });
  });

  it('accepts every DataFormat of the model (CSV, JSONL, ORC)', () => {
    for (const format of ['CSV', 'JSONL', 'ORC']) {
      expect(resolveProfiles(profilesInput({ DataFormat: format })).DataFormat).toBe(format);
    }
  });

  it('accepts names of 64 characters, the model maximum', () => {
    const name = `a${'_-Z9'.repeat(15)}xyz`;
    expect(name).toHaveLength(64);

    const request = resolveProfiles(profilesInput({ DomainName: name, SegmentDefinitionName: name }));

    expect(request.DomainName).toBe(name);
    expect(request.DestinationUri).toBe(`s3://exports-bucket/profiles/${name}/${name}/2026-11-28/`);
  });

  it('accepts a resolved DestinationUri of exactly 255 characters', () => {
    const head = 's3://exports-bucket/';
    const tail = '/{date}/';
    const template = `${head}${'p'.repeat(255 - head.length - '/2026-11-28/'.length)}${tail}`;

    const request = resolveProfiles(profilesInput({ DestinationUri: template }));

    expect(request.DestinationUri).toHaveLength(255);
  });

  expectRejections([
    {
      what: 'a missing DomainName',
      input: without(profilesInput(), 'DomainName'),
      field: 'DomainName',
      says: 'is required',
    },
    {
      what: 'a missing SegmentDefinitionName',
      input: without(profilesInput(), 'SegmentDefinitionName'),
      field: 'SegmentDefinitionName',
      says: 'is required',
    },
    {
      // Model shape `name`: ^[a-zA-Z0-9_-]+$ (no dots).
      what: 'a DomainName with a dot',
      input: profilesInput({ DomainName: 'crm.prod' }),
      field: 'DomainName',
      says: 'must be a Customer Profiles domain name (1-64 of letters, digits, _ -), got "crm.prod"',
    },
    {
      what: 'an empty DomainName',
      input: profilesInput({ DomainName: '' }),
      field: 'DomainName',
      says: 'must be a Customer Profiles domain name',
    },
    {
      // Model shape `name`: max 64.
      what: 'a DomainName of 65 characters',
      input: profilesInput({ DomainName: 'd'.repeat(65) }),
      field: 'DomainName',
      says: 'got a 65-character string',
    },
    {
      what: 'a SegmentDefinitionName of 65 characters',
      input: profilesInput({ SegmentDefinitionName: 's'.repeat(65) }),
      field: 'SegmentDefinitionName',
      says: 'must be a segment definition name (1-64 of letters, digits, _ -)',
    },
    {
      what: 'a SegmentDefinitionName with a space',
      input: profilesInput({ SegmentDefinitionName: 'vip customers' }),
      field: 'SegmentDefinitionName',
      says: 'got "vip customers"',
    },
    {
      what: 'a numeric DomainName',
      input: profilesInput({ DomainName: 42 }),
      field: 'DomainName',
      says: 'must be a string, got number 42',
    },
    {
      // Model shape `DataFormat`: enum CSV | JSONL | ORC, case-sensitive.
      what: 'a DataFormat the model does not know',
      input: profilesInput({ DataFormat: 'PARQUET' }),
      field: 'DataFormat',
      says: 'must be one of JSONL, CSV, ORC, got "PARQUET"',
    },
    {
      what: 'a lowercase DataFormat',
      input: profilesInput({ DataFormat: 'jsonl' }),
      field: 'DataFormat',
      says: 'must be one of JSONL, CSV, ORC',
    },
    {
      // The model takes any arn:aws:iam:…; the service assumes it, so only a role can work.
      what: 'an IAM user ARN as RoleArn',
      input: profilesInput({ RoleArn: 'arn:aws:iam::123456789012:user/exporter' }),
      field: 'RoleArn',
      says: 'must be an IAM role ARN (arn:aws:iam::123456789012:role/name)',
    },
    {
      what: 'a bare role name as RoleArn',
      input: profilesInput({ RoleArn: 'profiles-export' }),
      field: 'RoleArn',
      says: 'must be an IAM role ARN',
    },
    {
      what: 'no RoleArn in the input and none in the stage',
      input: profilesInput(),
      defaults: { ...STAGE_DEFAULTS, ProfilesRoleArn: undefined },
      field: 'RoleArn',
      says: 'is required: the input has none and the stage configures no Customer Profiles export role',
    },
    {
      what: 'an https:// DestinationUri',
      input: profilesInput({ DestinationUri: 'https://exports-bucket.s3.amazonaws.com/profiles/' }),
      field: 'DestinationUri',
      says: 'must look like s3://bucket-name/prefix/',
    },
    {
      what: 'a DestinationUri with an invalid bucket name',
      input: profilesInput({ DestinationUri: 's3://Exports_Bucket/profiles/' }),
      field: 'DestinationUri',
      says: 'bucket name "Exports_Bucket" is not a valid S3 bucket name',
    },
    {
      // Model shape `string1To255` (DestinationUri), checked after the placeholders are resolved.
      what: 'a DestinationUri that is 255 characters as a template but longer resolved',
      input: profilesInput({
        DomainName: 'd'.repeat(64),
        DestinationUri: `s3://exports-bucket/${'p'.repeat(204)}/{DomainName}/{timestamp}/`,
      }),
      field: 'DestinationUri',
      says: 'is 307 characters long; at most 255',
    },
    {
      what: 'a DestinationUri with a placeholder of another source',
      input: profilesInput({ DestinationUri: 's3://exports-bucket/{ApplicationId}/{date}/' }),
      field: 'DestinationUri',
      says: 'unknown placeholder {ApplicationId}; known placeholders are {DomainName}, {SegmentDefinitionName}, {date}, {year}, {month}, {day}, {hour}, {timestamp}',
    },
    {
      what: 'no DestinationUri in the input and none in the stage',
      input: profilesInput(),
      defaults: { ...STAGE_DEFAULTS, ProfilesDestination: undefined },
      field: 'DestinationUri',
      says: 'is required',
    },
    {
      what: 'an EncryptionKey that is a key id, not an ARN',
      input: profilesInput({ EncryptionKey: '1234abcd-12ab-34cd-56ef-1234567890ab' }),
      field: 'EncryptionKey',
      says: 'must be a KMS key ARN (arn:aws:kms:region:123456789012:key/id)',
    },
    {
      what: 'an EncryptionKey that is an S3 ARN',
      input: profilesInput({ EncryptionKey: 'arn:aws:s3:::exports-bucket' }),
      field: 'EncryptionKey',
      says: 'must be a KMS key ARN',
    },
    {
      what: "a DynamoDB field on this source (the source's allowed fields listed)",
      input: profilesInput({ TableArn: TABLE_ARN }),
      field: 'TableArn',
      says: `unknown field; allowed fields are ${PROFILES_FIELDS}`,
    },
    {
      what: 'a Pinpoint ApplicationId on this source',
      input: profilesInput({ ApplicationId: '7f3c9a1b2c3d4e5f60718293a4b5c6d7' }),
      field: 'ApplicationId',
      says: `unknown field; allowed fields are ${PROFILES_FIELDS}`,
    },
    {
      what: "Pinpoint's ExportJobRequest on this source",
      input: profilesInput({ ExportJobRequest: { RoleArn: PROFILES_ROLE } }),
      field: 'ExportJobRequest',
      says: 'unknown field',
    },
  ]);
});

describe('resolveExecutionInput for Source dynamodb', () => {
  it('fills the stage defaults: a full DynamoDB JSON export to the stage bucket, SSE-S3, ERROR outside the window', () => {
    const request = resolveDynamo(dynamoInput());

    expect(request).toEqual({
      Source: 'dynamodb',
      TableArn: TABLE_ARN,
      ExportType: 'FULL_EXPORT',
      ExportFormat: 'DYNAMODB_JSON',
      S3Bucket: 'exports-bucket',
      S3Prefix: 'dynamodb/orders/2026-11-28',
      S3SseAlgorithm: 'AES256',
      OutsideRecoveryWindow: 'ERROR',
      ScheduledTime: '2026-11-28T11:00:00.000Z',
    });
  });

  it('keeps every field the input gives and resolves {TableName} and the time placeholders', () => {
    const request = resolveDynamo(
      dynamoInput({
        ExportType: 'INCREMENTAL_EXPORT',
        ExportFormat: 'ION',
        S3Bucket: 'cross-account-bucket',
        S3Prefix: 'tables/{TableName}/{year}/{month}/{day}/{hour}/{timestamp}/',
        S3BucketOwner: '210987654321',
        S3SseAlgorithm: 'KMS',
        S3SseKmsKeyId: KMS_KEY,
        OutsideRecoveryWindow: 'FULL_EXPORT',
        Target: 'nightly-orders',
      }),
    );

    expect(request).toEqual({
      Source: 'dynamodb',
      TableArn: TABLE_ARN,
      ExportType: 'INCREMENTAL_EXPORT',
      ExportFormat: 'ION',
      S3Bucket: 'cross-account-bucket',
      S3Prefix: 'tables/orders/2026/11/28/11/20261128T110000Z',
      S3BucketOwner: '210987654321',
      S3SseAlgorithm: 'KMS',
      S3SseKmsKeyId: KMS_KEY,
      OutsideRecoveryWindow: 'FULL_EXPORT',
      ScheduledTime: '2026-11-28T11:00:00.000Z',
      Target: 'nightly-orders',
    });
  });

  it('writes the prefix as DynamoDB takes it: no leading or trailing slash (DynamoDB adds the one before AWSDynamoDB/)', () => {
    expect(resolveDynamo(dynamoInput({ S3Prefix: '/exports/{TableName}' })).S3Prefix).toBe('exports/orders');
    expect(resolveDynamo(dynamoInput({ S3Prefix: 'exports/{TableName}/' })).S3Prefix).toBe('exports/orders');
  });

  it('exports to the bucket root when neither the input nor the stage gives a prefix', () => {
    const request = resolveDynamo(dynamoInput(), { DynamoDbBucket: 'exports-bucket' });

    expect(request.S3Prefix).toBe('');
  });

  it('accepts table ARNs of other partitions and table names with dots (dynamodb shape TableName: [a-zA-Z0-9_.-]+, 3-255)', () => {
    const arn = 'arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/orders.v2_archive-2026';

    const request = resolveDynamo(dynamoInput({ TableArn: arn }));

    expect(request.S3Prefix).toBe('dynamodb/orders.v2_archive-2026/2026-11-28');
  });

  expectRejections([
    {
      what: 'a missing TableArn',
      input: without(dynamoInput(), 'TableArn'),
      field: 'TableArn',
      says: 'is required',
    },
    {
      what: 'a table name instead of an ARN',
      input: dynamoInput({ TableArn: 'orders' }),
      field: 'TableArn',
      says: 'must be a DynamoDB table ARN (arn:aws:dynamodb:region:123456789012:table/name), got "orders"',
    },
    {
      what: 'an index ARN (an export is of a table, not an index)',
      input: dynamoInput({ TableArn: `${TABLE_ARN}/index/by-customer` }),
      field: 'TableArn',
      says: 'must be a DynamoDB table ARN',
    },
    {
      what: 'a table ARN with an 11-digit account',
      input: dynamoInput({ TableArn: 'arn:aws:dynamodb:eu-west-1:12345678901:table/orders' }),
      field: 'TableArn',
      says: 'must be a DynamoDB table ARN',
    },
    {
      // dynamodb shape TableName: min 3.
      what: 'a table ARN whose table name is 2 characters',
      input: dynamoInput({ TableArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/ab' }),
      field: 'TableArn',
      says: 'must be a DynamoDB table ARN',
    },
    {
      what: 'a numeric TableArn',
      input: dynamoInput({ TableArn: 7 }),
      field: 'TableArn',
      says: 'must be a string, got number 7',
    },
    {
      // dynamodb shape ExportType: FULL_EXPORT | INCREMENTAL_EXPORT.
      what: 'an ExportType the model does not know',
      input: dynamoInput({ ExportType: 'DELTA' }),
      field: 'ExportType',
      says: 'must be one of FULL_EXPORT, INCREMENTAL_EXPORT, got "DELTA"',
    },
    {
      // dynamodb shape ExportFormat: DYNAMODB_JSON | ION.
      what: 'an ExportFormat the model does not know',
      input: dynamoInput({ ExportFormat: 'CSV' }),
      field: 'ExportFormat',
      says: 'must be one of DYNAMODB_JSON, ION, got "CSV"',
    },
    {
      // dynamodb shape S3SseAlgorithm: AES256 | KMS.
      what: "S3's own name for SSE-KMS as S3SseAlgorithm",
      input: dynamoInput({ S3SseAlgorithm: 'aws:kms', S3SseKmsKeyId: KMS_KEY }),
      field: 'S3SseAlgorithm',
      says: 'must be one of AES256, KMS',
    },
    {
      what: 'an OutsideRecoveryWindow other than ERROR or FULL_EXPORT',
      input: dynamoInput({ OutsideRecoveryWindow: 'SKIP' }),
      field: 'OutsideRecoveryWindow',
      says: 'must be one of ERROR, FULL_EXPORT, got "SKIP"',
    },
    {
      // dynamodb shape S3BucketOwner: [0-9]{12}.
      what: 'an 11-digit S3BucketOwner',
      input: dynamoInput({ S3BucketOwner: '21098765432' }),
      field: 'S3BucketOwner',
      says: 'must be a 12-digit AWS account id, got "21098765432"',
    },
    {
      what: 'a 13-digit S3BucketOwner (the model pattern is unanchored; the account id is 12 digits)',
      input: dynamoInput({ S3BucketOwner: '2109876543210' }),
      field: 'S3BucketOwner',
      says: 'must be a 12-digit AWS account id',
    },
    {
      what: 'a numeric S3BucketOwner (a YAML number, its leading zeros lost)',
      input: dynamoInput({ S3BucketOwner: 210987654321 }),
      field: 'S3BucketOwner',
      says: 'must be a string',
    },
    {
      what: 'S3SseKmsKeyId with the default SSE-S3',
      input: dynamoInput({ S3SseKmsKeyId: KMS_KEY }),
      field: 'S3SseKmsKeyId',
      says: 'is only allowed with S3SseAlgorithm KMS',
    },
    {
      what: 'S3SseAlgorithm KMS without a key',
      input: dynamoInput({ S3SseAlgorithm: 'KMS' }),
      field: 'S3SseKmsKeyId',
      says: 'is required with S3SseAlgorithm KMS',
    },
    {
      // dynamodb shape S3SseKmsKeyId: max 2048.
      what: 'an S3SseKmsKeyId of 2049 characters',
      input: dynamoInput({ S3SseAlgorithm: 'KMS', S3SseKmsKeyId: 'k'.repeat(2049) }),
      field: 'S3SseKmsKeyId',
      says: 'is longer than 2048 characters',
    },
    {
      what: 'no S3Bucket in the input and none in the stage',
      input: dynamoInput(),
      defaults: { DynamoDbPrefix: 'dynamodb/' },
      field: 'S3Bucket',
      says: 'is required: the input has none and the stage configures no DynamoDB export bucket',
    },
    {
      // S3's bucket naming rules (stricter than the model's ^[a-z0-9A-Z]+[\.\-\w]*[a-z0-9A-Z]+$).
      what: 'an S3Bucket with capitals and an underscore',
      input: dynamoInput({ S3Bucket: 'Exports_Bucket' }),
      field: 'S3Bucket',
      says: '"Exports_Bucket" is not a valid S3 bucket name',
    },
    {
      what: 'an S3Prefix with a placeholder of another source',
      input: dynamoInput({ S3Prefix: 'dynamodb/{DomainName}/' }),
      field: 'S3Prefix',
      says: 'unknown placeholder {DomainName}; known placeholders are {TableName}, {date}, {year}, {month}, {day}, {hour}, {timestamp}',
    },
    {
      // dynamodb shape S3Prefix: max 1024; this project keeps 128 bytes for DynamoDB's own names.
      what: 'an S3Prefix of 1000 characters',
      input: dynamoInput({ S3Prefix: `${'p'.repeat(999)}/` }),
      field: 'S3Prefix',
      says: 'key prefix is 1000 bytes of UTF-8',
    },
    {
      what: "a table name under the wrong field (the source's allowed fields listed)",
      input: dynamoInput({ TableName: 'orders' }),
      field: 'TableName',
      says: `unknown field; allowed fields are ${DYNAMODB_FIELDS}`,
    },
    {
      what: 'a Pinpoint ApplicationId on this source',
      input: dynamoInput({ ApplicationId: '7f3c9a1b2c3d4e5f60718293a4b5c6d7' }),
      field: 'ApplicationId',
      says: `unknown field; allowed fields are ${DYNAMODB_FIELDS}`,
    },
    {
      what: 'a Customer Profiles field on this source',
      input: dynamoInput({ DomainName: 'crm' }),
      field: 'DomainName',
      says: 'unknown field',
    },
  ]);
});

describe('resolveExecutionInput picks the source by Source', () => {
  expectRejections([
    {
      what: 'an unknown Source, listing the registered ones',
      input: { Source: 's3', ScheduledTime: SCHEDULED_TIME },
      field: 'Source',
      says: `must be one of ${registeredSourceIds().join(', ')}, got "s3"`,
    },
    {
      what: 'a Source spelled as people write the service',
      input: dynamoInput({ Source: 'DynamoDB' }),
      field: 'Source',
      says: 'must be one of pinpoint, customer-profiles, dynamodb, got "DynamoDB"',
    },
    {
      what: 'a Source that is not a string',
      input: dynamoInput({ Source: 1 }),
      field: 'Source',
      says: 'must be a string, got number 1',
    },
    {
      what: 'an empty Source',
      input: dynamoInput({ Source: '' }),
      field: 'Source',
      says: 'must not be empty',
    },
    {
      what: 'a Customer Profiles input without Source (read as Pinpoint)',
      input: without(profilesInput(), 'Source'),
      field: 'DomainName',
      says: 'unknown field; allowed fields are ApplicationId, ExportJobRequest, ScheduledTime, Target, Source',
    },
    {
      what: 'Source pinpoint with a DynamoDB field',
      input: { ...dynamoInput({ Source: 'pinpoint' }), ApplicationId: '7f3c9a1b2c3d4e5f60718293a4b5c6d7' },
      field: 'TableArn',
      says: 'unknown field; allowed fields are ApplicationId, ExportJobRequest',
    },
  ]);

  it('checks ScheduledTime and Target the same way for every source', () => {
    expect(rejectionOf(profilesInput({ ScheduledTime: '2026-11-28 11:00' })).field).toBe('ScheduledTime');
    expect(rejectionOf(dynamoInput({ Target: 'nightly orders' })).field).toBe('Target');
  });
});

describe('the validation against the API models', () => {
  const printable = fc.string({ unit: 'binary-ascii', minLength: 0, maxLength: 80 });

  it('accepts exactly the DomainName and SegmentDefinitionName values the model does', () => {
    const names = fc.oneof(printable, fc.stringMatching(/^[a-zA-Z0-9_-]{1,70}$/));
    fc.assert(
      fc.property(names, names, (domain, segment) => {
        const modelAccepts = (name: string) =>
          name.length >= 1 && name.length <= 64 && MODEL.profilesName.test(name);
        let accepted: boolean;
        try {
          resolveProfiles(profilesInput({ DomainName: domain, SegmentDefinitionName: segment }));
          accepted = true;
        } catch (error) {
          if (!(error instanceof InvalidExportInputError)) throw error;
          expect(['DomainName', 'SegmentDefinitionName']).toContain(error.field);
          accepted = false;
        }
        expect(accepted).toBe(modelAccepts(domain) && modelAccepts(segment));
      }),
      { numRuns: 400 },
    );
  });

  it('sends CreateSegmentSnapshot only values within the model limits', () => {
    const request = resolveProfiles(
      profilesInput({
        EncryptionKey: KMS_KEY,
        DomainName: 'd'.repeat(64),
        SegmentDefinitionName: 's'.repeat(64),
      }),
    );

    expect(request.RoleArn).toMatch(MODEL.profilesRoleArn);
    expect(request.RoleArn.length).toBeLessThanOrEqual(512);
    expect(request.DestinationUri.length).toBeLessThanOrEqual(MODEL.maxDestinationUri);
    expect(request.EncryptionKey?.length).toBeLessThanOrEqual(MODEL.maxEncryptionKey);
  });

  it('refuses an EncryptionKey longer than the model allows (encryptionKey: at most 255)', () => {
    // A KMS alias ARN can be longer than 255 characters (alias names are up to 256).
    const key = `arn:aws:kms:eu-west-1:123456789012:alias/${'a'.repeat(220)}`;
    expect(key.length).toBeGreaterThan(MODEL.maxEncryptionKey);

    const error = rejectionOf(profilesInput({ EncryptionKey: key }));

    expect(error.field).toBe('EncryptionKey');
    expect(error.message).toContain('is 261 characters long; at most 255');
  });

  it('sends ExportTableToPointInTime only values within the model limits', () => {
    const request = resolveDynamo(
      dynamoInput({
        S3BucketOwner: '210987654321',
        S3SseAlgorithm: 'KMS',
        S3SseKmsKeyId: 'k'.repeat(MODEL.maxKmsKeyId),
        S3Prefix: `${'p'.repeat(880)}/{TableName}/`,
      }),
    );

    expect(request.S3BucketOwner).toMatch(MODEL.bucketOwner);
    expect(request.S3SseKmsKeyId).toHaveLength(MODEL.maxKmsKeyId);
    expect(request.S3Prefix.length).toBeLessThanOrEqual(MODEL.maxS3Prefix);
  });
});
