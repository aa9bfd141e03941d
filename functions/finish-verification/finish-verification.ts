import type { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import type { RunState, VerificationResult } from '../../core/types.ts';
import {
  type BatchCount,
  digestOf,
  type FailedBatch,
  NOT_COUNTED_CODES,
  type VerificationWork,
} from '../shared/verification/batch.ts';
import { type ExportFile, exportFilesOf, isCountable } from '../shared/verification/files.ts';
import { type Findings, judge } from '../shared/verification/judge.ts';
import {
  MANIFEST_VERSION,
  type Manifest,
  type ManifestBatch,
  type ManifestFile,
  type NotCounted,
  uncountedManifestFiles,
  writeManifest,
} from '../shared/verification/manifest.ts';
import { filesOfBatch } from '../shared/verification/plan.ts';
import type { VerificationTarget } from '../shared/verification/target.ts';

/*
 * The verification's last step (FinishVerification): the batches' counts merged, the job's
 * files checked once more (the manifest must list what is there when it is written), the
 * verdict, and `_manifest.json` written last. Its result replaces `$.verification`: the
 * small VerificationResult the summary reads.
 */

/** FinishVerification's input: the run state, with the plan and the Map's results at `$.verification`. */
export type FinishVerificationEvent = RunState & {
  verification: VerificationWork;
};

export interface FinishVerificationDeps {
  s3: S3Client;
  logger: Pick<Logger, 'info' | 'warn'>;
  now: () => number;
}

const CALLER = 'finish-verification';

const REASONS: Record<number, NotCounted> = {
  [NOT_COUNTED_CODES.format]: 'format',
  [NOT_COUNTED_CODES.budget]: 'budget',
  [NOT_COUNTED_CODES.unreadable]: 'unreadable',
  [NOT_COUNTED_CODES.missing]: 'missing',
  [NOT_COUNTED_CODES.changed]: 'changed',
};

const isFailed = (count: BatchCount | FailedBatch): count is FailedBatch => 'failed' in count;

/** One file's count (or why none) from its batch, with what makes it untrustworthy. */
function applyCount(
  file: ManifestFile,
  exported: ExportFile,
  code: number,
  gzip: boolean,
  details: Record<string, string>,
) {
  if (code >= 0) {
    file.records = code;
    file.gzip = gzip;
    const stated = exported.published?.records;
    if (stated !== undefined && stated !== code && !file.problem) {
      file.problem = 'records';
      details[file.key] =
        `${code.toLocaleString('en-US')} records, its manifest says ${stated.toLocaleString('en-US')}`;
    }
    return;
  }
  const reason = REASONS[code] ?? 'budget';
  file.notCounted = reason;
  if (reason === 'unreadable') file.gzip = true;
  if (reason === 'missing') file.problem = 'missing';
  // A file replaced before the plan stays `replaced` (the ETag its manifest recorded is the one read).
  if (reason === 'changed' && file.problem !== 'replaced') file.problem = 'changed';
}

/** Merges the counts, judges, writes the manifest last. */
export async function finishVerification(
  target: VerificationTarget,
  work: VerificationWork,
  deps: FinishVerificationDeps,
): Promise<VerificationResult> {
  const started = deps.now();
  const exported = await exportFilesOf(deps.s3, target, CALLER);
  const files = uncountedManifestFiles(exported.files, target);
  const place = new Map(exported.files.map((file, i) => [file, i]));
  const results = new Map((work.counts ?? []).map((count) => [count.index, count]));
  const details: Record<string, string> = {};
  const failedBatches: Findings['failedBatches'][number][] = [];
  const changedBatches: number[] = [];
  const counted = { records: 0, files: 0 };
  const batches: ManifestBatch[] = [];
  const planned = new Set<number>();
  let unnamedProblems = 0;
  let budgetSeconds = 0;

  for (const batch of work.plan) {
    const its = filesOfBatch(exported.files, batch);
    for (const file of its) planned.add(place.get(file) as number);
    const result = results.get(batch.index) ?? { ...batch, failed: 'no result from the Map' };
    for (const file of its) (files[place.get(file) as number] as ManifestFile).batch = batch.index;
    if (isFailed(result)) {
      failedBatches.push({ index: batch.index, error: result.failed });
      for (const file of its) {
        const entry = files[place.get(file) as number] as ManifestFile;
        if (!entry.notCounted) entry.notCounted = 'failed';
      }
      batches.push({
        index: batch.index,
        files: batch.files,
        bytes: batch.bytes,
        records: null,
        countedFiles: 0,
        failed: result.failed,
      });
      continue;
    }
    budgetSeconds = Math.max(budgetSeconds, result.budgetSeconds);
    counted.records += result.records;
    counted.files += result.countedFiles;
    batches.push({
      index: batch.index,
      files: result.files,
      bytes: result.bytes,
      records: result.records,
      countedFiles: result.countedFiles,
    });
    // Not the files planned (one removed, renamed or added in its range since): its counts are not theirs.
    if (result.files !== batch.files || digestOf(its.map((file) => file.key)) !== result.digest) {
      changedBatches.push(batch.index);
      continue;
    }
    const plain = new Set(result.plain ?? []);
    if (result.counts) {
      result.counts.forEach((code, j) => {
        const file = its[j] as ExportFile;
        applyCount(files[place.get(file) as number] as ManifestFile, file, code, !plain.has(j), details);
      });
      continue;
    }
    // Counts kept per batch only (a very large export): the findings name a few files each.
    for (const finding of result.findings) {
      const file = its.find((f) => f.key === finding.key);
      if (!file) continue;
      const entry = files[place.get(file) as number] as ManifestFile;
      if (finding.problem === 'unreadable') entry.notCounted = 'unreadable';
      else
        entry.problem =
          finding.problem === 'changed' && entry.problem === 'replaced' ? 'replaced' : finding.problem;
      if (finding.detail) details[finding.key] = finding.detail;
    }
    unnamedProblems += result.problems - result.findings.length;
  }
  const problems = [...exported.problems];
  // A file no batch was planned for: in a format not counted, missing, or new since the plan.
  const unplanned: string[] = [];
  exported.files.forEach((file, i) => {
    if (planned.has(i)) return;
    const entry = files[i] as ManifestFile;
    if (entry.notCounted) return;
    if (isCountable(file, target)) unplanned.push(file.key);
    else entry.notCounted = 'format';
  });
  if (unplanned.length > 0)
    problems.push(
      `${unplanned.length.toLocaleString('en-US')} file(s) appeared after the count was planned: ${unplanned.slice(0, 3).join(', ')}${unplanned.length > 3 ? ', …' : ''}`,
    );

  const judged = judge(target, files, {
    problems,
    publishedRecords: exported.publishedRecords,
    counted,
    failedBatches,
    changedBatches,
    details,
    unnamedProblems,
    budgetSeconds,
  });
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  const location = `s3://${target.bucket}/${target.prefix}`;
  const manifest: Manifest = {
    manifestVersion: MANIFEST_VERSION,
    source: target.source,
    run: target.run,
    job: target.job,
    location,
    files,
    totals: { files: files.length, bytes, records: judged.records, countedFiles: counted.files },
    batches,
    comparison: {
      verdict: judged.verdict,
      expected: target.expected,
      expectedFrom: target.expectedFrom,
      records: judged.records,
      difference:
        judged.records === null || target.expected === null ? null : judged.records - target.expected,
      note: judged.note,
    },
    writtenAt: new Date(deps.now()).toISOString(),
  };
  // Last, after every file was listed, checked and counted: its presence means the verification finished.
  const manifestUri = await writeManifest(deps.s3, target, manifest, CALLER);
  deps.logger.info('Verified export', {
    verdict: judged.verdict,
    files: files.length,
    bytes,
    records: judged.records,
    expected: target.expected,
    countedFiles: counted.files,
    batches: work.plan.length,
    failedBatches: failedBatches.length,
    seconds: Math.round((deps.now() - started) / 100) / 10,
  });
  return {
    verdict: judged.verdict,
    location,
    files: files.length,
    bytes,
    records: judged.records,
    countedFiles: counted.files,
    expected: target.expected,
    manifestUri,
    note: judged.note,
    ...(judged.uncountedFiles > 0 ? { uncountedFiles: judged.uncountedFiles } : {}),
    ...(judged.missingFiles > 0 ? { missingFiles: judged.missingFiles } : {}),
    ...(judged.changedFiles > 0 ? { changedFiles: judged.changedFiles } : {}),
    batches: work.plan.length,
  };
}
