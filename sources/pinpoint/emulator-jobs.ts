/**
 * Emulated export jobs: what a job is made of when created (which endpoints, in
 * which pieces, with which failures), what it reports at a given moment (via the
 * pure {@link jobProgressAt} model) and the files it leaves in the local "S3".
 */

import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { JobStatus } from '../../core/types.ts';
import { parseS3Url } from '../emulator/protocol.ts';
import { generateEndpoint, inSegment, isMalformed } from './emulator-dataset.ts';
import { buildJobPlan, type JobPlan, jobProgressAt } from './emulator-job-model.ts';

const gzipAsync = promisify(gzip);

/** Pinpoint keeps the first 100 failure entries; so do we. */
export const MAX_FAILURES = 100;

/** The echo of the request, as Pinpoint returns it in `Definition`. */
export interface ExportDefinition {
  RoleArn: string;
  S3UrlPrefix: string;
  SegmentId?: string;
  SegmentVersion?: number;
}

/** One piece: a contiguous slice of the selected endpoints. */
export interface PieceRecord {
  /** Dataset indexes of the piece's endpoints. */
  indexes: number[];
  /** Malformed endpoints in the piece (counted as failures). */
  malformed: number;
  /** Failure strings of the piece, at most {@link MAX_FAILURES}. */
  failureMessages: string[];
  /** Whether the whole piece fails (job-fail fault). */
  failed: boolean;
}

/** An export job as the emulator keeps it. */
export interface ExportJobRecord {
  id: string;
  applicationId: string;
  definition: ExportDefinition;
  /** Creation time on the emulator's clock (ms). */
  createdAtMs: number;
  /** Creation order, to break ties between jobs created in the same millisecond. */
  seq: number;
  plan: JobPlan;
  pieces: PieceRecord[];
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing slash. */
  keyPrefix: string;
  /** Every Nth dataset endpoint is malformed (0 = none), as configured when the job was created. */
  malformedEvery: number;
  /** Files written for this job (absolute paths), once it was seen terminal. */
  files: string[];
  /** Set while (or after) the files are written, so they are written once. */
  writing?: Promise<void>;
  /**
   * The `truncate-export` fault: the job still reports every record, but its files leave
   * this many out (taken from the last file); `'half'` = half of the last file's.
   */
  truncate?: number | 'half';
}

/** Pinpoint's ExportJobResponse. */
export interface ExportJobView {
  ApplicationId: string;
  Id: string;
  JobStatus: JobStatus;
  Type: 'EXPORT';
  CreationDate: string;
  CompletionDate?: string;
  Definition: ExportDefinition;
  TotalPieces: number;
  CompletedPieces: number;
  FailedPieces: number;
  TotalProcessed: number;
  TotalFailures: number;
  Failures?: string[];
}

/** What shapes a new job besides its definition. */
export interface JobShape {
  endpoints: number;
  malformedEvery: number;
  durationSeconds: number;
  pieces?: number;
  pendingSeconds: number;
  /** Fail the last N pieces. */
  failLastPieces?: number;
  /** Replaces the reason in each failed piece's Failures entry (job-fail fault's `message`). */
  failureDetail?: string;
  /** Stall forever halfway through processing. */
  stuck?: boolean;
}

/** Default piece count: about 250 endpoints a piece, between 1 and 50 pieces. */
export function defaultPieces(selected: number): number {
  return Math.min(50, Math.max(1, Math.ceil(selected / 250)));
}

