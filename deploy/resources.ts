import { countStreamsOf, MANIFEST_NAME } from '../core/verification-sizing.ts';
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
} from '../sources/stack/cfn.ts';
import { destinationOf } from '../sources/stack/destination.ts';
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
import { scheduleResources } from './schedules.ts';
import {
  type StackContext,
  sourceEnvironment,
  sourceOutputs,
  sourceResources,
  sourceStatements,
} from './source-stacks.ts';
import type { StageConfig } from './stage-config.ts';

export type { Cfn, FunctionKey, Resources };
// Kept importable from here: the tests and the nag acknowledgements name them through this module.
export { ALARM_KEY_ACTIONS, alarmRoutingOf, FIXED, IDS, namesOf, receivesAlarms, SERVICE };

/**
 * Builds the configuration-driven part of the CloudFormation template: export
 * destination, notifications, schedules, per-function roles, alarms and outputs.
 * serverless.yml holds the fixed part (functions, state machine) and pulls this
 * in through `deploy/serverless.cjs`, so adding a target is a line in
 * `config/stages/<stage>.yml`, never copied YAML. What differs between export
 * sources (schedule inputs, IAM, service roles, environment) comes from each
 * source's `sources/<id>/stack.ts` through deploy/source-stacks.ts.
 */

/**
 * The export bucket's KMS key, when the stage names one (`exportDestination.kmsKeyArn`);
 * the bucket the stack creates uses SSE-S3, which needs no key permission.
 */
export function exportKeyArnOf(config: StageConfig): string | undefined {
  return config.exportDestination.kmsKeyArn;
}

/** The functions of the verification, each with its own role. */
export type VerificationFunction = 'verifyExport' | 'countExportBatch' | 'finishVerification';

/**
 * The verification functions' S3 permissions, nothing broader: list keys under the export
 * prefix (`s3:ListBucket` is a bucket action, so the prefix is a condition on `s3:prefix`)
 * and read the exported objects, all three; only finish-verification writes, and only
 * `_manifest.json` objects. The bucket's KMS key only when it has one (read: Decrypt; the
 * manifest's PutObject: GenerateDataKey).
 */
