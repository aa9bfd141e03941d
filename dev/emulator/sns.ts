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
import { type HttpResult, snsErrors, snsResult, xmlEscape } from '../../sources/emulator/protocol.ts';
import { ACCOUNT_ID } from '../../sources/pinpoint/emulator.ts';
import { decide, filterPolicyProblem, scopeOf } from './sns-filter.ts';
import type {
  EmulatorState,
  MessageAttribute,
  PublishedMessage,
  SubscriptionRecord,
  TopicRecord,
} from './state.ts';

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
  /** Endpoints whose email subscriptions stay PendingConfirmation (EmulatorOptions.unconfirmedEndpoints). */
  unconfirmed?: readonly string[];
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

function findTopic(ctx: SnsContext, arn: string | null): TopicRecord {
  if (!arn) throw snsErrors.invalidParameter('Invalid parameter: TopicArn');
  if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$/.test(arn)) {
    throw snsErrors.invalidParameter('Invalid parameter: TopicArn');
  }
  const topic = ctx.state.topics.get(arn);
  if (!topic) throw snsErrors.notFound('Topic does not exist');
  return topic;
}

function entriesXml(attributes: Record<string, string>): string {
  return Object.entries(attributes)
    .map(([k, v]) => `<entry><key>${xmlEscape(k)}</key><value>${xmlEscape(v)}</value></entry>`)
    .join('');
}

/** What a subscription received for one message, in the form its protocol delivers it. */
export interface Delivery {
  messageId: string;
  subject?: string;
  /**
   * `text`: email (the body, Subject as the mail's subject); `envelope`: the SNS
   * notification JSON (email-json, sqs, http/s, lambda); `raw`: raw message delivery.
   */
  format: 'text' | 'envelope' | 'raw';
  /** The message body the subscriber reads (for JSON structure: its protocol's entry, else `default`). */
  message: string;
  /** Attributes the subscriber receives (`Type`/`Value`, as in a notification); absent when none are sent. */
  attributes?: Record<string, { Type: string; Value: string }>;
}

/** A subscription with its attributes, parsed filter policy and what it received. */
export interface SnsSubscription extends SubscriptionRecord {
  /** Attributes set through Subscribe/SetSubscriptionAttributes (FilterPolicy, FilterPolicyScope, RawMessageDelivery, …). */
  attributes: Record<string, string>;
  deliveries: Delivery[];
}

/** Why a message did or did not reach one subscription. */
export interface DeliveryDecision {
  subscriptionArn: string;
  protocol: string;
  endpoint: string;
  delivered: boolean;
  reason?: string;
}

const PROTOCOLS = ['email', 'email-json', 'sqs', 'lambda', 'http', 'https', 'sms', 'application', 'firehose'];
const SUBSCRIPTION_ATTRIBUTES = [
  'DeliveryPolicy',
  'FilterPolicy',
  'FilterPolicyScope',
  'RawMessageDelivery',
  'RedrivePolicy',
  'SubscriptionRoleArn',
  'ReplayPolicy',
];

/** The subscriptions of a topic with what this module keeps on them. */
export function subscriptionsOf(topic: TopicRecord): SnsSubscription[] {
  return topic.subscriptions as SnsSubscription[];
}

/** What every subscription with this endpoint (email address, queue ARN, URL) received, in order. */
export function deliveriesOf(state: EmulatorState, endpoint: string): Delivery[] {
  return [...state.topics.values()]
    .flatMap((topic) => subscriptionsOf(topic))
    .filter((s) => s.endpoint === endpoint)
    .flatMap((s) => s.deliveries);
}

/** Parses `Attributes.entry.N.key` / `.value` (awsQuery map serialization). */
function parseAttributeMap(params: URLSearchParams, prefix: string): Record<string, string> {
  const entries = new Map<string, { key?: string; value?: string }>();
  const pattern = new RegExp(`^${prefix}\\.entry\\.(\\d+)\\.(key|value)$`);
  for (const [key, value] of params) {
    const match = pattern.exec(key);
    if (!match) continue;
    const entry = entries.get(match[1]!) ?? {};
    entry[match[2] as 'key' | 'value'] = value;
    entries.set(match[1]!, entry);
  }
  const map: Record<string, string> = {};
  for (const { key, value } of entries.values()) if (key !== undefined) map[key] = value ?? '';
  return map;
}

function subscribe(ctx: SnsContext, params: URLSearchParams, requestId: string): HttpResult {
  const topic = findTopic(ctx, params.get('TopicArn'));
  const protocol = params.get('Protocol') ?? '';
  if (!PROTOCOLS.includes(protocol)) {
    throw snsErrors.invalidParameter('Invalid parameter: Amazon SNS does not support this protocol string');
  }
  const endpoint = params.get('Endpoint') ?? '';
  const requested = parseAttributeMap(params, 'Attributes');
  const existing = subscriptionsOf(topic).find((s) => s.protocol === protocol && s.endpoint === endpoint);
  if (existing) {
    const differs = Object.entries(requested).some(([k, v]) => (existing.attributes[k] ?? '') !== v);
    if (differs)
      throw snsErrors.invalidParameter(
        'Invalid parameter: Attributes Reason: Subscription already exists with different attributes',
      );
    return snsResult('Subscribe', `<SubscriptionArn>${xmlEscape(existing.arn)}</SubscriptionArn>`, requestId);
  }
  // Confirmed at once (there is no mailbox to confirm from locally), unless told to stand for a
  // subscriber who never clicked the link: SNS then lists it as PendingConfirmation and delivers nothing.
  const pending = protocol.startsWith('email') && (ctx.unconfirmed ?? []).includes(endpoint);
  const subscription: SnsSubscription = {
    arn: `${topic.arn}:${randomUUID()}`,
    protocol,
    endpoint,
    attributes: {},
    deliveries: [],
    ...(pending ? { pending: true } : {}),
  };
  for (const [name, value] of Object.entries(requested)) setSubscriptionAttribute(subscription, name, value);
  topic.subscriptions.push(subscription);
  return snsResult(
    'Subscribe',
    `<SubscriptionArn>${pending ? 'pending confirmation' : xmlEscape(subscription.arn)}</SubscriptionArn>`,
    requestId,
  );
}

