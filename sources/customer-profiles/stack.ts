import { LONGEST_TIME_VALUES, resolveTemplate } from '../../core/input-rules.ts';
import { arnOf, type Cfn, defaultsEnvironment, distinct, IDS, ref, sub } from '../stack/cfn.ts';
import { keyPattern } from '../stack/destination.ts';
import type { StageConfig } from '../stack/stage-types.ts';
import type { StackContext, StackSource } from '../stack/types.ts';
import { profilesInput } from './input.ts';
import {
  DATA_FORMATS,
  MAX_DESTINATION_URI_CHARS,
  PROFILES_NAME,
  PROFILES_PLACEHOLDERS,
  PROFILES_SERVICE,
} from './names.ts';
import { DEFAULT_PROFILES_PREFIX, PROFILES_DEFAULTS } from './settings.ts';
import type { CustomerProfilesTarget } from './types.ts';

/*
 * Amazon Connect Customer Profiles' part of the stack (docs/SOURCES.md): a target names a
 * domain and a segment definition; create-export-job starts a CreateSegmentSnapshot that the
 * Customer Profiles service writes to the stage's bucket with a role it assumes
 * (`ProfilesExportRole`, or `exportDestination.profilesRoleArn`).
 *
 * Resource types and ARN formats: Service Authorization Reference, "Actions, resources, and
 * condition keys for Amazon Connect Customer Profiles"
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonconnectcustomerprofiles.html):
 * CreateSegmentSnapshot and GetSegmentSnapshot both require the resource types `domains`
 * (arn:${Partition}:profile:${Region}:${Account}:domains/${DomainName}) and `segment-definitions`
 * (…:domains/${DomainName}/segment-definitions/${SegmentDefinitionName}); CreateSegmentSnapshot's
 * dependent action is iam:PassRole with iam:PassedToService = profile.amazonaws.com.
 *
 * Loaded by osls through type stripping (deploy/source-stacks.ts): erasable TypeScript only.
 */

const NAME_HINT = "1-64 of letters, digits, _ and -, Customer Profiles' ^[a-zA-Z0-9_-]+$";

const domainArn = (domain: string): Cfn =>
  sub(`arn:\${AWS::Partition}:profile:\${AWS::Region}:\${AWS::AccountId}:domains/${domain}`);
const segmentDefinitionArn = (domain: string, segmentDefinition: string): Cfn =>
  sub(
    `arn:\${AWS::Partition}:profile:\${AWS::Region}:\${AWS::AccountId}:domains/${domain}/segment-definitions/${segmentDefinition}`,
  );

/** The configured domains and segment definitions: both resource types the snapshot actions require. */
function snapshotResources(targets: CustomerProfilesTarget[]): Cfn[] {
  return distinct([
    ...targets.map((t) => domainArn(t.domain)),
    ...targets.map((t) => segmentDefinitionArn(t.domain, t.segmentDefinition)),
  ]);
}

/** The role the service assumes: the stage's existing one, or the one the stack creates. */
const profilesRoleArnOf = (config: StageConfig): Cfn =>
  config.exportDestination.profilesRoleArn ?? arnOf(IDS.profilesExportRole);

/**
 * The keys a target's snapshots are written under, as IAM patterns below the key prefix: its own
 * prefix's and the stage default's (a manual run of the same segment may use either), with its
 * domain and segment definition filled in.
 */
function writePatterns(target: CustomerProfilesTarget): string[] {
  const known = { DomainName: target.domain, SegmentDefinitionName: target.segmentDefinition };
  return [
    ...(target.prefix === undefined ? [] : [keyPattern(target.prefix, known)]),
    keyPattern(DEFAULT_PROFILES_PREFIX, known),
  ];
}

/**
 * The export role's permissions: write the snapshot under the target's prefix and nothing else.
 * Customer Profiles writes to S3 as the service principal `profile.amazonaws.com` (Amazon Connect
 * Administrator Guide, "Cross-service confused deputy prevention", the Customer Profiles example for
 * its S3 bucket: s3:PutObject, conditioned on aws:SourceAccount and aws:SourceArn of the domain), and
 * its S3 bucket examples add s3:ListBucket on the bucket; GetBucketLocation lets the service find the
 * bucket's Region, as for every S3 destination. A KMS-encrypted bucket needs the key for the writes
 * (GenerateDataKey) and for multipart uploads (Decrypt): the same two actions the guide's examples
 * grant the service on a domain's key.
 */
function exportRoleStatements(targets: CustomerProfilesTarget[], { destination }: StackContext): Cfn[] {
  const patterns = [...new Set(targets.flatMap(writePatterns))];
  return [
    {
      Sid: 'LocateBucket',
      Effect: 'Allow',
      Action: 's3:GetBucketLocation',
      Resource: destination.bucketArn,
    },
    {
      Sid: 'ListSegmentExportPrefixes',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: destination.bucketArn,
      Condition: { StringLike: { 's3:prefix': patterns.map((p) => `${destination.keyPrefix}${p}`) } },
    },
    {
      Sid: 'WriteSegmentExports',
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: patterns.map((p) => destination.objectsArn(p)),
    },
    ...(destination.kmsKeyArn
      ? [
          {
            Sid: 'UseExportBucketKey',
            Effect: 'Allow',
            Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
            Resource: destination.kmsKeyArn,
          },
        ]
      : []),
  ];
}