/** Builds a job: selects the endpoints, slices them into pieces, plans the timeline. */
export function createJobRecord(args: {
  applicationId: string;
  definition: ExportDefinition;
  segmentName?: string;
  segmentVersion: number;
  createdAtMs: number;
  seq: number;
  shape: JobShape;
}): ExportJobRecord {
  const { applicationId, definition, shape } = args;
  const id = createHash('sha256')
    .update(`${applicationId}:job:${args.seq}:${args.createdAtMs}`)
    .digest('hex')
    .slice(0, 32);
  const selected: number[] = [];
  for (let i = 0; i < shape.endpoints; i++) {
    if (inSegment(args.segmentName, args.segmentVersion, i)) selected.push(i);
  }
  const pieceCount = Math.max(1, Math.floor(shape.pieces ?? defaultPieces(selected.length)));
  const failLast = Math.min(pieceCount, Math.max(0, shape.failLastPieces ?? 0));
  const pieces: PieceRecord[] = [];
  for (let p = 0; p < pieceCount; p++) {
    const indexes = selected.slice(
      Math.floor((p * selected.length) / pieceCount),
      Math.floor(((p + 1) * selected.length) / pieceCount),
    );
    const failed = p >= pieceCount - failLast;
    const failureMessages: string[] = [];
    let malformed = 0;
    if (failed) {
      // Our wording; Pinpoint does not document what it puts in Failures for a failed piece.
      failureMessages.push(
        `Piece ${p + 1} of ${pieceCount} failed: ${shape.failureDetail ?? `unable to write to s3://${urlTail(definition.S3UrlPrefix)}`} (${indexes.length} endpoints not exported)`,
      );
    } else {
      for (const index of indexes) {
        if (!isMalformed(index, shape.malformedEvery)) continue;
        malformed++;
        if (failureMessages.length < MAX_FAILURES) {
          const generated = generateEndpoint(applicationId, index, shape.malformedEvery);
          if (!generated.ok) failureMessages.push(generated.failure);
        }
      }
    }
    pieces.push({ indexes, malformed, failureMessages, failed });
  }
  const plan = buildJobPlan({
    durationMs: shape.durationSeconds * 1000,
    pieces: pieceCount,
    seed: Number.parseInt(id.slice(0, 8), 16),
    pendingMs: shape.pendingSeconds * 1000,
    ...(shape.stuck ? { stalls: [{ atWork: 0.5, durationMs: Number.POSITIVE_INFINITY }] } : {}),
    failedPieces: pieces.flatMap((piece, i) => (piece.failed ? [i] : [])),
  });
  const { bucket, keyPrefix } = parseS3Url(definition.S3UrlPrefix)!;
  return {
    id,
    applicationId,
    definition,
    createdAtMs: args.createdAtMs,
    seq: args.seq,
    plan,
    pieces,
    bucket,
    keyPrefix,
    malformedEvery: shape.malformedEvery,
    files: [],
  };
}

function urlTail(s3Url: string): string {
  return s3Url.replace(/^s3:\/\//, '');
}

/** The job as Pinpoint would describe it at `nowMs`. */
export function jobView(job: ExportJobRecord, nowMs: number): ExportJobView {
  const progress = jobProgressAt(job.plan, nowMs - job.createdAtMs);
  let processed = 0;
  let failures = 0;
  const messages: string[] = [];
  for (let p = 0; p < progress.finishedPieces; p++) {
    const piece = job.pieces[p]!;
    processed += piece.indexes.length;
    failures += piece.failed ? piece.indexes.length : piece.malformed;
    for (const message of piece.failureMessages) {
      if (messages.length < MAX_FAILURES) messages.push(message);
    }
  }
  const view: ExportJobView = {
    ApplicationId: job.applicationId,
    Id: job.id,
    JobStatus: progress.status,
    Type: 'EXPORT',
    CreationDate: new Date(job.createdAtMs).toISOString(),
    Definition: job.definition,
    TotalPieces: progress.totalPieces,
    CompletedPieces: progress.completedPieces,
    FailedPieces: progress.failedPieces,
    TotalProcessed: processed,
    TotalFailures: failures,
  };
  if (messages.length > 0) view.Failures = messages;
  if (progress.terminal && progress.terminalAtMs !== null) {
    view.CompletionDate = new Date(job.createdAtMs + progress.terminalAtMs).toISOString();
  }
  return view;
}

/** Whether the job has reached COMPLETED or FAILED at `nowMs`. */
export function isTerminal(job: ExportJobRecord, nowMs: number): boolean {
  return jobProgressAt(job.plan, nowMs - job.createdAtMs).terminal;
}

/**
 * Writes the job's export files, one gzipped newline-delimited JSON file per
 * successful piece, under `<s3Root>/<bucket>/<keyPrefix>/<jobId>/`. Idempotent:
 * the first caller writes, later callers wait for the same promise.
 */
export function writeJobFiles(job: ExportJobRecord, s3Root: string): Promise<void> {
  job.writing ??= (async () => {
    const dir = join(s3Root, job.bucket, ...job.keyPrefix.split('/').filter(Boolean), job.id);
    await mkdir(dir, { recursive: true });
    const total = job.pieces.length;
    for (const [p, piece] of job.pieces.entries()) {
      if (piece.failed) continue;
      const lines: string[] = [];
      for (const index of piece.indexes) {
        const generated = generateEndpoint(job.applicationId, index, job.malformedEvery);
        if (generated.ok) lines.push(JSON.stringify(generated.endpoint));
      }
      if (job.truncate !== undefined && p === lastWritten(job)) {
        const drop = job.truncate === 'half' ? Math.ceil(lines.length / 2) : job.truncate;
        lines.length = Math.max(0, lines.length - drop);
      }
      const file = join(
        dir,
        `part-${String(p + 1).padStart(5, '0')}-of-${String(total).padStart(5, '0')}.json.gz`,
      );
      await writeFile(file, await gzipAsync(lines.length > 0 ? `${lines.join('\n')}\n` : ''));
      job.files.push(file);
    }
  })();
  return job.writing;
}

/** Index of the last piece that writes a file. */
function lastWritten(job: ExportJobRecord): number {
  return job.pieces.findLastIndex((piece) => !piece.failed);
}
