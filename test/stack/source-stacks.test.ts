import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTemplate, type NagResult } from '../../deploy/nag.ts';
import { NAG_ACKNOWLEDGEMENTS } from '../../deploy/nag-acknowledgements.ts';
import { buildResources, environmentOf } from '../../deploy/resources.ts';
import { DEFAULT_SOURCE, SOURCE_IDS } from '../../deploy/source-stacks.ts';
import { parseStageConfig } from '../../deploy/stage-config.ts';
import {
  actionsOf,
  cleanUp,
  type Json,
  type Packaged,
  packageStage,
  policyStatements,
  resource,
  resourcesOf,
  resourcesOfType,
  type Statement,
} from './packaged.ts';

/*
 * The export sources' part of the stack (deploy/source-stacks.ts, sources/<id>/stack.ts): the
 * target settings each source reads, the IAM each source target gets (and what no
 * target gets), the Customer Profiles export role, the schedule inputs of
 * docs/SOURCES.md, the environment, and the packaged prod stack with one target of
 * each source under cdk-nag.
 */

const APP = '0123456789abcdef0123456789abcdef';
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const when = { cron: '0 3 * * ? *', timezone: 'Europe/Berlin', enabled: true };
const pinpoint = { name: 'nightly-endpoints', ApplicationId: APP, ...when };
const profiles = {
  name: 'nightly-vip',
  source: 'customer-profiles',
  domain: 'crm',
  segmentDefinition: 'vip-customers',
  ...when,
};
const orders = { name: 'nightly-orders', source: 'dynamodb', table: 'orders', mode: 'incremental', ...when };

const sub = (template: string) => ({ 'Fn::Sub': template });
const ACCOUNT = `\${AWS::Partition}:profile:\${AWS::Region}:\${AWS::AccountId}`;
const domainArn = (domain: string) => sub(`arn:${ACCOUNT}:domains/${domain}`);
const segmentArn = (domain: string, segment: string) =>
  sub(`arn:${ACCOUNT}:domains/${domain}/segment-definitions/${segment}`);
const tableArn = (table: string) =>
  sub(`arn:\${AWS::Partition}:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/${table}`);

const build = (raw: Json) => {
  const config = parseStageConfig(raw, 'qa');
  return {
    config,
    ...buildResources(config),
    env: environmentOf(config),
  };
};
const statementsOf = (role: Json): Statement[] =>
  role.Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement);
const bySid = (role: Json): Record<string, Statement> =>
  Object.fromEntries(statementsOf(role).map((s) => [s.Sid, s]));
const allActions = (resources: Json): string[] =>
  Object.values(resources)
    .filter((r: Json) => r.Type === 'AWS::IAM::Role')
    .flatMap((r: Json) => statementsOf(r).flatMap(actionsOf));
