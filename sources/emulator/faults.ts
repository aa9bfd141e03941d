/**
 * Fault injection. A rule names what it matches (service, operation, optionally
 * an application) and what happens, and is used up after `count` matches
 * (omitted = forever). The same rule objects are accepted in-process
 * (`emulator.faults.add(rule)`) and over HTTP (`POST /_emulator/faults` with the
 * rule, or an array of rules, as JSON).
 */

import type { SourceId } from '../../core/types.ts';
import { SOURCE_IDS } from '../ids.ts';

/** The emulator's own services, besides the sources' (each source's service is named by its id). */
export const EMULATOR_SERVICES = ['sns', 's3', 'cloudformation', 'scheduler'] as const;

/** Services the emulator speaks: every source's, and its own. */
export type ServiceName = SourceId | (typeof EMULATOR_SERVICES)[number];

/** Every {@link ServiceName}, for validating a rule that arrives as JSON. */
export const SERVICE_NAMES: readonly ServiceName[] = [...SOURCE_IDS, ...EMULATOR_SERVICES];

/**
 * What a matching rule does.
 * - `throttle`: 429 TooManyRequestsException (Pinpoint) / 429 Throttled (SNS).
 * - `error500`: 500 InternalServerErrorException (Pinpoint) / 500 InternalError (SNS).
 * - `create-then-500`: CreateExportJob creates the job, then answers 500 (a lost response).
 * - `reset`: the connection is destroyed without an answer.
 * - `delay`: the answer is held back `delayMs` (real time); other rules still apply.
 * - `job-fail`: the next created job(s) end FAILING → FAILED with failed pieces.
 * - `job-stuck`: the next created job(s) stay in PROCESSING forever.
 * - `job-pending`: the next created job(s) wait `pendingSeconds` in PENDING_JOB.
 * - `end-of-support`: the application answers like an engagement feature after Pinpoint's end of support.
 * - `truncate-export`: the next created job(s) report every record but leave fewer in S3: the last
 *   file loses `droppedRecords` lines (default: half of them), as an export cut short would
 *   (DynamoDB: its files leave out items its ItemCount counts; Customer Profiles, which reports
 *   no count: the snapshot's last part never lands).
 *
 * For S3, `throttle` answers 503 SlowDown and `error500` 500 InternalError.
 *
 * For Customer Profiles (`service: 'customer-profiles'`, which the job-* kinds and
 * `create-then-500` must name: they default to Pinpoint), `throttle` answers 429
 * ThrottlingException and `error500` 500 InternalServerException; `create-then-500`
 * creates the segment snapshot, then answers 500; `job-fail` ends the next
 * snapshot(s) FAILED with a StatusMessage (`message` replaces it); `job-stuck` keeps
 * them IN_PROGRESS forever.
 */
export type FaultKind =
  | 'throttle'
  | 'error500'
  | 'create-then-500'
  | 'reset'
  | 'delay'
  | 'job-fail'
  | 'job-stuck'
  | 'job-pending'
  | 'end-of-support'
  | 'truncate-export';

/** A fault rule as given by a caller. */
export interface FaultRule {
  kind: FaultKind;
  /** Default: 'pinpoint' for the job-* and end-of-support kinds, any service otherwise. */
  service?: ServiceName | '*';
  /** Operation name as in the API reference (`CreateExportJob`, `GetExportJob`, `Publish`…); omitted or '*' = any. */
  operation?: string;
  /** Only requests for this Pinpoint application. */
  applicationId?: string;
  /** Matches before the rule is used up; omitted or null = forever. For job-* kinds: number of jobs. */
  count?: number | null;
  /** For `delay`. */
  delayMs?: number;
  /** For `job-pending`. */
  pendingSeconds?: number;
  /** For `job-fail`: how many of the job's last pieces fail (default 1). */
  failedPieces?: number;
  /** For `truncate-export`: how many records the job's files leave out (default: half of its last file's). */
  droppedRecords?: number;
  /**
   * Overrides the error message of `throttle` / `error500` / `end-of-support`, the reason in
   * `job-fail`'s Failures (Pinpoint) or a failed snapshot's StatusMessage (Customer Profiles).
   */
  message?: string;
}

/** A stored rule: the caller's rule plus its id and how many uses are left. */
export interface ActiveFault extends FaultRule {
  id: string;
  remaining: number;
  hits: number;
}

/** What a request is, for matching. */
export interface FaultContext {
  service: ServiceName;
  operation: string;
  applicationId?: string;
}

