import {
  arnOf,
  type Cfn,
  denyInsecureTransport,
  FIXED,
  type FunctionKey,
  IDS,
  type Resources,
  ref,
  sub,
} from './cfn.ts';
import { type DashboardInput, dashboardResource, dashboardUrl, metricAlarms } from './dashboard.ts';
import {
  CLAIM_RUNS_STATEMENT,
  LEDGER_TABLE_ID,
  ledgerTableResource,
  RECORD_OUTCOMES_STATEMENT,
} from './ledger.ts';
import { namesOf, SERVICE } from './names.ts';
import {
  ALARM_KEY_ACTIONS,
  alarmResources,
  alarmRoutingOf,
  notificationResources,
  receivesAlarms,
} from './notifications.ts';
import { applicationIdsOf, type ExportTarget, logicalIdOf, type StageConfig } from './stage-config.ts';

export type { Cfn, FunctionKey, Resources };
// Kept importable from here: the tests and the nag acknowledgements name them through this module.
export { ALARM_KEY_ACTIONS, alarmRoutingOf, FIXED, IDS, namesOf, receivesAlarms, SERVICE };

/**
 * Builds the configuration-driven part of the CloudFormation template: export
 * destination, notifications, schedules, per-function roles, alarms and outputs.
 * serverless.yml holds the fixed part (functions, state machine) and pulls this
 * in through `stack/serverless.cjs`, so adding a target is a line in
 * `config/stages/<stage>.yml`, never copied YAML.
 */

/** Where exports go: bucket name (string or Ref), the export role ARN, the key prefix the role may write under. */
interface Destination {
  bucket: Cfn;
  roleArn: Cfn;
  s3UrlPrefix(template: string): Cfn;
}

function destinationOf(config: StageConfig): Destination {
  const dest = config.exportDestination;
  const bucket = dest.bucketName ?? ref(IDS.exportBucket);
  return {
    bucket,
    roleArn: dest.roleArn ?? arnOf(IDS.exportRole),
    s3UrlPrefix: (template) =>
      dest.bucketName
        ? `s3://${dest.bucketName}/${dest.keyPrefix}${template}`
        : sub(`s3://\${Bucket}/${dest.keyPrefix}${template}`, { Bucket: bucket }),
  };
}

/** The export bucket and the objects under the stage's key prefix, as IAM resources. */
function exportArnsOf(config: StageConfig): { bucketArn: Cfn; objectsArn: Cfn } {
  const dest = config.exportDestination;
  return {
    bucketArn: dest.bucketName
      ? sub(`arn:\${AWS::Partition}:s3:::${dest.bucketName}`)
      : arnOf(IDS.exportBucket),
    objectsArn: dest.bucketName
      ? sub(`arn:\${AWS::Partition}:s3:::${dest.bucketName}/${dest.keyPrefix}*`)
      : sub(`\${${IDS.exportBucket}.Arn}/${dest.keyPrefix}*`),
  };
}

/**
 * The export bucket's KMS key, when the stage names one (`exportDestination.kmsKeyArn`);
 * the bucket the stack creates uses SSE-S3, which needs no key permission.
 */
export function exportKeyArnOf(config: StageConfig): string | undefined {
  return config.exportDestination.kmsKeyArn;
}

/**
 * verify-export's S3 permissions, nothing broader: list keys under the export prefix
 * (`s3:ListBucket` is a bucket action, so the prefix is a condition on `s3:prefix`),
 * read the exported objects and write the manifest beside them (objects under the
 * prefix), and use the bucket's KMS key only when it has one (read: Decrypt; the
 * manifest's PutObject: GenerateDataKey).
 */
export function verifyExportStatements(config: StageConfig): Cfn[] {
  const { bucketArn, objectsArn } = exportArnsOf(config);
  const keyArn = exportKeyArnOf(config);
  return [
    {
      Sid: 'ListExportedFiles',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: bucketArn,
      Condition: { StringLike: { 's3:prefix': [`${config.exportDestination.keyPrefix}*`] } },
    },
    {
      Sid: 'ReadExportsWriteManifest',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: objectsArn,
    },
    ...(keyArn
      ? [
          {
            Sid: 'UseExportBucketKey',
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: keyArn,
          },
        ]
      : []),
  ];
}

function appArns(config: StageConfig): Cfn[] {
  return applicationIdsOf(config).map((id) =>
    sub(`arn:\${AWS::Partition}:mobiletargeting:\${AWS::Region}:\${AWS::AccountId}:apps/${id}`),
  );
}