const problemsOf = (raw: Json): string => {
  try {
    parseStageConfig(raw, 'qa');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the stage configuration was accepted');
};

describe('a target names its source', () => {
  it('is a Pinpoint target without source:, as every stage file before sources existed', () => {
    const config = parseStageConfig({ targets: [pinpoint] }, 'qa');

    expect(DEFAULT_SOURCE).toBe('pinpoint');
    expect(config.targets[0]).toMatchObject({ source: 'pinpoint', ApplicationId: APP });
  });

  it('refuses an unknown source, naming the known ones', () => {
    const message = problemsOf({ targets: [{ ...orders, source: 'salesforce' }] });

    expect(SOURCE_IDS).toEqual(['pinpoint', 'customer-profiles', 'dynamodb']);
    expect(message).toContain(
      'targets[0].source: "salesforce" is not a known source: pinpoint, customer-profiles, dynamodb (default pinpoint)',
    );
  });

  it("refuses another source's settings on a target, naming whose they are", () => {
    const message = problemsOf({
      targets: [
        { ...orders, ApplicationId: APP, SegmentId: 'fedcba9876543210fedcba9876543210' },
        { ...profiles, table: 'orders' },
        { ...pinpoint, name: 'p', domain: 'crm', colour: 'blue' },
      ],
    });

    for (const problem of [
      'targets[0].ApplicationId: is a setting of source pinpoint targets, not of source dynamodb',
      'targets[0].SegmentId: is a setting of source pinpoint targets, not of source dynamodb',
      'targets[1].table: is a setting of source dynamodb targets, not of source customer-profiles',
      'targets[2].domain: is a setting of source customer-profiles targets, not of source pinpoint',
      'targets[2].colour: unknown setting',
    ]) {
      expect(message).toContain(problem);
    }
  });
});

describe('Customer Profiles target settings', () => {
  it('requires the domain and the segment definition', () => {
    const { domain: _d, segmentDefinition: _s, ...neither } = profiles;
    const message = problemsOf({ targets: [neither] });

    expect(message).toContain('targets[0].domain: is required (the Customer Profiles domain)');
    expect(message).toContain('targets[0].segmentDefinition: is required (the segment definition to export)');
  });

  it.each([
    ['domain', 'crm domain'],
    ['domain', 'd'.repeat(65)],
    ['segmentDefinition', 'vip.customers'],
  ])('refuses the %s "%s": not a Customer Profiles name', (field, value) => {
    expect(problemsOf({ targets: [{ ...profiles, [field]: value }] })).toContain(
      `targets[0].${field}: "${value}" is not valid (1-64 of letters, digits, _ and -, Customer Profiles' ^[a-zA-Z0-9_-]+$)`,
    );
  });

  it('accepts a 64-character domain name and the three formats, nothing else', () => {
    for (const format of ['JSONL', 'CSV', 'ORC']) {
      const config = parseStageConfig({ targets: [{ ...profiles, domain: 'd'.repeat(64), format }] }, 'qa');
      expect(config.targets[0]).toMatchObject({ source: 'customer-profiles', format });
    }
    expect(problemsOf({ targets: [{ ...profiles, format: 'PARQUET' }] })).toContain(
      'targets[0].format: "PARQUET" is not valid (JSONL, CSV or ORC)',
    );
  });

  it("refuses a prefix placeholder of another source, listing the source's own", () => {
    expect(problemsOf({ targets: [{ ...profiles, prefix: '{ApplicationId}/{date}/' }] })).toContain(
      'targets[0].prefix: unknown placeholder(s) {ApplicationId} (this one may use {DomainName}, {SegmentDefinitionName}, {date}, {year}, {month}, {day}, {hour}, {timestamp})',
    );
  });

  it("refuses a destination that could resolve past CreateSegmentSnapshot's 255 characters", () => {
    const message = problemsOf({
      targets: [
        {
          ...profiles,
          domain: 'd'.repeat(64),
          segmentDefinition: 's'.repeat(64),
          prefix: `${'p'.repeat(60)}/{DomainName}/{SegmentDefinitionName}/{timestamp}/`,
        },
      ],
    });

    expect(message).toMatch(
      /targets\[0\]\.prefix: the destination s3:\/\/<bucket>\/exports\/p+\/\{DomainName\}.* resolves to up to \d+ characters .*at most 255/,
    );
  });

  it('takes an existing Customer Profiles role only with the existing bucket it writes to', () => {
    expect(
      problemsOf({
        exportDestination: { profilesRoleArn: 'arn:aws:iam::123456789012:role/profiles-export' },
        targets: [profiles],
      }),
    ).toContain(
      'exportDestination.profilesRoleArn: an existing Customer Profiles export role needs the existing bucketName it writes to',
    );
  });
});

describe('DynamoDB target settings', () => {
  it('requires a table: a name or a table ARN', () => {
    const { table: _t, ...tableless } = orders;
    expect(problemsOf({ targets: [tableless] })).toContain(
      'targets[0].table: is required (a table name or a table ARN)',
    );
    expect(problemsOf({ targets: [{ ...orders, table: 'ab' }] })).toContain(
      'targets[0].table: "ab" is not a DynamoDB table name (3-255 of letters, digits, _ . -) nor a table ARN',
    );
    for (const arn of [
      'arn:aws:dynamodb:eu-west-1:1234:table/orders',
      'arn:aws:dynamodb:eu-west-1:123456789012:stream/orders',
      'arn:aws:s3:::orders',
    ]) {
      expect(problemsOf({ targets: [{ ...orders, table: arn }] })).toContain(
        `targets[0].table: "${arn}" is not a DynamoDB table ARN (arn:aws:dynamodb:<region>:<12-digit account>:table/<name>)`,
      );
    }
    const arn = 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders.v2';
    expect(parseStageConfig({ targets: [{ ...orders, table: arn }] }, 'qa').targets[0]).toMatchObject({
      table: arn,
    });
  });

  it('names each invalid setting with what it accepts', () => {
    const message = problemsOf({
      targets: [
        { ...orders, mode: 'delta', format: 'CSV', prefix: '{DomainName}/{date}/' },
        { ...orders, name: 'full', mode: 'full', outsideRecoveryWindow: 'error' },
        { ...orders, name: 'owner', bucketOwner: '210987654321' },
        { ...orders, name: 'number', bucket: 'partner-exports', bucketOwner: 210987654321 },
        { ...orders, name: 'bucket', bucket: 'Partner_Exports' },
        { ...orders, name: 'window', outsideRecoveryWindow: 'skip' },
      ],
    });

    for (const problem of [
      'targets[0].mode: "delta" is not valid (full or incremental)',
      'targets[0].format: "CSV" is not valid (DYNAMODB_JSON or ION)',
      'targets[0].prefix: unknown placeholder(s) {DomainName} (this one may use {TableName}, {date}',
      'targets[1].outsideRecoveryWindow: applies to mode: incremental only',
      "targets[2].bucketOwner: names the account of the bucket given by bucket: set bucket (the other account's bucket) too",
      'targets[3].bucketOwner: quote the account id ("210987654321"): YAML reads it as a number',
      'targets[4].bucket: "Partner_Exports" is not a valid S3 bucket name',
      'targets[5].outsideRecoveryWindow: "skip" is not valid (error or full-export)',
    ]) {
      expect(message).toContain(problem);
    }
  });
});

describe('Customer Profiles IAM', () => {
  const { Resources } = build({
    targets: [
      profiles,
      { ...profiles, name: 'weekly-churn', segmentDefinition: 'churn-risk', prefix: 'churn/{date}/' },
    ],
  });

  it('lets create-export-job create snapshots of the configured segments only, and pass only the export role to Customer Profiles', () => {
    const create = bySid(Resources.CreateExportJobRole);
    const expected = [domainArn('crm'), segmentArn('crm', 'vip-customers'), segmentArn('crm', 'churn-risk')];

    expect(create.CreateSegmentSnapshots).toEqual({
      Sid: 'CreateSegmentSnapshots',
      Effect: 'Allow',
      Action: ['profile:CreateSegmentSnapshot', 'profile:GetSegmentSnapshot'],
      Resource: expected,
    });
    expect(create.PassProfilesExportRole).toEqual({
      Sid: 'PassProfilesExportRole',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: { 'Fn::GetAtt': ['ProfilesExportRole', 'Arn'] },
      Condition: { StringEquals: { 'iam:PassedToService': 'profile.amazonaws.com' } },
    });
    expect(bySid(Resources.GetExportJobStatusRole).ReadSegmentSnapshots).toEqual({
      Sid: 'ReadSegmentSnapshots',
      Effect: 'Allow',
      Action: 'profile:GetSegmentSnapshot',
      Resource: expected,
    });
    const profileActions = (role: string) =>
      statementsOf(Resources[role])
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('profile:'));
    expect(profileActions('CreateExportJobRole')).toEqual([
      'profile:CreateSegmentSnapshot',
      'profile:GetSegmentSnapshot',
    ]);
    expect(profileActions('GetExportJobStatusRole')).toEqual(['profile:GetSegmentSnapshot']);
    expect(profileActions('VerifyExportRole')).toEqual([]);
    expect(profileActions('PublishSummaryRole')).toEqual([]);
  });

  it('creates an export role only Customer Profiles may assume, for this account and the configured domain (confused deputy)', () => {
    const trust = Resources.ProfilesExportRole.Properties.AssumeRolePolicyDocument.Statement;

    expect(trust).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'profile.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': [domainArn('crm'), sub(`arn:${ACCOUNT}:domains/crm/*`)] },
        },
      },
    ]);
  });

  it("lets the export role locate the bucket, list and write only below each target's destination, with no KMS for an SSE-S3 bucket", () => {
    const prefixes = [
      'exports/customer-profiles/crm/vip-customers/*',
      'exports/churn/*',
      'exports/customer-profiles/crm/churn-risk/*',
    ];

    expect(statementsOf(Resources.ProfilesExportRole)).toEqual([
      {
        Sid: 'LocateBucket',
        Effect: 'Allow',
        Action: 's3:GetBucketLocation',
        Resource: { 'Fn::GetAtt': ['ExportBucket', 'Arn'] },
      },
      {
        Sid: 'ListSegmentExportPrefixes',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': ['ExportBucket', 'Arn'] },
        Condition: { StringLike: { 's3:prefix': prefixes } },
      },
      {
        Sid: 'WriteSegmentExports',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: prefixes.map((p) => sub(`\${ExportBucket.Arn}/${p}`)),
      },
    ]);
  });

  it("uses an existing bucket's key and an existing role when the stage names them", () => {
    const role = 'arn:aws:iam::123456789012:role/profiles-export';
    const withKey = build({
      exportDestination: { bucketName: 'team-exports', kmsKeyArn: KEY },
      targets: [profiles],
    });
    const existing = build({
      exportDestination: { bucketName: 'team-exports', profilesRoleArn: role },
      targets: [profiles],
    });

    expect(bySid(withKey.Resources.ProfilesExportRole).UseExportBucketKey).toEqual({
      Sid: 'UseExportBucketKey',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: KEY,
    });
    expect(existing.Resources.ProfilesExportRole).toBeUndefined();
    expect(bySid(existing.Resources.CreateExportJobRole).PassProfilesExportRole?.Resource).toBe(role);
    expect(existing.env.createExportJob.PROFILES_ROLE_ARN).toBe(role);
  });
});

