import { usageError } from './errors.ts';

/*
 * Option checks every entry point shares (npm start, npm run export, npm run
 * emulator): each numeric option's range in one table, and node's parseArgs
 * messages rewritten as one line naming the option. A mistake is a usage error
 * (exit status 2) before anything runs.
 */

/** Whole-number options and their ranges, by option name (without the dashes). */
export const NUMERIC_OPTIONS = {
  /** Synthetic endpoints per application: a million is about 300 MB of NDJSON, enough for any local check. */
  endpoints: { min: 1, max: 1_000_000 },
  /** Every Nth endpoint malformed; 0 = none. */
  'malformed-every': { min: 0, max: 1_000_000 },
  /** Emulated job duration, seconds (0: completes at once). */
  'job-duration': { min: 0, max: 3_600 },
  /** Local run's deadline, seconds: at most a day. */
  deadline: { min: 1, max: 86_400 },
  /** TCP port; 0 = any free port. */
  port: { min: 0, max: 65_535 },
  /** Runs `list` shows. */
  max: { min: 1, max: 100 },
} as const satisfies Record<string, { min: number; max: number }>;
export type NumericOption = keyof typeof NUMERIC_OPTIONS;

/**
 * The option's value as a whole number within its range, undefined when it was
 * not given. Only plain digits count: `2.5`, `1e12`, `0x10`, `-3` and `Infinity`
 * are refused with a message naming the option and its range.
 */
export function integerOption(name: NumericOption, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const { min, max } = NUMERIC_OPTIONS[name];
  const text = raw.trim();
  if (!/^\d{1,16}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw usageError(
      `--${name} must be a whole number from ${min} to ${max.toLocaleString('en-US')}, got "${raw}"`,
      `--${name}`,
    );
  }
  return Number(text);
}

/**
 * Rewrites node's util.parseArgs errors as one short line naming the option.
 * `commands` lets a misplaced command (options typed before it) get a hint.
 */
export function parseFailure(error: unknown, command: string, commands: readonly string[] = []): never {
  const e = error as { code?: string; message?: string };
  const message = e.message ?? String(error);
  const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      throw usageError(
        `unknown option ${option ?? ''} for "${command}" (see --help)`.replace('  ', ' '),
        option,
      );
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing/.test(message)) throw usageError(`${option} needs a value`, option);
      if (/ambiguous/.test(message)) {
        throw usageError(
          `${option} needs a value; for one starting with "-" write ${option}=<value>`,
          option,
        );
      }
      if (/does not take an argument/.test(message))
        throw usageError(`${option} does not take a value`, option);
      throw usageError(message, option);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const argument = /'([^']*)'/.exec(message)?.[1] ?? '';
      if (commands.includes(argument)) {
        throw usageError(
          `"${argument}" is a command: put it first, before any option (npm run export -- ${argument} [options])`,
        );
      }
      throw usageError(`unexpected argument ${argument} (see --help)`);
    }
    default:
      throw usageError(message);
  }
}
