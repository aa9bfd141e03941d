/*
 * What the emulated Customer Profiles remembers: its domains (with their segment
 * definitions) and every segment snapshot. Tests read it as `emulator.state.profiles`
 * (or `emulator.services['customer-profiles'].state`); `GET /_emulator/state` carries its
 * snapshot as `profileDomains` and `segmentSnapshots`.
 */

import type { FaultController } from '../emulator/faults.ts';
import type { DataFormat } from './emulator-data.ts';

/** A domain as the emulator keeps it. */
export interface ProfilesDomainRecord {
  name: string;
  defaultExpirationDays: number;
  defaultEncryptionKey?: string;
  deadLetterQueueUrl?: string;
  tags: Record<string, string>;
  createdAtMs: number;
  lastUpdatedAtMs: number;
  /** Profiles 0..profileCount-1 exist (generated on demand, see emulator-data.ts). */
  profileCount: number;
  segmentDefinitions: Map<string, SegmentDefinitionRecord>;
}

/** A segment definition as the emulator keeps it. */
export interface SegmentDefinitionRecord {
  name: string;
  displayName: string;
  description?: string;
  segmentGroups?: unknown;
  segmentSqlQuery?: string;
  segmentSort?: unknown;
  tags: Record<string, string>;
  arn: string;
  createdAtMs: number;
}

/** The statuses of the API's `SegmentSnapshotStatus`. */
export type SegmentSnapshotStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

/** A segment snapshot as the emulator keeps it. */
export interface SegmentSnapshotRecord {
  snapshotId: string;
  domainName: string;
  segmentDefinitionName: string;
  dataFormat: DataFormat;
  encryptionKey?: string;
  roleArn?: string;
  destinationUri: string;
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing slash. */
  keyPrefix: string;
  createdAtMs: number;
  /** When it stops being IN_PROGRESS, on the emulator's clock (ms). */
  dueAtMs: number;
  /** Profiles of the domain when the snapshot was taken. */
  profileCount: number;
  /** Set by a `job-fail` fault: the snapshot ends FAILED with this StatusMessage. */
  failWith?: string;
  /** The `truncate-export` fault: the snapshot's last part never lands (it has two parts at least). */
  dropLastPart?: boolean;
  /** Set by a `job-stuck` fault: the snapshot never ends. */
  stuck?: boolean;
  /** How it ended, once seen past {@link dueAtMs}. */
  outcome?: { status: 'COMPLETED' | 'FAILED'; message?: string };
  /** Profiles written (undefined before completion and for ORC, whose placeholder files hold no countable records). */
  records?: number;
  /** Files written (absolute paths). */
  files: string[];
  /** Set while (or after) the snapshot ends, so it ends once. */
  ending?: Promise<void>;
}

/** GetSegmentSnapshot's answer (the model's GetSegmentSnapshotResponse). */
export interface SegmentSnapshotView {
  SnapshotId: string;
  Status: SegmentSnapshotStatus;
  StatusMessage?: string;
  DataFormat: DataFormat;
  EncryptionKey?: string;
  RoleArn?: string;
  DestinationUri: string;
}

/** The snapshot as GetSegmentSnapshot describes it (once ended, if due). */
export function snapshotView(record: SegmentSnapshotRecord): SegmentSnapshotView {
  return {
    SnapshotId: record.snapshotId,
    Status: record.outcome?.status ?? 'IN_PROGRESS',
    ...(record.outcome?.message ? { StatusMessage: record.outcome.message } : {}),
    DataFormat: record.dataFormat,
    ...(record.encryptionKey !== undefined ? { EncryptionKey: record.encryptionKey } : {}),
    ...(record.roleArn !== undefined ? { RoleArn: record.roleArn } : {}),
    DestinationUri: record.destinationUri,
  };
}

/** The emulated Customer Profiles' memory. Read it; change it only through the API. */
export class ProfilesStore {
  readonly domains = new Map<string, ProfilesDomainRecord>();
  /** Every snapshot, in creation order. */
  readonly snapshots: SegmentSnapshotRecord[] = [];

  /** Segment snapshots of one domain (and segment definition), in creation order. */
  snapshotsFor(domainName: string, segmentDefinitionName?: string): SegmentSnapshotRecord[] {
    return this.snapshots.filter(
      (s) =>
        s.domainName === domainName &&
        (segmentDefinitionName === undefined || s.segmentDefinitionName === segmentDefinitionName),
    );
  }

  /** A JSON-safe copy (`profileDomains`, `segmentSnapshots`). */
  snapshot(): Record<string, unknown> {
    return {
      profileDomains: [...this.domains.values()].map(({ segmentDefinitions, ...domain }) => ({
        ...domain,
        segmentDefinitions: [...segmentDefinitions.keys()],
      })),
      segmentSnapshots: this.snapshots.map((record) => ({
        ...snapshotView(record),
        domainName: record.domainName,
        segmentDefinitionName: record.segmentDefinitionName,
        createdAt: new Date(record.createdAtMs).toISOString(),
        records: record.records ?? null,
        files: record.files,
      })),
    };
  }
}

/** Options of the Customer Profiles service (`startEmulator`'s `profiles`), defaults filled. */
export interface ProfilesOptions {
  /** Seeded domains, each with the seeded segment definitions and `count` profiles. */
  domains: string[];
  /** Profiles in each seeded domain. */
  count: number;
  /** How long a snapshot stays IN_PROGRESS (seconds on the emulator's clock). */
  snapshotSeconds: number;
  /** About how many profiles one part file holds (at most 50 parts a snapshot). */
  profilesPerFile: number;
}

/** What the Customer Profiles operations work on. */
export interface ProfilesContext {
  store: ProfilesStore;
  faults: FaultController;
  now: () => number;
  region: string;
  account: string;
  s3Root: string;
  options: ProfilesOptions;
}