describe('DynamoDB IAM', () => {
  it('lets create-export-job export the configured tables and write them below their destinations, get-export-job-status describe their exports', () => {
    const { Resources } = build({
      targets: [
        orders,
        {
          ...orders,
          name: 'payments',
          table: 'arn:aws:dynamodb:eu-west-1:123456789012:table/payments',
          prefix: 'ledger/{TableName}/{year}/',
        },
      ],
    });
    const create = bySid(Resources.CreateExportJobRole);

    expect(create.ExportTables).toEqual({
      Sid: 'ExportTables',
      Effect: 'Allow',
      Action: ['dynamodb:ExportTableToPointInTime', 'dynamodb:DescribeContinuousBackups'],
      Resource: [tableArn('orders'), 'arn:aws:dynamodb:eu-west-1:123456789012:table/payments'],
    });
    // The DynamoDB guide's actions for the caller of ExportTableToPointInTime, on the keys the exports can have.
    expect(create.WriteTableExports).toEqual({
      Sid: 'WriteTableExports',
      Effect: 'Allow',
      Action: ['s3:AbortMultipartUpload', 's3:PutObject', 's3:PutObjectAcl'],
      Resource: [
        sub(`\${ExportBucket.Arn}/exports/dynamodb/orders/*`),
        sub(`\${ExportBucket.Arn}/exports/ledger/payments/*`),
        sub(`\${ExportBucket.Arn}/exports/dynamodb/payments/*`),
      ],
    });
    expect(create.EncryptTableExports).toBeUndefined();
    expect(bySid(Resources.GetExportJobStatusRole).ReadTableExports).toEqual({
      Sid: 'ReadTableExports',
      Effect: 'Allow',
      Action: 'dynamodb:DescribeExport',
      Resource: [
        sub(`arn:\${AWS::Partition}:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/orders/export/*`),
        'arn:aws:dynamodb:eu-west-1:123456789012:table/payments/export/*',
      ],
    });
    const tableActions = (role: string) =>
      statementsOf(Resources[role])
        .filter((s) => s.Sid !== 'ClaimRunsInLedger' && s.Sid !== 'RecordRunOutcomesInLedger')
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('dynamodb:'));
    expect(tableActions('VerifyExportRole')).toEqual([]);
    expect(tableActions('PublishSummaryRole')).toEqual([]);
  });

  it("encrypts with the stage bucket's key when it has one", () => {
    const { Resources } = build({
      exportDestination: { bucketName: 'team-exports', kmsKeyArn: KEY },
      targets: [orders],
    });

    expect(bySid(Resources.CreateExportJobRole).EncryptTableExports).toEqual({
      Sid: 'EncryptTableExports',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: KEY,
    });
    expect(bySid(Resources.CreateExportJobRole).WriteTableExports?.Resource).toEqual([
      sub(`arn:\${AWS::Partition}:s3:::team-exports/exports/dynamodb/orders/*`),
    ]);
  });

  it("writes to another account's bucket under the key prefix, and lets the verification list and read there, and write only its manifest", () => {
    const { Resources } = build({
      targets: [{ ...orders, bucket: 'partner-exports', bucketOwner: '210987654321' }],
    });
    const partner = `arn:\${AWS::Partition}:s3:::partner-exports`;

    expect(bySid(Resources.CreateExportJobRole).WriteTableExports?.Resource).toEqual([
      sub(`${partner}/exports/dynamodb/orders/*`),
    ]);
    for (const role of ['VerifyExportRole', 'CountExportBatchRole', 'FinishVerificationRole']) {
      const verify = bySid(Resources[role]);
      expect(verify.ListTableExportsElsewhere, role).toEqual({
        Sid: 'ListTableExportsElsewhere',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: [sub(partner)],
        Condition: { StringLike: { 's3:prefix': ['exports/dynamodb/orders/*'] } },
      });
      expect(verify.ReadTableExportsElsewhere, role).toEqual({
        Sid: 'ReadTableExportsElsewhere',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: [sub(`${partner}/exports/dynamodb/orders/*`)],
      });
      expect(verify.WriteVerificationManifestElsewhere, role).toEqual(
        role === 'FinishVerificationRole'
          ? {
              Sid: 'WriteVerificationManifestElsewhere',
              Effect: 'Allow',
              Action: 's3:PutObject',
              Resource: [sub(`${partner}/exports/dynamodb/orders/*/_manifest.json`)],
            }
          : undefined,
      );
    }
    // The stage's own bucket's KMS key is not the other bucket's.
    expect(bySid(Resources.CreateExportJobRole).EncryptTableExports).toBeUndefined();
  });
});

