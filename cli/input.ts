import { InvalidExportInputError } from '../core/errors.ts';
import type { ResolvedExportRequest } from '../core/types.ts';
import type { LocalSourceOptions } from '../dev/local/index.ts';
import { tableArnFor, tableProblem } from '../sources/dynamodb/names.ts';
import { type ExecutionInput, type InputDefaults, resolveExecutionInput } from '../sources/input.ts';
import { LOCAL_ACCOUNT } from '../sources/local.ts';
import { executionInputOf } from '../sources/registry.ts';
import { localInputDefaults } from '../sources/settings.ts';
import { CliError } from './errors.ts';

/*
 * The execution input an operator's options describe, validated by the very
 * code create-export-job runs (sources/input.ts), before anything is
 * sent to AWS.
 */

/** The options that make up the execution input, as typed on the command line. */
export interface RequestOptions extends LocalSourceOptions {
  applicationId?: string | undefined;
  segmentId?: string | undefined;
  segmentVersion?: string | undefined;
  s3UrlPrefix?: string | undefined;
  roleArn?: string | undefined;
  scheduledTime?: string | undefined;
  /** The run's failure limit, percent (MaxFailurePercent); default: the stage's. */
  maxFailurePercent?: string | undefined;
}

/** Input field → the option that sets it, for error messages. Longest paths first. */
export const FIELD_OPTIONS: ReadonlyArray<readonly [string, string]> = [
  ['SegmentDefinitionName', '--segment-definition'],
  ['DomainName', '--domain'],
  ['DataFormat', '--format'],
  ['ExportFormat', '--format'],
  ['TableArn', '--table'],
  ['ExportJobRequest.SegmentVersion', '--segment-version'],
  ['ExportJobRequest.S3UrlPrefix', '--s3-url-prefix'],
  ['ExportJobRequest.SegmentId', '--segment-id'],
  ['ExportJobRequest.RoleArn', '--role-arn'],
  ['ScheduledTime', '--scheduled-time'],
  ['MaxFailurePercent', '--max-failure-percent'],
  ['ApplicationId', '--application-id'],
];

/**
 * Stand-ins for the stage's defaults when an option is left out, a local run's (each source's
 * settings.ts): the deployed create function fills the real ones, so only what the operator gave
 * is judged.
 */
const PLACEHOLDER_DEFAULTS: Required<InputDefaults> = localInputDefaults();

/** A number stays a string unless it is one, so the shared rules name the mistake. */
function numberValue(text: string): number | string {
  return /^-?\d+(?:\.\d+)?$/.test(text.trim()) ? Number(text) : text;
}

/** Stand-in account for validating --table before the stack (and so its account) is known: the emulator's. */
const PLACEHOLDER_ACCOUNT = LOCAL_ACCOUNT;

/** The execution input for the options given (only what was given: the stage fills the rest). */
export function buildExecutionInput(
  options: RequestOptions,
  where: { region: string; account: string } = PLACEHOLDER_ACCOUNT,
): ExecutionInput {
  const problem =
    options.source === 'dynamodb' && options.table !== undefined ? tableProblem(options.table) : undefined;
  if (problem) throw new CliError('input', `--table: ${problem}`, '--table');
  return {
    // The source's fields, as each source builds them (sources/<id>/input.ts).
    ...executionInputOf({
      ...options,
      ...(options.segmentVersion === undefined
        ? {}
        : { segmentVersion: numberValue(options.segmentVersion) }),
      ...(options.table === undefined ? {} : { tableArn: tableArnFor(options.table, where) }),
      incremental: options.incremental === true,
    }),
    // The fields every source shares.
    ...(options.scheduledTime === undefined ? {} : { ScheduledTime: options.scheduledTime }),
    ...(options.maxFailurePercent === undefined
      ? {}
      : { MaxFailurePercent: numberValue(options.maxFailurePercent) }),
  };
}

/** Rewrites input field names in a validation message as the options an operator types. */
export function inOptionTerms(text: string): string {
  // Placeholders such as {ApplicationId} are what the operator types in --s3-url-prefix: keep them.
  return text
    .split(/(\{[^{}]*\})/)
    .map((part) => {
      if (part.startsWith('{') && part.endsWith('}')) return part;
      let result = part;
      for (const [field, option] of FIELD_OPTIONS) result = result.split(field).join(option);
      return result;
    })
    .join('');
}

/**
 * Validates the input with create-export-job's rules. Throws a usage CliError
 * naming the option at fault. Returns the input as the create function would
 * complete it (with placeholders, or `defaults`, for the stage's defaults).
 */
export function validateExecutionInput(
  input: ExecutionInput,
  startTime: Date,
  defaults: InputDefaults = PLACEHOLDER_DEFAULTS,
): ResolvedExportRequest {
  try {
    return resolveExecutionInput(input, defaults, startTime.toISOString());
  } catch (error) {
    if (error instanceof InvalidExportInputError) {
      const option = FIELD_OPTIONS.find(([field]) => field === error.field)?.[1];
      throw new CliError('input', inOptionTerms(error.message), option, { cause: error });
    }
    throw error;
  }
}
