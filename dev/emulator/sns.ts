/**
 * Amazon SNS (awsQuery: form-encoded `Action=…` requests, XML answers). Publish
 * validates like SNS does (topic, subject, size, attributes); accepted messages
 * are kept in memory and written to `<dataDir>/sns/<topic>/<time>-<id>.json`
 * in the shape an SQS or HTTPS subscriber receives.
 *
 * Subscriptions filter as the SNS Developer Guide documents (dev/emulator/sns-filter.ts:
 * FilterPolicyScope MessageAttributes (default) or MessageBody; exact strings and
 * numbers, `prefix`, `suffix`, `equals-ignore-case`, `anything-but`, `numeric`,
 * `exists`, `$or`; at most 5 keys and 150 combinations). Each subscription records
 * what it received, in the form its protocol delivers (`deliveriesOf`).
 *
 * "Message attributes are sent only when the message structure is String, not
 * JSON" ("Amazon SNS message attributes"): with MessageStructure=json the
 * emulator delivers no attributes and, since AWS documents neither attribute
 * nor body filtering of such messages, delivers nothing to a subscription that
 * has a filter policy — code that relies on it shows up here instead of in production.
 */

import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ACCOUNT_ID, type HttpResult, xmlEscape } from '../../sources/emulator/protocol.ts';
import { type EmulatedService, type Exchange, faultReply } from '../../sources/emulator/service.ts';
import {
  type MessageAttribute,
  type PublishedMessage,
  type SnsContext,
  SnsState,
  type TopicRecord,
} from './sns-state.ts';
import {
  bodyFor,
  deliveredAttributes,
  fanOut,
  findSubscription,
  findTopic,
  setSubscriptionAttribute,
  subscribe,
} from './sns-subscriptions.ts';
import { SNS_ERROR_SHAPES, SnsError, snsErrorResult, snsErrors, snsResult } from './sns-wire.ts';

export type { SnsContext } from './sns-state.ts';
export { deliveriesOf } from './sns-subscriptions.ts';

/** SNS's limit for a message, attributes included. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;

/** Largest SNS request body read; form encoding can triple a 256 KiB message. */
export const SNS_MAX_BODY_BYTES = 4 * 1024 * 1024;

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

/** The SNS operations the emulator answers. */
const SNS_OPERATIONS = [
  'Publish',
  'CreateTopic',
  'DeleteTopic',
  'ListTopics',
  'GetTopicAttributes',
  'Subscribe',
  'SetSubscriptionAttributes',
  'GetSubscriptionAttributes',
  'Unsubscribe',
  'ListSubscriptionsByTopic',
];

/** The emulator's SNS; its state holds the topics and the published messages. */
export type SnsService = EmulatedService<SnsState>;

/** Creates the emulator's SNS with its seeded topics. */
export function createSnsService(options: Omit<SnsContext, 'state'> & { topics: string[] }): SnsService {
  const { topics, ...rest } = options;
  const ctx: SnsContext = { ...rest, state: new SnsState() };
  for (const name of topics) ensureTopic(ctx, name);
  return {
    name: 'sns',
    // awsQuery: a form posted to `/` (CloudFormation's too, which its signature tells apart).
    recognises: {
      claims: (head) =>
        head.method === 'POST' &&
        head.path === '/' &&
        String(head.headers['content-type'] ?? '').includes('x-www-form-urlencoded'),
    },
    operations: SNS_OPERATIONS,
    state: ctx.state,
    serve: (exchange) => serve(ctx, exchange),
    snapshot: async () => ctx.state.snapshot(),
  };
}

