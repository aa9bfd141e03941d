import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeContinuousBackupsCommand,
  DynamoDBClient,
  ListExportsCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { diagnose, doctorClients } from '../../cli/doctor.ts';
import { readSummaryMessage } from '../../core/sns-message.ts';
import type { ExportSummary } from '../../core/types.ts';
import { namesOf } from '../../deploy/names.ts';
import { parseStageConfig } from '../../deploy/stage-config.ts';
import {
  createLedgerTable,
  createSeededTable,
  enablePointInTimeRecovery,
} from '../../dev/emulator/dynamodb.ts';
import { type LocalRunResult, runLocal } from '../../dev/local/run.ts';
import type { CheckResult } from '../../sources/doctor.ts';
import { IDS } from '../../sources/stack/cfn.ts';

/*
 * Conformance against moto (an AWS implementation we did not write), server mode on 127.0.0.1:
 * the local run with every AWS_ENDPOINT_URL_* at moto, so the deployed ASL, the real handlers and
 * their SDK clients talk to it; the summary read back as a subscriber would, through an SQS
 * subscription; the doctor over the same account. Nothing here adapts the product to moto.
 *
 * Where moto differs from AWS (moto 5.2.1; docs/shared TOOLCHAIN notes), each test says which
 * behaviour is AWS's and what the project does with moto's:
 *
 * - Point-in-time recovery. AWS: EarliestRestorableDateTime stays where recovery began (up to its
 *   recovery period back) and LatestRestorableDateTime "is typically 5 minutes before the current
 *   time" (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PointInTimeRecoveryDescription.html).
 *   moto freezes both at the moment recovery was switched on. The product exports a run's table
 *   as of 15 minutes before its scheduled time and refuses any time outside [earliest, latest],
 *   so on moto exactly one instant is exportable: the tests schedule their runs so that the
 *   export time is that instant, on this process's clock (vi.useFakeTimers, Date only).
 * - Manifests. AWS writes manifest-summary.json and manifest-files.json under
 *   <prefix>/AWSDynamoDB/<export id>/ and names them in DescribeExport's ExportManifest
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html).
 *   moto writes one data file and no manifest: the product cannot verify what it cannot read, so
 *   its honest verdict is not VERIFIED (see {@link expectUnverifiedWithoutManifest}).
 * - DescribeExport. AWS returns ExportTime and ExportManifest
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ExportDescription.html);
 *   moto returns neither, and an ExportArn of the form table/<table ARN>/import/<hex>. The
 *   product records no coverage it was not told of (an incremental target's next run starts a
 *   full export again) and keeps the ARN as the job id, opaque.
 * - ClientToken. AWS returns the same export for the same token within 8 hours
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ExportTableToPointInTime.html);
 *   moto ignores it. A duplicate run still starts no second export: the run ledger finds the job.
 * - SNS email. AWS keeps an email subscription PendingConfirmation until the recipient confirms
 *   (https://docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html); moto confirms at
 *   once, so the doctor's pending-confirmation WARN is tested against our emulator instead.
 * - IAM. moto does not serve iam:SimulatePrincipalPolicy: the doctor says it could not check.
 */

const MOTO = inject('motoUrl');
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const BUCKET = 'local-exports';
const LEDGER = 'moto-runs';
const QUEUE = 'summaries';
const MINUTE = 60_000;

const dataDir = mkdtempSync(join(tmpdir(), 'moto-'));
const config = {
  endpoint: MOTO,
  region: REGION,
  credentials: { accessKeyId: 'moto', secretAccessKey: 'moto' },
};
let dynamodb: DynamoDBClient;
let sqs: SQSClient;
let queueUrl: string;
let topicArn: string;
/** moto's frozen point-in-time-recovery instant for table `orders`. */
let pitrAt: Date;

/**
 * moto writes no manifest, so the verification cannot vouch for the files: whatever the product's
 * words for it (today UNVERIFIED, NOT_COUNTED or a failed verification; a run outcome of
 * MISMATCH/UNVERIFIED rather than COMPLETED is coming), it must never be VERIFIED. The one place
 * to update when the outcome model changes.
 */
function expectUnverifiedWithoutManifest(summary: ExportSummary | null): void {
  expect(summary).not.toBeNull();
  expect(summary?.verification?.verdict ?? 'UNVERIFIED').not.toBe('VERIFIED');
}

/** The run's summary as a program subscriber gets it: from the SQS queue subscribed to the topic. */
async function summaryFromQueue(executionName: string): Promise<ExportSummary | null> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const message of Messages) {
      const envelope = JSON.parse(message.Body ?? '{}') as {
        Message: string;
        MessageAttributes?: Record<string, { Type: string; Value: string }>;
      };
      const { summary } = readSummaryMessage(envelope.Message, envelope.MessageAttributes);
      if (summary?.execution?.name === executionName) return summary;
    }
  }
  return null;
}

