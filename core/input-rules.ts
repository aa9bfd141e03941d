import { bucketNameProblem, keyPrefixBytesProblem } from './aws-names.ts';
import { InvalidExportInputError } from './errors.ts';

/*
 * The rules every source's input validation uses (sources/input.ts checks the
 * common fields, then hands the rest to the source's own validation in sources/<id>/),
 * so every source rejects a mistake in the same words.
 *
 * Hand-written rather than a schema library: zod's full build alone is ~450 KB
 * minified and zod/mini would push the create-export-job bundle past its 400 KB
 * budget; the rules are few and each needs its own message anyway.
 */

/** Longest piece of the input quoted in a message or a summary field (an input may hold 256 KB in one name or value). */
export const MAX_QUOTED_INPUT_CHARS = 64;

export function fail(field: string, problem: string): never {
  throw new InvalidExportInputError(field, problem);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Text from the raw input made safe to quote anywhere (messages, summary fields,
 * SNS message attributes): printable ASCII, at most {@link MAX_QUOTED_INPUT_CHARS}
 * characters, saying how long it really was when cut.
 */
export function quoteInput(text: string, max = MAX_QUOTED_INPUT_CHARS): string {
  const safe = text
    .slice(0, 4 * max)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\t\n\v\f\r\u0085\u2028\u2029]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?');
  if (safe.length <= max && text.length <= 4 * max) return safe;
  return `${safe.slice(0, max)}... (${text.length} characters)`;
}

/** A value as a message shows it. */
export function asGiven(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return value.length > 40 ? `a ${value.length}-character string` : `"${quoteInput(value)}"`;
  return quoteInput(`${typeof value} ${JSON.stringify(value)}`.slice(0, 60));
}

export function rejectUnknownFields(
  object: Record<string, unknown>,
  allowed: readonly string[],
  prefix: string,
) {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      fail(`${prefix}${quoteInput(key)}`, `unknown field; allowed fields are ${allowed.join(', ')}`);
    }
  }
}

export function optionalString(
  object: Record<string, unknown>,
  key: string,
  field: string,
): string | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail(field, `must be a string, got ${asGiven(value)}`);
  if (value.trim() === '') fail(field, 'must not be empty');
  return value;
}

/** One of `allowed`, or `fallback` when absent. */
export function optionalEnum<T extends string>(
  object: Record<string, unknown>,
  key: string,
  field: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = optionalString(object, key, field) ?? fallback;
  if (!(allowed as readonly string[]).includes(value))
    fail(field, `must be one of ${allowed.join(', ')}, got ${asGiven(value)}`);
  return value as T;
}

/** A required name matching `pattern` (described in words as `what`). */
export function requiredName(
  object: Record<string, unknown>,
  key: string,
  pattern: RegExp,
  what: string,
): string {
  const value = object[key];
  if (value === undefined) fail(key, 'is required');
  if (typeof value !== 'string') fail(key, `must be a string, got ${asGiven(value)}`);
  if (!pattern.test(value)) fail(key, `must be ${what}, got ${asGiven(value)}`);
  return value;
}

/** Longest S3 URL we accept: S3 keys are at most 1,024 bytes, plus `s3://` and a 63-char bucket. */
export const MAX_S3_URL_LENGTH = 1100;

/** Placeholders every template may use: the run's scheduled time. */
export const TIME_PLACEHOLDERS = {
  date: 'the scheduled date, YYYY-MM-DD (UTC)',
  year: 'the scheduled year, YYYY',
  month: 'the scheduled month, MM',
  day: 'the scheduled day, DD',
  hour: 'the scheduled hour, HH (UTC)',
  timestamp: 'the scheduled time, YYYYMMDDTHHMMSSZ',
} as const;

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Names of placeholders in `template` that are not in `known`, in order of appearance. */
export function unknownTemplatePlaceholders(template: string, known: readonly string[]): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '').filter((name) => !known.includes(name));
}

/** The time placeholders' values for `time`. */
export function timeValues(time: Date): Record<keyof typeof TIME_PLACEHOLDERS, string> {
  const iso = time.toISOString();
  const [date = '', clock = ''] = iso.split('T');
  const [year = '', month = '', day = ''] = date.split('-');
  return {
    date,
    year,
    month,
    day,
    hour: clock.slice(0, 2),
    timestamp: `${date.replaceAll('-', '')}T${clock.slice(0, 8).replaceAll(':', '')}Z`,
  };
}

/**
 * Each time placeholder at its longest, for checking a template's length before any run resolves
 * it (the stage file's checks). Every one has a fixed width, so any time gives the longest.
 */
export const LONGEST_TIME_VALUES: Readonly<Record<keyof typeof TIME_PLACEHOLDERS, string>> = timeValues(
  new Date(Date.UTC(2026, 10, 28, 2)),
);

/** Resolves `{name}` placeholders from `values` (own properties only); unknown ones stay as written. */
export function resolveTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(values, name) ? (values[name] ?? whole) : whole,
  );
}

/**
 * Checks an `s3://bucket/prefix` URL (template or resolved): its shape, the bucket name,
 * the key prefix's length and (for a template) that every placeholder is known.
 */
export function checkS3Url(
  value: string,
  field: string,
  known: readonly string[],
  maxLength = MAX_S3_URL_LENGTH,
): void {
  if (value.length > maxLength) fail(field, `is ${value.length} characters long; at most ${maxLength}`);
  const match = /^s3:\/\/([^/]*)(\/.*)?$/.exec(value);
  if (!match) fail(field, `must look like s3://bucket-name/prefix/, got ${asGiven(value)}`);
  const bucket = match[1] ?? '';
  const keyProblem = keyPrefixBytesProblem((match[2] ?? '').slice(1));
  if (keyProblem) fail(field, keyProblem);
  const problem = bucketNameProblem(bucket);
  if (problem)
    fail(field, `bucket name "${quoteInput(bucket)}" is not a valid S3 bucket name: it ${problem}`);
  checkPlaceholders(value, field, known);
}

/** Refuses a template with a placeholder not in `known`, listing the known ones. */
export function checkPlaceholders(value: string, field: string, known: readonly string[]): void {
  const unknown = unknownTemplatePlaceholders(value, known);
  if (unknown.length > 0) {
    fail(
      field,
      `unknown placeholder {${quoteInput(unknown[0] ?? '')}}; known placeholders are ${known
        .map((p) => `{${p}}`)
        .join(', ')}`,
    );
  }
}
