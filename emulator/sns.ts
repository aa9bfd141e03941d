/**
 * Amazon SNS (awsQuery: form-encoded `Action=…` requests, XML answers). Publish
 * validates like SNS does (topic, subject, size, attributes); accepted messages
 * are kept in memory and written to `<dataDir>/sns/<topic>/<time>-<id>.json`
 * in the shape an SQS or HTTPS subscriber receives.
 */

import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ACCOUNT_ID } from './pinpoint.ts';
import { type HttpResult, snsErrors, snsResult, xmlEscape } from './protocol.ts';
import type { EmulatorState, MessageAttribute, PublishedMessage, TopicRecord } from './state.ts';

/** SNS's limit for a message, attributes included. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;

/** Largest SNS request body read; form encoding can triple a 256 KiB message. */
export const SNS_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** What the SNS handlers need from the emulator. */
export interface SnsContext {
  state: EmulatorState;
  now: () => number;
  region: string;
  dataDir: string;
}

/** The topic ARN for a name in this emulator's region and account. */
export function topicArn(region: string, name: string): string {
  return `arn:aws:sns:${region}:${ACCOUNT_ID}:${name}`;
}

/** Creates a topic record (idempotent, like CreateTopic). */
export function ensureTopic(ctx: Pick<SnsContext, 'state' | 'region'>, name: string): TopicRecord {
  const arn = topicArn(ctx.region, name);
  let topic = ctx.state.topics.get(arn);
  if (!topic) {
    topic = { name, arn, subscriptions: [] };
    ctx.state.topics.set(arn, topic);
  }
  return topic;
}

/** The `Action` of an awsQuery request. */
export function snsAction(params: URLSearchParams): string {
  return params.get('Action') ?? 'Unknown';
}

/** Handles one SNS request; throws SnsError for error answers. */
export async function handleSns(
  ctx: SnsContext,
  params: URLSearchParams,
  requestId: string,
): Promise<HttpResult> {
  const action = snsAction(params);
  switch (action) {
    case 'Publish':
      return publish(ctx, params, requestId);
    case 'CreateTopic': {
      const name = params.get('Name') ?? '';
      if (!/^[A-Za-z0-9_-]{1,256}$/.test(name.replace(/\.fifo$/, ''))) {
        throw snsErrors.invalidParameter(
          'Invalid parameter: Topic Name must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.',
        );
      }
      const topic = ensureTopic(ctx, name);
      return snsResult(action, `<TopicArn>${xmlEscape(topic.arn)}</TopicArn>`, requestId);
    }
    case 'DeleteTopic': {
      ctx.state.topics.delete(params.get('TopicArn') ?? '');
      return snsResult(action, '', requestId);
    }
    case 'ListTopics': {
      const members = [...ctx.state.topics.values()]
        .map((t) => `<member><TopicArn>${xmlEscape(t.arn)}</TopicArn></member>`)
        .join('');
      return snsResult(action, `<Topics>${members}</Topics>`, requestId);
    }
    case 'GetTopicAttributes': {
      const topic = findTopic(ctx, params.get('TopicArn'));
      const attributes: Record<string, string> = {
        TopicArn: topic.arn,
        Owner: ACCOUNT_ID,
        DisplayName: '',
        SubscriptionsConfirmed: String(topic.subscriptions.length),
        SubscriptionsPending: '0',
        SubscriptionsDeleted: '0',
        Policy: JSON.stringify({ Version: '2008-10-17', Id: '__default_policy_ID', Statement: [] }),
      };
      const entries = Object.entries(attributes)
        .map(([k, v]) => `<entry><key>${xmlEscape(k)}</key><value>${xmlEscape(v)}</value></entry>`)
        .join('');
      return snsResult(action, `<Attributes>${entries}</Attributes>`, requestId);
    }
    case 'Subscribe': {
      const topic = findTopic(ctx, params.get('TopicArn'));
      const protocol = params.get('Protocol') ?? '';
      if (
        !['email', 'email-json', 'sqs', 'lambda', 'http', 'https', 'sms', 'application', 'firehose'].includes(
          protocol,
        )
      ) {
        throw snsErrors.invalidParameter(
          'Invalid parameter: Amazon SNS does not support this protocol string',
        );
      }
      const endpoint = params.get('Endpoint') ?? '';
      // Confirmed at once: nothing is delivered locally, so a pending confirmation would only get in the way.
      const subscription = { arn: `${topic.arn}:${randomUUID()}`, protocol, endpoint };
      topic.subscriptions.push(subscription);
      return snsResult(
        action,
        `<SubscriptionArn>${xmlEscape(subscription.arn)}</SubscriptionArn>`,
        requestId,
      );
    }
    case 'ListSubscriptionsByTopic': {
      const topic = findTopic(ctx, params.get('TopicArn'));
      const members = topic.subscriptions
        .map(
          (s) =>
            `<member><TopicArn>${xmlEscape(topic.arn)}</TopicArn><Protocol>${xmlEscape(s.protocol)}</Protocol>` +
            `<SubscriptionArn>${xmlEscape(s.arn)}</SubscriptionArn><Owner>${ACCOUNT_ID}</Owner>` +
            `<Endpoint>${xmlEscape(s.endpoint)}</Endpoint></member>`,
        )
        .join('');
      return snsResult(action, `<Subscriptions>${members}</Subscriptions>`, requestId);
    }
    default:
      throw snsErrors.invalidAction(`Could not find operation ${action} for version 2010-03-31`);
  }
}