export function verificationStatements(config: StageConfig, fn: VerificationFunction): Cfn[] {
  const destination = destinationOf(config);
  const keyArn = exportKeyArnOf(config);
  const writes = fn === 'finishVerification';
  return [
    {
      Sid: 'ListExportedFiles',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: destination.bucketArn,
      Condition: { StringLike: { 's3:prefix': [`${config.exportDestination.keyPrefix}*`] } },
    },
    {
      Sid: 'ReadExportedFiles',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: destination.objectsArn('*'),
    },
    ...(writes
      ? [
          {
            Sid: 'WriteVerificationManifest',
            Effect: 'Allow',
            Action: 's3:PutObject',
            Resource: destination.objectsArn(`*/${MANIFEST_NAME}`),
          },
        ]
      : []),
    ...(keyArn
      ? [
          {
            Sid: 'UseExportBucketKey',
            Effect: 'Allow',
            Action: writes ? ['kms:Decrypt', 'kms:GenerateDataKey'] : 'kms:Decrypt',
            Resource: keyArn,
          },
        ]
      : []),
  ];
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

function functionRoles(ctx: StackContext, topicArn: Cfn, topicKeyArn: Cfn | undefined): Resources {
  return {
    [IDS.roles.createExportJob]: functionRole('createExportJob', 'create-export-job: creates export jobs', [
      ...sourceStatements('createExportJob', ctx),
      CLAIM_RUNS_STATEMENT,
    ]),
    [IDS.roles.getExportJobStatus]: functionRole(
      'getExportJobStatus',
      'get-export-job-status: reads export jobs',
      sourceStatements('getExportJobStatus', ctx),
    ),
    [IDS.roles.verifyExport]: functionRole(
      'verifyExport',
      "verify-export: lists the exported files and reads the source's manifests",
      [...verificationStatements(ctx.config, 'verifyExport'), ...sourceStatements('verifyExport', ctx)],
    ),
    [IDS.roles.countExportBatch]: functionRole(
      'countExportBatch',
      'count-export-batch: lists and reads the exported files of one batch',
      [
        ...verificationStatements(ctx.config, 'countExportBatch'),
        ...sourceStatements('countExportBatch', ctx),
      ],
    ),
    [IDS.roles.finishVerification]: functionRole(
      'finishVerification',
      'finish-verification: lists and reads the exported files, writes their _manifest.json',
      [
        ...verificationStatements(ctx.config, 'finishVerification'),
        ...sourceStatements('finishVerification', ctx),
      ],
    ),
    [IDS.roles.publishSummary]: functionRole(
      'publishSummary',
      'publish-summary: re-reads the job, publishes the summary',
      [
        ...sourceStatements('publishSummary', ctx),
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

/** What every source builds its part from. */
/** What every source's stack part works with. */
export function contextOf(config: StageConfig): StackContext {
  return { config, destination: destinationOf(config) };
}

/** Environment variables per function (read by `functions/shared/config.ts`). */
export function environmentOf(config: StageConfig): Record<'shared' | FunctionKey, Record<string, Cfn>> {
  const ctx = contextOf(config);
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
      ...sourceEnvironment('createExportJob', ctx),
      RUN_LEDGER_TABLE: ref(LEDGER_TABLE_ID),
      LEDGER_RETENTION_DAYS: String(config.ledger.retentionDays),
      ...poll,
    },
    getExportJobStatus: { ...sourceEnvironment('getExportJobStatus', ctx), ...poll },
    verifyExport: {
      ...sourceEnvironment('verifyExport', ctx),
      // The counting plan (functions/shared/config.ts): stored bytes per batch, batches at once.
      VERIFY_BATCH_BYTES: String(config.verification.batchMegabytes * 1024 * 1024),
      VERIFY_CONCURRENCY: String(config.verification.concurrency),
    },
    countExportBatch: {
      ...sourceEnvironment('countExportBatch', ctx),
      // One stream per vCPU the memory buys (Lambda: one vCPU at 1,769 MB).
      COUNT_STREAMS: String(countStreamsOf(config.verification.countMemoryMb)),
      COUNT_RESERVE_SECONDS: '10',
      // Each stream inflates on a libuv thread-pool thread: Node's default pool of 4 would cap 6 streams at 4.
      UV_THREADPOOL_SIZE: String(Math.max(4, countStreamsOf(config.verification.countMemoryMb))),
    },
    finishVerification: { ...sourceEnvironment('finishVerification', ctx) },
    publishSummary: {
      ...sourceEnvironment('publishSummary', ctx),
      SUMMARY_TOPIC_ARN: topicArnOf(config),
      METRICS_NAMESPACE: config.metrics.namespace,
      RUN_LEDGER_TABLE: ref(LEDGER_TABLE_ID),
      ...(config.ledger.recordsDropWarnPercent !== undefined && {
        RECORDS_DROP_WARN_PERCENT: String(config.ledger.recordsDropWarnPercent),
      }),
      ...(config.notifications.rawFailuresInEmail && { RAW_FAILURES_IN_EMAIL: 'true' }),
      MAX_FAILURE_PERCENT: String(config.maxFailurePercent),
      // Linked from every summary that is not a success (core/advice.ts).
      DASHBOARD_URL: dashboardUrl(config.stage),
      ...(config.metrics.runbookUrl && { RUNBOOK_URL: config.metrics.runbookUrl }),
    },
  };
}

function topicArnOf(config: StageConfig): Cfn {
  return config.notifications.topicArn ?? ref(IDS.summaryTopic);
}

function outputsOf(ctx: StackContext): Cfn {
  const { config, destination } = ctx;
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
    // The sources' own (Pinpoint's export role and default S3UrlPrefix).
    ...Object.fromEntries(
      Object.entries(sourceOutputs(ctx)).map(([name, { description, value }]) => [
        name,
        output(description, value, name),
      ]),
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
    sources: Object.fromEntries(config.targets.map((t) => [t.name, t.source])),
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
  const ctx = contextOf(config);
  const topicArn = topicArnOf(config);
  const topicKeyArn = config.notifications.topicArn
    ? config.notifications.topicKmsKeyArn
    : arnOf(IDS.notificationKey);
  return {
    Resources: {
      ...exportDestinationResources(config),
      ...sourceResources(ctx),
      ...notificationResources(config, topicArn),
      ...scheduleResources(ctx),
      ...functionRoles(ctx, topicArn, topicKeyArn),
      ...alarmResources(config),
      ...ledgerTableResource({
        tableName: namesOf(config.stage).runsTable,
        deletionProtection: config.ledger.deletionProtection,
      }),
      ...dashboardResource(dashboardInputOf(config)),
      ...runMetricAlarms(config),
    },
    Outputs: outputsOf(ctx),
  };
}
