import { keyPrefixBytesProblem } from '../../core/aws-names.ts';
import { arnOf, type Cfn, defaultsEnvironment, IDS, ref, sub } from '../stack/cfn.ts';
import type { Destination } from '../stack/destination.ts';
import type { StageConfig } from '../stack/stage-types.ts';
import type { SourceOutput, StackContext, StackSource } from '../stack/types.ts';
import { pinpointInput } from './input.ts';
import { APPLICATION_ID, longestResolution, PINPOINT_PLACEHOLDERS, PINPOINT_SEGMENT_ID } from './names.ts';
import { PINPOINT_DEFAULTS } from './settings.ts';
import type { PinpointTarget } from './types.ts';

/*
 * Amazon Pinpoint's part of the stack: a target's application, segment and prefix, the
 * export role Pinpoint assumes, create/read permissions on the configured applications'
 * export jobs, and the stage's DEFAULT_ROLE_ARN / DEFAULT_S3_URL_PREFIX. The default source:
 * a target without `source:` is a Pinpoint target, and every stage file written before
 * other sources existed packages exactly as it did.
 *
 * Loaded by osls through type stripping (deploy/source-stacks.ts): erasable TypeScript only.
 */

/**
 * The service names create-export-job may pass the export role to. The Service Authorization Reference
 * (Actions, resources, and condition keys for Amazon Pinpoint: CreateExportJob's dependent iam:PassRole)
 * names `mobiletargeting.amazonaws.com` (Pinpoint's API prefix) while the role is assumed by
 * `pinpoint.amazonaws.com`: allowing both passes the role whichever name Pinpoint presents, and still
 * to Pinpoint only.
 */
export const PINPOINT_PASSED_TO_SERVICES = ['pinpoint.amazonaws.com', 'mobiletargeting.amazonaws.com'];

/** Object actions the export role has under the export prefix (see `exportRoleStatements`). */
export const EXPORT_OBJECT_ACTIONS = [
  's3:PutObject',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
  's3:GetObject',
];

/** `''`, then every folder of a key prefix down to the prefix itself: `a/b/` → `['', 'a/', 'a/b/']`. */
export function foldersDownTo(keyPrefix: string): string[] {
  const parts = keyPrefix.split('/').filter(Boolean);
  return ['', ...parts.map((_, i) => `${parts.slice(0, i + 1).join('/')}/`)];
}

/** Every application the functions may act on: the targets' and the additional ones, deduplicated, in order. */
export function pinpointApplicationIds(
  targets: readonly PinpointTarget[],
  config: Pick<StageConfig, 'additionalApplicationIds'>,
): string[] {
  return [...new Set([...targets.map((t) => t.ApplicationId), ...config.additionalApplicationIds])];
}

const appArn = (id: string): Cfn =>
  sub(`arn:\${AWS::Partition}:mobiletargeting:\${AWS::Region}:\${AWS::AccountId}:apps/${id}`);

function exportJobArns(applications: string[]): Cfn[] {
  return applications.flatMap((id) => [
    appArn(id),
    sub(`arn:\${AWS::Partition}:mobiletargeting:\${AWS::Region}:\${AWS::AccountId}:apps/${id}/jobs/export*`),
  ]);
}

/** The export role: the stage's existing one, or the one the stack creates. */
const exportRoleArnOf = (config: StageConfig): Cfn =>
  config.exportDestination.roleArn ?? arnOf(IDS.exportRole);