function exportJobArns(config: StageConfig): Cfn[] {
  return applicationIdsOf(config).flatMap((id) => [
    sub(`arn:\${AWS::Partition}:mobiletargeting:\${AWS::Region}:\${AWS::AccountId}:apps/${id}`),
    sub(`arn:\${AWS::Partition}:mobiletargeting:\${AWS::Region}:\${AWS::AccountId}:apps/${id}/jobs/export*`),
  ]);
}

/** Encrypted (SSE-S3), all four public-access blocks, ACLs off: what both buckets share. */
const PRIVATE_SSE_S3_BUCKET = {
  BucketEncryption: {
    ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
  },
  PublicAccessBlockConfiguration: {
    BlockPublicAcls: true,
    BlockPublicPolicy: true,
    IgnorePublicAcls: true,
    RestrictPublicBuckets: true,
  },
  OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
} as const;

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
function exportRoleStatements(bucketArn: Cfn, objectsArn: Cfn, keyPrefix: string): Cfn[] {
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
    { Sid: 'ReadWriteExportObjects', Effect: 'Allow', Action: EXPORT_OBJECT_ACTIONS, Resource: objectsArn },
  ];
}

function exportDestinationResources(config: StageConfig): Resources {
  const dest = config.exportDestination;
  const resources: Resources = {};
  if (!dest.bucketName) {
    resources[IDS.accessLogBucket] = {
      Type: 'AWS::S3::Bucket',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        // Server access logs can only be delivered to SSE-S3 buckets.
        ...PRIVATE_SSE_S3_BUCKET,
        LifecycleConfiguration: {
          Rules: [
            { Id: 'ExpireAccessLogs', Status: 'Enabled', ExpirationInDays: dest.accessLogExpirationDays },
          ],
        },
      },
    };
    resources[IDS.accessLogBucketPolicy] = {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: ref(IDS.accessLogBucket),
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            denyInsecureTransport('s3:*', [
              arnOf(IDS.accessLogBucket),
              sub(`\${${IDS.accessLogBucket}.Arn}/*`),
            ]),
            {
              Sid: 'AllowServerAccessLogsFromExportBucket',
              Effect: 'Allow',
              Principal: { Service: 'logging.s3.amazonaws.com' },
              Action: 's3:PutObject',
              Resource: sub(`\${${IDS.accessLogBucket}.Arn}/export-bucket/*`),
              Condition: {
                ArnLike: { 'aws:SourceArn': arnOf(IDS.exportBucket) },
                StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
              },
            },
          ],
        },
      },
    };
    resources[IDS.exportBucket] = {
      Type: 'AWS::S3::Bucket',
      // Exports hold personal data: removing the stack must not silently delete them; the lifecycle rule does.
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        ...PRIVATE_SSE_S3_BUCKET,
        LoggingConfiguration: {
          DestinationBucketName: ref(IDS.accessLogBucket),
          LogFilePrefix: 'export-bucket/',
        },
        LifecycleConfiguration: {
          Rules: [
            {
              Id: 'ExpireExportedPersonalData',
              Status: 'Enabled',
              Prefix: dest.keyPrefix,
              ExpirationInDays: dest.expirationDays,
            },
            {
              Id: 'AbortIncompleteUploads',
              Status: 'Enabled',
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            },
          ],
        },
      },
    };
    resources[IDS.exportBucketPolicy] = {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: ref(IDS.exportBucket),
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            denyInsecureTransport('s3:*', [arnOf(IDS.exportBucket), sub(`\${${IDS.exportBucket}.Arn}/*`)]),
          ],
        },
      },
    };
  }
  if (!dest.roleArn) {
    const { bucketArn, objectsArn } = exportArnsOf(config);
    resources[IDS.exportRole] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: `Amazon Pinpoint writes ${config.stage} endpoint exports under s3://<bucket>/${dest.keyPrefix} with this role`,
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'pinpoint.amazonaws.com' },
              Action: 'sts:AssumeRole',
              Condition: {
                StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
                ArnLike: { 'aws:SourceArn': appArns(config) },
              },
            },
          ],
        },
        Policies: [
          {
            PolicyName: 'WriteExportsUnderPrefix',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: exportRoleStatements(bucketArn, objectsArn, dest.keyPrefix),
            },
          },
        ],
      },
    };
  }
  return resources;
}

/**
 * The service names create-export-job may pass the export role to. The Service Authorization Reference
 * (Actions, resources, and condition keys for Amazon Pinpoint: CreateExportJob's dependent iam:PassRole)
 * names `mobiletargeting.amazonaws.com` (Pinpoint's API prefix) while the role is assumed by
 * `pinpoint.amazonaws.com`: allowing both passes the role whichever name Pinpoint presents, and still
 * to Pinpoint only.
 */
