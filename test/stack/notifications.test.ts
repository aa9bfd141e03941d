import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PublishCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { FAILURE_OUTCOMES, OUTCOMES } from '../../core/outcome.ts';
import { buildSnsMessage, readSummaryMessage } from '../../core/sns-message.ts';
import type { ExportSummary, SummaryStatus } from '../../core/types.ts';
import { alarmRoutingOf, buildResources } from '../../deploy/resources.ts';
import { parseStageConfig } from '../../deploy/stage-config.ts';
import { deliveriesOf } from '../../dev/emulator/sns.ts';
import { type Harness, startHarness } from '../emulator/helpers.ts';
import {
  cleanUp,
  type Packaged,
  packageStage,
  ROOT,
  resource,
  resourcesOfType,
  type Template,
} from './packaged.ts';

/*
 * Who receives what: the subscriptions of the packaged prod stack, recreated in
 * the emulator (which filters as SNS documents), receive real summaries built by
 * publish-summary's renderer and a CloudWatch alarm notification.
 */

let prod: Packaged | undefined;
beforeAll(async () => {
  prod = await packageStage('prod');
}, 180_000);
afterAll(() => cleanUp(prod));

const template = (): Template => prod!.template;
const CRM = 'crm-team@example.com';
const ONCALL = 'oncall@example.com';
const QUEUE = 'arn:aws:sqs:eu-west-1:123456789012:crm-export-summaries';

/** The parts of a stage file these tests change. */
interface RawStage {
  alarms: Record<string, unknown>;
  notifications: Record<string, unknown>;
}

function stageConfig(stage: string, change: (raw: RawStage) => void = () => undefined) {
  const raw = parseYaml(readFileSync(join(ROOT, 'config/stages', `${stage}.yml`), 'utf8')) as RawStage;
  change(raw);
  return parseStageConfig(raw, stage);
}

function summary(status: SummaryStatus): ExportSummary {
  return {
    status,
    headline: `The export ended ${status}.`,
    stage: 'prod',
    source: 'pinpoint',
    service: 'Pinpoint',
    what: 'all endpoints',
    target: 'nightly',
    previousRun: null,
    recordsDrop: false,
    sourceFields: {
      applicationId: '0123456789abcdef0123456789abcdef',
      segmentId: null,
      segmentVersion: null,
    },
    sourceAttributes: { applicationId: '0123456789abcdef0123456789abcdef', segmentId: 'all-endpoints' },
    jobId: status === 'ERROR' ? null : '9a8b7c6d5e4f30211f2e3d4c5b6a7980',
    jobStatus: status === 'ERROR' ? null : status === 'TIMED_OUT' ? 'PROCESSING' : status,
    jobReused: false,
    s3UrlPrefix: 's3://bucket/exports/0123456789abcdef0123456789abcdef/all-endpoints/2026-11-28/',
    TotalProcessed: 10,
    TotalFailures: status === 'FAILED' ? 1 : 0,
    Failures:
      status === 'FAILED' ? ["Endpoint ep-1: Address 'a@b.example' is not a valid EMAIL address"] : [],
    failuresOmitted: 0,
    TotalPieces: 1,
    CompletedPieces: 1,
    FailedPieces: 0,
    creationDate: '2026-11-28T01:00:00.000Z',
    completionDate: null,
    durationSeconds: 60,
    statusChecks: 3,
    scheduledTime: '2026-11-28T01:00:00Z',
    execution: {
      id: `arn:aws:states:eu-west-1:123456789012:execution:x:${status}`,
      name: status,
      startTime: '2026-11-28T01:00:00.000Z',
      trigger: 'schedule',
    },
    error:
      status === 'ERROR'
        ? ({
            name: 'PinpointRequestRejectedError',
            message: 'Application not found',
            advice: 'Check the id.',
            reason: 'application not found',
          } as ExportSummary['error'])
        : null,
  } as ExportSummary;
}

/** A CloudWatch alarm notification: JSON body, no message attributes. */
const ALARM = JSON.stringify({
  AlarmName: 'scheduled-exports-prod-MissedRunAlarm',
  NewStateValue: 'ALARM',
  NewStateReason: 'Threshold Crossed: 25 datapoints were less than the threshold (1.0).',
  Trigger: { MetricName: 'ExecutionsStarted', Namespace: 'AWS/States' },
});

