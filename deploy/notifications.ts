import { createHash } from 'node:crypto';
import {
  accountRoot,
  arnOf,
  type Cfn,
  denyInsecureTransport,
  FIXED,
  IDS,
  type Resources,
  ref,
  sub,
} from '../sources/stack/cfn.ts';
import { namesOf } from './names.ts';
import type { StageConfig, Subscription } from './stage-config.ts';

/*
 * Notifications: the summary topic and its KMS key, the subscriptions (with their
 * filter policies and dead-letter queue), the alarm topic and who is subscribed
 * to it, and the stack's CloudWatch alarms with their routing.
 */

/** Administrative KMS actions for the account (enumerated: no wildcard actions, and key usage is granted separately). */
const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

const KEY_USE_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'];

/**
 * What CloudWatch alarms need on the key of the encrypted topic they publish to: the SNS developer guide
 * ("Key management" > "Enable compatibility between event sources from AWS services and encrypted topics",
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services)
 * prescribes exactly `kms:GenerateDataKey*` and `kms:Decrypt` for the publishing service's principal.
 */
export const ALARM_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey*'];

function subscriptionIdOf(s: Subscription, kind: 'Summary' | 'Alarm' = 'Summary'): string {
  return `${kind}Subscription${createHash('sha256').update(`${s.protocol}:${s.endpoint}`).digest('hex').slice(0, 10)}`;
}

/**
 * Where alarm notifications go, and who receives them.
 *
 * CloudWatch alarm notifications are JSON without message attributes, and an
 * attribute filter policy never matches a message without attributes (even
 * `"exists": false` "only matches if at least one attribute is present": SNS
 * Developer Guide, "Key matching", https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html).
 * So a failures-only subscription on the summary topic can never receive an
 * alarm — not even the missed-run alarm, the one failure with no summary. When
 * the stack creates the summary topic, it therefore also creates an alarm topic
 * (same key), points every alarm at it, and subscribes to it, unfiltered, each
 * person on the summary topic (`email`, `email-json`) who gets failure
 * summaries; programs (`sqs`, `https`) are not subscribed, so alarm JSON never
 * reaches code that expects summaries, and CloudWatch may no longer publish to
 * the summary topic. With `alarms.topicArn` alarms go to that topic instead;
 * with an existing summary topic (`notifications.topicArn`) and no
 * `alarms.topicArn`, to the summary topic as before (see docs/DEPLOY.md).
 */
export function alarmRoutingOf(config: StageConfig): {
  /** The stack creates the alarm topic. */
  createsAlarmTopic: boolean;
  /** The alarms' action target, or undefined without alarms. */
  target: Cfn | undefined;
  /** Summary subscriptions also subscribed to the created alarm topic. */
  subscribers: Subscription[];
} {
  if (!config.alarms.enabled) return { createsAlarmTopic: false, target: undefined, subscribers: [] };
  if (config.alarms.topicArn)
    return { createsAlarmTopic: false, target: config.alarms.topicArn, subscribers: [] };
  if (config.notifications.topicArn)
    return { createsAlarmTopic: false, target: config.notifications.topicArn, subscribers: [] };
  return {
    createsAlarmTopic: true,
    target: ref(IDS.alarmTopic),
    subscribers: config.notifications.subscriptions.filter(receivesAlarms),
  };
}

/** A person (email, email-json) whose summaries include failures: on-call wants the alarms too. */
export function receivesAlarms(s: Subscription): boolean {
  if (s.protocol !== 'email' && s.protocol !== 'email-json') return false;
  return s.statuses === undefined || s.statuses.some((status) => status !== 'COMPLETED');
}

/** Allows this account's CloudWatch alarms to publish to a topic. */
const allowAlarmsToPublish = (topic: Cfn) => ({
  Sid: 'AllowCloudWatchAlarmsToPublish',
  Effect: 'Allow',
  Principal: { Service: 'cloudwatch.amazonaws.com' },
  Action: 'sns:Publish',
  Resource: topic,
  Condition: {
    StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
    ArnLike: {
      'aws:SourceArn': sub(`arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:*`),
    },
  },
});

const denyInsecurePublish = (topic: Cfn) => ({
  Sid: 'DenyInsecureTransport',
  Effect: 'Deny',
  Principal: '*',
  Action: 'sns:Publish',
  Resource: topic,
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});