export const PINPOINT_PASSED_TO_SERVICES = ['pinpoint.amazonaws.com', 'mobiletargeting.amazonaws.com'];

/** The execution input a schedule sends: only the fields set, plus the scheduled time. */
export function scheduleInputOf(target: ExportTarget, destination: Destination): Cfn {
  const request: Record<string, unknown> = {};
  if (target.prefix !== undefined) request.S3UrlPrefix = '__S3_URL_PREFIX__';
  if (target.SegmentId !== undefined) request.SegmentId = target.SegmentId;
  if (target.SegmentVersion !== undefined) request.SegmentVersion = target.SegmentVersion;
  const input = {
    ApplicationId: target.ApplicationId,
    ...(Object.keys(request).length > 0 && { ExportJobRequest: request }),
    ScheduledTime: '<aws.scheduler.scheduled-time>',
    // The run ledger's name for the target: `npm run export -- history --target <name>`.
    Target: target.name,
  };
  const json = JSON.stringify(input);
  if (target.prefix === undefined) return json;
  const prefix = destination.s3UrlPrefix(target.prefix);
  if (typeof prefix === 'string') return json.replace('__S3_URL_PREFIX__', prefix);
  // The created bucket's name is only known at deploy time: substitute it into the JSON string.
  const [template, vars] = prefix['Fn::Sub'] as [string, Record<string, Cfn>];
  return sub(json.replace('__S3_URL_PREFIX__', template), vars);
}

function scheduleResources(config: StageConfig, destination: Destination): Resources {
  const names = namesOf(config.stage);
  const resources: Resources = {
    [IDS.scheduleGroup]: { Type: 'AWS::Scheduler::ScheduleGroup', Properties: { Name: names.scheduleGroup } },
    [IDS.schedulerDlq]: {
      Type: 'AWS::SQS::Queue',
      Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 },
    },
    [IDS.schedulerDlqPolicy]: {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [ref(IDS.schedulerDlq)],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [denyInsecureTransport('sqs:*', arnOf(IDS.schedulerDlq))],
        },
      },
    },
    [IDS.schedulerRole]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: `EventBridge Scheduler starts ${names.stateMachine} executions with this role`,
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'scheduler.amazonaws.com' },
              Action: 'sts:AssumeRole',
              Condition: {
                StringEquals: {
                  'aws:SourceAccount': ref('AWS::AccountId'),
                  'aws:SourceArn': arnOf(IDS.scheduleGroup),
                },
              },
            },
          ],
        },
        Policies: [
          {
            PolicyName: 'StartExportWorkflow',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Sid: 'StartExecution',
                  Effect: 'Allow',
                  Action: 'states:StartExecution',
                  Resource: ref(FIXED.stateMachine),
                },
                {
                  Sid: 'DeadLetter',
                  Effect: 'Allow',
                  Action: 'sqs:SendMessage',
                  Resource: arnOf(IDS.schedulerDlq),
                },
              ],
            },
          },
        ],
      },
    },
  };
  for (const target of config.targets) {
    const window = target.flexibleWindowMinutes ?? config.scheduler.flexibleWindowMinutes;
    resources[`Schedule${logicalIdOf(target.name)}`] = {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Name: target.name,
        GroupName: ref(IDS.scheduleGroup),
        Description: `Export Pinpoint application ${target.ApplicationId}${target.SegmentId ? ` segment ${target.SegmentId}` : ''} (${config.stage})`,
        ScheduleExpression: `cron(${target.cron})`,
        ScheduleExpressionTimezone: target.timezone,
        State: target.enabled ? 'ENABLED' : 'DISABLED',
        FlexibleTimeWindow:
          window > 0 ? { Mode: 'FLEXIBLE', MaximumWindowInMinutes: window } : { Mode: 'OFF' },
        Target: {
          Arn: ref(FIXED.stateMachine),
          RoleArn: arnOf(IDS.schedulerRole),
          Input: scheduleInputOf(target, destination),
          RetryPolicy: {
            MaximumRetryAttempts: config.scheduler.retryAttempts,
            MaximumEventAgeInSeconds: config.scheduler.maxEventAgeSeconds,
          },
          DeadLetterConfig: { Arn: arnOf(IDS.schedulerDlq) },
        },
      },
    };
  }
  return resources;
}

