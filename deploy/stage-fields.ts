import { FAILURE_OUTCOMES, OUTCOMES } from '../core/outcome.ts';
import type { Destination } from '../sources/stack/destination.ts';
import type { ExportTarget, Subscription, SubscriptionProtocol } from '../sources/stack/stage-types.ts';
import { parseCron, type SkippedRun, skippedRuns } from './cron.ts';
import { DEFAULT_SOURCE, SOURCE_IDS, STACK_SOURCES, stackSourceOf } from './source-stacks.ts';

/*
 * The field readers of the stage configuration (deploy/stage-config.ts): the
 * patterns, the Reader that collects every problem with its path, and the
 * readers of a target (its common fields here, its source's settings through
 * the source: deploy/source-stacks.ts) and of a subscription, for the readers of each
 * section (deploy/stage-sections/). Type stripping: erasable TypeScript only.
 */

/** The outcomes publish-summary sets on the `status` message attribute (core/outcome.ts). */
export const SUMMARY_STATUSES = OUTCOMES;
/** `statuses: failures`: every outcome that is not a success. */
export const FAILURES_KEYWORD = 'failures';

const SCHEDULE_NAME = /^[0-9A-Za-z_.-]{1,64}$/;
/** Lowercase (the stage is part of bucket and stack names); its length is checked against every derived name. */
export const STAGE_NAME = /^[a-z][a-z0-9-]*$/;
export const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
export const TOPIC_ARN = /^arn:aws(?:-cn|-us-gov)?:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;
export const KMS_KEY_ARN = /^arn:aws(?:-cn|-us-gov)?:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/;
const QUEUE_ARN = /^arn:aws(?:-cn|-us-gov)?:sqs:[a-z0-9-]+:\d{12}:[\w-]{1,80}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** CloudWatch namespaces: 1-255 of these characters, and not AWS's own (`AWS/`). */
export const METRICS_NAMESPACE = /^(?!AWS\/)[0-9A-Za-z.\-_/#:]{1,255}$/;
export const HTTPS_URL = /^https:\/\/[^\s]{1,2000}$/;
/** How far ahead a schedule is checked against its time zone's clock changes. */
export const DST_CHECK_YEARS = 5;

export { isObject, type Raw, Reader } from '../sources/stack/reader.ts';

import { isObject, type Raw, type Reader } from '../sources/stack/reader.ts';

function isTimeZone(zone: string): boolean {
  try {
    const canonical = canonicalTimeZone(zone);
    return canonical.includes('/') || canonical === 'UTC';
  } catch {
    return false;
  }
}

/** The zone as IANA writes it (`europe/berlin` → `Europe/Berlin`); throws for an unknown zone. */
export function canonicalTimeZone(zone: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
}

/**
 * Why a cron expression loses runs to daylight saving time in its zone, or undefined. EventBridge
 * Scheduler skips a run whose local time does not exist because the clock goes forward; when the clock
 * goes back it runs once (EventBridge Scheduler User Guide, "Daylight savings time on EventBridge
 * Scheduler"), so only the forward gaps matter. Checked with the zone's real rules
 * (the platform's ICU time zone data) for the next `DST_CHECK_YEARS` years.
 */
function daylightSavingProblem(skipped: SkippedRun[], cron: string, timezone: string): string | undefined {
  const first = skipped[0];
  if (!first) return undefined;
  const times = [...new Set(skipped.map((s) => s.time))];
  const dates = [...new Set(skipped.map((s) => s.date))];
  const shown = dates.slice(0, 3);
  return (
    `"${cron}" in ${timezone} names ${times.join(', ')}, a local time that does not exist on the days the clocks ` +
    `go forward (${first.gapStart} jumps to ${first.gapEnd}): EventBridge Scheduler skips the run on ` +
    `${shown.join(', ')}${dates.length > shown.length ? ` and ${dates.length - shown.length} more date(s)` : ''} ` +
    `in the next ${DST_CHECK_YEARS} years. Schedule it outside ${first.gapStart}-${first.gapEnd}, ` +
    `e.g. at ${first.after} or ${first.before} instead of ${first.time}`
  );
}

/** The settings every target has, whatever its source. */
const COMMON_TARGET_FIELDS = [
  'name',
  'source',
  'cron',
  'timezone',
  'enabled',
  'flexibleWindowMinutes',
  'maxFailurePercent',
];

/**
 * A target's keys that neither the common fields nor its source know: a setting of another source
 * is named as such (`ApplicationId` on a DynamoDB target), anything else is unknown.
 */
function foreignKeys(r: Reader, raw: Raw, path: string, source: string, own: readonly string[]): void {
  for (const key of Object.keys(raw)) {
    if (COMMON_TARGET_FIELDS.includes(key) || own.includes(key)) continue;
    const owners = STACK_SOURCES.filter((s) => s.fields.includes(key)).map((s) => s.id);
    r.problem(
      `${path}.${key}`,
      owners.length > 0
        ? `is a setting of source ${owners.join(' and ')} targets, not of source ${source}`
        : 'unknown setting',
    );
  }
}

export function readTarget(
  r: Reader,
  raw: unknown,
  path: string,
  names: Set<string>,
  now: Date,
  destination: Destination,
): ExportTarget | undefined {
  if (!isObject(raw)) {
    r.problem(path, 'must be a mapping');
    return undefined;
  }
  const sourceId =
    r.string(raw, 'source', `${path}.source`) ?? (raw.source === undefined ? DEFAULT_SOURCE : undefined);
  const source = sourceId === undefined ? undefined : stackSourceOf(sourceId);
  if (sourceId !== undefined && !source) {
    r.problem(
      `${path}.source`,
      `"${sourceId}" is not a known source: ${SOURCE_IDS.join(', ')} (default ${DEFAULT_SOURCE})`,
    );
  }
  if (source) foreignKeys(r, raw, path, source.id, source.fields);
  const name = r.string(raw, 'name', `${path}.name`, SCHEDULE_NAME, '1-64 of 0-9A-Za-z-_.');
  const settings = source?.readTarget({ r, raw, path, destination });
  const cron = r.string(raw, 'cron', `${path}.cron`);
  const timezone = r.string(raw, 'timezone', `${path}.timezone`);
  const enabled = r.boolean(raw, 'enabled', `${path}.enabled`);
  const flexibleWindowMinutes = r.integer(
    raw,
    'flexibleWindowMinutes',
    `${path}.flexibleWindowMinutes`,
    0,
    1440,
  );
  const maxFailurePercent = r.percent(raw, 'maxFailurePercent', `${path}.maxFailurePercent`);

  if (raw.name === undefined) r.problem(`${path}.name`, 'is required');
  if (raw.cron === undefined) r.problem(`${path}.cron`, 'is required');
  if (raw.timezone === undefined)
    r.problem(`${path}.timezone`, 'is required (an IANA time zone such as Europe/Berlin)');
  if (raw.enabled === undefined) r.problem(`${path}.enabled`, 'is required (true or false)');
  const parsed = cron === undefined ? undefined : parseCron(cron);
  if (typeof parsed === 'string') r.problem(`${path}.cron`, `"${cron}" ${parsed}`);
  const zoneValid = timezone !== undefined && isTimeZone(timezone);
  // Intl accepts any case (europe/berlin); Scheduler wants the IANA name as written there.
  const zone = zoneValid ? canonicalTimeZone(timezone) : timezone;
  if (timezone !== undefined && !zoneValid) {
    r.problem(`${path}.timezone`, `"${timezone}" is not an IANA time zone`);
  }
  if (parsed !== undefined && typeof parsed !== 'string' && zoneValid) {
    const problem = daylightSavingProblem(
      skippedRuns(parsed, timezone, now, DST_CHECK_YEARS),
      cron!,
      timezone,
    );
    if (problem) r.problem(`${path}.cron`, problem);
  }
  if (name !== undefined) {
    const id = logicalIdOf(name);
    if (names.has(id)) r.problem(`${path}.name`, `"${name}" clashes with another target's name`);
    names.add(id);
  }
  if (!source || !settings || !name || !cron || !timezone || enabled === undefined) return undefined;
  return {
    name,
    source: source.id,
    ...settings,
    cron: cron.trim().split(/\s+/).join(' '),
    timezone: zone,
    enabled,
    ...(flexibleWindowMinutes !== undefined && { flexibleWindowMinutes }),
    ...(maxFailurePercent !== undefined && { maxFailurePercent }),
  } as ExportTarget;
}

export function readSubscription(r: Reader, raw: unknown, path: string): Subscription | undefined {
  if (!isObject(raw)) {
    r.problem(path, 'must be a mapping');
    return undefined;
  }
  r.unknownKeys(raw, ['protocol', 'endpoint', 'statuses', 'filterPolicy', 'rawMessageDelivery'], path);
  const protocol = r.string(
    raw,
    'protocol',
    `${path}.protocol`,
    /^(?:email|email-json|sqs|https)$/,
    'email, email-json, sqs or https',
  );
  const endpoint = r.string(raw, 'endpoint', `${path}.endpoint`);
  if (raw.protocol === undefined) r.problem(`${path}.protocol`, 'is required');
  if (raw.endpoint === undefined) r.problem(`${path}.endpoint`, 'is required');
  if (protocol && endpoint) {
    const valid =
      protocol === 'sqs'
        ? QUEUE_ARN.test(endpoint)
        : protocol === 'https'
          ? /^https:\/\/\S+$/.test(endpoint)
          : EMAIL.test(endpoint);
    if (!valid) r.problem(`${path}.endpoint`, `"${endpoint}" is not a valid ${protocol} endpoint`);
  }
  let statuses: string[] | undefined;
  if (raw.statuses !== undefined) {
    const list = raw.statuses === FAILURES_KEYWORD ? FAILURE_OUTCOMES : raw.statuses;
    const choices = `"${FAILURES_KEYWORD}" (every outcome that is not COMPLETED) or a non-empty list of ${SUMMARY_STATUSES.join(', ')}`;
    if (!Array.isArray(list) || list.length === 0) {
      r.problem(`${path}.statuses`, `must be ${choices}`);
    } else {
      const unknown = list.filter((s) => !(SUMMARY_STATUSES as readonly unknown[]).includes(s));
      if (unknown.length > 0) {
        r.problem(
          `${path}.statuses`,
          `${unknown.map((s) => JSON.stringify(s)).join(', ')} ${unknown.length === 1 ? 'is not an outcome' : 'are not outcomes'}; use ${choices}`,
        );
      } else {
        statuses = [...new Set(list as string[])];
      }
    }
  }
  let filterPolicy: Record<string, unknown> | undefined;
  if (raw.filterPolicy !== undefined) {
    if (!isObject(raw.filterPolicy) || Object.keys(raw.filterPolicy).length === 0) {
      r.problem(
        `${path}.filterPolicy`,
        'must be a non-empty mapping (an SNS filter policy on message attributes)',
      );
    } else {
      filterPolicy = raw.filterPolicy;
    }
  }
  if (statuses && filterPolicy) r.problem(path, 'use either statuses or filterPolicy, not both');
  const rawMessageDelivery = r.boolean(raw, 'rawMessageDelivery', `${path}.rawMessageDelivery`);
  // With raw delivery SNS sends an HTTPS endpoint no message attributes, and the
  // structured summary travels in one: only SQS keeps it (as an SQS message attribute).
  if (rawMessageDelivery && protocol !== 'sqs') {
    r.problem(
      `${path}.rawMessageDelivery`,
      'applies to sqs subscriptions only: with raw delivery an https endpoint gets no message attributes, so it would lose the structured summary (the summary attribute)',
    );
  }
  if (!protocol || !endpoint) return undefined;
  return {
    protocol: protocol as SubscriptionProtocol,
    endpoint,
    ...(statuses && { statuses }),
    ...(filterPolicy && { filterPolicy }),
    ...(rawMessageDelivery !== undefined && { rawMessageDelivery }),
  };
}

/** A CloudFormation logical id fragment from a kebab/snake/dotted name: `nightly-all` → `NightlyAll`. */
export function logicalIdOf(name: string): string {
  return name
    .split(/[^0-9A-Za-z]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
