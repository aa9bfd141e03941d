/*
 * What the emulator's SNS remembers: its topics (with their subscriptions) and every
 * published message. Tests read it as `emulator.state.topics` / `.published` (or
 * `emulator.services.sns.state`); `GET /_emulator/state` carries it.
 */

/** An SNS topic. */
export interface TopicRecord {
  name: string;
  arn: string;
  subscriptions: SubscriptionRecord[];
}

/** An SNS subscription (confirmed at once: nothing is delivered locally). */
export interface SubscriptionRecord {
  arn: string;
  protocol: string;
  endpoint: string;
  /** An email subscription not confirmed yet: listed as PendingConfirmation, delivered nothing. */
  pending?: boolean;
}

/** A message attribute as received. */
export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

/** A message accepted by Publish. */
export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  topicName: string;
  subject?: string;
  message: string;
  messageStructure?: string;
  messageAttributes: Record<string, MessageAttribute>;
  /** ISO 8601 on the emulator's clock. */
  timestamp: string;
  /** Where the message was written. */
  file: string;
}

/** The emulator's SNS memory. Read it; change it only through the API. */
export class SnsState {
  /** Topics by ARN. */
  readonly topics = new Map<string, TopicRecord>();
  readonly published: PublishedMessage[] = [];

  /** Messages published to one topic (by name or ARN). */
  messagesFor(topic: string): PublishedMessage[] {
    return this.published.filter((m) => m.topicArn === topic || m.topicName === topic);
  }

  /** A JSON-safe copy. */
  snapshot(): Record<string, unknown> {
    return { topics: [...this.topics.values()], published: this.published };
  }
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

/** What the SNS handlers need from the emulator. */
export interface SnsContext {
  state: SnsState;
  now: () => number;
  region: string;
  dataDir: string;
  /** Endpoints whose email subscriptions stay PendingConfirmation (EmulatorOptions.unconfirmedEndpoints). */
  unconfirmed?: readonly string[];
}
