import { readFile } from 'node:fs/promises';
import {
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  type MessageAttributeValue,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TOPIC_ARN } from '../../dev/emulator/index.ts';
import { deliveriesOf } from '../../dev/emulator/sns.ts';
import { type Harness, rejectionOf, startHarness } from './helpers.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('SNS over the real SDK (awsQuery)', () => {
  it('publishes a message with attributes, keeps it in state and writes it to a file', async () => {
    h = await startHarness();
    const out = await h.sns.send(
      new PublishCommand({
        TopicArn: DEFAULT_TOPIC_ARN,
        Subject: 'Pinpoint export COMPLETED: 1000 endpoints',
        Message: JSON.stringify({ status: 'COMPLETED' }),
        MessageAttributes: {
          status: { DataType: 'String', StringValue: 'COMPLETED' },
          failures: { DataType: 'Number', StringValue: '0' },
        },
      }),
    );

    expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(h.emu.state.published).toHaveLength(1);
    const published = h.emu.state.published[0]!;
    expect(published).toMatchObject({
      messageId: out.MessageId,
      topicArn: DEFAULT_TOPIC_ARN,
      subject: 'Pinpoint export COMPLETED: 1000 endpoints',
      messageAttributes: {
        status: { DataType: 'String', StringValue: 'COMPLETED' },
        failures: { DataType: 'Number', StringValue: '0' },
      },
      timestamp: '2026-11-28T02:00:00.000Z',
    });
    expect(published.file).toContain(`/sns/export-summaries/2026-11-28T02-00-00.000Z-${out.MessageId}.json`);
    const file = JSON.parse(await readFile(published.file, 'utf8'));
    expect(file).toMatchObject({
      Type: 'Notification',
      MessageId: out.MessageId,
      Message: '{"status":"COMPLETED"}',
      MessageAttributes: { status: { Type: 'String', Value: 'COMPLETED' } },
    });
  });

  it('writes the default entry of a MessageStructure=json message to the file', async () => {
    h = await startHarness();
    await h.sns.send(
      new PublishCommand({
        TopicArn: DEFAULT_TOPIC_ARN,
        MessageStructure: 'json',
        Message: JSON.stringify({ default: '{"status":"FAILED"}', email: 'The export failed.' }),
      }),
    );
    const file = JSON.parse(await readFile(h.emu.state.published[0]!.file, 'utf8'));
    expect(file.Message).toBe('{"status":"FAILED"}');
  });

  it('accepts a message of exactly 262,144 bytes including attributes', async () => {
    h = await startHarness();
    const attributeBytes = 'status'.length + 'String'.length + 'OK'.length;
    await h.sns.send(
      new PublishCommand({
        TopicArn: DEFAULT_TOPIC_ARN,
        Message: 'é'.repeat((262_144 - attributeBytes) / 2),
        MessageAttributes: { status: { DataType: 'String', StringValue: 'OK' } },
      }),
    );
    expect(h.emu.state.published).toHaveLength(1);
  });

  const rejections: {
    name: string;
    input: Record<string, unknown>;
    error: string;
    status: number;
    message: RegExp;
  }[] = [
    {
      name: 'a subject of 100 characters',
      input: { Subject: 'x'.repeat(100) },
      error: 'InvalidParameterException',
      status: 400,
      message: /Subject/,
    },
    {
      name: 'a non-ASCII subject',
      input: { Subject: 'Export réussi' },
      error: 'InvalidParameterException',
      status: 400,
      message: /Subject.*ASCII/,
    },
    {
      name: 'a subject with a line break',
      input: { Subject: 'line\nbreak' },
      error: 'InvalidParameterException',
      status: 400,
      message: /line breaks/,
    },
    {
      name: 'a message over 262,144 bytes once attributes count',
      input: {
        Message: 'x'.repeat(262_140),
        MessageAttributes: { status: { DataType: 'String', StringValue: 'FAILED' } },
      },
      error: 'InvalidParameterException',
      status: 400,
      message: /Message too long/,
    },
    {
      name: 'an unknown topic',
      input: { TopicArn: 'arn:aws:sns:us-east-1:000000000000:nope' },
      error: 'NotFoundException',
      status: 404,
      message: /Topic does not exist/,
    },
    {
      name: 'an empty message',
      input: { Message: '' },
      error: 'InvalidParameterException',
      status: 400,
      message: /Empty message/,
    },
    {
      name: 'a Number attribute that is not a number',
      input: { MessageAttributes: { n: { DataType: 'Number', StringValue: 'many' } } },
      error: 'InvalidParameterException',
      status: 400,
      message: /numeric/,
    },
    {
      name: 'MessageStructure json without a default entry',
      input: { MessageStructure: 'json', Message: '{"email":"hi"}' },
      error: 'InvalidParameterException',
      status: 400,
      message: /No default entry/,
    },
  ];

  for (const r of rejections) {
    it(`rejects ${r.name} with ${r.error}`, async () => {
      h = await startHarness();
      const error = await rejectionOf(
        h.sns.send(new PublishCommand({ TopicArn: DEFAULT_TOPIC_ARN, Message: 'hello', ...r.input })),
      );
      expect(error.name).toBe(r.error);
      expect(error.$metadata?.httpStatusCode).toBe(r.status);
      expect(error.message).toMatch(r.message);
      expect(h.emu.state.published).toHaveLength(0);
    });
  }

  it('creates, lists and describes topics and subscriptions', async () => {
    h = await startHarness();
    const created = await h.sns.send(new CreateTopicCommand({ Name: 'ops-alerts' }));
    const again = await h.sns.send(new CreateTopicCommand({ Name: 'ops-alerts' }));
    const topics = await h.sns.send(new ListTopicsCommand({}));
    const sub = await h.sns.send(
      new SubscribeCommand({ TopicArn: created.TopicArn!, Protocol: 'email', Endpoint: 'ops@example.com' }),
    );
    const subs = await h.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: created.TopicArn! }));
    const attributes = await h.sns.send(new GetTopicAttributesCommand({ TopicArn: created.TopicArn! }));

    expect(created.TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:ops-alerts');
    expect(again.TopicArn).toBe(created.TopicArn);
    expect(topics.Topics!.map((t) => t.TopicArn)).toEqual([DEFAULT_TOPIC_ARN, created.TopicArn]);
    expect(subs.Subscriptions).toEqual([
      expect.objectContaining({
        SubscriptionArn: sub.SubscriptionArn,
        Protocol: 'email',
        Endpoint: 'ops@example.com',
      }),
    ]);
    expect(attributes.Attributes).toMatchObject({ TopicArn: created.TopicArn, SubscriptionsConfirmed: '1' });
  });
});

