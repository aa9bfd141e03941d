import { readFileSync } from 'node:fs';
import { JOB_STATUSES, type JobStatus } from '../../core/types.ts';

/*
 * Job timelines that do not come from the emulator's job model: the non-model shapes
 * (dev/bench/shapes.ts) and recorded traces (`npm run bench -- --traces FILE`). A timeline is
 * a list of points; each point holds from its time until the next one, and the last one
 * is the job's end (COMPLETED or FAILED).
 *
 * The trace file format (JSON), documented in docs/PERFORMANCE.md:
 *
 *   { "jobs": [ { "id": "nightly-2026-11-27",
 *                 "points": [ { "t": 0, "status": "CREATED" },
 *                             { "t": 310, "status": "PROCESSING", "totalPieces": 8, "completedPieces": 0 },
 *                             { "t": 1900, "status": "PROCESSING", "totalPieces": 8, "completedPieces": 5 },
 *                             { "t": 3620, "status": "COMPLETED", "totalPieces": 8, "completedPieces": 8 } ] } ] }
 *
 * `t` is seconds since the job's creation; instead of `t` a point may give `at` (ISO 8601),
 * counted from the job's `creationDate` (or, without one, from its first point). The output
 * of `aws logs get-query-results` for the Logs Insights query in docs/PERFORMANCE.md is read
 * as well: `{ "results": [ [ { "field": "jobId", "value": … }, … ], … ] }`.
 */

/** What GetExportJob reports from a point on. */
export interface TracePoint {
  /** Seconds since the job's creation. */
  t: number;
  status: JobStatus;
  totalPieces?: number;
  completedPieces?: number;
  failedPieces?: number;
}

/** One job's timeline: points in time order, the last one terminal. */
export interface Trace {
  id: string;
  points: TracePoint[];
}

export class TraceFormatError extends Error {
  override readonly name = 'TraceFormatError';
}

const STATUSES: ReadonlySet<string> = new Set(JOB_STATUSES);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The point in force `seconds` after creation (the last one at or before it). */
export function pointAt(trace: Trace, seconds: number): TracePoint {
  let current = trace.points[0]!;
  for (const point of trace.points) {
    if (point.t > seconds) break;
    current = point;
  }
  return current;
}

/** When the job ends: the first terminal point's time. */
export function endSeconds(trace: Trace): number {
  return trace.points.find((p) => p.status === 'COMPLETED' || p.status === 'FAILED')!.t;
}

function count(raw: Record<string, unknown>, key: string, where: string): number | undefined {
  const value = raw[key];
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw new TraceFormatError(
      `${where}.${key} must be a non-negative integer, got ${JSON.stringify(value)}`,
    );
  return n;
}

function parsePoint(
  raw: unknown,
  where: string,
  originMs: number | undefined,
): TracePoint & { atMs?: number } {
  if (!isObject(raw)) throw new TraceFormatError(`${where} must be an object`);
  const status = raw.status ?? raw.jobStatus;
  if (typeof status !== 'string' || !STATUSES.has(status))
    throw new TraceFormatError(
      `${where}.status must be one of ${JOB_STATUSES.join(', ')}, got ${JSON.stringify(status)}`,
    );
  let t: number;
  let atMs: number | undefined;
  if (raw.t !== undefined) {
    if (typeof raw.t !== 'number' || !Number.isFinite(raw.t) || raw.t < 0)
      throw new TraceFormatError(`${where}.t must be a number of seconds ≥ 0, got ${JSON.stringify(raw.t)}`);
    t = raw.t;
  } else if (typeof raw.at === 'string' && Number.isFinite(Date.parse(raw.at))) {
    atMs = Date.parse(raw.at);
    t = originMs === undefined ? Number.NaN : (atMs - originMs) / 1000;
  } else {
    throw new TraceFormatError(`${where} needs t (seconds since creation) or at (ISO 8601)`);
  }
  const point = {
    t,
    status: status as JobStatus,
    ...(count(raw, 'totalPieces', where) !== undefined && { totalPieces: count(raw, 'totalPieces', where) }),
    ...(count(raw, 'completedPieces', where) !== undefined && {
      completedPieces: count(raw, 'completedPieces', where),
    }),
    ...(count(raw, 'failedPieces', where) !== undefined && {
      failedPieces: count(raw, 'failedPieces', where),
    }),
  };
  return atMs === undefined ? point : { ...point, atMs };
}