/** A Lambda execution role: its own log group, X-Ray, and the statements given. */
function functionRole(key: FunctionKey, description: string, statements: Cfn[]): Cfn {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: description,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      Policies: [
        {
          PolicyName: 'FunctionPermissions',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'WriteOwnLogs',
                Effect: 'Allow',
                Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                // The log group's Arn attribute ends in ":*" (its log streams, named by Lambda at run time).
                Resource: arnOf(`${FIXED.functions[key]}LogGroup`),
              },
              {
                Sid: 'XRayTracing',
                Effect: 'Allow',
                Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
                // X-Ray has no resource-level permissions for these actions: AWS requires "*".
                Resource: '*',
              },
              ...statements,
            ],
          },
        },
      ],
    },
  };
}

function functionRoles(
  config: StageConfig,
  destination: Destination,
  topicArn: Cfn,
  topicKeyArn: Cfn | undefined,
): Resources {
  const jobs = exportJobArns(config);
  return {
    [IDS.roles.createExportJob]: functionRole(
      'createExportJob',
      'create-export-job: creates Pinpoint export jobs',
      [
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
        CLAIM_RUNS_STATEMENT,
        {
          Sid: 'PassExportRoleToPinpoint',
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: destination.roleArn,
          Condition: { StringEquals: { 'iam:PassedToService': PINPOINT_PASSED_TO_SERVICES } },
        },
      ],
    ),
    [IDS.roles.getExportJobStatus]: functionRole(
      'getExportJobStatus',
      'get-export-job-status: reads export jobs',
      [{ Sid: 'ReadExportJobs', Effect: 'Allow', Action: 'mobiletargeting:GetExportJob', Resource: jobs }],
    ),
    [IDS.roles.verifyExport]: functionRole(
      'verifyExport',
      'verify-export: lists and reads the exported files, writes their manifest',
      verifyExportStatements(config),
    ),
    [IDS.roles.publishSummary]: functionRole(
      'publishSummary',
      'publish-summary: re-reads the job, publishes the summary',
      [
        { Sid: 'ReadExportJobs', Effect: 'Allow', Action: 'mobiletargeting:GetExportJob', Resource: jobs },
        { Sid: 'PublishSummary', Effect: 'Allow', Action: 'sns:Publish', Resource: topicArn },
        RECORD_OUTCOMES_STATEMENT,
        ...(topicKeyArn
          ? [
              {
                Sid: 'EncryptForTopic',
                Effect: 'Allow',
                Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
                Resource: topicKeyArn,
              },
            ]
          : []),
      ],
    ),
  };
}

/** Environment variables per function (read by `functions/shared/config.ts`). */
export function environmentOf(config: StageConfig) {
  const destination = destinationOf(config);
  const poll = {
    ...(config.poll.minWaitSeconds !== undefined && {
      POLL_MIN_WAIT_SECONDS: String(config.poll.minWaitSeconds),
    }),
    ...(config.poll.maxWaitSeconds !== undefined && {
      POLL_MAX_WAIT_SECONDS: String(config.poll.maxWaitSeconds),
    }),
    ...(config.poll.runDeadlineSeconds !== undefined && {
      RUN_DEADLINE_SECONDS: String(config.poll.runDeadlineSeconds),
    }),
    ...(config.poll.nearWaitSeconds !== undefined && {
      POLL_NEAR_WAIT_SECONDS: String(config.poll.nearWaitSeconds),
    }),
    ...(config.poll.idleGrowth !== undefined && { POLL_IDLE_GROWTH: String(config.poll.idleGrowth) }),
    ...(config.poll.aimFraction !== undefined && { POLL_AIM_FRACTION: String(config.poll.aimFraction) }),
    ...(config.poll.finishingShare !== undefined && {
      POLL_FINISHING_SHARE: String(config.poll.finishingShare),
    }),
  };
  return {
    shared: {
      STAGE: config.stage,
      POWERTOOLS_SERVICE_NAME: SERVICE,
      POWERTOOLS_LOG_LEVEL: config.logLevel,
    },
    createExportJob: {
      DEFAULT_ROLE_ARN: destination.roleArn,
      DEFAULT_S3_URL_PREFIX: destination.s3UrlPrefix(config.exportDestination.prefixTemplate),
      RUN_LEDGER_TABLE: ref(LEDGER_TABLE_ID),
      LEDGER_RETENTION_DAYS: String(config.ledger.retentionDays),
      ...poll,
    },
    getExportJobStatus: { ...poll },
    verifyExport: {
      // The part of the 300 s timeout kept for the manifest and the answer (functions/shared/config.ts).
      VERIFY_RESERVE_SECONDS: '20',
    },
    publishSummary: {
      SUMMARY_TOPIC_ARN: topicArnOf(config),
      METRICS_NAMESPACE: config.metrics.namespace,
      RUN_LEDGER_TABLE: ref(LEDGER_TABLE_ID),
      ...(config.ledger.recordsDropWarnPercent !== undefined && {
        RECORDS_DROP_WARN_PERCENT: String(config.ledger.recordsDropWarnPercent),
      }),
      ...(config.notifications.rawFailuresInEmail && { RAW_FAILURES_IN_EMAIL: 'true' }),
    },
  };
}