/**
 * The export role's S3 permissions: the policy the Pinpoint developer guide documents for this role
 * ("IAM role for exporting endpoints or segments",
 * https://docs.aws.amazon.com/pinpoint/latest/developerguide/permissions-export-endpoints.html),
 * statement by statement, each scoped to the export bucket and prefix:
 * - AllowUserToSeeBucketListInTheConsole: `s3:ListAllMyBuckets` (S3 supports no resource for it: "*")
 *   and `s3:GetBucketLocation` (the guide: every bucket; here the export bucket);
 * - AllowRootAndHomeListingOfBucket: `s3:ListBucket` of the bucket's root and of each folder down to the
 *   prefix, with the delimiter "/" (folder names, not the other keys under them);
 * - AllowListingOfUserFolder: `s3:ListBucket` of keys under the prefix;
 * - AllowAllS3ActionsInUserFolder: the guide grants `s3:*` on the folder's objects. An Allow never holds a
 *   wildcard action here, so the role gets the object actions an export writer uses: writing (with
 *   multipart uploads: create, upload parts, complete are `s3:PutObject`; abort and list parts have their
 *   own actions) and reading back. Not delete (the guide's export page leaves deleting exported data to
 *   you, in S3), ACL or tagging changes (ACLs are disabled on the created bucket).
 */