describe('what the verification may read', () => {
  it("already covers every new source's destination in the stage bucket: all of it is under the key prefix", () => {
    const { Resources } = build({
      targets: [pinpoint, profiles, { ...profiles, name: 'p2', prefix: 'vip/{date}/' }, orders],
    });
    const verify = bySid(Resources.VerifyExportRole);
    const readable = verify.ReadExportedFiles?.Resource['Fn::Sub'] as string;
    const written = [
      ...resourcesOf(bySid(Resources.ProfilesExportRole).WriteSegmentExports as Statement),
      ...resourcesOf(bySid(Resources.CreateExportJobRole).WriteTableExports as Statement),
    ].map((r: Json) => r['Fn::Sub'] as string);

    expect(readable).toBe(`\${ExportBucket.Arn}/exports/*`);
    // vip-customers' default destination, p2's vip/, orders' default destination.
    expect(written.length).toBe(3);
    for (const key of written) expect(key.startsWith(readable.slice(0, -1)), key).toBe(true);
    expect(verify.ListExportedFiles?.Condition).toEqual({
      StringLike: { 's3:prefix': ['exports/*'] },
    });
    expect(Object.keys(verify).sort()).toEqual([
      'ListExportedFiles',
      'ReadExportedFiles',
      'WriteOwnLogs',
      'XRayTracing',
    ]);
  });
});

