import { FIXED, IDS } from '../sources/stack/cfn.ts';

/**
 * The one reviewed list of cdk-nag findings this stack keeps, each with its
 * reason. `deploy/nag.ts` acknowledges exactly these (through cdk-nag's
 * `Validations.of(resource).acknowledge`) and the stack test fails on anything
 * else, and on an entry that no longer matches anything.
 *
 * `finding` is the part in brackets of ids such as `AwsSolutions-IAM5[Resource::*]`;
 * `{ApplicationId}` in it stands for any configured Pinpoint application id, `{DomainName}`,
 * `{SegmentDefinitionName}` and `{TableName}` for any Customer Profiles domain, segment
 * definition or DynamoDB table name (deploy/nag.ts).
 */
export interface NagAcknowledgement {
  rule: string;
  finding?: string;
  /** Resources the finding is accepted on (logical ids in the packaged template). */
  logicalIds: string[];
  reason: string;
}

/** Every function's role and every function (core/functions.ts), as logical ids. */
const FUNCTION_ROLES: string[] = Object.values(IDS.roles);
const FUNCTIONS = Object.values(FIXED.functions).map((id) => `${id}LambdaFunction`);
const DEAD_LETTER_QUEUES = ['SchedulerDeadLetterQueue', 'SubscriptionDeadLetterQueue'];

export const NAG_ACKNOWLEDGEMENTS: NagAcknowledgement[] = [
  {
    rule: 'AwsSolutions-IAM5',
    finding: 'Resource::*',
    logicalIds: FUNCTION_ROLES,
    reason:
      'Only xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) use Resource "*": X-Ray supports no resource-level permissions for them.',
  },
  {
    rule: 'Serverless-LambdaStarPermissions',
    logicalIds: FUNCTION_ROLES,
    reason:
      'The only "*" is the X-Ray statement (PutTraceSegments, PutTelemetryRecords), which AWS supports only on Resource "*"; every other statement names its resources.',
  },
  {
    rule: 'AwsSolutions-IAM5',
    finding: 'Resource::*',
    logicalIds: ['ExportWorkflowRole'],
    reason:
      'Step Functions log delivery (logs:*LogDelivery, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) and X-Ray tracing actions support no resource-level permissions: AWS documents Resource "*" for them.',
  },
  {
    rule: 'AwsSolutions-IAM5',
    finding:
      'Resource::arn:<AWS::Partition>:mobiletargeting:<AWS::Region>:<AWS::AccountId>:apps/{ApplicationId}/jobs/export*',
    logicalIds: FUNCTION_ROLES,
    reason:
      'Export job ids are created by Pinpoint at run time: apps/<id>/jobs/export* is the narrowest ARN for the export jobs of one configured application.',
  },
  {
    rule: 'AwsSolutions-IAM5',
    finding: 'Resource::*',
    logicalIds: ['PinpointExportRole'],
    reason:
      'Only s3:ListAllMyBuckets uses Resource "*": the Pinpoint developer guide\'s export-role policy includes it, and S3 supports no resource-level permission for it (it lists bucket names only; every other statement names the export bucket or prefix).',
  },
  {
    rule: 'AwsSolutions-IAM5',
    finding: 'Resource::<ExportBucket.Arn>/exports/*',
    logicalIds: ['PinpointExportRole'],
    reason:
      'Pinpoint names the exported objects at run time: writing and reading them back (s3:PutObject, the multipart actions, s3:GetObject) is limited to keys under the configured export prefix of the export bucket.',
  },
  {
    rule: 'AwsSolutions-IAM5',
    finding: 'Resource::<ExportBucket.Arn>/exports/*',
    logicalIds: ['VerifyExportRole', 'CountExportBatchRole', 'FinishVerificationRole'],
    reason:
      'The verification reads the files an export job named at run time: s3:GetObject only, on keys under the configured export prefix of the export bucket (listing is s3:ListBucket conditioned on the same prefix).',
  },
  {
    rule: 'AwsSolutions-IAM5',
    finding: 'Resource::<ExportBucket.Arn>/exports/*/_manifest.json',
    logicalIds: ['FinishVerificationRole'],
    reason:
      'The verification writes its _manifest.json beside the files of an export named at run time: s3:PutObject only, on keys ending in /_manifest.json under the configured export prefix.',
  },
  {
    rule: 'AwsSolutions-IAM5',
    finding: 'Resource::<ExportBucket.Arn>/exports/customer-profiles/{DomainName}/{SegmentDefinitionName}/*',
    logicalIds: ['ProfilesExportRole'],
    reason:
      'Customer Profiles names the snapshot files at run time (under the run date): the role may only s3:PutObject below the destination of the configured domain and segment definition, under the export prefix of the export bucket.',
  },
  {
    rule: 'AwsSolutions-IAM5',
    finding: 'Resource::<ExportBucket.Arn>/exports/dynamodb/{TableName}/*',
    logicalIds: ['CreateExportJobRole'],
    reason:
      "DynamoDB writes a table export with its caller's permissions and names the files at run time (AWSDynamoDB/<export id>/...): the DynamoDB guide's s3:AbortMultipartUpload, s3:PutObject and s3:PutObjectAcl, only below the configured table's destination under the export prefix.",
  },
  {
    rule: 'AwsSolutions-IAM5',
    finding:
      'Resource::arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/{TableName}/export/*',
    logicalIds: ['GetExportJobStatusRole', 'CreateExportJobRole'],
    reason:
      'Export ids are created by DynamoDB at run time: <table ARN>/export/* is the narrowest resource for dynamodb:DescribeExport on the exports of one configured table (the poller reads them; the create function reads the ones the run ledger recorded before reusing them).',
  },
  {
    rule: 'AwsSolutions-SQS3',
    logicalIds: DEAD_LETTER_QUEUES,
    reason:
      'These queues are dead-letter queues (of the EventBridge Scheduler schedules and of the SNS subscriptions); cdk-nag only recognises DLQs of other SQS queues.',
  },
  {
    rule: 'Serverless-SQSRedrivePolicy',
    logicalIds: DEAD_LETTER_QUEUES,
    reason:
      'These queues are themselves dead-letter queues; a DLQ of a DLQ would only move the same messages again.',
  },
  {
    rule: 'Serverless-LambdaDLQ',
    logicalIds: FUNCTIONS,
    reason:
      'The functions are only invoked synchronously by the state machine: failures are retried and caught there and end in a published summary and a failed execution (alarmed); a Lambda DLQ applies to asynchronous invocations only.',
  },
  {
    rule: 'AwsSolutions-S1',
    logicalIds: ['ServerlessDeploymentBucket'],
    reason:
      'The osls deployment bucket holds only templates and code zips written by CloudFormation deployments (recorded in CloudTrail); it is encrypted, TLS-only and blocks public access.',
  },
];
