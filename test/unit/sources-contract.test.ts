import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AwsErrorSource } from '../../core/aws-errors.ts';
import { CREATE_REFUSED_ERRORS, MAX_REASON_CHARS, WORKFLOW_ERROR_NAMES } from '../../core/errors.ts';
import { TIME_PLACEHOLDERS } from '../../core/input-rules.ts';
import { STACK_SOURCES } from '../../deploy/source-stacks.ts';
import { EMULATED_SOURCES } from '../../dev/emulator/index.ts';
import { SOURCE_IDS } from '../../sources/ids.ts';
import { registeredSource, registeredSourceIds, SOURCES } from '../../sources/registry.ts';
import { RUNTIMES } from '../../sources/runtimes.ts';
import { INPUT_DEFAULTS } from '../../sources/settings.ts';
import type { SourceDescription } from '../../sources/types.ts';

/*
 * The source seam's contract (docs/SOURCES.md): every registered source implements the
 * whole seam — its description, its runtime with error rows the state machine retries
 * by name, its folder's four modules, its place in the stack's and the emulator's
 * registries — and keeps its SDK client out of the code every function loads.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const ids = registeredSourceIds();

/** The seam's modules, in each source's folder. */
const FOLDER_MODULES = [
  'names.ts',
  'settings.ts',
  'input.ts',
  'describe.ts',
  'runtime.ts',
  'stack.ts',
  'doctor.ts',
  'emulator.ts',
] as const;

/** The SDK client package each source's runtime calls; a new source adds its row. */
const SDK_CLIENT: Readonly<Record<string, string>> = {
  pinpoint: '@aws-sdk/client-pinpoint',
  'customer-profiles': '@aws-sdk/client-customer-profiles',
  dynamodb: '@aws-sdk/client-dynamodb',
};

type MemberKind =
  | 'string'
  | 'strings'
  | 'function'
  | 'optional function'
  | 'optional format'
  | 'optional attributes'
  | 'boolean';

/**
 * Every member of SourceDescription and what it must be. `satisfies Record<keyof …>`
 * makes tsc fail when the interface gains or loses a member this list does not.
 */
const DESCRIPTION_MEMBERS = {
  id: 'string',
  service: 'string',
  inputFields: 'strings',
  placeholders: 'strings',
  resolve: 'function',
  identity: 'function',
  executionLabel: 'function',
  destinationTemplate: 'function',
  verification: 'function',
  words: 'function',
  rawFacts: 'function',
  jobNote: 'optional function',
  publishedFiles: 'optional format',
  summaryFacts: 'optional function',
  attributes: 'optional attributes',
  missingFiles: 'optional function',
  findsLostJobs: 'boolean',
  comparesCounts: 'function',
} as const satisfies Record<keyof SourceDescription, MemberKind>;

/** The fields every input has, whatever its source (sources/input.ts). */
const COMMON_FIELDS = ['Source', 'ScheduledTime', 'Target', 'MaxFailurePercent'];

/** The custom errors the state machine retries on a task (statemachine/export-workflow.asl.json). */
function retriedBy(state: 'CreateExportJob' | 'GetExportJobStatus'): string[] {
  const asl = JSON.parse(readFileSync(join(ROOT, 'statemachine/export-workflow.asl.json'), 'utf8')) as {
    States: Record<string, { Retry?: { ErrorEquals: string[] }[] }>;
  };
  const retries = asl.States[state]?.Retry;
  if (!retries) throw new Error(`the ASL has no Retry on ${state}`);
  return retries.flatMap((r) => r.ErrorEquals);
}

/** What a module imports at run time: static value imports, re-exports and dynamic import()s; `import type` left out. */
function valueImportsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s+['"]([^'"]+)['"]/gm)) {
    if (m[2] === undefined && m[4]) specifiers.push(m[4]);
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) if (m[1]) specifiers.push(m[1]);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) if (m[1]) specifiers.push(m[1]);
  return specifiers;
}

/** Every package a module loads, following its relative imports through the repository. */
function packagesLoadedBy(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const queue = [resolve(ROOT, entry)];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of valueImportsOf(file)) {
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier));
      else packages.add(specifier);
    }
  }
  return packages;
}

const sdkClients = (packages: Set<string>) => [...packages].filter((p) => p.startsWith('@aws-sdk/client-'));

/** The SDK operations a module sends (`new XxxCommand(`). */
function operationsSentBy(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...new Set([...text.matchAll(/new (\w+)Command\(/g)].map((m) => m[1] as string))];
}

