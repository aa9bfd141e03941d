import type { Verdict } from '../../../core/types.ts';
import type { ManifestFile } from './manifest.ts';
import type { VerificationTarget } from './target.ts';

/*
 * The verdict and its note, from what the verification found. Honest by construction: a
 * partial count is never given as the count (`records` is null unless every file was
 * counted), anything that makes a file untrustworthy is a MISMATCH that names it, and
 * files that could not be counted are named with the records counted in the rest.
 */

/** What the verification found besides each file's own facts. */
export interface Findings {
  /** What is wrong with the source's own manifests, each naming its key. */
  problems: readonly string[];
  /** The records the source's manifests state for the files, when it publishes them. */
  publishedRecords: number | null;
  /** What the counting counted: records and files. */
  counted: { records: number; files: number };
  /** Counting batches that failed through every retry: their files are `failed`. */
  failedBatches: readonly { index: number; error: string }[];
  /** Batches whose files were not the ones planned when they were counted (added, removed, renamed). */
  changedBatches: readonly number[];
  /** Why a file is untrustworthy, in words, by key (`records`: what was counted against what is stated). */
  details: Readonly<Record<string, string>>;
  /** Files with a problem the batches found but did not name (at most a few are named per batch). */
  unnamedProblems: number;
  /** The counting budget of one batch, seconds. */
  budgetSeconds: number;
}

/** The verdict, the records it stands for, its note, and the counts of what was wrong. */
export interface Judgement {
  verdict: Verdict;
  /** Records counted in the files; null unless every file was counted. */
  records: number | null;
  note: string;
  uncountedFiles: number;
  missingFiles: number;
  changedFiles: number;
}

const count = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/** Bytes as people read them: 148.6 KB. */
export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** A file's format as its name says it, compression aside: `ion` for `…/x.ion.gz`. */
const extensionOf = (key: string) => {
  const name = key.replace(/\.(gz|gzip)$/i, '');
  return name.slice(name.lastIndexOf('.') + 1);
};

/** At most three keys, then how many more. */
function keys(files: readonly { key: string }[], extra = 0): string {
  const named = files.slice(0, 3).map((f) => f.key);
  const more = files.length - named.length + extra;
  return `${named.join(', ')}${more > 0 ? `, and ${count(more)} more` : ''}`;
}

/**
 * What makes the export untrustworthy before anything is counted: the source's manifests
 * themselves, files they name that are not in the bucket or not with the ETag they recorded,
 * and records they state that differ from what the source reported. Also what the counting
 * found wrong with single files (changed, unreadable, another count than stated).
 */
export function integrityProblems(
  target: Pick<VerificationTarget, 'sourceName' | 'expected' | 'expectedFrom'>,
  files: readonly ManifestFile[],
  findings: Pick<Findings, 'problems' | 'publishedRecords' | 'details'>,
): string[] {
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  const listed = `${plural(files.length, 'file')}, ${bytesText(bytes)}`;
  const withProblem = (problem: ManifestFile['problem']) => files.filter((f) => f.problem === problem);
  const missing = withProblem('missing');
  const replaced = withProblem('replaced');
  const changed = withProblem('changed');
  const differing = withProblem('records');
  const unreadable = files.filter((f) => f.notCounted === 'unreadable');
  const wrong: string[] = [...findings.problems];
  if (missing.length > 0)
    wrong.push(`${plural(missing.length, 'file is', 'files are')} not in the bucket: ${keys(missing)}`);
  if (replaced.length > 0)
    wrong.push(
      `${plural(replaced.length, 'file has', 'files have')} another ETag than the source's manifest recorded (replaced after the export wrote it): ${keys(replaced)}`,
    );
  if (changed.length > 0)
    wrong.push(`${plural(changed.length, 'file')} changed while it was verified: ${keys(changed)}`);
  if (unreadable.length > 0)
    wrong.push(
      `${count(unreadable.length)} of ${listed} could not be read (corrupt or truncated gzip), e.g. ${unreadable[0]?.key}`,
    );
  if (differing.length > 0)
    wrong.push(
      `${plural(differing.length, 'file holds', 'files hold')} other than the records the source's manifest states: ${differing
        .slice(0, 3)
        .map((f) => `${f.key} (${findings.details[f.key] ?? 'another count'})`)
        .join(', ')}${differing.length > 3 ? `, and ${count(differing.length - 3)} more` : ''}`,
    );
  if (
    findings.publishedRecords !== null &&
    target.expected !== null &&
    findings.publishedRecords !== target.expected
  )
    wrong.push(
      `the source's manifests state ${count(findings.publishedRecords)} records, but ${target.sourceName} reported ${count(target.expected)} (${target.expectedFrom})`,
    );
  return wrong;
}