function topicArnOf(config: StageConfig): Cfn {
  return config.notifications.topicArn ?? ref(IDS.summaryTopic);
}

function outputsOf(config: StageConfig, destination: Destination): Cfn {
  const names = namesOf(config.stage);
  const output = (description: string, value: Cfn, exportName: string) => ({
    Description: description,
    Value: value,
    Export: { Name: `${names.prefix}-${exportName}` },
  });
  return {
    SummaryTopicArn: output(
      'SNS topic the run summaries are published to',
      topicArnOf(config),
      'SummaryTopicArn',
    ),
    ExportBucketName: output('S3 bucket the exports are written to', destination.bucket, 'ExportBucketName'),
    ExportRoleArn: output(
      'IAM role Amazon Pinpoint assumes to write the exports',
      destination.roleArn,
      'ExportRoleArn',
    ),
    DefaultS3UrlPrefix: output(
      'S3UrlPrefix template used when the input leaves it out',
      destination.s3UrlPrefix(config.exportDestination.prefixTemplate),
      'DefaultS3UrlPrefix',
    ),
    ScheduleGroupName: output(
      'EventBridge Scheduler group of the export schedules',
      ref(IDS.scheduleGroup),
      'ScheduleGroupName',
    ),
    ...(alarmRoutingOf(config).createsAlarmTopic && {
      AlarmTopicArn: output(
        'SNS topic the alarms notify (its email subscribers are those of the summary topic who get failures)',
        ref(IDS.alarmTopic),
        'AlarmTopicArn',
      ),
    }),
    DashboardUrl: output(
      'The CloudWatch dashboard of this stage: records, durations, outcomes, errors, dead-letter queues',
      dashboardUrl(config.stage),
      'DashboardUrl',
    ),
    RunLedgerTableName: output(
      'DynamoDB run ledger: one item per run (claim, job, outcome); npm run export -- list/history read it',
      ref(LEDGER_TABLE_ID),
      'RunLedgerTableName',
    ),
    SchedulerDeadLetterQueueUrl: output(
      'Scheduled runs that could not be started land here',
      ref(IDS.schedulerDlq),
      'SchedulerDeadLetterQueueUrl',
    ),
  };
}

/** What the dashboard and the per-run metric alarms are built from. */
export function dashboardInputOf(config: StageConfig): DashboardInput {
  return {
    stage: config.stage,
    namespace: config.metrics.namespace,
    targets: config.targets.map((t) => t.name),
    stateMachineId: FIXED.stateMachine,
    queueIds: [
      IDS.schedulerDlq,
      ...(config.notifications.subscriptions.length > 0 ? [IDS.subscriptionDlq] : []),
    ],
    runbookUrl: config.metrics.runbookUrl,
  };
}

/** Alarms on the per-run metrics, routed like every other alarm. */
function runMetricAlarms(config: StageConfig): Resources {
  const target = alarmRoutingOf(config).target;
  if (target === undefined) return {};
  return metricAlarms(dashboardInputOf(config), [target], config.ledger.recordsDropWarnPercent !== undefined);
}

/** The configuration-driven Resources and Outputs, merged by osls into the template. */
export function buildResources(config: StageConfig): { Resources: Resources; Outputs: Cfn } {
  const destination = destinationOf(config);
  const topicArn = topicArnOf(config);
  const topicKeyArn = config.notifications.topicArn
    ? config.notifications.topicKmsKeyArn
    : arnOf(IDS.notificationKey);
  return {
    Resources: {
      ...exportDestinationResources(config),
      ...notificationResources(config, topicArn),
      ...scheduleResources(config, destination),
      ...functionRoles(config, destination, topicArn, topicKeyArn),
      ...alarmResources(config),
      ...ledgerTableResource({
        tableName: namesOf(config.stage).runsTable,
        deletionProtection: config.ledger.deletionProtection,
      }),
      ...dashboardResource(dashboardInputOf(config)),
      ...runMetricAlarms(config),
    },
    Outputs: outputsOf(config, destination),
  };
}
