import type { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import type { RunState } from '../../core/types.ts';
import type { CountScope, VerificationWork } from '../shared/verification/batch.ts';
import { exportFilesOf, isCountable } from '../shared/verification/files.ts';
import { bytesText, integrityProblems } from '../shared/verification/judge.ts';
import { uncountedManifestFiles } from '../shared/verification/manifest.ts';
import {
  DETAIL_FILES,
  INLINE_MAP_CONCURRENCY,
  MAX_BATCHES,
  planBatches,
} from '../shared/verification/plan.ts';
import { nothingToVerify, type VerificationTarget } from '../shared/verification/target.ts';

/*
 * The verification's first step (VerifyExport), whatever the source: which files are the
 * job's and whether they are intact, known without reading them (the listing, and the
 * source's own per-file facts where it publishes them: DynamoDB's manifest-files.json), then
 * the counting plan for the workflow's Map. Its result goes to `$.verification`: a
 * provisional verdict from the integrity check alone (what the summary says if the counting
 * never finishes), the scope every batch shares and the batch descriptors. The counting is
 * count-export-batch's, the verdict and `_manifest.json` finish-verification's.
 */

export type { VerificationWork };

export interface PlanSettings {
  /** Stored bytes per batch (VERIFY_BATCH_BYTES). */
  batchBytes: number;
  /** Batches counted at once (VERIFY_CONCURRENCY; an inline Map runs at most 40). */
  concurrency: number;
}

export interface VerifyExportDeps {
  s3: S3Client;
  logger: Pick<Logger, 'info' | 'warn'>;
  now: () => number;
  settings: PlanSettings;
}

const CALLER = 'verify-export';

/** The scope of a run with nothing to count (an empty plan still needs the Map's concurrency). */
const idleScope = (settings: PlanSettings): CountScope => ({
  bucket: '',
  source: '',
  defaultFormat: 'ndjson',
  prefix: '',
  detail: false,
  concurrency: Math.max(1, Math.min(settings.concurrency, INLINE_MAP_CONCURRENCY)),
});

/** Checks the job's files without reading them and plans their count. */
export async function planVerification(
  target: VerificationTarget,
  deps: VerifyExportDeps,
): Promise<VerificationWork> {
  const started = deps.now();
  const exported = await exportFilesOf(deps.s3, target, CALLER);
  const plan = planBatches(exported.files, (file) => isCountable(file, target), {
    batchBytes: deps.settings.batchBytes,
    maxBatches: MAX_BATCHES,
  });
  const files = uncountedManifestFiles(exported.files, target);
  const problems = integrityProblems(target, files, { ...exported, details: {} });
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  const listed = `${files.length.toLocaleString('en-US')} file${files.length === 1 ? '' : 's'}, ${bytesText(bytes)}`;
  const pending = `records not counted: the count (${plan.length} batch${plan.length === 1 ? '' : 'es'}) and the manifest did not finish`;
  const result: VerificationWork = {
    verdict: problems.length > 0 ? 'MISMATCH' : 'NOT_COUNTED',
    location: `s3://${target.bucket}/${target.prefix}`,
    files: files.length,
    bytes,
    records: null,
    countedFiles: 0,
    expected: target.expected,
    manifestUri: '',
    note: [...problems, `${listed}; ${pending}`].join('; '),
    uncountedFiles: files.length,
    missingFiles: files.filter((f) => f.problem === 'missing').length,
    changedFiles: files.filter((f) => f.problem === 'replaced').length,
    batches: plan.length,
    scope: {
      ...idleScope(deps.settings),
      bucket: target.bucket,
      source: target.source,
      defaultFormat: target.defaultFormat,
      prefix: target.prefix,
      ...(target.modifiedSince ? { modifiedSince: target.modifiedSince } : {}),
      detail: files.length <= DETAIL_FILES,
    },
    plan,
  };
  deps.logger.info('Planned the verification', {
    files: files.length,
    bytes,
    batches: plan.length,
    problems: problems.length,
    seconds: Math.round((deps.now() - started) / 100) / 10,
  });
  return result;
}

/** A run whose job wrote nothing on purpose: the final result at once, and nothing to count. */
export function nothingToPlan(state: RunState, settings: PlanSettings): VerificationWork {
  return { ...nothingToVerify(state), scope: idleScope(settings), plan: [] };
}