function parseJob(raw: unknown, where: string): Trace {
  if (!isObject(raw)) throw new TraceFormatError(`${where} must be an object`);
  const id = typeof raw.id === 'string' && raw.id ? raw.id : where;
  if (!Array.isArray(raw.points) || raw.points.length === 0)
    throw new TraceFormatError(`${where}.points must be a non-empty array`);
  const creation = typeof raw.creationDate === 'string' ? Date.parse(raw.creationDate) : Number.NaN;
  let originMs = Number.isFinite(creation) ? creation : undefined;
  const parsed = raw.points.map((p, i) => {
    const point = parsePoint(p, `${where}.points[${i}]`, originMs);
    if (originMs === undefined && point.atMs !== undefined) {
      originMs = point.atMs;
      point.t = 0;
    }
    return point;
  });
  const points: TracePoint[] = parsed.map(({ atMs: _, ...point }) => point);
  for (let i = 1; i < points.length; i++) {
    if (points[i]!.t < points[i - 1]!.t)
      throw new TraceFormatError(`${where}.points[${i}] is earlier than the point before it`);
  }
  const end = points.findIndex((p) => p.status === 'COMPLETED' || p.status === 'FAILED');
  if (end === -1)
    throw new TraceFormatError(`${where} never reaches COMPLETED or FAILED: it cannot be replayed`);
  return { id, points: points.slice(0, end + 1) };
}

/** Rows of `aws logs get-query-results` grouped into one job per jobId, in time order. */
function fromQueryResults(results: unknown[]): unknown[] {
  const jobs = new Map<string, { id: string; creationDate?: string; points: Record<string, unknown>[] }>();
  for (const [i, row] of results.entries()) {
    if (!Array.isArray(row)) throw new TraceFormatError(`results[${i}] must be an array of {field, value}`);
    const fields: Record<string, unknown> = {};
    for (const cell of row)
      if (isObject(cell) && typeof cell.field === 'string') fields[cell.field] = cell.value;
    const id = String(fields.jobId ?? '');
    if (!id) throw new TraceFormatError(`results[${i}] has no jobId field`);
    const job = jobs.get(id) ?? { id, points: [] };
    if (typeof fields.creationDate === 'string') job.creationDate = fields.creationDate;
    const at = String(fields['@timestamp'] ?? '').replace(' ', 'T');
    job.points.push({ ...fields, at: at.endsWith('Z') ? at : `${at}Z` });
    jobs.set(id, job);
  }
  for (const job of jobs.values()) job.points.sort((a, b) => String(a.at).localeCompare(String(b.at)));
  return [...jobs.values()];
}

/** Reads traces from parsed JSON: `{ jobs: [...] }` or the Logs Insights query results. */
export function parseTraces(json: unknown): Trace[] {
  if (!isObject(json)) throw new TraceFormatError('a trace file holds an object: { "jobs": [ … ] }');
  const jobs = Array.isArray(json.jobs)
    ? json.jobs
    : Array.isArray(json.results)
      ? fromQueryResults(json.results)
      : undefined;
  if (!jobs || jobs.length === 0)
    throw new TraceFormatError('a trace file needs a non-empty "jobs" array (or Logs Insights "results")');
  return jobs.map((job, i) => parseJob(job, `jobs[${i}]`));
}

export function readTraces(file: string): Trace[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TraceFormatError(`${file}: ${(error as Error).message}`);
  }
  return parseTraces(json);
}
