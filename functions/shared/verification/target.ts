import type { RunState, VerificationResult } from '../../../core/types.ts';
import { sourceFor } from '../../../sources/registry.ts';
import type { RecordFormat } from './count.ts';

/*
 * What each source tells the verification (sources/<id>/describe.ts): where its job
 * wrote, in which format, how many records it reported, and which manifests of its own
 * name the job's files. The three verification functions (verify-export,
 * count-export-batch, finish-verification) start from the same target.
 */

/** What a source tells the verification about one finished job. */
export interface VerificationTarget {
  /** `pinpoint`, `dynamodb`, `customer-profiles`. */
  source: string;
  /** As people name the source: `Pinpoint`. */
  sourceName: string;
  bucket: string;
  /** Key prefix of the job's own files, ending in `/` (or empty for the whole bucket); the manifest is written here. */
  prefix: string;
  /**
   * The source's own manifests of the job (DynamoDB: each export's manifest-summary.json, the
   * keys DescribeExport's `ExportManifest` gives), read as the source's `publishedFiles` says:
   * only the files they name are the job's, and a named file that is missing is a MISMATCH.
   * DynamoDB's incremental exports share one `AWSDynamoDB/data/` folder, so listing alone cannot
   * tell which files are this run's. `expected`: how many the job has (one per export); fewer
   * keys is a MISMATCH.
   */
  sourceManifests?: { keys: string[]; expected: number };
  /**
   * Only files written at or after this time (ISO) are the job's: a source that writes
   * straight into a destination other runs share (Customer Profiles) leaves older files there.
   */
  modifiedSince?: string;
  /** The format of files whose extension does not say (Pinpoint writes JSON lines). */
  defaultFormat: RecordFormat;
  /** Records the source reported; null when it does not report a count. */
  expected: number | null;
  /** How the expected count was derived, in the source's own field names. */
  expectedFrom: string;
  run: { executionId: string; executionName: string; scheduledTime: string | null; target: string | null };
  /** The job as the source reported it; `id` and `status` at least. */
  job: { id: string; status: string } & Record<string, unknown>;
}

/** The run's verification target; undefined when its job wrote nothing to verify (a skipped window). */
export function verificationTargetOf(state: RunState): VerificationTarget | undefined {
  const target = sourceFor(state.request).describe.verification(state as never);
  if (!target) return undefined;
  return {
    ...target,
    run: {
      executionId: state.execution.Id,
      executionName: state.execution.Name,
      scheduledTime: state.request.ScheduledTime ?? null,
      target: state.run?.targetName ?? state.request.Target ?? null,
    },
  };
}

/** The result for a job that wrote nothing on purpose (an incremental window too short to export yet). */
export function nothingToVerify(state: { job: { Details?: Record<string, unknown> } }): VerificationResult {
  return {
    verdict: 'VERIFIED',
    location: '',
    files: 0,
    bytes: 0,
    records: 0,
    countedFiles: 0,
    expected: 0,
    manifestUri: '',
    note: `nothing was exported: ${String(state.job.Details?.Skipped ?? 'the source started no export')}`,
  };
}
