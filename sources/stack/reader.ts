/*
 * Reading the stage file (config/stages/<stage>.yml): typed values out of raw YAML, each
 * problem collected with its field path. deploy/ reads the stage's own sections with it, and
 * each source its targets' settings (sources/<id>/stack.ts). Loaded by osls through Node's type
 * stripping: erasable TypeScript only, `.ts` imports.
 */

import { unknownTemplatePlaceholders } from '../../core/input-rules.ts';

/** Safe S3 key characters (AWS's list) plus `{` `}` for placeholders: nothing that needs escaping in JSON or Fn::Sub. */
const KEY_TEMPLATE = /^[0-9A-Za-z!_.*'()/{}-]*$/;

export type Raw = Record<string, unknown>;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Collects problems with their field paths; reads typed values out of raw YAML. */
export class Reader {
  readonly problems: string[] = [];

  problem(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  object(raw: Raw, key: string, path: string): Raw {
    const value = raw[key];
    if (value === undefined || value === null) return {};
    if (!isObject(value)) {
      this.problem(path, 'must be a mapping');
      return {};
    }
    return value;
  }

  unknownKeys(raw: Raw, allowed: readonly string[], path: string): void {
    for (const key of Object.keys(raw)) {
      if (!allowed.includes(key)) this.problem(`${path}${path ? '.' : ''}${key}`, 'unknown setting');
    }
  }

  string(raw: Raw, key: string, path: string, pattern?: RegExp, hint?: string): string | undefined {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' || typeof value === 'boolean') {
      // YAML reads unquoted digits (an id of digits only) or yes/no as a number or a boolean.
      this.problem(
        path,
        `is a ${typeof value} in the stage file, not a string: quote it (${key}: "…"), as YAML reads unquoted digits as a number`,
      );
      return undefined;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      this.problem(path, 'must be a non-empty string');
      return undefined;
    }
    if (pattern && !pattern.test(value)) {
      this.problem(path, `"${value}" is not valid${hint ? ` (${hint})` : ''}`);
      return undefined;
    }
    return value;
  }

  /** One of `allowed`, as written (`"x" is not valid (A, B or C)` otherwise). */
  oneOf<T extends string>(raw: Raw, key: string, path: string, allowed: readonly T[]): T | undefined {
    const pattern = new RegExp(`^(?:${allowed.map(escapeRegExp).join('|')})$`);
    const words = `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}`;
    return this.string(raw, key, path, pattern, words) as T | undefined;
  }

  integer(raw: Raw, key: string, path: string, min: number, max: number): number | undefined {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problem(path, `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return value;
  }

  number(raw: Raw, key: string, path: string, min: number, max: number): number | undefined {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= min || value > max) {
      this.problem(path, `must be a number above ${min} and at most ${max}, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return value;
  }

  /** A percentage, 0 to 100 (0 allowed). */
  percent(raw: Raw, key: string, path: string): number | undefined {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
      this.problem(path, `must be a percentage from 0 to 100, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return value;
  }

  boolean(raw: Raw, key: string, path: string): boolean | undefined {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') {
      this.problem(path, `must be true or false, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return value;
  }

  /**
   * An S3 key template that may use `placeholders` (the source's, sources/<id>/names.ts); `listed`:
   * a problem with one lists them.
   */
  keyTemplate(
    raw: Raw,
    key: string,
    path: string,
    placeholders: readonly string[],
    listed = true,
  ): string | undefined {
    const value = this.string(
      raw,
      key,
      path,
      KEY_TEMPLATE,
      "letters, digits, ! _ . * ' ( ) / - and {placeholders}",
    );
    if (value === undefined) return undefined;
    const unknown = unknownTemplatePlaceholders(value, placeholders);
    if (unknown.length > 0)
      this.problem(
        path,
        `unknown placeholder(s) ${unknown.map((n) => `{${n}}`).join(', ')}` +
          (listed ? ` (this one may use ${placeholders.map((n) => `{${n}}`).join(', ')})` : ''),
      );
    if (value.startsWith('/')) this.problem(path, 'must not start with "/"');
    return value;
  }
}