export function notificationResources(config: StageConfig, topicArn: Cfn): Resources {
  const names = namesOf(config.stage);
  const n = config.notifications;
  const alarms = alarmRoutingOf(config);
  const alarmTopicName = names.alarmTopic;
  const resources: Resources = {};
  if (!n.topicArn) {
    const topicArnString = sub(
      `arn:\${AWS::Partition}:sns:\${AWS::Region}:\${AWS::AccountId}:${names.topic}`,
    );
    const alarmTopicArnString = sub(
      `arn:\${AWS::Partition}:sns:\${AWS::Region}:\${AWS::AccountId}:${alarmTopicName}`,
    );
    resources[IDS.notificationKey] = {
      Type: 'AWS::KMS::Key',
      Properties: {
        Description: `Encrypts the ${names.prefix} summary topic`,
        EnableKeyRotation: true,
        KeyPolicy: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'AllowAccountToAdministerKey',
              Effect: 'Allow',
              Principal: { AWS: accountRoot },
              Action: KEY_ADMIN_ACTIONS,
              Resource: '*',
            },
            {
              // Lets IAM policies in this account (publish-summary's role) use the key, only through SNS.
              Sid: 'AllowAccountPrincipalsToUseKeyThroughSns',
              Effect: 'Allow',
              Principal: { AWS: accountRoot },
              Action: KEY_USE_ACTIONS,
              Resource: '*',
              Condition: {
                StringEquals: {
                  'kms:ViaService': sub(`sns.\${AWS::Region}.amazonaws.com`),
                  'kms:CallerAccount': ref('AWS::AccountId'),
                },
              },
            },
            {
              Sid: 'AllowSnsToUseKeyForThisTopic',
              Effect: 'Allow',
              Principal: { Service: 'sns.amazonaws.com' },
              Action: KEY_USE_ACTIONS,
              Resource: '*',
              Condition: {
                StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
                ArnLike: {
                  'aws:SourceArn': alarms.createsAlarmTopic
                    ? [topicArnString, alarmTopicArnString]
                    : topicArnString,
                },
              },
            },
            {
              Sid: 'AllowCloudWatchAlarmsToPublish',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ALARM_KEY_ACTIONS,
              Resource: '*',
              Condition: {
                StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
                ArnLike: {
                  'aws:SourceArn': sub(
                    `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:*`,
                  ),
                },
              },
            },
          ],
        },
      },
    };
    resources[IDS.notificationKeyAlias] = {
      Type: 'AWS::KMS::Alias',
      Properties: { AliasName: names.keyAlias, TargetKeyId: ref(IDS.notificationKey) },
    };
    resources[IDS.summaryTopic] = {
      Type: 'AWS::SNS::Topic',
      Properties: {
        TopicName: names.topic,
        DisplayName: `Scheduled exports ${config.stage}`,
        KmsMasterKeyId: ref(IDS.notificationKey),
      },
    };
    resources[IDS.summaryTopicPolicy] = {
      Type: 'AWS::SNS::TopicPolicy',
      Properties: {
        Topics: [ref(IDS.summaryTopic)],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            denyInsecurePublish(ref(IDS.summaryTopic)),
            // Alarms publish here only when there is no alarm topic.
            ...(alarms.createsAlarmTopic ? [] : [allowAlarmsToPublish(ref(IDS.summaryTopic))]),
          ],
        },
      },
    };
    if (alarms.createsAlarmTopic) {
      resources[IDS.alarmTopic] = {
        Type: 'AWS::SNS::Topic',
        Properties: {
          TopicName: alarmTopicName,
          DisplayName: `Scheduled exports ${config.stage} alarms`,
          KmsMasterKeyId: ref(IDS.notificationKey),
        },
      };
      resources[IDS.alarmTopicPolicy] = {
        Type: 'AWS::SNS::TopicPolicy',
        Properties: {
          Topics: [ref(IDS.alarmTopic)],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [denyInsecurePublish(ref(IDS.alarmTopic)), allowAlarmsToPublish(ref(IDS.alarmTopic))],
          },
        },
      };
    }
  }
  if (n.subscriptions.length > 0) {
    resources[IDS.subscriptionDlq] = {
      Type: 'AWS::SQS::Queue',
      Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 },
    };
    resources[IDS.subscriptionDlqPolicy] = {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [ref(IDS.subscriptionDlq)],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            denyInsecureTransport('sqs:*', arnOf(IDS.subscriptionDlq)),
            {
              Sid: 'AllowUndeliverableSummariesFromTopic',
              Effect: 'Allow',
              Principal: { Service: 'sns.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: arnOf(IDS.subscriptionDlq),
              Condition: {
                ArnEquals: {
                  'aws:SourceArn': alarms.subscribers.length > 0 ? [topicArn, ref(IDS.alarmTopic)] : topicArn,
                },
              },
            },
          ],
        },
      },
    };
    for (const s of n.subscriptions) {
      const filterPolicy = s.filterPolicy ?? (s.statuses ? { status: s.statuses } : undefined);
      resources[subscriptionIdOf(s)] = {
        Type: 'AWS::SNS::Subscription',
        Properties: {
          TopicArn: topicArn,
          Protocol: s.protocol,
          Endpoint: s.endpoint,
          RedrivePolicy: { deadLetterTargetArn: arnOf(IDS.subscriptionDlq) },
          ...(filterPolicy && { FilterPolicyScope: 'MessageAttributes', FilterPolicy: filterPolicy }),
          ...(s.rawMessageDelivery !== undefined && { RawMessageDelivery: s.rawMessageDelivery }),
        },
      };
    }
    for (const s of alarms.subscribers) {
      resources[subscriptionIdOf(s, 'Alarm')] = {
        Type: 'AWS::SNS::Subscription',
        Properties: {
          TopicArn: ref(IDS.alarmTopic),
          Protocol: s.protocol,
          Endpoint: s.endpoint,
          RedrivePolicy: { deadLetterTargetArn: arnOf(IDS.subscriptionDlq) },
        },
      };
    }
  }
  return resources;
}

