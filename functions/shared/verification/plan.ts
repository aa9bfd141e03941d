import type { ExportFile } from './files.ts';

/*
 * The counting plan: the job's files split into batches, each sized for one
 * count-export-batch invocation's time budget, counted in parallel by the workflow's
 * Map state. A batch travels in the state as a descriptor (a manifest key or a prefix
 * and a range), never as a file list: 400 descriptors stay far below Step Functions'
 * 256 KB, whatever the number of files.
 */

/** One batch: a range of one files manifest's lines, or of one prefix's listing. */
export interface BatchDescriptor {
  /** The batch's number, from 0. */
  index: number;
  /** Files in the batch when it was planned. */
  files: number;
  /** Their bytes (compressed, as stored) when it was planned. */
  bytes: number;
  /** The source's files manifest whose lines [`from`, `to`) name the batch's files. */
  manifest?: string;
  from?: number;
  to?: number;
  /** Or: the `files` job files listed under `prefix` after the key `after` ('' = from the first). */
  prefix?: string;
  after?: string;
}

export interface PlanSettings {
  /** Bytes of stored (compressed) input per batch: what one invocation counts well within its budget. */
  batchBytes: number;
  /** At most this many batches: a larger export gets larger batches (the Map's history and state stay bounded). */
  maxBatches: number;
  /** At most this many bytes of descriptors as JSON; default {@link MAX_PLAN_BYTES}. */
  maxPlanBytes?: number;
}

/** Step Functions' inline Map runs at most 40 iterations at once. */
export const INLINE_MAP_CONCURRENCY = 40;

/**
 * The most batches one plan holds: 400 descriptors (about 150 bytes each) and their
 * results keep the state well under 256 KB, and 400 iterations of about 7 history
 * events each leave the 25,000-event history room for the poll loop's 9,000.
 */
export const MAX_BATCHES = 400;

/**
 * The most the descriptors may weigh as JSON. 400 of about 150 bytes are 60 KB, but a key may be
 * 1,024 bytes: with long prefixes the plan grows its batches (fewer descriptors) to stay under
 * this, leaving the rest of the 256 KB state to the batches' results and the run.
 */
export const MAX_PLAN_BYTES = 96 * 1024;

/**
 * The cost of one file beyond its bytes, as the bytes that take as long to count: a
 * GetObject's first byte (tens of ms) is about 1 MiB of gunzip. So 10,000 small files
 * fan out too, instead of landing in one batch because their bytes are few.
 */
export const FILE_OVERHEAD_BYTES = 1024 * 1024;

/**
 * Per-file record counts travel back through the state (for `_manifest.json`'s files) up to
 * this many files: about 8 bytes each. Beyond, the manifest gives each file's batch and the
 * batches' counts.
 */
export const DETAIL_FILES = 10_000;

/** Splits the files into batches of at most `weight` each (a file heavier than that is a batch of its own). */
function split(
  files: readonly ExportFile[],
  weightOf: (file: ExportFile) => number,
  limit: number,
): ExportFile[][] {
  const groups = new Map<string, ExportFile[]>();
  for (const file of files) {
    const group = groups.get(file.group);
    if (group) group.push(file);
    else groups.set(file.group, [file]);
  }
  const batches: ExportFile[][] = [];
  for (const group of groups.values()) {
    // A group with nothing to read (every file missing, or in a format not counted) needs no batch.
    if (group.every((file) => weightOf(file) === 0)) continue;
    let current: ExportFile[] = [];
    let weight = 0;
    for (const file of group) {
      const w = weightOf(file);
      if (current.length > 0 && weight + w > limit) {
        batches.push(current);
        current = [];
        weight = 0;
      }
      current.push(file);
      weight += w;
    }
    if (current.length > 0) batches.push(current);
  }
  return batches;
}

/**
 * The batches for the job's files (in their manifest's or listing's order). `countable`
 * says which files are read at all (a format that is not counted, or a file known to be
 * missing, costs nothing). Batches never span two manifests or prefixes, so there are
 * more than `maxBatches` only when there are more groups than that (DynamoDB: one per
 * export of a caught-up gap, a handful).
 */
export function planBatches(
  files: readonly ExportFile[],
  countable: (file: ExportFile) => boolean,
  settings: PlanSettings,
): BatchDescriptor[] {
  const weightOf = (file: ExportFile) => (countable(file) ? file.size + FILE_OVERHEAD_BYTES : 0);
  const total = files.reduce((sum, file) => sum + weightOf(file), 0);
  const maxPlanBytes = settings.maxPlanBytes ?? MAX_PLAN_BYTES;
  let limit = Math.max(settings.batchBytes, Math.ceil(total / settings.maxBatches));
  // Each file's predecessor in its own group (a listing batch starts after it).
  const previous = new Map<ExportFile, ExportFile | undefined>();
  const lastOf = new Map<string, ExportFile>();
  for (const file of files) {
    previous.set(file, lastOf.get(file.group));
    lastOf.set(file.group, file);
  }
  let plan = descriptorsOf(previous, split(files, weightOf, limit));
  // Files do not divide evenly, and keys may be long: grow the batches until there are few enough and
  // their descriptors light enough, or one per group (the fewest there can be: a batch never spans
  // two manifests or prefixes).
  while ((plan.length > settings.maxBatches || JSON.stringify(plan).length > maxPlanBytes) && limit < total) {
    limit = Math.ceil(limit * 1.1);
    plan = descriptorsOf(previous, split(files, weightOf, limit));
  }
  return plan;
}

/** The descriptors of the batches (`previous`: each file's predecessor in its group). */
function descriptorsOf(
  previous: ReadonlyMap<ExportFile, ExportFile | undefined>,
  batches: ExportFile[][],
): BatchDescriptor[] {
  return batches.map((batch, index) => {
    const first = batch[0] as ExportFile;
    const last = batch[batch.length - 1] as ExportFile;
    const common = {
      index,
      files: batch.length,
      bytes: batch.reduce((sum, file) => sum + file.size, 0),
    };
    if (first.published)
      return { ...common, manifest: first.group, from: first.position, to: last.position + 1 };
    // The key listed just before the batch's first file under the same prefix ('' for the first).
    return { ...common, prefix: first.group, after: previous.get(first)?.key ?? '' };
  });
}

/** The files of one planned batch, found again in a list of the job's files (by manifest lines, or by listing place). */
export function filesOfBatch(files: readonly ExportFile[], batch: BatchDescriptor): ExportFile[] {
  if (batch.manifest !== undefined) {
    const from = batch.from ?? 0;
    const to = batch.to ?? from;
    return files.filter((f) => f.group === batch.manifest && f.position >= from && f.position < to);
  }
  const group = files.filter((f) => f.group === batch.prefix);
  const after = batch.after ?? '';
  // Where the planned `after` key is, S3's order; JS's order only if it is gone (keys S3 sorts alike).
  const found = after === '' ? -1 : group.findIndex((f) => f.key === after);
  const start = after === '' ? 0 : found >= 0 ? found + 1 : group.findIndex((f) => f.key > after);
  return start < 0 ? [] : group.slice(start, start + batch.files);
}