describe('the source registries', () => {
  it('register every source id the workflow types know, pinpoint (the default) first', () => {
    expect(ids[0]).toBe('pinpoint');
    expect([...ids].sort()).toEqual([...SOURCE_IDS].sort());
  });

  it('give every registered source a runtime, a stack part and an emulator part', () => {
    expect(Object.keys(RUNTIMES).sort()).toEqual([...ids].sort());
    expect(STACK_SOURCES.map((s) => s.id).sort()).toEqual([...ids].sort());
    expect([...EMULATED_SOURCES].sort()).toEqual([...ids].sort());
  });

  it('know no source by any other name', () => {
    expect(registeredSource('s3')).toBeUndefined();
    expect(registeredSource('toString')).toBeUndefined();
    expect(registeredSource('__proto__')).toBeUndefined();
  });

  it('are checked by an import walk that sees clients, dynamic imports included, and skips type-only imports', () => {
    expect(sdkClients(packagesLoadedBy('functions/shared/run-ledger.ts'))).toEqual([
      '@aws-sdk/client-dynamodb',
    ]);
    expect(sdkClients(packagesLoadedBy('sources/runtimes.ts')).sort()).toEqual(
      Object.values(SDK_CLIENT).sort(),
    );
    // `import type { PinpointClient } from '@aws-sdk/client-pinpoint'` is erased.
    expect(
      valueImportsOf(join(ROOT, 'functions/get-export-job-status/get-export-job-status.ts')),
    ).not.toContain('@aws-sdk/client-pinpoint');
  });

  it('load no SDK client into sources/registry.ts, which every function imports', () => {
    expect(sdkClients(packagesLoadedBy('sources/registry.ts'))).toEqual([]);
  });
});