describe('no target of a source, none of its IAM, roles or environment', () => {
  it('gives a Pinpoint-only stage nothing of Customer Profiles or DynamoDB exports', () => {
    const { Resources, env } = build({ targets: [pinpoint] });
    const actions = allActions(Resources);

    expect(actions.filter((a) => a.startsWith('profile:'))).toEqual([]);
    expect(actions).not.toContain('dynamodb:ExportTableToPointInTime');
    expect(actions).not.toContain('dynamodb:DescribeExport');
    expect(actions).not.toContain('s3:PutObjectAcl');
    expect(Resources.ProfilesExportRole).toBeUndefined();
    expect(Object.keys(env.createExportJob).filter((k) => /^(PROFILES|DYNAMODB)_/.test(k))).toEqual([]);
  });

  it('gives a stage without Pinpoint targets no Pinpoint role, permission, default or output', () => {
    const { Resources, Outputs, env } = build({ targets: [profiles, orders] });

    expect(Resources.PinpointExportRole).toBeUndefined();
    expect(allActions(Resources).filter((a) => a.startsWith('mobiletargeting:'))).toEqual([]);
    expect(env.createExportJob.DEFAULT_ROLE_ARN).toBeUndefined();
    expect(env.createExportJob.DEFAULT_S3_URL_PREFIX).toBeUndefined();
    expect(Outputs.ExportRoleArn).toBeUndefined();
    expect(Outputs.DefaultS3UrlPrefix).toBeUndefined();
    expect(Outputs.StateMachineArn ?? Outputs.SummaryTopicArn).toBeDefined();
    // Each source's own statements are there all the same.
    expect(bySid(Resources.CreateExportJobRole).CreateSegmentSnapshots).toBeDefined();
    expect(bySid(Resources.CreateExportJobRole).ExportTables).toBeDefined();
  });

  it('keeps Pinpoint for an application operators export by hand, with no Pinpoint target', () => {
    const { Resources } = build({ targets: [orders], additionalApplicationIds: [APP] });

    expect(Resources.PinpointExportRole).toBeDefined();
    expect(bySid(Resources.CreateExportJobRole).CreateAndFindExportJobs).toBeDefined();
  });
});

