/**
 * The schedules: one EventBridge Scheduler schedule per target, in the stage's group, with the
 * role that may start the workflow and nothing else, and the dead-letter queue a schedule's
 * undeliverable starts land in.
 */
import {
  arnOf,
  type Cfn,
  denyInsecureTransport,
  FIXED,
  IDS,
  jsonSub,
  type Resources,
  ref,
} from '../sources/stack/cfn.ts';
import { namesOf } from './names.ts';
import { type StackContext, sourceOfTarget } from './source-stacks.ts';
import { type ExportTarget, logicalIdOf } from './stage-config.ts';

export function scheduleResources(ctx: StackContext): Resources {
  const { config } = ctx;
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
    const source = sourceOfTarget(target);
    const window = target.flexibleWindowMinutes ?? config.scheduler.flexibleWindowMinutes;
    resources[`Schedule${logicalIdOf(target.name)}`] = {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Name: target.name,
        GroupName: ref(IDS.scheduleGroup),
        Description: source.scheduleDescription(target, config),
        ScheduleExpression: `cron(${target.cron})`,
        ScheduleExpressionTimezone: target.timezone,
        State: target.enabled ? 'ENABLED' : 'DISABLED',
        FlexibleTimeWindow:
          window > 0 ? { Mode: 'FLEXIBLE', MaximumWindowInMinutes: window } : { Mode: 'OFF' },
        Target: {
          Arn: ref(FIXED.stateMachine),
          RoleArn: arnOf(IDS.schedulerRole),
          Input: scheduleInputOf(target, ctx),
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

/** A target's execution input: its source's fields and the ones every source shares. */
export function scheduleInputOf(target: ExportTarget, ctx: StackContext): Cfn {
  return jsonSub({
    ...sourceOfTarget(target).scheduleInput(target, ctx),
    ScheduledTime: '<aws.scheduler.scheduled-time>',
    // The run ledger's name for the target: `npm run export -- history --target <name>`.
    Target: target.name,
    ...(target.maxFailurePercent !== undefined && { MaxFailurePercent: target.maxFailurePercent }),
  });
}