async function serve(ctx: SnsContext, exchange: Exchange): Promise<void> {
  const body = await exchange.readBody(SNS_MAX_BODY_BYTES);
  if (body === undefined) {
    exchange.reply(SNS_ERROR_SHAPES.tooLarge(exchange.requestId));
    return;
  }
  const params = new URLSearchParams(body);
  exchange.identify(snsAction(params));
  const rule = await exchange.fault();
  if (rule) {
    faultReply(exchange, rule, SNS_ERROR_SHAPES);
    return;
  }
  try {
    exchange.reply(await handleSns(ctx, params, exchange.requestId));
  } catch (error) {
    if (!(error instanceof SnsError)) throw error;
    exchange.reply(snsErrorResult(error, exchange.requestId));
  }
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
      return snsResult(action, `<Attributes>${entriesXml(attributes)}</Attributes>`, requestId);
    }
    case 'Subscribe':
      return subscribe(ctx, params, requestId);
    case 'SetSubscriptionAttributes': {
      const subscription = findSubscription(ctx, params.get('SubscriptionArn'));
      const name = params.get('AttributeName') ?? '';
      setSubscriptionAttribute(subscription, name, params.get('AttributeValue') ?? '');
      return snsResult(action, '', requestId);
    }
    case 'GetSubscriptionAttributes': {
      const subscription = findSubscription(ctx, params.get('SubscriptionArn'));
      const topicArnOfSubscription = subscription.arn.slice(0, subscription.arn.lastIndexOf(':'));
      const attributes: Record<string, string> = {
        SubscriptionArn: subscription.arn,
        TopicArn: topicArnOfSubscription,
        Protocol: subscription.protocol,
        Endpoint: subscription.endpoint,
        Owner: ACCOUNT_ID,
        PendingConfirmation: 'false',
        ConfirmationWasAuthenticated: 'true',
        RawMessageDelivery: 'false',
        ...subscription.attributes,
      };
      return snsResult(action, `<Attributes>${entriesXml(attributes)}</Attributes>`, requestId);
    }
    case 'Unsubscribe': {
      const subscription = findSubscription(ctx, params.get('SubscriptionArn'));
      for (const topic of ctx.state.topics.values()) {
        topic.subscriptions = topic.subscriptions.filter((s) => s !== subscription);
      }
      return snsResult(action, '', requestId);
    }
    case 'ListSubscriptionsByTopic': {
      const topic = findTopic(ctx, params.get('TopicArn'));
      const members = topic.subscriptions
        .map(
          (s) =>
            `<member><TopicArn>${xmlEscape(topic.arn)}</TopicArn><Protocol>${xmlEscape(s.protocol)}</Protocol>` +
            `<SubscriptionArn>${s.pending ? 'PendingConfirmation' : xmlEscape(s.arn)}</SubscriptionArn><Owner>${ACCOUNT_ID}</Owner>` +
            `<Endpoint>${xmlEscape(s.endpoint)}</Endpoint></member>`,
        )
        .join('');
      return snsResult(action, `<Subscriptions>${members}</Subscriptions>`, requestId);
    }
    default:
      throw snsErrors.invalidAction(`Could not find operation ${action} for version 2010-03-31`);
  }
}

function entriesXml(attributes: Record<string, string>): string {
  return Object.entries(attributes)
    .map(([k, v]) => `<entry><key>${xmlEscape(k)}</key><value>${xmlEscape(v)}</value></entry>`)
    .join('');
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
  const deliveries = fanOut(topic, record);
  ctx.state.published.push(Object.assign(record, { deliveries }));
  return snsResult('Publish', `<MessageId>${messageId}</MessageId>`, requestId);
}

/** The message as an unfiltered SQS subscriber receives it (SNS's notification envelope, unsigned). */
function notification(record: PublishedMessage) {
  return {
    Type: 'Notification',
    MessageId: record.messageId,
    TopicArn: record.topicArn,
    ...(record.subject !== undefined ? { Subject: record.subject } : {}),
    Message: bodyFor(record, 'sqs'),
    Timestamp: record.timestamp,
    ...(deliveredAttributes(record) ? { MessageAttributes: deliveredAttributes(record) } : {}),
  };
}
