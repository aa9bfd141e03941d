import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/*
 * The project's import graph, read from its sources: which file imports which (static imports
 * and re-exports, `import type` included, and dynamic import()s). test/architecture checks the
 * folders are layers with it.
 */

export const ROOT = resolve(import.meta.dirname, '..', '..');

/** The folders that are layers, lowest first: a file may import its own layer and the ones below. */
export const LAYERS = ['core', 'sources', 'functions', 'deploy', 'dev', 'cli'] as const;
export type Layer = (typeof LAYERS)[number];

export function layerOf(file: string): Layer | undefined {
  const top = file.split('/')[0];
  return (LAYERS as readonly string[]).includes(top ?? '') ? (top as Layer) : undefined;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'results') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (/\.(ts|mts|cts)$/.test(name)) out.push(path);
  }
  return out;
}

/** Every source file of the layers, relative to the project root. */
export function sourceFiles(): string[] {
  return LAYERS.flatMap((layer) => walk(join(ROOT, layer))).map((f) => relative(ROOT, f));
}

const SPECIFIER =
  /(?:^|[^\w.])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** What a file imports: project files (relative to the root) and packages (by name). */
export function importsOf(file: string): { files: string[]; packages: string[] } {
  const text = readFileSync(join(ROOT, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const files: string[] = [];
  const packages: string[] = [];
  for (const match of text.matchAll(SPECIFIER)) {
    const spec = match[1] ?? match[2] ?? '';
    if (spec.startsWith('.')) files.push(relative(ROOT, resolve(ROOT, dirname(file), spec)));
    else packages.push(spec);
  }
  return { files, packages };
}

/** Imports that point to a higher layer: `importer → imported`. */
export function upwardImports(): string[] {
  const rank = (layer: Layer) => LAYERS.indexOf(layer);
  const found: string[] = [];
  for (const file of sourceFiles()) {
    const from = layerOf(file)!;
    for (const imported of importsOf(file).files) {
      const to = layerOf(imported);
      if (to && rank(to) > rank(from)) found.push(`${file} → ${imported}`);
    }
  }
  return found;
}
