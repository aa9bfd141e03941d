/*
 * What the emulated Pinpoint remembers: its applications (each with the seeded segments)
 * and every export job. Tests read it as `emulator.state` (applications, jobs, jobsFor,
 * view) or `emulator.services.pinpoint.state`; `GET /_emulator/state` carries its snapshot.
 */

import type { FaultController } from '../emulator/faults.ts';
import { ACCOUNT_ID } from '../emulator/protocol.ts';
import { type SegmentDefinition, seededSegments } from './emulator-dataset.ts';
import { type ExportJobRecord, type ExportJobView, jobView } from './emulator-jobs.ts';

/** A Pinpoint application (project). */
export interface ApplicationRecord {
  id: string;
  name: string;
  arn: string;
  creationDate: string;
  tags: Record<string, string>;
  /** Answers engagement calls as after Pinpoint's end of support (see emulator.ts). */
  endOfSupport: boolean;
  segments: SegmentDefinition[];
}

/** The emulated Pinpoint's memory. Read it; change it only through the API. */
export class PinpointState {
  readonly applications = new Map<string, ApplicationRecord>();
  /** All export jobs in creation order. */
  readonly jobs: ExportJobRecord[] = [];
  private seq = 0;

  constructor(private readonly now: () => number) {}

  /** Jobs of one application, in creation order. */
  jobsFor(applicationId: string): ExportJobRecord[] {
    return this.jobs.filter((job) => job.applicationId === applicationId);
  }

  /** The job as `GetExportJob` would describe it now. */
  view(job: ExportJobRecord): ExportJobView {
    return jobView(job, this.now());
  }

  /** The next job's creation order. */
  nextSeq(): number {
    return ++this.seq;
  }

  /** A JSON-safe copy, with jobs described as of now. */
  snapshot(): Record<string, unknown> {
    return {
      applications: [...this.applications.values()],
      jobs: this.jobs.map((job) => ({ ...this.view(job), files: job.files })),
    };
  }
}

/** What the Pinpoint handlers work on. */
export interface PinpointContext {
  state: PinpointState;
  faults: FaultController;
  now: () => number;
  region: string;
  /** Where jobs write their files: `<s3Root>/<bucket>/<key>`. */
  s3Root: string;
  dataset: { endpoints: number; malformedEvery: number };
  job: { durationSeconds: number; pieces?: number; pendingSeconds: number };
}

/** Makes an application record with the seeded segments. */
export function newApplication(
  ctx: { region: string; now: () => number },
  id: string,
  name: string,
): ApplicationRecord {
  return {
    id,
    name,
    arn: `arn:aws:mobiletargeting:${ctx.region}:${ACCOUNT_ID}:apps/${id}`,
    creationDate: new Date(ctx.now()).toISOString(),
    tags: {},
    endOfSupport: false,
    segments: seededSegments(id),
  };
}