/** The verdict from the files (each with its count or why none) and the findings. */
export function judge(
  target: Pick<VerificationTarget, 'sourceName' | 'expected' | 'expectedFrom'>,
  files: readonly ManifestFile[],
  findings: Findings,
): Judgement {
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  const listed = `${plural(files.length, 'file')}, ${bytesText(bytes)}`;
  const reported =
    target.expected === null
      ? `${target.sourceName} reported no record count`
      : `${target.sourceName} reported ${count(target.expected)} (${target.expectedFrom})`;
  const { counted } = findings;
  const missing = files.filter((f) => f.problem === 'missing');
  const changedFiles = files.filter((f) => f.problem === 'replaced' || f.problem === 'changed').length;
  const uncounted = Math.max(0, files.length - counted.files);
  const everyFileCounted = uncounted === 0 && findings.failedBatches.length === 0;
  const records = everyFileCounted ? counted.records : null;
  const base = { uncountedFiles: uncounted, missingFiles: missing.length, changedFiles };

  const wrong = integrityProblems(target, files, findings);
  if (findings.unnamedProblems > 0)
    wrong.push(
      `${plural(findings.unnamedProblems, 'more file')} with a problem of those kinds (the batches name a few each)`,
    );
  if (findings.changedBatches.length > 0)
    wrong.push(
      `the files of ${plural(findings.changedBatches.length, 'counting batch', 'counting batches')} (${findings.changedBatches.join(', ')}) were not the ones planned when they were counted: files were added or removed while the verification ran`,
    );
  if (files.length === 0 && target.expected !== null && target.expected > 0)
    wrong.push(`no files under the export location, but ${reported}`);
  if (
    everyFileCounted &&
    target.expected !== null &&
    files.length > 0 &&
    counted.records !== target.expected
  ) {
    const difference = counted.records - target.expected;
    wrong.push(
      `${listed} hold ${count(counted.records)} records, but ${reported}: ${count(Math.abs(difference))} ${difference < 0 ? 'missing' : 'more than reported'}`,
    );
  }
  if (wrong.length > 0) {
    const tally = everyFileCounted
      ? ''
      : `; ${listed}, ${count(counted.records)} records counted in ${plural(counted.files, 'file')}; ${reported}`;
    return { verdict: 'MISMATCH', records, note: `${wrong.join('; ')}${tally}`, ...base };
  }

  // With no count from the source, none is compared: COUNTED, so the run's records are the 0 counted.
  if (files.length === 0)
    return {
      verdict: target.expected === null ? 'COUNTED' : 'VERIFIED',
      records: 0,
      note: `no files and no records: ${reported}`,
      ...base,
    };
  if (!everyFileCounted) {
    const format = files.filter((f) => f.notCounted === 'format');
    const budget = files.filter((f) => f.notCounted === 'budget');
    const failed = files.filter((f) => f.notCounted === 'failed');
    const unseen = uncounted - format.length - budget.length - failed.length;
    const why = [
      format.length > 0
        ? `${count(format.length)} in a format whose records are not counted (${[...new Set(format.map((f) => extensionOf(f.key)))].join(', ')})`
        : '',
      budget.length + Math.max(0, unseen) > 0
        ? `${count(budget.length + Math.max(0, unseen))} not reached in the ${findings.budgetSeconds} s counting budget of their batch${budget.length > 0 ? ` (${keys(budget, Math.max(0, unseen))})` : ''}`
        : '',
      ...findings.failedBatches.map((batch) => {
        const its = failed.filter((f) => f.batch === batch.index);
        return `${plural(its.length, 'file')} of batch ${batch.index} not counted: the batch failed through its retries (${batch.error}): ${keys(its)}`;
      }),
    ]
      .filter(Boolean)
      .join('; ');
    const rest = `${count(counted.records)} records counted in the other ${plural(counted.files, 'file')}`;
    const intact =
      findings.publishedRecords !== null
        ? "; every file is present with the ETag the source's manifest recorded"
        : '';
    return {
      verdict: 'NOT_COUNTED',
      records: null,
      note: `${listed}; records not counted: ${why}; ${rest}${intact}; ${reported}`,
      ...base,
    };
  }
  if (target.expected === null)
    return {
      verdict: 'COUNTED',
      records,
      note: `${listed}, ${count(counted.records)} records; ${reported}`,
      ...base,
    };
  return {
    verdict: 'VERIFIED',
    records,
    note: `${listed}, ${count(counted.records)} records: as ${reported}`,
    ...base,
  };
}
