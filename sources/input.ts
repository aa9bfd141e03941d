import type { RawInputFacts } from '../core/errors.ts';
import {
  asGiven,
  fail,
  isPlainObject,
  optionalString,
  quoteInput,
  rejectUnknownFields,
} from '../core/input-rules.ts';
import type { ResolvedExportRequest } from '../core/types.ts';
import { registeredSource, registeredSourceIds } from './registry.ts';
import type { InputDefaults } from './types.ts';

export { MAX_QUOTED_INPUT_CHARS, quoteInput } from '../core/input-rules.ts';
export type { InputDefaults } from './types.ts';

/*
 * Validation of the execution input, shared by create-export-job and the operators'
 * CLI so both reject the same mistakes with the same words. This module checks what
 * every source shares (Source, ScheduledTime, Target, MaxFailurePercent, unknown fields); the rest is the
 * source's own (sources/<id>/describe.ts).
 */

const COMMON_FIELDS = ['ScheduledTime', 'Target', 'Source', 'MaxFailurePercent'] as const;

/**
 * What a schedule, an operator or a local run sends to the state machine: the fields every source
 * shares (checked here) and the source's own (built by sources/<id>/input.ts, checked by its
 * describe.ts). Values stay as given, so the validation names a mistake in the input's words.
 */
export interface ExecutionInput {
  Source?: string;
  /** ISO 8601; the schedule's `<aws.scheduler.scheduled-time>`. Defaults to the execution's start. */
  ScheduledTime?: string;
  Target?: string;
  MaxFailurePercent?: number | string;
  [field: string]: unknown;
}

/**
 * How far after the execution's start a ScheduledTime may lie (clock skew between
 * Scheduler and Step Functions). A run is never scheduled in the future: the run
 * ledger and the job look-up both trust that a run's jobs are created after it.
 */
export const MAX_SCHEDULED_AHEAD_SECONDS = 300;

/** A target name, as the stage config names schedules: 1-64 of `0-9A-Za-z-_.`. */
export const TARGET_NAME = /^[0-9A-Za-z._-]{1,64}$/;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * Date.parse rolls impossible dates over (2026-02-30 becomes 2026-03-02, 24:00 the next day):
 * check the written day exists in its month and the hour is 00-23.
 */
function isCalendarTime(iso: string): boolean {
  const year = Number(iso.slice(0, 4));
  const month = Number(iso.slice(5, 7));
  const day = Number(iso.slice(8, 10));
  const hour = Number(iso.slice(11, 13));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23;
}

/** The source an input names (`pinpoint` without a Source), refusing an unknown one. */
export function sourceIdOf(raw: Record<string, unknown>) {
  const given = optionalString(raw, 'Source', 'Source') ?? 'pinpoint';
  const source = registeredSource(given);
  if (!source) {
    fail('Source', `must be one of ${registeredSourceIds().join(', ')}, got ${asGiven(given)}`);
  }
  return source;
}

/**
 * Validates an execution input and completes it: the source's defaults from the stage,
 * ScheduledTime defaulting to `startTime`, the destination template resolved. Throws
 * {@link InvalidExportInputError} naming the first field at fault.
 */
export function resolveExecutionInput(
  raw: unknown,
  defaults: InputDefaults,
  startTime: string,
): ResolvedExportRequest {
  if (raw === undefined || raw === null)
    fail('(input)', 'is empty; expected an object with at least ApplicationId');
  if (!isPlainObject(raw)) fail('(input)', `must be a JSON object, got ${asGiven(raw)}`);
  const source = sourceIdOf(raw).describe;
  rejectUnknownFields(raw, [...source.inputFields, ...COMMON_FIELDS], '');

  const scheduled = optionalString(raw, 'ScheduledTime', 'ScheduledTime') ?? startTime;
  if (!ISO_WITH_ZONE.test(scheduled) || Number.isNaN(Date.parse(scheduled)) || !isCalendarTime(scheduled)) {
    fail(
      'ScheduledTime',
      `must be an ISO 8601 time with a zone, such as 2026-11-28T02:00:00Z, got ${asGiven(scheduled)}`,
    );
  }
  const scheduledTime = new Date(scheduled);
  const ahead = (scheduledTime.getTime() - Date.parse(startTime)) / 1000;
  if (ahead > MAX_SCHEDULED_AHEAD_SECONDS) {
    fail(
      'ScheduledTime',
      `is ${Math.round(ahead)} s after the execution started (${startTime}); a run cannot be scheduled in the future: use a time at most ${MAX_SCHEDULED_AHEAD_SECONDS} s after the start, or leave ScheduledTime out to use the start time`,
    );
  }

  const target = optionalString(raw, 'Target', 'Target');
  if (target !== undefined && !TARGET_NAME.test(target)) {
    fail('Target', `must be a target name (1-64 of letters, digits, - _ .), got ${asGiven(target)}`);
  }

  const maxFailurePercent = raw.MaxFailurePercent;
  if (
    maxFailurePercent !== undefined &&
    (typeof maxFailurePercent !== 'number' ||
      !Number.isFinite(maxFailurePercent) ||
      maxFailurePercent < 0 ||
      maxFailurePercent > 100)
  ) {
    fail('MaxFailurePercent', `must be a number from 0 to 100 (percent), got ${asGiven(maxFailurePercent)}`);
  }

  return {
    ...source.resolve(raw, defaults, scheduledTime),
    ScheduledTime: scheduledTime.toISOString(),
    ...(target === undefined ? {} : { Target: target }),
    ...(maxFailurePercent === undefined ? {} : { MaxFailurePercent: maxFailurePercent }),
  } as ResolvedExportRequest;
}

/** What an ERROR summary shows of a raw execution input that may not have passed validation. */
export function rawInputFacts(raw: unknown): RawInputFacts {
  if (!isPlainObject(raw)) return { hasScheduledTime: false };
  const facts: RawInputFacts = { hasScheduledTime: Object.hasOwn(raw, 'ScheduledTime') };
  const source = typeof raw.Source === 'string' ? registeredSource(raw.Source) : registeredSource('pinpoint');
  if (source) Object.assign(facts, source.describe.rawFacts(raw));
  if (typeof raw.ScheduledTime === 'string' && raw.ScheduledTime !== '')
    facts.ScheduledTime = quoteInput(raw.ScheduledTime);
  return facts;
}
