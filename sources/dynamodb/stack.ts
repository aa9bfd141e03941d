import { bucketNameProblem, MAX_S3_PREFIX_BYTES } from '../../core/aws-names.ts';
import { LONGEST_TIME_VALUES, resolveTemplate } from '../../core/input-rules.ts';
import { MANIFEST_NAME } from '../../core/verification-sizing.ts';
import { type Cfn, defaultsEnvironment, distinct, sub } from '../stack/cfn.ts';
import { bucketArnOf, keyPattern, objectsArnOf } from '../stack/destination.ts';
import type { StackContext, StackSource } from '../stack/types.ts';
import { dynamoDbInput } from './input.ts';
import {
  DYNAMODB_PLACEHOLDERS,
  EXPORT_FORMATS,
  isTableNameOrArn,
  MODES,
  OUTSIDE_RECOVERY_WINDOW_SETTINGS,
  type OutsideRecoveryWindowSetting,
  tableNameOf,
} from './names.ts';
import { DEFAULT_DYNAMODB_PREFIX, DYNAMODB_DEFAULTS } from './settings.ts';
import type { DynamoDbTarget } from './types.ts';

/*
 * DynamoDB's part of the stack (docs/SOURCES.md): a target names a table (by name in this
 * account and Region, or by ARN) and create-export-job starts an ExportTableToPointInTime.
 * DynamoDB writes the export with the caller's permissions, so create-export-job's own role
 * needs the S3 actions the DynamoDB Developer Guide lists for the principal that calls
 * ExportTableToPointInTime ("Requesting a table export in DynamoDB", Set up S3 permissions,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport_Requesting.html):
 * s3:AbortMultipartUpload, s3:PutObject and s3:PutObjectAcl on the destination's objects; a
 * bucket of another account must also allow them in its bucket policy. Here they are scoped to
 * the keys the target's exports can have, not the whole bucket.
 *
 * Loaded by osls through type stripping (deploy/source-stacks.ts): erasable TypeScript only.
 */

/** The table's ARN: as given, or built for this account and Region from its name. */
export const tableArnOf = (target: Pick<DynamoDbTarget, 'table'>): Cfn =>
  target.table.startsWith('arn:')
    ? target.table
    : sub(`arn:\${AWS::Partition}:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/${target.table}`);

/** The table's exports (DescribeExport's resource): `<table ARN>/export/*`. */
const exportsArnOf = (target: Pick<DynamoDbTarget, 'table'>): Cfn =>
  target.table.startsWith('arn:')
    ? `${target.table}/export/*`
    : sub(
        `arn:\${AWS::Partition}:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/${target.table}/export/*`,
      );

/** Whether the target writes to the stage's bucket (no `bucket`, or the stage's own). */
const writesToStageBucket = (target: DynamoDbTarget, ctx: StackContext): boolean =>
  target.bucket === undefined || target.bucket === ctx.config.exportDestination.bucketName;

/**
 * The keys a target's exports are written under, below the key prefix, as IAM patterns: its own
 * prefix's and the stage default's (a manual run of the table may use either), table name filled in.
 */
function writePatterns(target: DynamoDbTarget): string[] {
  const known = { TableName: tableNameOf(target.table) };
  return [
    ...(target.prefix === undefined ? [] : [keyPattern(target.prefix, known)]),
    keyPattern(DEFAULT_DYNAMODB_PREFIX, known),
  ];
}

/** The objects a target's exports can be, as IAM resources: in the stage's bucket, or in its own `bucket`. */
function exportObjectArns(target: DynamoDbTarget, ctx: StackContext): Cfn[] {
  const { destination } = ctx;
  return writePatterns(target).map((pattern) =>
    writesToStageBucket(target, ctx)
      ? destination.objectsArn(pattern)
      : objectsArnOf(target.bucket as string, `${destination.keyPrefix}${pattern}`),
  );
}

