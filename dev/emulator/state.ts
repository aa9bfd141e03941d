/**
 * Everything the emulator remembers, as tests read it (`emulator.state`): the log of
 * requests, and each service's state (`emulator.services.<name>.state`), with shortcuts
 * to the ones tests read most (Pinpoint's applications and jobs, SNS's topics and
 * published messages, Customer Profiles' domains and snapshots). A separately started
 * emulator serves a JSON snapshot at `GET /_emulator/state`.
 */

import type { ProfilesStore, SegmentSnapshotRecord } from '../../sources/customer-profiles/emulator-store.ts';
import type { RequestLogEntry } from '../../sources/emulator/log.ts';
import type { EmulatedService, TableStore } from '../../sources/emulator/service.ts';
import type { SourceServices } from '../../sources/emulators.ts';
import type { ExportJobRecord, ExportJobView } from '../../sources/pinpoint/emulator-jobs.ts';
import type { Deployments } from './deployments.ts';
import type { S3Service } from './s3.ts';
import type { SnsService } from './sns.ts';
import type { PublishedMessage } from './sns-state.ts';

export type { RequestLogEntry } from '../../sources/emulator/log.ts';
export type { MessageAttribute, PublishedMessage, SubscriptionRecord, TopicRecord } from './sns-state.ts';

/** Every service on the emulator's port: the sources' (sources/emulators.ts), then the emulator's own. */
export interface EmulatorServices extends SourceServices {
  tables: EmulatedService<TableStore>;
  cloudformation: EmulatedService<Deployments>;
  scheduler: EmulatedService<Deployments>;
  sns: SnsService;
  s3: S3Service;
}

/** The emulator's memory. Read it; change it only through the APIs. */
export class EmulatorState {
  readonly requests: RequestLogEntry[] = [];

  constructor(
    private readonly now: () => number,
    private readonly services: EmulatorServices,
  ) {}

  /** Pinpoint's applications, by id. */
  get applications() {
    return this.services.pinpoint.state.applications;
  }

  /** Pinpoint's export jobs, in creation order. */
  get jobs(): ExportJobRecord[] {
    return this.services.pinpoint.state.jobs;
  }

  /** Jobs of one Pinpoint application, in creation order. */
  jobsFor(applicationId: string): ExportJobRecord[] {
    return this.services.pinpoint.state.jobsFor(applicationId);
  }

  /** The job as `GetExportJob` would describe it now. */
  view(job: ExportJobRecord): ExportJobView {
    return this.services.pinpoint.state.view(job);
  }

  /** SNS's topics, by ARN. */
  get topics() {
    return this.services.sns.state.topics;
  }

  /** Every message SNS accepted. */
  get published(): PublishedMessage[] {
    return this.services.sns.state.published;
  }

  /** Messages published to one topic (by name or ARN). */
  messagesFor(topic: string): PublishedMessage[] {
    return this.services.sns.state.messagesFor(topic);
  }

  /** Customer Profiles: domains (with their segment definitions) and every segment snapshot. */
  get profiles(): ProfilesStore {
    return this.services['customer-profiles'].state;
  }

  /** Segment snapshots of one domain (and segment definition), in creation order. */
  snapshotsFor(domainName: string, segmentDefinitionName?: string): SegmentSnapshotRecord[] {
    return this.profiles.snapshotsFor(domainName, segmentDefinitionName);
  }

  /** How many requests were made for an operation (optionally only those answered with `status`). */
  count(operation: string, status?: number): number {
    return this.requests.filter(
      (r) => r.operation === operation && (status === undefined || r.status === status),
    ).length;
  }

  /** A JSON-safe copy of everything as of now (each service's part, then the request log). */
  async snapshot(): Promise<Record<string, unknown>> {
    const parts: Record<string, unknown>[] = [];
    for (const service of Object.values(this.services) as EmulatedService[])
      parts.push(await service.snapshot());
    return {
      now: new Date(this.now()).toISOString(),
      ...Object.assign({}, ...parts),
      requests: this.requests,
    };
  }
}