describe.each(ids)('source %s', (id) => {
  const source = registeredSource(id);
  const description = source?.describe as SourceDescription;

  describe('describe.ts', () => {
    it('is registered under its own id', () => {
      expect(source).toBeDefined();
      expect(description.id).toBe(id);
    });

    it.each(Object.entries(DESCRIPTION_MEMBERS))('has %s as a %s', (member, kind) => {
      const value = (description as unknown as Record<string, unknown>)[member];
      if (kind === 'function') expect(typeof value).toBe('function');
      if (kind === 'optional function') expect(['function', 'undefined']).toContain(typeof value);
      if (kind === 'optional format' && value !== undefined) {
        const format = value as Record<string, unknown>;
        expect(typeof format.summaryName).toBe('string');
        expect(typeof format.filesName).toBe('string');
        expect(typeof format.filesManifestOf).toBe('function');
        expect(typeof format.fileOf).toBe('function');
      }
      if (kind === 'optional attributes' && value !== undefined) {
        // Said only of the attributes its summaryFacts give, each in words.
        const attributes = Object.entries(value as Record<string, string>);
        expect(attributes.every(([, holds]) => typeof holds === 'string' && holds !== '')).toBe(true);
        expect(typeof description.summaryFacts).toBe('function');
      }
      if (kind === 'boolean') expect(typeof value).toBe('boolean');
      if (kind === 'string') expect(typeof value === 'string' && value !== '').toBe(true);
      if (kind === 'strings') {
        expect(Array.isArray(value)).toBe(true);
        expect((value as unknown[]).length).toBeGreaterThan(0);
        for (const item of value as unknown[]) expect(typeof item).toBe('string');
      }
    });

    it('accepts its own input fields, none of them a common one or repeated', () => {
      expect(new Set(description.inputFields).size).toBe(description.inputFields.length);
      for (const field of COMMON_FIELDS) expect(description.inputFields).not.toContain(field);
    });

    it('lets its destination template use every time placeholder', () => {
      for (const placeholder of Object.keys(TIME_PLACEHOLDERS)) {
        expect(description.placeholders).toContain(placeholder);
      }
    });

    it('imports no SDK client, directly or through what it imports (every function bundles it statically)', () => {
      expect(sdkClients(packagesLoadedBy(`sources/${id}/describe.ts`))).toEqual([]);
    });
  });

  describe('runtime.ts', () => {
    it('is loaded by the runtime registry with its errors, create and read', async () => {
      const runtime = await RUNTIMES[id]();

      expect(typeof runtime.create).toBe('function');
      expect(typeof runtime.read).toBe('function');
      expect(typeof runtime.errors.service).toBe('string');
      expect(runtime.errors.service).not.toBe('');
      expect(typeof runtime.errors.rejectedAdvice).toBe('string');
    });

    it('recovers a lost create only if its description says it finds lost jobs (the one statement of it)', async () => {
      const runtime = await RUNTIMES[id]();

      if (runtime.recover) expect(description.findsLostJobs).toBe(true);
      expect(Object.keys(runtime)).not.toContain('idempotentCreate');
    });

    it('throws throttled and unavailable errors under names the state machine retries, rejected ones under a name it does not', async () => {
      const { errors } = (await RUNTIMES[id]()).errors as AwsErrorSource;
      const nameOf = (kind: keyof AwsErrorSource['errors']) =>
        new errors[kind]('detail', { reason: 'reason', advice: 'advice' }).name;

      for (const state of ['CreateExportJob', 'GetExportJobStatus'] as const) {
        expect(retriedBy(state), state).toContain(nameOf('throttled'));
        expect(retriedBy(state), state).toContain(nameOf('unavailable'));
        expect(retriedBy(state), state).not.toContain(nameOf('rejected'));
      }
      // A refused create leaves no job: the run's ledger claim is released at once.
      expect(CREATE_REFUSED_ERRORS.has(nameOf('rejected'))).toBe(true);
    });

    it('throws only error names the workflow knows', async () => {
      const { errors } = (await RUNTIMES[id]()).errors as AwsErrorSource;
      const classes = Object.values(errors).map((E) => new E('detail', { reason: 'r', advice: 'a' }).name);
      // The error classes the module constructs itself (`new SourceRequestRejectedError(…)`).
      const constructed = [
        ...readFileSync(join(ROOT, `sources/${id}/runtime.ts`), 'utf8').matchAll(/new ([A-Z]\w*Error)\(/g),
      ].map((m) => m[1] as string);

      for (const name of [...classes, ...constructed]) {
        expect(WORKFLOW_ERROR_NAMES as readonly string[], name).toContain(name);
      }
    });

    it('lists the IAM permissions of every operation it sends, for the access-denied advice', async () => {
      const { permissions } = (await RUNTIMES[id]()).errors as AwsErrorSource;
      const operations = operationsSentBy(`sources/${id}/runtime.ts`);

      expect(operations.length).toBeGreaterThan(0);
      for (const operation of operations)
        expect(permissions[operation]?.length, operation).toBeGreaterThan(0);
    });

    it('explains its own errors with short reasons and some advice', async () => {
      const { rows } = (await RUNTIMES[id]()).errors as AwsErrorSource;

      for (const row of rows) {
        if (typeof row.reason === 'string') {
          expect(row.reason.length, row.reason).toBeLessThanOrEqual(MAX_REASON_CHARS);
          expect(row.reason, row.reason).toBe(row.reason.toLowerCase());
        }
        if (typeof row.advice === 'string') expect(row.advice.length).toBeGreaterThan(20);
      }
    });

    it('imports its own SDK client and no other, directly or through what it imports', () => {
      const expected = SDK_CLIENT[id];
      expect(expected, `add ${id}'s SDK client package to SDK_CLIENT`).toBeDefined();

      expect(sdkClients(new Set(valueImportsOf(join(ROOT, `sources/${id}/runtime.ts`))))).toEqual([expected]);
      expect(sdkClients(packagesLoadedBy(`sources/${id}/runtime.ts`))).toEqual([expected]);
    });
  });

  it('registers its stage defaults (settings.ts) and its input builder (input.ts)', async () => {
    const settings = (await import(`../../sources/${id}/settings.ts`)) as Record<string, unknown>;
    const declared = Object.values(settings).filter(
      (value): value is Record<string, { env: string; local: string }> =>
        typeof value === 'object' &&
        value !== null &&
        Object.values(value).every((s) => typeof s?.env === 'string' && typeof s?.local === 'string'),
    );
    expect(declared).toHaveLength(1);
    for (const [name, setting] of Object.entries(declared[0] ?? {})) {
      expect(INPUT_DEFAULTS[name as keyof typeof INPUT_DEFAULTS], name).toBe(setting);
    }
    const input = (await import(`../../sources/${id}/input.ts`)) as Record<string, unknown>;
    expect(Object.values(input)).toContain(SOURCES[id].input);
  });

  it.each(FOLDER_MODULES)(`has sources/${id}/%s`, (module) => {
    expect(existsSync(join(ROOT, 'sources', id, module)), `sources/${id}/${module}`).toBe(true);
  });
});
