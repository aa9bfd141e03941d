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