function exportRoleStatements(destination: Destination): Cfn[] {
  const { bucketArn, keyPrefix } = destination;
  return [
    { Sid: 'ListBuckets', Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' },
    { Sid: 'LocateBucket', Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: bucketArn },
    {
      Sid: 'ListFoldersDownToExportPrefix',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: bucketArn,
      Condition: { StringEquals: { 's3:prefix': foldersDownTo(keyPrefix), 's3:delimiter': ['/'] } },
    },
    {
      Sid: 'ListExportPrefixOnly',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: bucketArn,
      Condition: { StringLike: { 's3:prefix': [`${keyPrefix}*`] } },
    },
    {
      Sid: 'ReadWriteExportObjects',
      Effect: 'Allow',
      Action: EXPORT_OBJECT_ACTIONS,
      Resource: destination.objectsArn('*'),
    },
  ];
}

export const pinpointStack: StackSource<PinpointTarget> = {
  id: 'pinpoint',
  fields: ['ApplicationId', 'SegmentId', 'SegmentVersion', 'prefix'],

  readTarget({ r, raw, path, destination }) {
    const ApplicationId = r.string(
      raw,
      'ApplicationId',
      `${path}.ApplicationId`,
      APPLICATION_ID,
      '32 hex characters',
    );
    const SegmentId = r.string(
      raw,
      'SegmentId',
      `${path}.SegmentId`,
      PINPOINT_SEGMENT_ID,
      "a segment id is 32 hex characters that Pinpoint generated, not the segment's name",
    );
    const SegmentVersion = r.integer(raw, 'SegmentVersion', `${path}.SegmentVersion`, 1, 1_000_000);
    const prefix = r.keyTemplate(raw, 'prefix', `${path}.prefix`, PINPOINT_PLACEHOLDERS, false);
    if (raw.ApplicationId === undefined) r.problem(`${path}.ApplicationId`, 'is required');
    if (SegmentVersion !== undefined && raw.SegmentId === undefined) {
      r.problem(`${path}.SegmentVersion`, 'needs SegmentId');
    }
    // The longest key the template can resolve to must leave room for Pinpoint's object names.
    const tooLong =
      prefix === undefined
        ? undefined
        : keyPrefixBytesProblem(`${destination.keyPrefix}${longestResolution(prefix)}`);
    if (tooLong) {
      r.problem(
        `${path}.prefix`,
        `with exportDestination.keyPrefix and its placeholders at their longest, the ${tooLong}`,
      );
    }
    if (!ApplicationId) return undefined;
    return {
      ApplicationId,
      ...(SegmentId !== undefined && { SegmentId }),
      ...(SegmentVersion !== undefined && { SegmentVersion }),
      ...(prefix !== undefined && { prefix }),
    };
  },

  scheduleDescription(target, config) {
    return `Export Pinpoint application ${target.ApplicationId}${target.SegmentId ? ` segment ${target.SegmentId}` : ''} (${config.stage})`;
  },

  /** Only the fields the target sets, plus the scheduled time: the input every Pinpoint schedule has always sent. */
  scheduleInput(target, { destination }) {
    return pinpointInput<Cfn>({
      applicationId: target.ApplicationId,
      s3UrlPrefix: target.prefix === undefined ? undefined : destination.s3Uri(target.prefix),
      segmentId: target.SegmentId,
      segmentVersion: target.SegmentVersion,
    });
  },

  statements(targets, { config }) {
    const applications = pinpointApplicationIds(targets, config);
    if (applications.length === 0) return {};
    const jobs = exportJobArns(applications);
    const readJobs = {
      Sid: 'ReadExportJobs',
      Effect: 'Allow',
      Action: 'mobiletargeting:GetExportJob',
      Resource: jobs,
    };
    return {
      createExportJob: [
        {
          Sid: 'CreateAndFindExportJobs',
          Effect: 'Allow',
          // GetExportJob: a duplicate of a run reads the job the run ledger recorded.
          Action: [
            'mobiletargeting:CreateExportJob',
            'mobiletargeting:GetExportJobs',
            'mobiletargeting:GetExportJob',
          ],
          Resource: jobs,
        },
        {
          Sid: 'PassExportRoleToPinpoint',
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: exportRoleArnOf(config),
          Condition: { StringEquals: { 'iam:PassedToService': PINPOINT_PASSED_TO_SERVICES } },
        },
      ],
      getExportJobStatus: [readJobs],
      // publish-summary re-reads the job for its Failures (they never travel in the state).
      publishSummary: [readJobs],
    };
  },

  resources(targets, { config, destination }) {
    const applications = pinpointApplicationIds(targets, config);
    if (applications.length === 0 || config.exportDestination.roleArn) return {};
    return {
      [IDS.exportRole]: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description: `Amazon Pinpoint writes ${config.stage} endpoint exports under s3://<bucket>/${destination.keyPrefix} with this role`,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'pinpoint.amazonaws.com' },
                Action: 'sts:AssumeRole',
                Condition: {
                  StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
                  ArnLike: { 'aws:SourceArn': applications.map(appArn) },
                },
              },
            ],
          },
          Policies: [
            {
              PolicyName: 'WriteExportsUnderPrefix',
              PolicyDocument: { Version: '2012-10-17', Statement: exportRoleStatements(destination) },
            },
          ],
        },
      },
    };
  },

  environment(targets, ctx) {
    if (pinpointApplicationIds(targets, ctx.config).length === 0) return {};
    return { createExportJob: defaultsEnvironment(PINPOINT_DEFAULTS, pinpointDefaults(ctx)) };
  },

  outputs(_targets, ctx): Record<string, SourceOutput> {
    // While the stage acts on Pinpoint (its targets or additionalApplicationIds): a stage of other
    // sources only has no export role.
    if (pinpointApplicationsOf(ctx.config).length === 0) return {};
    const defaults = pinpointDefaults(ctx);
    return {
      ExportRoleArn: {
        description: 'IAM role Amazon Pinpoint assumes to write the exports',
        value: defaults.RoleArn,
      },
      DefaultS3UrlPrefix: {
        description: 'S3UrlPrefix template used when the input leaves it out',
        value: defaults.S3UrlPrefix,
      },
    };
  },
};

/** The stage's defaults for a Pinpoint input (settings.ts; create-export-job's environment), also stack outputs. */
export function pinpointDefaults({
  config,
  destination,
}: StackContext): Record<keyof typeof PINPOINT_DEFAULTS, Cfn> {
  return {
    RoleArn: exportRoleArnOf(config),
    S3UrlPrefix: destination.s3Uri(config.exportDestination.prefixTemplate),
  };
}

/** The stage's Pinpoint applications (its Pinpoint targets' and the additional ones); none: no Pinpoint part. */
export const pinpointApplicationsOf = (config: StageConfig): string[] =>
  pinpointApplicationIds(
    config.targets.filter((t): t is PinpointTarget => t.source === 'pinpoint'),
    config,
  );