export const customerProfilesStack: StackSource<CustomerProfilesTarget> = {
  id: 'customer-profiles',
  fields: ['domain', 'segmentDefinition', 'format', 'prefix'],

  readTarget({ r, raw, path, destination }) {
    const domain = r.string(raw, 'domain', `${path}.domain`, PROFILES_NAME, NAME_HINT);
    const segmentDefinition = r.string(
      raw,
      'segmentDefinition',
      `${path}.segmentDefinition`,
      PROFILES_NAME,
      NAME_HINT,
    );
    const format = r.oneOf(raw, 'format', `${path}.format`, DATA_FORMATS);
    const prefix = r.keyTemplate(raw, 'prefix', `${path}.prefix`, PROFILES_PLACEHOLDERS);
    if (raw.domain === undefined) r.problem(`${path}.domain`, 'is required (the Customer Profiles domain)');
    if (raw.segmentDefinition === undefined) {
      r.problem(`${path}.segmentDefinition`, 'is required (the segment definition to export)');
    }
    if (!domain || !segmentDefinition) return undefined;
    // The DestinationUri the runtime resolves must stay within CreateSegmentSnapshot's 255 characters.
    const template = prefix ?? DEFAULT_PROFILES_PREFIX;
    const uri = `s3://${'b'.repeat(destination.bucketNameLength)}/${destination.keyPrefix}${resolveTemplate(
      template,
      {
        DomainName: domain,
        SegmentDefinitionName: segmentDefinition,
        ...LONGEST_TIME_VALUES,
      },
    )}`;
    if (uri.length > MAX_DESTINATION_URI_CHARS) {
      r.problem(
        prefix === undefined ? path : `${path}.prefix`,
        `the destination s3://<bucket>/${destination.keyPrefix}${template} resolves to up to ${uri.length} characters ` +
          `(a ${destination.bucketNameLength}-character bucket name, this domain and segment definition); ` +
          `Customer Profiles accepts at most ${MAX_DESTINATION_URI_CHARS}: shorten ${prefix === undefined ? 'exportDestination.keyPrefix or set a shorter prefix' : 'the prefix or exportDestination.keyPrefix'}`,
      );
      return undefined;
    }
    return {
      domain,
      segmentDefinition,
      ...(format !== undefined && { format }),
      ...(prefix !== undefined && { prefix }),
    };
  },

  scheduleDescription(target, config) {
    return `Export Customer Profiles segment ${target.segmentDefinition} of domain ${target.domain} (${config.stage})`;
  },

  /** The input of docs/SOURCES.md: the fields the target sets; RoleArn and the default destination come from the stage. */
  scheduleInput(target, { destination }) {
    return profilesInput<Cfn>({
      domain: target.domain,
      segmentDefinition: target.segmentDefinition,
      format: target.format,
      destinationUri: target.prefix === undefined ? undefined : destination.s3Uri(target.prefix),
      // The configured bucket's SSE-KMS key encrypts the snapshot too.
      encryptionKey: destination.kmsKeyArn,
    });
  },

  statements(targets, { config }) {
    if (targets.length === 0) return {};
    const resources = snapshotResources(targets);
    return {
      createExportJob: [
        {
          Sid: 'CreateSegmentSnapshots',
          Effect: 'Allow',
          // GetSegmentSnapshot: a duplicate delivery or a retry reads the snapshot the run ledger recorded before reusing it.
          Action: ['profile:CreateSegmentSnapshot', 'profile:GetSegmentSnapshot'],
          Resource: resources,
        },
        {
          Sid: 'PassProfilesExportRole',
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: profilesRoleArnOf(config),
          Condition: { StringEquals: { 'iam:PassedToService': PROFILES_SERVICE } },
        },
      ],
      getExportJobStatus: [
        {
          Sid: 'ReadSegmentSnapshots',
          Effect: 'Allow',
          Action: 'profile:GetSegmentSnapshot',
          Resource: resources,
        },
      ],
    };
  },

  resources(targets, ctx) {
    const { config, destination } = ctx;
    if (targets.length === 0 || config.exportDestination.profilesRoleArn) return {};
    const domains = distinct(targets.map((t) => domainArn(t.domain)));
    return {
      [IDS.profilesExportRole]: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description: `Amazon Connect Customer Profiles writes ${config.stage} segment exports under s3://<bucket>/${destination.keyPrefix} with this role`,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: PROFILES_SERVICE },
                Action: 'sts:AssumeRole',
                // Confused-deputy conditions: only for this account's configured domains (the domain
                // itself, or a resource of it such as its segment definitions).
                Condition: {
                  StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
                  ArnLike: {
                    'aws:SourceArn': domains.flatMap((arn) => [
                      arn,
                      sub(`${(arn as { 'Fn::Sub': string })['Fn::Sub']}/*`),
                    ]),
                  },
                },
              },
            ],
          },
          Policies: [
            {
              PolicyName: 'WriteSegmentExportsUnderPrefix',
              PolicyDocument: { Version: '2012-10-17', Statement: exportRoleStatements(targets, ctx) },
            },
          ],
        },
      },
    };
  },

  environment(targets, { config, destination }) {
    if (targets.length === 0) return {};
    return {
      createExportJob: defaultsEnvironment(PROFILES_DEFAULTS, {
        ProfilesRoleArn: profilesRoleArnOf(config),
        ProfilesDestination: destination.s3Uri(DEFAULT_PROFILES_PREFIX),
      }),
    };
  },
};