describe('environment', () => {
  it("gives create-export-job each source's defaults, and only for the sources the stage has targets of", () => {
    const { env } = build({ targets: [profiles, orders] });

    expect(env.createExportJob).toMatchObject({
      PROFILES_ROLE_ARN: { 'Fn::GetAtt': ['ProfilesExportRole', 'Arn'] },
      PROFILES_DESTINATION: {
        'Fn::Sub': [
          `s3://\${Bucket}/exports/customer-profiles/{DomainName}/{SegmentDefinitionName}/{timestamp}/`,
          { Bucket: { Ref: 'ExportBucket' } },
        ],
      },
      DYNAMODB_EXPORT_BUCKET: { Ref: 'ExportBucket' },
      DYNAMODB_EXPORT_PREFIX: 'exports/dynamodb/{TableName}/{date}/',
    });
    for (const fn of [
      'getExportJobStatus',
      'verifyExport',
      'countExportBatch',
      'finishVerification',
      'publishSummary',
    ] as const) {
      expect(
        Object.keys(env[fn]).filter((k) => /^(PROFILES|DYNAMODB)_/.test(k)),
        fn,
      ).toEqual([]);
    }
    expect(Object.keys(build({ targets: [orders] }).env.createExportJob)).not.toContain(
      'PROFILES_DESTINATION',
    );
    expect(Object.keys(build({ targets: [profiles] }).env.createExportJob)).not.toContain(
      'DYNAMODB_EXPORT_BUCKET',
    );
  });

  it('writes an existing bucket by name', () => {
    const { env } = build({ exportDestination: { bucketName: 'team-exports' }, targets: [profiles, orders] });

    expect(env.createExportJob.PROFILES_DESTINATION).toBe(
      's3://team-exports/exports/customer-profiles/{DomainName}/{SegmentDefinitionName}/{timestamp}/',
    );
    expect(env.createExportJob.DYNAMODB_EXPORT_BUCKET).toBe('team-exports');
  });
});

