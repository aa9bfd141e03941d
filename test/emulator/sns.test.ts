import { readFile } from 'node:fs/promises';
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  PublishCommand,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TOPIC_ARN } from '../../emulator/index.ts';
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
    expect(published.file).toContain(
      `/sns/pinpoint-export-summaries/2026-11-28T02-00-00.000Z-${out.MessageId}.json`,
    );
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
