/*
 * The emulator's SNS subscriptions: Subscribe and the subscription attributes (validated as
 * SNS validates them), and the fan-out of a published message, filtered as the SNS
 * Developer Guide documents (sns-filter.ts). Each subscription records what it received, in
 * the form its protocol delivers (`deliveriesOf`).
 */

import { randomUUID } from 'node:crypto';
import { type HttpResult, xmlEscape } from '../../sources/emulator/protocol.ts';
import { decide, filterPolicyProblem, scopeOf } from './sns-filter.ts';
import type {
  Delivery,
  DeliveryDecision,
  PublishedMessage,
  SnsContext,
  SnsState,
  SnsSubscription,
  TopicRecord,
} from './sns-state.ts';
import { snsErrors, snsResult } from './sns-wire.ts';

/** The topic an ARN names, or NotFound. */
export function findTopic(ctx: SnsContext, arn: string | null): TopicRecord {
  if (!arn) throw snsErrors.invalidParameter('Invalid parameter: TopicArn');
  if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$/.test(arn)) {
    throw snsErrors.invalidParameter('Invalid parameter: TopicArn');
  }
  const topic = ctx.state.topics.get(arn);
  if (!topic) throw snsErrors.notFound('Topic does not exist');
  return topic;
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
export function deliveriesOf(state: Pick<SnsState, 'topics'>, endpoint: string): Delivery[] {
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

export function subscribe(ctx: SnsContext, params: URLSearchParams, requestId: string): HttpResult {
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

export function findSubscription(ctx: SnsContext, arn: string | null): SnsSubscription {
  if (!arn) throw snsErrors.invalidParameter('Invalid parameter: SubscriptionArn');
  for (const topic of ctx.state.topics.values()) {
    const found = subscriptionsOf(topic).find((s) => s.arn === arn);
    if (found) return found;
  }
  throw snsErrors.notFound('Subscription does not exist');
}

/** Validates and sets one subscription attribute, as Subscribe and SetSubscriptionAttributes do. */
export function setSubscriptionAttribute(subscription: SnsSubscription, name: string, value: string): void {
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
export function bodyFor(record: PublishedMessage, protocol: string): string {
  if (record.messageStructure !== 'json') return record.message;
  const perProtocol = JSON.parse(record.message) as Record<string, unknown>;
  return String(perProtocol[protocol] ?? perProtocol.default);
}

export function deliveredAttributes(
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
export function fanOut(topic: TopicRecord, record: PublishedMessage): DeliveryDecision[] {
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