describe('schedule inputs', () => {
  const inputOf = (Resources: Json, id: string) => Resources[id].Properties.Target.Input;

  it('sends a Customer Profiles input: the fields the target sets, the stage default for the rest', () => {
    const { Resources } = build({
      targets: [profiles, { ...profiles, name: 'weekly-csv', format: 'CSV', prefix: 'vip/{year}/{month}/' }],
    });

    expect(JSON.parse(inputOf(Resources, 'ScheduleNightlyVip'))).toEqual({
      Source: 'customer-profiles',
      DomainName: 'crm',
      SegmentDefinitionName: 'vip-customers',
      ScheduledTime: '<aws.scheduler.scheduled-time>',
      Target: 'nightly-vip',
    });
    const [template, vars] = inputOf(Resources, 'ScheduleWeeklyCsv')['Fn::Sub'];
    expect(vars).toEqual({ Bucket: { Ref: 'ExportBucket' } });
    expect(JSON.parse(template)).toEqual({
      Source: 'customer-profiles',
      DomainName: 'crm',
      SegmentDefinitionName: 'vip-customers',
      DataFormat: 'CSV',
      DestinationUri: `s3://\${Bucket}/exports/vip/{year}/{month}/`,
      ScheduledTime: '<aws.scheduler.scheduled-time>',
      Target: 'weekly-csv',
    });
    expect(Resources.ScheduleWeeklyCsv.Properties.Description).toBe(
      'Export Customer Profiles segment vip-customers of domain crm (qa)',
    );
  });

  it("adds the stage bucket's key to a Customer Profiles input", () => {
    const { Resources } = build({
      exportDestination: { bucketName: 'team-exports', kmsKeyArn: KEY },
      targets: [{ ...profiles, prefix: 'vip/{date}/' }],
    });

    expect(JSON.parse(inputOf(Resources, 'ScheduleNightlyVip'))).toMatchObject({
      DestinationUri: 's3://team-exports/exports/vip/{date}/',
      EncryptionKey: KEY,
    });
  });

  it('sends a DynamoDB input with the table ARN built for this account and Region', () => {
    const { Resources } = build({
      targets: [
        {
          ...orders,
          format: 'ION',
          outsideRecoveryWindow: 'full-export',
          prefix: 'tables/{TableName}/{date}/',
        },
        {
          ...orders,
          name: 'partner',
          mode: 'full',
          table: 'arn:aws:dynamodb:eu-west-1:123456789012:table/payments',
          bucket: 'partner-exports',
          bucketOwner: '210987654321',
        },
      ],
    });

    const input = inputOf(Resources, 'ScheduleNightlyOrders');
    expect(Object.keys(input)).toEqual(['Fn::Sub']);
    expect(JSON.parse(input['Fn::Sub'])).toEqual({
      Source: 'dynamodb',
      TableArn: `arn:\${AWS::Partition}:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/orders`,
      ExportType: 'INCREMENTAL_EXPORT',
      ExportFormat: 'ION',
      S3Prefix: 'exports/tables/{TableName}/{date}/',
      OutsideRecoveryWindow: 'FULL_EXPORT',
      ScheduledTime: '<aws.scheduler.scheduled-time>',
      Target: 'nightly-orders',
    });
    expect(JSON.parse(inputOf(Resources, 'SchedulePartner'))).toEqual({
      Source: 'dynamodb',
      TableArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/payments',
      ExportType: 'FULL_EXPORT',
      S3Bucket: 'partner-exports',
      S3BucketOwner: '210987654321',
      ScheduledTime: '<aws.scheduler.scheduled-time>',
      Target: 'partner',
    });
    expect(Resources.ScheduleNightlyOrders.Properties.Description).toBe(
      'Export DynamoDB table orders (incremental) (qa)',
    );
  });

  it("asks DynamoDB for SSE-KMS with the stage bucket's key", () => {
    const { Resources } = build({
      exportDestination: { bucketName: 'team-exports', kmsKeyArn: KEY },
      targets: [{ ...orders, table: 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders' }],
    });

    expect(JSON.parse(inputOf(Resources, 'ScheduleNightlyOrders'))).toMatchObject({
      S3SseAlgorithm: 'KMS',
      S3SseKmsKeyId: KEY,
    });
  });
});

describe('the packaged prod stack: one target of each source', () => {
  let prod: Packaged;
  let nag: NagResult;
  beforeAll(async () => {
    prod = await packageStage('prod');
    nag = checkTemplate(prod.templateFile);
  }, 300_000);
  afterAll(() => cleanUp(prod));

  const scheduleInput = (name: string): Json => {
    const found = resourcesOfType(prod.template, 'AWS::Scheduler::Schedule').find(
      ([, r]) => r.Properties.Name === name,
    );
    if (!found) throw new Error(`no schedule ${name}`);
    const input = found[1].Properties.Target.Input;
    const body = typeof input === 'string' ? input : input['Fn::Sub'];
    return JSON.parse(typeof body === 'string' ? body : body[0]);
  };

  it('schedules each source with its own input', () => {
    expect(scheduleInput('nightly-all-endpoints')).toEqual({
      ApplicationId: APP,
      ScheduledTime: '<aws.scheduler.scheduled-time>',
      Target: 'nightly-all-endpoints',
    });
    expect(scheduleInput('nightly-vip-profiles')).toEqual({
      Source: 'customer-profiles',
      DomainName: 'crm',
      SegmentDefinitionName: 'vip-customers',
      DataFormat: 'JSONL',
      ScheduledTime: '<aws.scheduler.scheduled-time>',
      Target: 'nightly-vip-profiles',
    });
    expect(scheduleInput('nightly-orders-changes')).toEqual({
      Source: 'dynamodb',
      TableArn: `arn:\${AWS::Partition}:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/orders`,
      ExportType: 'INCREMENTAL_EXPORT',
      ExportFormat: 'DYNAMODB_JSON',
      OutsideRecoveryWindow: 'ERROR',
      ScheduledTime: '<aws.scheduler.scheduled-time>',
      Target: 'nightly-orders-changes',
    });
  });

  it("gives the functions each source's defaults and roles", () => {
    const env = resource(prod.template, 'CreateDashexportDashjobLambdaFunction').Properties.Environment
      .Variables;
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining([
        'DEFAULT_ROLE_ARN',
        'PROFILES_ROLE_ARN',
        'PROFILES_DESTINATION',
        'DYNAMODB_EXPORT_BUCKET',
        'DYNAMODB_EXPORT_PREFIX',
      ]),
    );
    expect(resource(prod.template, 'ProfilesExportRole').Type).toBe('AWS::IAM::Role');
    const passRoles = policyStatements(prod.template)
      .filter(
        (s) => s.where.startsWith('CreateExportJobRole ') && actionsOf(s.statement).includes('iam:PassRole'),
      )
      .map((s) => s.statement.Condition.StringEquals['iam:PassedToService']);
    expect(passRoles).toEqual([
      ['pinpoint.amazonaws.com', 'mobiletargeting.amazonaws.com'],
      'profile.amazonaws.com',
    ]);
  });

  it('leaves cdk-nag no unacknowledged finding, and uses the acknowledgements the new sources need', () => {
    expect(nag.unacknowledged.map((f) => `${f.id} on ${f.logicalId}`)).toEqual([]);
    const sourceAcks = NAG_ACKNOWLEDGEMENTS.filter(
      (a) => a.logicalIds.some((id) => id === 'ProfilesExportRole') || /dynamodb/.test(a.finding ?? ''),
    );
    expect(sourceAcks).toHaveLength(3);
    for (const ack of sourceAcks) expect(nag.unused, ack.finding).not.toContain(ack);
    expect(nag.all.map((f) => f.logicalId)).toEqual(
      expect.arrayContaining(['ProfilesExportRole', 'CreateExportJobRole', 'GetExportJobStatusRole']),
    );
  });
});
