import { PROFILES_DEFAULTS } from './customer-profiles/settings.ts';
import { DYNAMODB_DEFAULTS } from './dynamodb/settings.ts';
import { PINPOINT_DEFAULTS } from './pinpoint/settings.ts';

/*
 * The registry of every source's stage defaults (sources/<id>/settings.ts): the input's
 * validation reads them by name (InputDefaults), create-export-job loads them from the
 * environment variables they name (functions/shared/config.ts), the stack sets those
 * (sources/<id>/stack.ts `environment()`), and a local run sets their local values
 * (dev/local). Only data: no source's describe.ts or SDK client comes with it.
 */

/**
 * One of a source's stage defaults: the input field it fills when the input leaves it out, carried
 * to create-export-job by an environment variable.
 */
export interface InputDefaultSetting {
  /** The create function's environment variable: the stack sets it (stack.ts `environment()`), and a local run. */
  env: string;
  /** A local run's value (the emulator's bucket and roles). */
  local: string;
}

/** A source's stage defaults, by the name its input validation reads each by. */
export type InputDefaultSettings = Readonly<Record<string, InputDefaultSetting>>;

export const INPUT_DEFAULTS = {
  ...PINPOINT_DEFAULTS,
  ...PROFILES_DEFAULTS,
  ...DYNAMODB_DEFAULTS,
} as const satisfies InputDefaultSettings;

/** The stage's defaults for every source's input, by name. */
export type InputDefaults = { -readonly [K in keyof typeof INPUT_DEFAULTS]?: string | undefined };

/** Each default's name and declaration, in registration order. */
export const declaredDefaults = () =>
  Object.entries(INPUT_DEFAULTS) as [keyof typeof INPUT_DEFAULTS, InputDefaultSetting][];

/**
 * The defaults an environment gives, through `read` (create-export-job's loader trims and drops
 * blank values); a default the environment does not set is left out.
 */
export function inputDefaultsFrom(read: (variable: string) => string | undefined): InputDefaults {
  const defaults: InputDefaults = {};
  for (const [name, { env }] of declaredDefaults()) {
    const value = read(env);
    if (value !== undefined) defaults[name] = value;
  }
  return defaults;
}

/** A local run's defaults: each declared local value (dev/local, and the CLI's stand-ins). */
export function localInputDefaults(): Required<InputDefaults> {
  return Object.fromEntries(
    declaredDefaults().map(([name, { local }]) => [name, local]),
  ) as Required<InputDefaults>;
}

/** The environment variables that give create-export-job the local defaults, as a stack gives a stage's. */
export function localInputEnvironment(): Record<string, string> {
  return Object.fromEntries(declaredDefaults().map(([, { env, local }]) => [env, local]));
}
