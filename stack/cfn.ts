/*
 * What every part of the configuration-driven template shares: the value type,
 * the logical ids (serverless.yml's and ours) and the intrinsic-function helpers.
 */

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation values are free-form JSON with intrinsics.
export type Cfn = any;
export type Resources = Record<string, Cfn>;

/** Logical ids of resources serverless.yml defines (osls names functions `<Name>LambdaFunction`, `-` → `Dash`). */
export const FIXED = {
  stateMachine: 'ExportWorkflowStateMachine',
  functions: {
    createExportJob: 'CreateDashexportDashjob',
    getExportJobStatus: 'GetDashexportDashjobDashstatus',
    publishSummary: 'PublishDashsummary',
    verifyExport: 'VerifyDashexport',
  },
} as const;

export type FunctionKey = keyof typeof FIXED.functions;

/** Logical ids this module creates; tests and nag acknowledgements use the same names. */
export const IDS = {
  exportBucket: 'ExportBucket',
  exportBucketPolicy: 'ExportBucketPolicy',
  accessLogBucket: 'ExportAccessLogBucket',
  accessLogBucketPolicy: 'ExportAccessLogBucketPolicy',
  exportRole: 'PinpointExportRole',
  notificationKey: 'NotificationKey',
  notificationKeyAlias: 'NotificationKeyAlias',
  summaryTopic: 'SummaryTopic',
  summaryTopicPolicy: 'SummaryTopicPolicy',
  alarmTopic: 'AlarmTopic',
  alarmTopicPolicy: 'AlarmTopicPolicy',
  subscriptionDlq: 'SubscriptionDeadLetterQueue',
  subscriptionDlqPolicy: 'SubscriptionDeadLetterQueuePolicy',
  scheduleGroup: 'ScheduleGroup',
  schedulerRole: 'SchedulerRole',
  schedulerDlq: 'SchedulerDeadLetterQueue',
  schedulerDlqPolicy: 'SchedulerDeadLetterQueuePolicy',
  roles: {
    createExportJob: 'CreateExportJobRole',
    getExportJobStatus: 'GetExportJobStatusRole',
    publishSummary: 'PublishSummaryRole',
    verifyExport: 'VerifyExportRole',
  },
} as const;

export const sub = (template: string, vars?: Record<string, Cfn>): Cfn =>
  vars ? { 'Fn::Sub': [template, vars] } : { 'Fn::Sub': template };
export const ref = (id: string): Cfn => ({ Ref: id });
export const arnOf = (id: string): Cfn => ({ 'Fn::GetAtt': [id, 'Arn'] });
export const accountRoot = sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:root`);

/** Deny every request to a resource that does not use TLS: a Deny must cover every action, so its action is the service wildcard. */
export const denyInsecureTransport = (action: string, resource: Cfn) => ({
  Sid: 'DenyInsecureTransport',
  Effect: 'Deny',
  Principal: '*',
  Action: action,
  Resource: resource,
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});