describe('alarm routing in the packaged prod stack', () => {
  it('points every alarm, the missed-run alarm included, at the alarm topic', () => {
    const alarms = resourcesOfType(template(), 'AWS::CloudWatch::Alarm');
    expect(alarms.map(([id]) => id)).toContain('MissedRunAlarm');
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
  });

  it('encrypts the alarm topic with the notification key, which lets SNS use it for both topics', () => {
    expect(resource(template(), 'AlarmTopic').Properties).toMatchObject({
      TopicName: 'scheduled-exports-prod-alarms',
      KmsMasterKeyId: { Ref: 'NotificationKey' },
    });
    const key = resource(template(), 'NotificationKey').Properties.KeyPolicy.Statement;
    const sns = key.find((s: { Sid: string }) => s.Sid === 'AllowSnsToUseKeyForThisTopic');
    expect(JSON.stringify(sns.Condition.ArnLike['aws:SourceArn'])).toContain('scheduled-exports-prod-alarms');
    expect(template().Outputs.AlarmTopicArn?.Value).toEqual({ Ref: 'AlarmTopic' });
  });

  it('lets CloudWatch publish to the alarm topic only, never to the summary topic', () => {
    const sids = (id: string) =>
      resource(template(), id).Properties.PolicyDocument.Statement.map((s: { Sid: string }) => s.Sid);

    expect(sids('AlarmTopicPolicy')).toEqual(['DenyInsecureTransport', 'AllowCloudWatchAlarmsToPublish']);
    expect(sids('SummaryTopicPolicy')).toEqual(['DenyInsecureTransport']);
  });

  it('subscribes the people who get failure summaries to the alarm topic, and no program', () => {
    const alarmSubscriptions = resourcesOfType(template(), 'AWS::SNS::Subscription')
      .map(([, r]) => r.Properties)
      .filter((p) => JSON.stringify(p.TopicArn) === JSON.stringify({ Ref: 'AlarmTopic' }));

    expect(alarmSubscriptions.map((p) => [p.Protocol, p.Endpoint]).sort()).toEqual([
      ['email', CRM],
      ['email', ONCALL],
    ]);
    for (const p of alarmSubscriptions) {
      expect(p.FilterPolicy).toBeUndefined();
      expect(p.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': ['SubscriptionDeadLetterQueue', 'Arn'] },
      });
    }
    const dlq = resource(template(), 'SubscriptionDeadLetterQueuePolicy').Properties.PolicyDocument.Statement;
    const fromTopics = dlq.find((s: { Sid: string }) => s.Sid === 'AllowUndeliverableSummariesFromTopic');
    expect(fromTopics.Condition.ArnEquals['aws:SourceArn']).toEqual([
      { Ref: 'SummaryTopic' },
      { Ref: 'AlarmTopic' },
    ]);
  });
});

