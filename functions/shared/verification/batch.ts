import { createHash } from 'node:crypto';
import type { VerificationResult } from '../../../core/types.ts';
import type { RecordFormat } from './count.ts';
import type { BatchDescriptor } from './plan.ts';

/*
 * The contract of the workflow's counting Map (statemachine/export-workflow.asl.json):
 * what VerifyExport leaves at `$.verification` (the plan and the scope), what each
 * CountExportBatch iteration gets and returns, and what RecordUncountedBatch records for
 * a batch that failed through its retries. verify-export writes it, count-export-batch
 * and finish-verification read it.
 */

/** What every batch of one verification shares (the Map's ItemSelector passes it with each batch). */
export interface CountScope {
  bucket: string;
  /** The source id: how to read its files manifests. */
  source: string;
  /** The format of files whose extension does not say. */
  defaultFormat: RecordFormat;
  /** The target's prefix: its `_manifest.json` is never one of the job's files. */
  prefix: string;
  /** Only files written since then are the job's (Customer Profiles). */
  modifiedSince?: string;
  /** Return each file's count (up to DETAIL_FILES files in the plan). */
  detail: boolean;
  /** Batches counted at once: the Map's MaxConcurrencyPath. */
  concurrency: number;
}

/** The CountExportBatch task's input (the Map's ItemSelector). */
export interface CountBatchEvent {
  batch: BatchDescriptor;
  scope: CountScope;
}

/** Why a file has no count, as `counts` gives it: records are ≥ 0, these are the reasons. */
export const NOT_COUNTED_CODES = {
  /** A format whose records are not counted (ORC, ION…). */
  format: -1,
  /** Not reached within the time budget. */
  budget: -2,
  /** Not readable gzip. */
  unreadable: -3,
  /** Gone when it was read. */
  missing: -4,
  /** Another version than the one planned (another ETag) when it was read. */
  changed: -5,
} as const;

/** A file of the batch that cannot be trusted, named. */
export interface BatchFinding {
  key: string;
  problem: 'missing' | 'changed' | 'unreadable' | 'records';
  /** `records`: what was counted against what the source's manifest states. */
  detail?: string;
}

/** At most this many findings are named per batch (the state stays small); `problems` counts them all. */
export const FINDINGS_PER_BATCH = 5;

/** What one batch found: a few hundred bytes, plus each file's count when the plan asks for them. */
export interface BatchCount {
  index: number;
  /** Files the batch holds as the count found them, and their bytes. */
  files: number;
  bytes: number;
  countedFiles: number;
  /** Records in the counted files. */
  records: number;
  /** Of the batch's keys in order: the last step checks it names the same files. */
  digest: string;
  /** Per file, in order: its records, or a {@link NOT_COUNTED_CODES} value (when the scope asks for detail). */
  counts?: number[];
  /** The places (in the batch) of counted files that were not gzip-compressed. */
  plain?: number[];
  findings: BatchFinding[];
  /** Files with a finding, all of them. */
  problems: number;
  notCounted: { format: number; budget: number };
  /** The counting budget the invocation had, and how long it took, seconds. */
  budgetSeconds: number;
  seconds: number;
}

/** A batch the Map could not count through its retries (the ASL's RecordUncountedBatch). */
export interface FailedBatch {
  index: number;
  files: number;
  bytes: number;
  /** The error of its last attempt. */
  failed: string;
}

/** What VerifyExport leaves at `$.verification`: a provisional verdict, and what the Map and the last step work from. */
export interface VerificationWork extends VerificationResult {
  /** What every batch shares (the Map's ItemSelector). */
  scope: CountScope;
  /** The batches (the Map's ItemsPath). */
  plan: BatchDescriptor[];
  /** The Map's results, one per batch in plan order (its ResultPath). */
  counts?: (BatchCount | FailedBatch)[];
}

/** Of the keys in order: equal digests mean the same files in the same order. */
export function digestOf(keys: readonly string[]): string {
  return createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 16);
}
