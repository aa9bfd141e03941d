import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { namesOf } from '../../deploy/names.ts';
import { buildResources, contextOf } from '../../deploy/resources.ts';
import { sourceResources } from '../../deploy/source-stacks.ts';
import { parseStageConfig } from '../../deploy/stage-config.ts';
import { importCycles, importsOf, LAYERS, ROOT, sourceFiles, upwardImports } from './imports.ts';

/*
 * The folders are the layers: core (the run model) < sources < functions < deploy < dev <
 * cli, each importing only its own layer and the ones below, so the import graph between
 * folders has no cycle; nor has the graph between files. The CLI uses the local run through
 * one interface (dev/local/index.ts). The run model needs no AWS SDK, and the product is named
 * after itself, not after one of its sources.
 */

describe('the folders are the layers', () => {
  it('has every layer folder, and source files in each', () => {
    for (const layer of LAYERS) {
      expect(
        sourceFiles().some((f) => f.startsWith(`${layer}/`)),
        layer,
      ).toBe(true);
    }
  });

  it('imports only downward: no file imports a layer above its own', () => {
    expect(upwardImports()).toEqual([]);
  });

  it('would notice an upward import (the check reads real specifiers)', () => {
    // core/summary.ts is the run model: the registry reaches it only as a parameter.
    const summary = importsOf('core/summary.ts');
    expect(summary.files.every((f) => f.startsWith('core/'))).toBe(true);
    const registry = importsOf('sources/registry.ts');
    expect(registry.files).toContain('core/summary.ts');
    expect(registry.files).toContain('sources/pinpoint/describe.ts');
  });

  it('has no import cycle between files', () => {
    expect(importCycles()).toEqual([]);
  });

  it('would find a cycle (the finder on a graph that has two, and a file importing itself)', () => {
    const graph: Record<string, string[]> = {
      a: ['b'],
      b: ['c'],
      c: ['a', 'd'],
      d: ['e'],
      e: [],
      f: ['g'],
      g: ['f'],
      h: ['h'],
    };
    expect(importCycles(Object.keys(graph), (f) => graph[f] ?? [])).toEqual([
      ['a', 'b', 'c'],
      ['f', 'g'],
      ['h'],
    ]);
    expect(importCycles(['a', 'b', 'c', 'd', 'e'], (f) => (f === 'c' ? ['d'] : (graph[f] ?? [])))).toEqual(
      [],
    );
  });

  it('uses the local run from the CLI through its one interface, dev/local/index.ts', () => {
    const reached = sourceFiles()
      .filter((f) => f.startsWith('cli/'))
      .flatMap((f) =>
        importsOf(f)
          .files.filter((g) => g.startsWith('dev/'))
          .map((g) => `${f} → ${g}`),
      );
    const other = reached.filter(
      (edge) => !edge.endsWith('→ dev/local/index.ts') && edge !== 'cli/emulator.ts → dev/emulator/index.ts',
    );
    expect(reached.length).toBeGreaterThan(5);
    expect(other).toEqual([]);
  });

  it('keeps the AWS SDK and I/O out of core/, the run model', () => {
    const offending = sourceFiles()
      .filter((f) => f.startsWith('core/'))
      .flatMap((f) =>
        importsOf(f)
          .packages.filter(
            (p) =>
              p.startsWith('@aws-sdk/') ||
              p.startsWith('@aws-lambda-powertools/') ||
              /^node:(fs|http|https|net|child_process)/.test(p),
          )
          .map((p) => `${f} → ${p}`),
      );
    expect(offending).toEqual([]);
  });

  it("names no source's own concepts in core/: Pinpoint is one source like the others", () => {
    const mentions = sourceFiles()
      .filter((f) => f.startsWith('core/'))
      .filter((f) =>
        /\bApplicationId\b|ExportJobResponse|client-pinpoint/.test(readFileSync(join(ROOT, f), 'utf8')),
      );
    expect(mentions).toEqual([]);
  });
});

describe('a source-neutral name', () => {
  const raw = parseYaml(readFileSync(join(ROOT, 'config/stages/prod.yml'), 'utf8'));
  const config = parseStageConfig(raw, 'prod');

  it("names every shared resource after the product: only a source's own resources may say pinpoint", () => {
    const { Resources } = buildResources(config) as {
      Resources: Record<string, { Properties?: Record<string, unknown> }>;
    };
    const own = new Set(Object.keys(sourceResources(contextOf(config))));
    const shared = Object.entries(Resources).filter(([id]) => !own.has(id));
    expect(shared.length).toBeGreaterThan(20);
    const named = shared.flatMap(([id, r]) => [
      id,
      ...Object.entries(r.Properties ?? {})
        .filter(([key, value]) => /Name$/.test(key) && typeof value === 'string')
        .map(([, value]) => value as string),
    ]);
    expect(named.filter((name) => /pinpoint/i.test(name))).toEqual([]);
    expect(
      Object.values(namesOf('prod')).filter((v) => typeof v === 'string' && /pinpoint/i.test(v)),
    ).toEqual([]);
  });

  it('names the service, the package and the README after the product', () => {
    expect(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')).toMatch(/^service: scheduled-exports$/m);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).name).toBe('scheduled-exports');
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n')[0]).toBe('# Scheduled exports');
  });
});

describe('file sizes', () => {
  it('keeps every non-test file under about 600 lines', () => {
    const long = sourceFiles()
      .map((f) => [f, readFileSync(join(ROOT, f), 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 620);
    expect(long).toEqual([]);
  });
});