describe('who receives what (prod subscriptions in the emulator)', () => {
  let h: Harness | undefined;
  afterAll(async () => h?.stop());

  /** Topic logical id → emulator topic ARN. */
  const topics: Record<string, string> = {};

  beforeAll(async () => {
    h = await startHarness({ topics: ['summary', 'alarms'] });
    topics.SummaryTopic = 'arn:aws:sns:us-east-1:000000000000:summary';
    topics.AlarmTopic = 'arn:aws:sns:us-east-1:000000000000:alarms';
    for (const [, r] of resourcesOfType(template(), 'AWS::SNS::Subscription')) {
      const p = r.Properties;
      const attributes: Record<string, string> = {};
      if (p.FilterPolicy) attributes.FilterPolicy = JSON.stringify(p.FilterPolicy);
      if (p.FilterPolicyScope) attributes.FilterPolicyScope = p.FilterPolicyScope;
      if (p.RawMessageDelivery !== undefined) attributes.RawMessageDelivery = String(p.RawMessageDelivery);
      await h.sns.send(
        new SubscribeCommand({
          TopicArn: topics[p.TopicArn.Ref],
          Protocol: p.Protocol,
          Endpoint: p.Endpoint,
          Attributes: attributes,
        }),
      );
    }
    for (const status of OUTCOMES) {
      const message = buildSnsMessage(summary(status));
      await h.sns.send(
        new PublishCommand({
          TopicArn: topics.SummaryTopic,
          Subject: message.Subject,
          Message: message.Message,
          MessageStructure: message.MessageStructure,
          MessageAttributes: message.MessageAttributes,
        }),
      );
    }
    await h.sns.send(new PublishCommand({ TopicArn: topics.AlarmTopic, Message: ALARM }));
  }, 30_000);

  const received = (endpoint: string) => deliveriesOf(h!.emu.state, endpoint);

  it('on-call (statuses: failures) gets exactly the summaries that are not COMPLETED, MISMATCH included, as text, and the alarm', () => {
    const got = received(ONCALL);

    expect(got.map((d) => d.subject?.match(/^\[prod\] Pinpoint export (\S+)/)?.[1])).toEqual([
      ...FAILURE_OUTCOMES,
      undefined,
    ]);
    expect(got.map((d) => d.subject)).toContain(
      '[prod] Pinpoint export FAILED all endpoints: 10 processed, 1 failed',
    );
    expect(got.map((d) => d.subject)).toContain(
      '[prod] Pinpoint export ERROR all endpoints: application not found',
    );
    expect(
      got.slice(0, -1).every((d) => d.format === 'text' && d.message.startsWith('Pinpoint export ')),
    ).toBe(true);
    expect(got.at(-1)?.message).toBe(ALARM);
  });

  it('everyone else by email gets every summary and the alarm; addresses in Failures stay masked', () => {
    const got = received(CRM);

    expect(got).toHaveLength(OUTCOMES.length + 1);
    const failed = got[OUTCOMES.indexOf('FAILED')];
    expect(failed?.message).toContain("Endpoint [id]: Address '[value]' is not a valid EMAIL address");
    expect(failed?.message).not.toContain('a@b.example');
  });

  it('the program gets every structured summary, and no alarm', () => {
    const got = received(QUEUE);

    expect(got.map((d) => d.format)).toEqual(OUTCOMES.map(() => 'raw'));
    expect(got.map((d) => readSummaryMessage(d.message, d.attributes).summary?.status)).toEqual([
      ...OUTCOMES,
    ]);
    const failed = got[OUTCOMES.indexOf('FAILED')]!;
    expect(readSummaryMessage(failed.message, failed.attributes).summary?.Failures).toEqual([
      "Endpoint ep-1: Address 'a@b.example' is not a valid EMAIL address",
    ]);
  });
});

describe('alarm routing by configuration', () => {
  it('sends alarms to alarms.topicArn when set, creating no alarm topic', () => {
    const config = stageConfig('prod', (raw) => {
      raw.alarms.topicArn = 'arn:aws:sns:eu-west-1:123456789012:ops-alerts';
    });

    const { Resources } = buildResources(config);

    expect(Resources.AlarmTopic).toBeUndefined();
    expect(Resources.MissedRunAlarm.Properties.AlarmActions).toEqual([
      'arn:aws:sns:eu-west-1:123456789012:ops-alerts',
    ]);
    expect(Object.keys(Resources).filter((id) => id.startsWith('AlarmSubscription'))).toEqual([]);
  });

  it('sends alarms to an existing summary topic when no alarm topic is given', () => {
    const config = stageConfig('prod', (raw) => {
      raw.notifications.topicArn = 'arn:aws:sns:eu-west-1:123456789012:summaries';
    });

    expect(alarmRoutingOf(config).target).toBe('arn:aws:sns:eu-west-1:123456789012:summaries');
    expect(buildResources(config).Resources.AlarmTopic).toBeUndefined();
  });

  it('subscribes no one to alarms whose email subscription wants COMPLETED summaries only', () => {
    const config = stageConfig('dev', (raw) => {
      raw.notifications.subscriptions = [
        { protocol: 'email', endpoint: 'happy@example.com', statuses: ['COMPLETED'] },
        { protocol: 'email-json', endpoint: 'ops@example.com' },
        { protocol: 'https', endpoint: 'https://hooks.example.com/x' },
      ];
    });

    expect(alarmRoutingOf(config).subscribers.map((s) => s.endpoint)).toEqual(['ops@example.com']);
  });

  it('creates no alarm topic when alarms are off', () => {
    const config = stageConfig('dev', (raw) => {
      raw.alarms.enabled = false;
    });

    expect(alarmRoutingOf(config)).toEqual({ createsAlarmTopic: false, target: undefined, subscribers: [] });
    expect(buildResources(config).Resources.AlarmTopic).toBeUndefined();
  });
});