/** Listing and reading the exports of targets whose `bucket` is not the stage's: every verification function's. */
function readElsewhere(elsewhere: DynamoDbTarget[], ctx: StackContext): Cfn[] {
  const { destination } = ctx;
  return [
    {
      Sid: 'ListTableExportsElsewhere',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: distinct(elsewhere.map((t) => bucketArnOf(t.bucket as string))),
      Condition: {
        StringLike: {
          's3:prefix': [...new Set(elsewhere.flatMap(writePatterns))].map(
            (p) => `${destination.keyPrefix}${p}`,
          ),
        },
      },
    },
    {
      Sid: 'ReadTableExportsElsewhere',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: distinct(elsewhere.flatMap((t) => exportObjectArns(t, ctx))),
    },
  ];
}

export const dynamoDbStack: StackSource<DynamoDbTarget> = {
  id: 'dynamodb',
  fields: ['table', 'mode', 'format', 'outsideRecoveryWindow', 'bucket', 'bucketOwner', 'prefix'],

  readTarget({ r, raw, path, destination }) {
    const table = r.string(raw, 'table', `${path}.table`);
    if (raw.table === undefined) r.problem(`${path}.table`, 'is required (a table name or a table ARN)');
    const tableValid = table !== undefined && isTableNameOrArn(table);
    if (table !== undefined && !tableValid) {
      r.problem(
        `${path}.table`,
        table.startsWith('arn:')
          ? `"${table}" is not a DynamoDB table ARN (arn:aws:dynamodb:<region>:<12-digit account>:table/<name>)`
          : `"${table}" is not a DynamoDB table name (3-255 of letters, digits, _ . -) nor a table ARN`,
      );
    }
    const mode = r.oneOf(raw, 'mode', `${path}.mode`, MODES);
    const format = r.oneOf(raw, 'format', `${path}.format`, EXPORT_FORMATS);
    const outsideRecoveryWindow = r.oneOf(
      raw,
      'outsideRecoveryWindow',
      `${path}.outsideRecoveryWindow`,
      Object.keys(OUTSIDE_RECOVERY_WINDOW_SETTINGS) as OutsideRecoveryWindowSetting[],
    );
    if (raw.outsideRecoveryWindow !== undefined && mode !== 'incremental') {
      r.problem(
        `${path}.outsideRecoveryWindow`,
        'applies to mode: incremental only (a full export has no window to fall outside of)',
      );
    }
    const bucket = r.string(raw, 'bucket', `${path}.bucket`);
    const bucketProblem = bucket === undefined ? undefined : bucketNameProblem(bucket);
    if (bucketProblem)
      r.problem(`${path}.bucket`, `"${bucket}" is not a valid S3 bucket name: it ${bucketProblem}`);
    const bucketOwner = r.string(
      raw,
      'bucketOwner',
      `${path}.bucketOwner`,
      /^\d{12}$/,
      'a 12-digit AWS account id, quoted in YAML: "210987654321"',
    );
    if (raw.bucketOwner !== undefined && typeof raw.bucketOwner !== 'string') {
      r.problem(`${path}.bucketOwner`, 'quote the account id ("210987654321"): YAML reads it as a number');
    }
    if (raw.bucketOwner !== undefined && raw.bucket === undefined) {
      r.problem(
        `${path}.bucketOwner`,
        "names the account of the bucket given by bucket: set bucket (the other account's bucket) too",
      );
    }
    const prefix = r.keyTemplate(raw, 'prefix', `${path}.prefix`, DYNAMODB_PLACEHOLDERS);
    if (!table || !tableValid || bucketProblem) return undefined;
    const template = prefix ?? DEFAULT_DYNAMODB_PREFIX;
    const longest = `${destination.keyPrefix}${resolveTemplate(template, { TableName: tableNameOf(table), ...LONGEST_TIME_VALUES })}`;
    const bytes = new TextEncoder().encode(longest).length;
    if (bytes > MAX_S3_PREFIX_BYTES) {
      r.problem(
        prefix === undefined ? path : `${path}.prefix`,
        `with exportDestination.keyPrefix, the S3Prefix ${destination.keyPrefix}${template} is up to ${bytes} bytes; ` +
          `at most ${MAX_S3_PREFIX_BYTES}, so that DynamoDB's object names still fit S3's 1,024-byte keys`,
      );
      return undefined;
    }
    return {
      table,
      ...(mode !== undefined && { mode }),
      ...(format !== undefined && { format }),
      ...(outsideRecoveryWindow !== undefined && { outsideRecoveryWindow }),
      ...(bucket !== undefined && { bucket }),
      ...(bucketOwner !== undefined && { bucketOwner }),
      ...(prefix !== undefined && { prefix }),
    };
  },

  scheduleDescription(target, config) {
    return `Export DynamoDB table ${tableNameOf(target.table)}${target.mode === 'incremental' ? ' (incremental)' : ''} (${config.stage})`;
  },

  /** The input of docs/SOURCES.md: the fields the target sets; the default bucket and prefix come from the stage. */
  scheduleInput(target, ctx) {
    const { destination } = ctx;
    const stageKey = writesToStageBucket(target, ctx) ? destination.kmsKeyArn : undefined;
    return dynamoDbInput<Cfn>({
      tableArn: tableArnOf(target),
      incremental: target.mode === undefined ? undefined : target.mode === 'incremental',
      format: target.format,
      bucket: target.bucket,
      prefix: target.prefix === undefined ? undefined : `${destination.keyPrefix}${target.prefix}`,
      bucketOwner: target.bucketOwner,
      // The configured bucket's SSE-KMS key encrypts the export too.
      kmsKeyId: stageKey,
      outsideRecoveryWindow:
        target.outsideRecoveryWindow === undefined
          ? undefined
          : OUTSIDE_RECOVERY_WINDOW_SETTINGS[target.outsideRecoveryWindow],
    });
  },

  statements(targets, ctx) {
    if (targets.length === 0) return {};
    const { destination } = ctx;
    const elsewhere = targets.filter((t) => !writesToStageBucket(t, ctx));
    const stageKey = targets.some((t) => writesToStageBucket(t, ctx)) ? destination.kmsKeyArn : undefined;
    return {
      createExportJob: [
        {
          Sid: 'ExportTables',
          Effect: 'Allow',
          // DescribeContinuousBackups: an incremental run checks its window against the earliest restorable time.
          Action: ['dynamodb:ExportTableToPointInTime', 'dynamodb:DescribeContinuousBackups'],
          Resource: distinct(targets.map(tableArnOf)),
        },
        {
          // A duplicate delivery or a retry reads the export(s) the run ledger recorded before reusing them.
          Sid: 'ReadRecordedTableExports',
          Effect: 'Allow',
          Action: 'dynamodb:DescribeExport',
          Resource: distinct(targets.map(exportsArnOf)),
        },
        {
          Sid: 'WriteTableExports',
          Effect: 'Allow',
          Action: ['s3:AbortMultipartUpload', 's3:PutObject', 's3:PutObjectAcl'],
          Resource: distinct(targets.flatMap((t) => exportObjectArns(t, ctx))),
        },
        ...(stageKey
          ? [
              {
                Sid: 'EncryptTableExports',
                Effect: 'Allow',
                Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
                Resource: stageKey,
              },
            ]
          : []),
      ],
      getExportJobStatus: [
        {
          Sid: 'ReadTableExports',
          Effect: 'Allow',
          Action: 'dynamodb:DescribeExport',
          Resource: distinct(targets.map(exportsArnOf)),
        },
      ],
      // The stage's bucket is the verification's already (every key under the key prefix); another bucket is not.
      ...(elsewhere.length > 0 && {
        verifyExport: readElsewhere(elsewhere, ctx),
        countExportBatch: readElsewhere(elsewhere, ctx),
        finishVerification: [
          ...readElsewhere(elsewhere, ctx),
          {
            Sid: 'WriteVerificationManifestElsewhere',
            Effect: 'Allow',
            Action: 's3:PutObject',
            Resource: distinct(
              elsewhere.flatMap((t) =>
                writePatterns(t).map((p) =>
                  objectsArnOf(t.bucket as string, `${destination.keyPrefix}${p}/${MANIFEST_NAME}`),
                ),
              ),
            ),
          },
        ],
      }),
    };
  },

  resources() {
    // DynamoDB writes with the caller's permissions: no service role.
    return {};
  },

  environment(targets, { destination }) {
    if (targets.length === 0) return {};
    return {
      createExportJob: defaultsEnvironment(DYNAMODB_DEFAULTS, {
        DynamoDbBucket: destination.bucket,
        DynamoDbPrefix: `${destination.keyPrefix}${DEFAULT_DYNAMODB_PREFIX}`,
      }),
    };
  },
};