/** Subscribes `endpoint` with the given subscription attributes; returns the subscription ARN. */
async function subscribe(
  harness: Harness,
  protocol: string,
  endpoint: string,
  attributes: Record<string, string> = {},
): Promise<string> {
  const out = await harness.sns.send(
    new SubscribeCommand({
      TopicArn: DEFAULT_TOPIC_ARN,
      Protocol: protocol,
      Endpoint: endpoint,
      Attributes: attributes,
    }),
  );
  return out.SubscriptionArn!;
}

const strings = (values: Record<string, string>): Record<string, MessageAttributeValue> =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]));

describe('SNS subscription filter policies and deliveries', () => {
  const FAILURES_ONLY = JSON.stringify({ status: ['FAILED', 'TIMED_OUT', 'ERROR'] });

  it('delivers each summary to the subscriptions whose attribute policy accepts it, recording who got what', async () => {
    h = await startHarness();
    await subscribe(h, 'email', 'team@example.com');
    await subscribe(h, 'email', 'oncall@example.com', { FilterPolicy: FAILURES_ONLY });
    await subscribe(h, 'sqs', 'arn:aws:sqs:us-east-1:000000000000:failures', {
      FilterPolicy: FAILURES_ONLY,
      RawMessageDelivery: 'true',
    });

    for (const status of ['COMPLETED', 'FAILED', 'TIMED_OUT', 'ERROR', 'COMPLETED']) {
      await h.sns.send(
        new PublishCommand({
          TopicArn: DEFAULT_TOPIC_ARN,
          Subject: `export ${status}`,
          Message: `The export ended ${status}.`,
          MessageAttributes: strings({ status, summary: JSON.stringify({ status }) }),
        }),
      );
    }

    const team = deliveriesOf(h.emu.state, 'team@example.com');
    const oncall = deliveriesOf(h.emu.state, 'oncall@example.com');
    const queue = deliveriesOf(h.emu.state, 'arn:aws:sqs:us-east-1:000000000000:failures');
    expect(team.map((d) => d.subject)).toEqual([
      'export COMPLETED',
      'export FAILED',
      'export TIMED_OUT',
      'export ERROR',
      'export COMPLETED',
    ]);
    expect(oncall.map((d) => d.subject)).toEqual(['export FAILED', 'export TIMED_OUT', 'export ERROR']);
    expect(oncall[0]).toMatchObject({ format: 'text', message: 'The export ended FAILED.' });
    expect(oncall[0]).not.toHaveProperty('attributes');
    expect(queue.map((d) => JSON.parse(d.attributes!.summary!.Value).status)).toEqual([
      'FAILED',
      'TIMED_OUT',
      'ERROR',
    ]);
    expect(queue[0]).toMatchObject({
      format: 'raw',
      attributes: { status: { Type: 'String', Value: 'FAILED' } },
    });
    const decisions = (
      h.emu.state.published[0] as unknown as { deliveries: { endpoint: string; delivered: boolean }[] }
    ).deliveries;
    expect(decisions.map((d) => [d.endpoint, d.delivered])).toEqual([
      ['team@example.com', true],
      ['oncall@example.com', false],
      ['arn:aws:sqs:us-east-1:000000000000:failures', false],
    ]);
  });

  it('sends no attributes with MessageStructure=json, so an attribute-filtered subscription receives nothing', async () => {
    h = await startHarness();
    await subscribe(h, 'email', 'team@example.com');
    await subscribe(h, 'email', 'oncall@example.com', { FilterPolicy: FAILURES_ONLY });
    await subscribe(h, 'sqs', 'arn:aws:sqs:us-east-1:000000000000:all');

    await h.sns.send(
      new PublishCommand({
        TopicArn: DEFAULT_TOPIC_ARN,
        MessageStructure: 'json',
        Message: JSON.stringify({ default: '{"status":"FAILED"}', email: 'The export FAILED.' }),
        MessageAttributes: strings({ status: 'FAILED' }),
      }),
    );

    expect(deliveriesOf(h.emu.state, 'oncall@example.com')).toEqual([]);
    expect(deliveriesOf(h.emu.state, 'team@example.com')).toEqual([
      expect.objectContaining({ format: 'text', message: 'The export FAILED.' }),
    ]);
    const [queued] = deliveriesOf(h.emu.state, 'arn:aws:sqs:us-east-1:000000000000:all');
    expect(queued).toMatchObject({ format: 'envelope', message: '{"status":"FAILED"}' });
    expect(queued).not.toHaveProperty('attributes');
  });

  it('filters on a JSON body with FilterPolicyScope MessageBody, and never delivers a text body there', async () => {
    h = await startHarness();
    await subscribe(h, 'sqs', 'arn:aws:sqs:us-east-1:000000000000:alarms', {
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: JSON.stringify({
        NewStateValue: ['ALARM'],
        Trigger: { MetricName: [{ prefix: 'Executions' }] },
      }),
    });

    const publish = (Message: string) =>
      h!.sns.send(new PublishCommand({ TopicArn: DEFAULT_TOPIC_ARN, Message }));
    await publish(JSON.stringify({ NewStateValue: 'ALARM', Trigger: { MetricName: 'ExecutionsFailed' } }));
    await publish(JSON.stringify({ NewStateValue: 'OK', Trigger: { MetricName: 'ExecutionsFailed' } }));
    await publish(JSON.stringify({ NewStateValue: 'ALARM', Trigger: { MetricName: 'Throttles' } }));
    await publish('NewStateValue ALARM (plain text)');

    const got = deliveriesOf(h.emu.state, 'arn:aws:sqs:us-east-1:000000000000:alarms');
    expect(got.map((d) => JSON.parse(d.message))).toEqual([
      { NewStateValue: 'ALARM', Trigger: { MetricName: 'ExecutionsFailed' } },
    ]);
  });

  const attributes = {
    status: { DataType: 'String', StringValue: 'FAILED' },
    stage: { DataType: 'String', StringValue: 'prod' },
    failures: { DataType: 'Number', StringValue: '42' },
    tags: { DataType: 'String.Array', StringValue: '["vip","eu"]' },
  };
  const operatorCases: { policy: Record<string, unknown>; matches: boolean }[] = [
    { policy: { status: ['FAILED'] }, matches: true },
    { policy: { status: ['failed'] }, matches: false },
    { policy: { status: [{ 'equals-ignore-case': 'failed' }] }, matches: true },
    { policy: { status: ['COMPLETED', 'FAILED'], stage: ['prod'] }, matches: true },
    { policy: { status: ['FAILED'], stage: ['dev'] }, matches: false },
    { policy: { status: [{ 'anything-but': 'COMPLETED' }] }, matches: true },
    { policy: { status: [{ 'anything-but': ['FAILED', 'ERROR'] }] }, matches: false },
    { policy: { segmentId: [{ 'anything-but': 'x' }] }, matches: false },
    { policy: { status: [{ 'anything-but': { prefix: 'FAIL' } }] }, matches: false },
    { policy: { status: [{ prefix: 'FAI' }] }, matches: true },
    { policy: { stage: [{ suffix: 'od' }] }, matches: true },
    { policy: { failures: [{ numeric: ['>', 0, '<=', 42] }] }, matches: true },
    { policy: { failures: [{ numeric: ['<', 42] }] }, matches: false },
    { policy: { failures: [42] }, matches: true },
    { policy: { status: [42] }, matches: false },
    { policy: { tags: ['eu'] }, matches: true },
    { policy: { tags: ['us'] }, matches: false },
    { policy: { status: [{ exists: true }] }, matches: true },
    { policy: { segmentId: [{ exists: true }] }, matches: false },
    { policy: { segmentId: [{ exists: false }] }, matches: true },
    { policy: { $or: [{ status: ['COMPLETED'] }, { stage: ['prod'] }] }, matches: true },
    { policy: { $or: [{ status: ['COMPLETED'] }, { stage: ['dev'] }] }, matches: false },
  ];

  it('applies the documented operators on message attributes', async () => {
    h = await startHarness();
    for (const [i, c] of operatorCases.entries()) {
      await subscribe(h, 'sqs', `arn:aws:sqs:us-east-1:000000000000:q${i}`, {
        FilterPolicy: JSON.stringify(c.policy),
      });
    }

    await h.sns.send(
      new PublishCommand({ TopicArn: DEFAULT_TOPIC_ARN, Message: 'm', MessageAttributes: attributes }),
    );

    const outcome = operatorCases.map((c, i) => ({
      policy: c.policy,
      matches: deliveriesOf(h!.emu.state, `arn:aws:sqs:us-east-1:000000000000:q${i}`).length === 1,
    }));
    expect(outcome).toEqual(operatorCases);
  });

  it('never matches "exists": false on a message without attributes (as documented)', async () => {
    h = await startHarness();
    await subscribe(h, 'email', 'oncall@example.com', {
      FilterPolicy: JSON.stringify({ status: [{ exists: false }] }),
    });

    await h.sns.send(new PublishCommand({ TopicArn: DEFAULT_TOPIC_ARN, Message: '{"AlarmName":"x"}' }));

    expect(deliveriesOf(h.emu.state, 'oncall@example.com')).toEqual([]);
  });

  it('discards a message with more than 10 attributes for a raw-delivery SQS subscription', async () => {
    h = await startHarness();
    await subscribe(h, 'sqs', 'arn:aws:sqs:us-east-1:000000000000:raw', { RawMessageDelivery: 'true' });
    await subscribe(h, 'sqs', 'arn:aws:sqs:us-east-1:000000000000:wrapped');
    const eleven = strings(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, 'v'])));

    await h.sns.send(
      new PublishCommand({ TopicArn: DEFAULT_TOPIC_ARN, Message: 'm', MessageAttributes: eleven }),
    );

    expect(deliveriesOf(h.emu.state, 'arn:aws:sqs:us-east-1:000000000000:raw')).toEqual([]);
    expect(deliveriesOf(h.emu.state, 'arn:aws:sqs:us-east-1:000000000000:wrapped')).toHaveLength(1);
  });

  it('reads, changes and removes subscription attributes (Get/SetSubscriptionAttributes, Unsubscribe)', async () => {
    h = await startHarness();
    const arn = await subscribe(h, 'email', 'oncall@example.com', { FilterPolicy: FAILURES_ONLY });
    const again = await subscribe(h, 'email', 'oncall@example.com', { FilterPolicy: FAILURES_ONLY });

    await h.sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: arn,
        AttributeName: 'FilterPolicy',
        AttributeValue: JSON.stringify({ status: ['ERROR'] }),
      }),
    );
    const read = await h.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }));
    await h.sns.send(
      new PublishCommand({
        TopicArn: DEFAULT_TOPIC_ARN,
        Message: 'f',
        MessageAttributes: strings({ status: 'FAILED' }),
      }),
    );
    await h.sns.send(
      new PublishCommand({
        TopicArn: DEFAULT_TOPIC_ARN,
        Message: 'e',
        MessageAttributes: strings({ status: 'ERROR' }),
      }),
    );
    const received = deliveriesOf(h.emu.state, 'oncall@example.com').map((d) => d.message);
    await h.sns.send(new UnsubscribeCommand({ SubscriptionArn: arn }));
    const after = await h.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: DEFAULT_TOPIC_ARN }));

    expect(again).toBe(arn);
    expect(read.Attributes).toMatchObject({
      SubscriptionArn: arn,
      TopicArn: DEFAULT_TOPIC_ARN,
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      FilterPolicy: '{"status":["ERROR"]}',
    });
    expect(received).toEqual(['e']);
    expect(after.Subscriptions).toEqual([]);
  });

  const invalid: { name: string; attributes: Record<string, string>; protocol?: string; message: RegExp }[] =
    [
      { name: 'a policy that is not JSON', attributes: { FilterPolicy: '{status' }, message: /FilterPolicy/ },
      {
        name: 'a nested policy on message attributes',
        attributes: { FilterPolicy: '{"a":{"b":["c"]}}' },
        message: /does not support nested/,
      },
      {
        name: 'more than 5 keys',
        attributes: {
          FilterPolicy: JSON.stringify(
            Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => [k, ['x']])),
          ),
        },
        message: /more than 5 keys/,
      },
      {
        name: 'more than 150 combinations',
        attributes: {
          FilterPolicy: JSON.stringify({
            a: Array.from({ length: 13 }, (_, i) => `v${i}`),
            b: Array.from({ length: 12 }, (_, i) => `v${i}`),
          }),
        },
        message: /too complex/,
      },
      {
        name: 'an unknown operator',
        attributes: { FilterPolicy: '{"a":[{"regex":"x"}]}' },
        message: /Unrecognized match type/,
      },
      { name: 'an unknown scope', attributes: { FilterPolicyScope: 'Body' }, message: /FilterPolicyScope/ },
      {
        name: 'raw delivery to email',
        attributes: { RawMessageDelivery: 'true' },
        protocol: 'email',
        message: /raw message delivery/,
      },
    ];
  for (const c of invalid) {
    it(`refuses ${c.name} with InvalidParameterException`, async () => {
      h = await startHarness();
      const error = await rejectionOf(
        subscribe(h, c.protocol ?? 'sqs', 'arn:aws:sqs:us-east-1:000000000000:q', c.attributes),
      );
      expect(error.name).toBe('InvalidParameterException');
      expect(error.message).toMatch(c.message);
    });
  }
});