function findTopic(ctx: SnsContext, arn: string | null): TopicRecord {
  if (!arn) throw snsErrors.invalidParameter('Invalid parameter: TopicArn');
  if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$/.test(arn)) {
    throw snsErrors.invalidParameter('Invalid parameter: TopicArn');
  }
  const topic = ctx.state.topics.get(arn);
  if (!topic) throw snsErrors.notFound('Topic does not exist');
  return topic;
}

/** Parses `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue` / `.Value.BinaryValue`. */
export function parseMessageAttributes(params: URLSearchParams): Record<string, MessageAttribute> {
  const entries = new Map<string, { name?: string; value: Partial<MessageAttribute> }>();
  for (const [key, value] of params) {
    const match =
      /^MessageAttributes\.entry\.(\d+)\.(Name|Value\.DataType|Value\.StringValue|Value\.BinaryValue)$/.exec(
        key,
      );
    if (!match) continue;
    const entry = entries.get(match[1]!) ?? { value: {} };
    if (match[2] === 'Name') entry.name = value;
    else if (match[2] === 'Value.DataType') entry.value.DataType = value;
    else if (match[2] === 'Value.StringValue') entry.value.StringValue = value;
    else entry.value.BinaryValue = value;
    entries.set(match[1]!, entry);
  }
  const attributes: Record<string, MessageAttribute> = {};
  for (const { name, value } of entries.values()) {
    if (!name)
      throw snsErrors.invalidParameter('Invalid parameter: MessageAttributes: attribute name is missing');
    if (name.length > 256 || /^(AWS\.|Amazon\.)/i.test(name) || !/^[A-Za-z0-9_.-]+$/.test(name)) {
      throw snsErrors.invalidParameter(
        `Invalid parameter: MessageAttributes: invalid attribute name ${name}`,
      );
    }
    const dataType = value.DataType;
    if (!dataType || !/^(String|Number|Binary)(\.[A-Za-z0-9_.-]+)?$/.test(dataType)) {
      throw snsErrors.invalidParameter(
        `Invalid parameter: MessageAttributes: the message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    const isBinary = dataType.startsWith('Binary');
    const raw = isBinary ? value.BinaryValue : value.StringValue;
    if (raw === undefined || raw === '') {
      throw snsErrors.invalidParameter(
        `Invalid parameter: MessageAttributes: the message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`,
      );
    }
    if (dataType.startsWith('Number') && !Number.isFinite(Number(raw))) {
      throw snsErrors.invalidParameter(
        `Invalid parameter: MessageAttributes: the message attribute '${name}' with type 'Number' must contain a valid numeric value.`,
      );
    }
    if (dataType === 'String.Array') {
      let ok = false;
      try {
        ok = Array.isArray(JSON.parse(raw));
      } catch {
        ok = false;
      }
      if (!ok) {
        throw snsErrors.invalidParameter(
          `Invalid parameter: MessageAttributes: the message attribute '${name}' with type 'String.Array' must be a JSON array.`,
        );
      }
    }
    attributes[name] = isBinary
      ? { DataType: dataType, BinaryValue: raw }
      : { DataType: dataType, StringValue: raw };
  }
  return attributes;
}

/**
 * SNS subject rules: ASCII text starting with a letter, number or punctuation,
 * no line breaks or control characters, fewer than 100 characters.
 * Returns the reason it is invalid, or undefined.
 */
export function subjectProblem(subject: string): string | undefined {
  if (subject.length === 0) return 'Subject must not be empty';
  if (subject.length >= 100) return 'Subject must be less than 100 characters long';
  if (/[\r\n]/.test(subject)) return 'Subject must not include line breaks';
  if (!/^[\x20-\x7e]*$/.test(subject)) return 'Subject must be ASCII text without control characters';
  if (subject.startsWith(' ')) return 'Subject must begin with a letter, number or punctuation mark';
  return undefined;
}

async function publish(ctx: SnsContext, params: URLSearchParams, requestId: string): Promise<HttpResult> {
  if (params.get('PhoneNumber')) {
    throw snsErrors.invalidParameter(
      'Invalid parameter: PhoneNumber (SMS is not supported by this emulator)',
    );
  }
  const arn = params.get('TopicArn') ?? params.get('TargetArn');
  if (!arn) {
    throw snsErrors.invalidParameter(
      'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
    );
  }
  const topic = findTopic(ctx, arn);
  const message = params.get('Message');
  if (message === null || message === '')
    throw snsErrors.invalidParameter('Invalid parameter: Empty message');
  const subject = params.get('Subject');
  if (subject !== null) {
    const problem = subjectProblem(subject);
    if (problem) throw snsErrors.invalidParameter(`Invalid parameter: Subject (${problem})`);
  }
  const messageStructure = params.get('MessageStructure');
  if (messageStructure !== null) {
    if (messageStructure !== 'json') throw snsErrors.invalidParameter('Invalid parameter: MessageStructure');
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      throw snsErrors.invalidParameter(
        'Invalid parameter: Message Structure - JSON message body failed to parse',
      );
    }
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      typeof (parsed as { default?: unknown }).default !== 'string'
    ) {
      throw snsErrors.invalidParameter(
        'Invalid parameter: Message Structure - No default entry in JSON message body',
      );
    }
  }
  const attributes = parseMessageAttributes(params);
  // SNS counts the message plus every attribute's name, type and value against the limit.
  let size = Buffer.byteLength(message);
  for (const [name, value] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType);
    size += Buffer.byteLength(value.StringValue ?? '') + Buffer.byteLength(value.BinaryValue ?? '');
  }
  if (size > SNS_MAX_MESSAGE_BYTES) throw snsErrors.invalidParameter('Invalid parameter: Message too long');

  const messageId = randomUUID();
  const timestamp = new Date(ctx.now()).toISOString();
  const dir = join(ctx.dataDir, 'sns', topic.name);
  // Colons are left out of file names so the folder can be copied to any file system.
  const file = join(dir, `${timestamp.replace(/:/g, '-')}-${messageId}.json`);
  const record: PublishedMessage = {
    messageId,
    topicArn: topic.arn,
    topicName: topic.name,
    ...(subject !== null ? { subject } : {}),
    message,
    ...(messageStructure !== null ? { messageStructure } : {}),
    messageAttributes: attributes,
    timestamp,
    file,
  };
  await mkdir(dir, { recursive: true });
  await writeFile(file, `${JSON.stringify(notification(record), null, 2)}\n`);
  ctx.state.published.push(record);
  return snsResult('Publish', `<MessageId>${messageId}</MessageId>`, requestId);
}

/**
 * The text a queue subscriber receives: with MessageStructure=json each protocol
 * gets its own entry, so the `sqs` one, else `default` (validated at Publish).
 */
function deliveredText(record: PublishedMessage): string {
  if (record.messageStructure !== 'json') return record.message;
  const perProtocol = JSON.parse(record.message) as Record<string, unknown>;
  return String(perProtocol.sqs ?? perProtocol.default);
}

/** The message as an SQS/HTTPS subscriber receives it (SNS's notification envelope, unsigned). */
function notification(record: PublishedMessage) {
  return {
    Type: 'Notification',
    MessageId: record.messageId,
    TopicArn: record.topicArn,
    ...(record.subject !== undefined ? { Subject: record.subject } : {}),
    Message: deliveredText(record),
    Timestamp: record.timestamp,
    MessageAttributes: Object.fromEntries(
      Object.entries(record.messageAttributes).map(([name, v]) => [
        name,
        { Type: v.DataType, Value: v.StringValue ?? v.BinaryValue ?? '' },
      ]),
    ),
  };
}