async function exportsOfOrders(): Promise<number> {
  const answer = await dynamodb.send(
    new ListExportsCommand({ TableArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders` }),
  );
  return answer.ExportSummaries?.length ?? 0;
}

/** One local run against moto, on a clock where `scheduledTime` has just come. */
async function runAt(scheduledTime: Date, options: Parameters<typeof runLocal>[0]): Promise<LocalRunResult> {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true, now: scheduledTime.getTime() + 2_000 });
  try {
    return await runLocal({
      dataDir,
      source: 'dynamodb',
      table: 'orders',
      scheduledTime: scheduledTime.toISOString(),
      ...options,
    });
  } finally {
    vi.useRealTimers();
  }
}

describe.skipIf(!MOTO)('conformance against moto', () => {
  beforeAll(async () => {
    for (const service of [
      'PINPOINT',
      'SNS',
      'DYNAMODB',
      'S3',
      'SQS',
      'CLOUDFORMATION',
      'SCHEDULER',
      'IAM',
      'CUSTOMER_PROFILES',
    ])
      vi.stubEnv(`AWS_ENDPOINT_URL_${service}`, MOTO);
    vi.stubEnv('S3_FORCE_PATH_STYLE', 'true');
    vi.stubEnv('AWS_REGION', REGION);
    vi.stubEnv('RUN_LEDGER_TABLE', LEDGER);
    dynamodb = new DynamoDBClient(config);
    sqs = new SQSClient(config);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const sns = new SNSClient(config);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    topicArn = (await sns.send(new CreateTopicCommand({ Name: 'summaries' }))).TopicArn ?? '';
    vi.stubEnv('SUMMARY_TOPIC_ARN', topicArn);
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: QUEUE }))).QueueUrl ?? '';
    const queueArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }));
    await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'ops@example.com' }),
    );
    await createLedgerTable(MOTO, LEDGER, REGION);
    await createSeededTable(MOTO, 'orders', 137, REGION);
    await enablePointInTimeRecovery(MOTO, 'orders', REGION);
    const pitr = (await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: 'orders' })))
      .ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
    // moto: Earliest and Latest are the same moment (or a few microseconds apart): Latest is in both.
    pitrAt = pitr?.LatestRestorableDateTime ?? new Date(0);
    s3.destroy();
    sns.destroy();
  });

  afterAll(() => {
    vi.unstubAllEnvs();
    dynamodb?.destroy();
    sqs?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a run right after point-in-time recovery was switched on, saying when the first export is possible (item 4)', async () => {
    const result = await runLocal({
      dataDir,
      source: 'dynamodb',
      table: 'orders',
      scheduledTime: new Date().toISOString(),
    });

    const summary = await summaryFromQueue(result.executionName);
    expect(result.published?.status).toBe('ERROR');
    expect(summary?.error?.reason).toBe('export time before earliest restorable time');
    expect(summary?.error?.advice).toContain('The first run that can export is one scheduled at or after');
    // The run had no --scheduled-time to blame (the re-run sentence after it names the run's own time).
    expect(summary?.error?.advice).not.toContain('a later --scheduled-time');
    expect(await exportsOfOrders()).toBe(0);
  });

  it("exports the table named by --table in moto's own account, and tells subscribers through SQS that it cannot verify without manifests", async () => {
    // The one instant moto's frozen window admits: the export time (15 minutes before the scheduled time).
    const result = await runAt(new Date(pitrAt.getTime() + 15 * MINUTE), { executionName: 'moto-full' });

    const summary = await summaryFromQueue('moto-full');
    expect(result.publishEvent?.Run.request).toMatchObject({
      TableArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders`,
    });
    expect(result.publishEvent?.Run.job?.JobStatus).toBe('COMPLETED');
    expect(result.publishEvent?.Run.job?.TotalProcessed).toBe(137);
    expectUnverifiedWithoutManifest(summary);
    expect(await exportsOfOrders()).toBe(1);
    // moto's one data file, under the export prefix (moto adds its own "/": the key holds "//AWSDynamoDB/").
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'dynamodb/orders/' }));
    s3.destroy();
    expect((listed.Contents ?? []).filter((o) => /\/AWSDynamoDB\/.+\.gz$/.test(o.Key ?? ''))).toHaveLength(1);
  });

  it('starts no second export for a duplicate run: the run ledger finds the job, though moto ignores the ClientToken', async () => {
    const scheduled = new Date(pitrAt.getTime() + 15 * MINUTE);
    const duplicate = await runAt(scheduled, { executionName: 'moto-duplicate' });

    expect(duplicate.publishEvent?.Run.job?.Reused).toBe(true);
    expect(await exportsOfOrders()).toBe(1);
    const items = (await dynamodb.send(new ScanCommand({ TableName: LEDGER }))).Items ?? [];
    const runs = items
      .map((item) => unmarshall(item))
      .filter(
        (run) =>
          String(run.target).includes(':table/orders#full') && run.scheduledTime === scheduled.toISOString(),
      );
    expect(runs).toHaveLength(1);
    expect(runs[0]?.jobId).toBe(duplicate.publishEvent?.Run.job?.Id);
  });

  it("exports the whole table as an incremental target's first run, and records no coverage moto never reported", async () => {
    const result = await runAt(new Date(pitrAt.getTime() + 15 * MINUTE), {
      executionName: 'moto-incremental',
      incremental: true,
    });

    expect(result.publishEvent?.Run.job?.Details?.FullExportBecause).toContain(
      'the first run of an incremental target',
    );
    expect(await exportsOfOrders()).toBe(2);
    const items = (await dynamodb.send(new ScanCommand({ TableName: LEDGER }))).Items ?? [];
    const run = items.map((item) => unmarshall(item)).find((r) => String(r.target).includes('#incremental#'));
    expect(run).toBeDefined();
    // AWS's DescribeExport has ExportTime, which becomes the target's coverage; moto's has none.
    expect(run?.outcome?.coveredUntil).toBeUndefined();
    expectUnverifiedWithoutManifest(await summaryFromQueue('moto-incremental'));
  });

  it("checks the stage with the doctor: moto's stack, schedules, topic, bucket and table; the roles could not be checked", async () => {
    const names = namesOf('moto');
    const cloudFormation = new CloudFormationClient(config);
    const scheduler = new SchedulerClient(config);
    await cloudFormation.send(
      new CreateStackCommand({
        StackName: names.stack,
        TemplateBody: JSON.stringify({
          // The four function roles, so the doctor has roles to simulate (moto creates them).
          Resources: Object.fromEntries(
            Object.values(IDS.roles).map((id) => [
              id,
              {
                Type: 'AWS::IAM::Role',
                Properties: {
                  AssumeRolePolicyDocument: {
                    Version: '2012-10-17',
                    Statement: [
                      {
                        Effect: 'Allow',
                        Principal: { Service: 'lambda.amazonaws.com' },
                        Action: 'sts:AssumeRole',
                      },
                    ],
                  },
                },
              },
            ]),
          ),
          Outputs: {
            StateMachineArn: {
              Value: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${names.stateMachine}`,
            },
            SummaryTopicArn: { Value: topicArn },
            ExportBucketName: { Value: BUCKET },
            RunLedgerTableName: { Value: LEDGER },
            ScheduleGroupName: { Value: names.scheduleGroup },
          },
        }),
      }),
    );
    await scheduler.send(new CreateScheduleGroupCommand({ Name: names.scheduleGroup }));
    await scheduler.send(
      new CreateScheduleCommand({
        Name: 'nightly-orders',
        GroupName: names.scheduleGroup,
        ScheduleExpression: 'cron(30 3 * * ? *)',
        State: 'DISABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:x`,
          RoleArn: `arn:aws:iam::${ACCOUNT}:role/x`,
        },
      }),
    );
    cloudFormation.destroy();
    scheduler.destroy();
    const stage = parseStageConfig(
      {
        region: REGION,
        exportDestination: { bucketName: BUCKET },
        notifications: { subscriptions: [{ protocol: 'email', endpoint: 'ops@example.com' }] },
        targets: [
          {
            name: 'nightly-orders',
            source: 'dynamodb',
            table: 'orders',
            cron: '30 3 * * ? *',
            timezone: 'UTC',
            enabled: false,
          },
        ],
      },
      'moto',
    );
    const clients = doctorClients(REGION);

    let results: CheckResult[];
    try {
      results = await diagnose(stage, REGION, clients, new Date());
    } finally {
      for (const client of Object.values(clients)) client.destroy();
    }

    const status = (check: string) => results.filter((r) => r.check === check).map((r) => r.status);
    expect(status('stack')).toEqual(['OK']);
    expect(status('ledger')).toEqual(['OK']);
    expect(status('table')).toEqual(['OK']);
    // moto's recovery began moments ago: the first exportable scheduled time is still ahead (AWS would say the same).
    expect(status('pitr')).toEqual(['WARN']);
    expect(status('subscription')).toEqual(['OK']);
    // AWS answers every bucket's GetBucketEncryption with SSE-S3 at least since 2023
    // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html); moto answers
    // ServerSideEncryptionConfigurationNotFoundError for a bucket given none, which the doctor reads as
    // "no default encryption configuration": fine for a stage that names no KMS key.
    expect(status('bucket')).toEqual(['OK']);
    expect(status('schedule')).toEqual(['OK']);
    expect(results.find((r) => r.check === 'roles')?.detail).toContain('could not check');
    expect(results.some((r) => r.status === 'FAIL')).toBe(false);
  });
});