function alarm(description: string, props: Cfn, actions: Cfn[]): Cfn {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: { AlarmDescription: description, ActionsEnabled: true, AlarmActions: actions, ...props },
  };
}

export function alarmResources(config: StageConfig): Resources {
  const target = alarmRoutingOf(config).target;
  if (target === undefined) return {};
  const actions = [target];
  const names = namesOf(config.stage);
  const stateMachineMetric = (metric: string) => ({
    Namespace: 'AWS/States',
    MetricName: metric,
    Dimensions: [{ Name: 'StateMachineArn', Value: ref(FIXED.stateMachine) }],
    Statistic: 'Sum',
    Period: 300,
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
  });
  const queueMetric = (queueId: string) => ({
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
    Statistic: 'Maximum',
    Period: 300,
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
  });
  const resources: Resources = {
    ExecutionsFailedAlarm: alarm(
      `${names.prefix}: an export execution failed (FAILED, TIMED_OUT or ERROR summary)`,
      stateMachineMetric('ExecutionsFailed'),
      actions,
    ),
    ExecutionsTimedOutAlarm: alarm(
      `${names.prefix}: an export execution timed out`,
      stateMachineMetric('ExecutionsTimedOut'),
      actions,
    ),
    ExecutionsAbortedAlarm: alarm(
      `${names.prefix}: an export execution was aborted`,
      stateMachineMetric('ExecutionsAborted'),
      actions,
    ),
    ExecutionsThrottledAlarm: alarm(
      `${names.prefix}: Step Functions throttled the export workflow`,
      stateMachineMetric('ExecutionThrottled'),
      actions,
    ),
    SchedulerDeadLetterAlarm: alarm(
      `${names.prefix}: a scheduled run could not be started and is in the scheduler dead-letter queue`,
      queueMetric(IDS.schedulerDlq),
      actions,
    ),
  };
  if (config.notifications.subscriptions.length > 0) {
    resources.SubscriptionDeadLetterAlarm = alarm(
      `${names.prefix}: a summary could not be delivered to a subscriber`,
      queueMetric(IDS.subscriptionDlq),
      actions,
    );
  }
  if (config.targets.some((t) => t.enabled)) {
    // Hourly sums, all breaching: no execution started in the whole window. Missing data is what a missed run looks like.
    resources.MissedRunAlarm = alarm(
      `${names.prefix}: no export execution started in ${config.alarms.missedRunHours} hours`,
      {
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsStarted',
        Dimensions: [{ Name: 'StateMachineArn', Value: ref(FIXED.stateMachine) }],
        Statistic: 'Sum',
        Period: 3600,
        EvaluationPeriods: config.alarms.missedRunHours,
        DatapointsToAlarm: config.alarms.missedRunHours,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      },
      actions,
    );
  }
  return resources;
}