function findSubscription(ctx: SnsContext, arn: string | null): SnsSubscription {
  if (!arn) throw snsErrors.invalidParameter('Invalid parameter: SubscriptionArn');
  for (const topic of ctx.state.topics.values()) {
    const found = subscriptionsOf(topic).find((s) => s.arn === arn);
    if (found) return found;
  }
  throw snsErrors.notFound('Subscription does not exist');
}

/** Validates and sets one subscription attribute, as Subscribe and SetSubscriptionAttributes do. */
function setSubscriptionAttribute(subscription: SnsSubscription, name: string, value: string): void {
  if (!SUBSCRIPTION_ATTRIBUTES.includes(name)) {
    throw snsErrors.invalidParameter(`Invalid parameter: AttributeName (unknown attribute ${name})`);
  }
  if (name === 'RawMessageDelivery') {
    if (value !== 'true' && value !== 'false')
      throw snsErrors.invalidParameter('Invalid parameter: RawMessageDelivery must be true or false');
    if (!['sqs', 'http', 'https', 'firehose'].includes(subscription.protocol)) {
      throw snsErrors.invalidParameter(
        `Invalid parameter: Attributes Reason: Delivery protocol [${subscription.protocol}] does not support raw message delivery.`,
      );
    }
  }
  if (name === 'FilterPolicyScope' && value !== 'MessageAttributes' && value !== 'MessageBody') {
    throw snsErrors.invalidParameter(
      'Invalid parameter: FilterPolicyScope: Invalid value [' +
        value +
        ']. Please use either MessageBody or MessageAttributes',
    );
  }
  const next = { ...subscription.attributes, [name]: value };
  if (name === 'FilterPolicy' && value === '') delete next.FilterPolicy;
  if (next.FilterPolicy !== undefined) {
    const problem = filterPolicyProblem(next.FilterPolicy, scopeOf(next));
    if (problem) throw snsErrors.invalidParameter(`Invalid parameter: FilterPolicy: ${problem}`);
  }
  subscription.attributes = next;
}

/** The message a protocol receives: with MessageStructure=json its own entry, else `default`. */
function bodyFor(record: PublishedMessage, protocol: string): string {
  if (record.messageStructure !== 'json') return record.message;
  const perProtocol = JSON.parse(record.message) as Record<string, unknown>;
  return String(perProtocol[protocol] ?? perProtocol.default);
}

function deliveredAttributes(
  record: PublishedMessage,
): Record<string, { Type: string; Value: string }> | undefined {
  if (record.messageStructure === 'json') return undefined;
  const entries = Object.entries(record.messageAttributes);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(
    entries.map(([name, v]) => [name, { Type: v.DataType, Value: v.StringValue ?? v.BinaryValue ?? '' }]),
  );
}

/** Fans a published message out to the topic's subscriptions; returns each decision. */
function fanOut(topic: TopicRecord, record: PublishedMessage): DeliveryDecision[] {
  return subscriptionsOf(topic).map((subscription) => {
    const base = {
      subscriptionArn: subscription.arn,
      protocol: subscription.protocol,
      endpoint: subscription.endpoint,
    };
    if (subscription.pending)
      return {
        ...base,
        delivered: false,
        reason: 'subscription pending confirmation (nothing is delivered until confirmed)',
      };
    const decision = decide(subscription, record);
    if (!decision.delivered) return { ...base, ...decision };
    const raw = subscription.attributes.RawMessageDelivery === 'true';
    const attributes = deliveredAttributes(record);
    if (raw && subscription.protocol === 'sqs' && attributes && Object.keys(attributes).length > 10) {
      return {
        ...base,
        delivered: false,
        reason:
          'more than 10 message attributes for a raw-delivery SQS subscription (discarded as a client error)',
      };
    }
    const delivery: Delivery = {
      messageId: record.messageId,
      ...(record.subject !== undefined ? { subject: record.subject } : {}),
      format: subscription.protocol === 'email' ? 'text' : raw ? 'raw' : 'envelope',
      message: bodyFor(record, subscription.protocol),
      // Email shows only the body; raw HTTP/S and Firehose delivery leave attributes out.
      ...(attributes && subscription.protocol !== 'email' && !(raw && subscription.protocol !== 'sqs')
        ? { attributes }
        : {}),
    };
    subscription.deliveries.push(delivery);
    return { ...base, delivered: true };
  });
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