const KINDS: readonly FaultKind[] = [
  'throttle',
  'error500',
  'create-then-500',
  'reset',
  'delay',
  'job-fail',
  'job-stuck',
  'job-pending',
  'end-of-support',
  'truncate-export',
];

/** Kinds that shape a job at creation rather than a response. */
export const JOB_OUTCOME_KINDS: readonly FaultKind[] = ['job-fail', 'job-stuck', 'job-pending'];

/** Adds, lists and consumes fault rules. */
export class FaultController {
  private rules: ActiveFault[] = [];
  private nextId = 1;

  /** Adds a rule; returns its id (for {@link remove}). Throws a TypeError naming the bad field. */
  add(rule: FaultRule): string {
    const checked = validateRule(rule);
    const id = `fault-${this.nextId++}`;
    this.rules.push({
      ...checked,
      id,
      remaining: checked.count == null ? Number.POSITIVE_INFINITY : checked.count,
      hits: 0,
    });
    return id;
  }

  /** Removes one rule; true if it existed. */
  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
  }

  /** The rules still active (copies; `remaining` is `null` for forever, so it survives JSON). */
  list(): (Omit<ActiveFault, 'remaining'> & { remaining: number | null })[] {
    return this.rules.map((r) => ({ ...r, remaining: Number.isFinite(r.remaining) ? r.remaining : null }));
  }

  /**
   * Takes (uses up one count of) every matching rule of the given kinds, in the
   * order they were added. `first` stops after one.
   */
  take(context: FaultContext, kinds: readonly FaultKind[], first = false): ActiveFault[] {
    const taken: ActiveFault[] = [];
    for (const rule of this.rules) {
      if (!kinds.includes(rule.kind) || rule.remaining <= 0 || !matches(rule, context)) continue;
      rule.remaining--;
      rule.hits++;
      taken.push({ ...rule });
      if (first) break;
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return taken;
  }

  /** Whether a rule of this kind matches, without using it up. */
  peek(context: FaultContext, kind: FaultKind): ActiveFault | undefined {
    return this.rules.find((r) => r.kind === kind && r.remaining > 0 && matches(r, context));
  }
}

function matches(rule: ActiveFault, context: FaultContext): boolean {
  const service = rule.service ?? (defaultsToPinpoint(rule.kind) ? 'pinpoint' : '*');
  if (service !== '*' && service !== context.service) return false;
  if (rule.operation && rule.operation !== '*' && rule.operation !== context.operation) return false;
  if (rule.applicationId && rule.applicationId !== context.applicationId) return false;
  return true;
}

function defaultsToPinpoint(kind: FaultKind): boolean {
  return (
    JOB_OUTCOME_KINDS.includes(kind) ||
    kind === 'end-of-support' ||
    kind === 'create-then-500' ||
    kind === 'truncate-export'
  );
}

function validateRule(input: unknown): FaultRule {
  if (typeof input !== 'object' || input === null) throw new TypeError('fault rule must be an object');
  const rule = input as Record<string, unknown>;
  if (typeof rule.kind !== 'string' || !KINDS.includes(rule.kind as FaultKind)) {
    throw new TypeError(`fault rule kind must be one of ${KINDS.join(', ')}`);
  }
  if (
    rule.service !== undefined &&
    rule.service !== '*' &&
    !SERVICE_NAMES.includes(rule.service as ServiceName)
  ) {
    throw new TypeError(
      `fault rule service must be one of ${SERVICE_NAMES.map((s) => `'${s}'`).join(', ')} or '*'`,
    );
  }
  for (const key of ['operation', 'applicationId', 'message'] as const) {
    if (rule[key] !== undefined && typeof rule[key] !== 'string')
      throw new TypeError(`fault rule ${key} must be a string`);
  }
  for (const key of ['delayMs', 'pendingSeconds', 'failedPieces', 'droppedRecords'] as const) {
    const value = rule[key];
    if (value !== undefined && (typeof value !== 'number' || !(value >= 0))) {
      throw new TypeError(`fault rule ${key} must be a number >= 0`);
    }
  }
  if (
    rule.count != null &&
    (typeof rule.count !== 'number' || !Number.isInteger(rule.count) || rule.count < 1)
  ) {
    throw new TypeError('fault rule count must be an integer >= 1 (or omitted for forever)');
  }
  if (rule.kind === 'delay' && rule.delayMs === undefined)
    throw new TypeError('fault rule delayMs is required for delay');
  if (rule.kind === 'job-pending' && rule.pendingSeconds === undefined) {
    throw new TypeError('fault rule pendingSeconds is required for job-pending');
  }
  return rule as unknown as FaultRule;
}
