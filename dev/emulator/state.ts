/**
 * Everything the emulator remembers: applications, export jobs, topics,
 * published messages, Customer Profiles domains and segment snapshots, and a log
 * of requests. Tests read it directly
 * (`emulator.state`); a separately started emulator serves a JSON snapshot at
 * `GET /_emulator/state`.
 */

import {
  type ProfilesStore,
  type SegmentSnapshotRecord,
  snapshotView,
} from '../../sources/customer-profiles/emulator.ts';
import type { FaultKind, ServiceName } from '../../sources/emulator/faults.ts';
import type { SegmentDefinition } from '../../sources/pinpoint/emulator-dataset.ts';
import { type ExportJobRecord, type ExportJobView, jobView } from '../../sources/pinpoint/emulator-jobs.ts';

/** A Pinpoint application (project). */
export interface ApplicationRecord {
  id: string;
  name: string;
  arn: string;
  creationDate: string;
  tags: Record<string, string>;
  /** Answers engagement calls as after Pinpoint's end of support (see the pinpoint module). */
  endOfSupport: boolean;
  segments: SegmentDefinition[];
}

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

/** One line of the request log. */
export interface RequestLogEntry {
  /** ISO 8601 on the emulator's clock. */
  time: string;
  service: ServiceName | 'emulator' | 'unknown';
  /** API operation (`CreateExportJob`, `Publish`…), or `Unknown`. */
  operation: string;
  method: string;
  path: string;
  /** HTTP status; 0 when the connection was reset. */
  status: number;
  errorType?: string;
  applicationId?: string;
  /** Fault that shaped the answer, if any. */
  fault?: FaultKind;
  /** Wall-clock handling time. */
  durationMs: number;
}

/** The emulator's memory. Read it; change it only through the APIs. */
export class EmulatorState {
  readonly applications = new Map<string, ApplicationRecord>();
  /** All export jobs in creation order. */
  readonly jobs: ExportJobRecord[] = [];
  /** Topics by ARN. */
  readonly topics = new Map<string, TopicRecord>();
  readonly published: PublishedMessage[] = [];
  readonly requests: RequestLogEntry[] = [];
  /** Customer Profiles: domains (with their segment definitions) and every segment snapshot. */
  readonly profiles: ProfilesStore = { domains: new Map(), snapshots: [] };

  constructor(private readonly now: () => number) {}

  /** Jobs of one application, in creation order. */
  jobsFor(applicationId: string): ExportJobRecord[] {
    return this.jobs.filter((job) => job.applicationId === applicationId);
  }

  /** The job as `GetExportJob` would describe it now. */
  view(job: ExportJobRecord): ExportJobView {
    return jobView(job, this.now());
  }

  /** How many requests were made for an operation (optionally only those answered with `status`). */
  count(operation: string, status?: number): number {
    return this.requests.filter(
      (r) => r.operation === operation && (status === undefined || r.status === status),
    ).length;
  }

  /** Segment snapshots of one domain (and segment definition), in creation order. */
  snapshotsFor(domainName: string, segmentDefinitionName?: string): SegmentSnapshotRecord[] {
    return this.profiles.snapshots.filter(
      (s) =>
        s.domainName === domainName &&
        (segmentDefinitionName === undefined || s.segmentDefinitionName === segmentDefinitionName),
    );
  }

  /** Messages published to one topic (by name or ARN). */
  messagesFor(topic: string): PublishedMessage[] {
    return this.published.filter((m) => m.topicArn === topic || m.topicName === topic);
  }

  /** A JSON-safe copy of everything, with jobs described as of now. */
  snapshot(): Record<string, unknown> {
    return {
      now: new Date(this.now()).toISOString(),
      applications: [...this.applications.values()],
      jobs: this.jobs.map((job) => ({ ...this.view(job), files: job.files })),
      topics: [...this.topics.values()],
      published: this.published,
      profileDomains: [...this.profiles.domains.values()].map(({ segmentDefinitions, ...domain }) => ({
        ...domain,
        segmentDefinitions: [...segmentDefinitions.keys()],
      })),
      segmentSnapshots: this.profiles.snapshots.map((record) => ({
        ...snapshotView(record),
        domainName: record.domainName,
        segmentDefinitionName: record.segmentDefinitionName,
        createdAt: new Date(record.createdAtMs).toISOString(),
        records: record.records ?? null,
        files: record.files,
      })),
      requests: this.requests,
    };
  }
}
