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

/**
 * The import cycles between files: each strongly connected part of the graph with more than one
 * file (Tarjan's algorithm), its files sorted. `import type` counts: a cycle of types is still
 * two files that cannot be read apart.
 */
export function importCycles(
  files: readonly string[] = sourceFiles(),
  importedBy: (file: string) => string[] = (file) => importsOf(file).files,
): string[][] {
  const known = new Set(files);
  const graph = new Map(files.map((f) => [f, importedBy(f).filter((g) => known.has(g))]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(file, Math.min(low.get(file)!, index.get(next)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const part: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      part.push(member);
    } while (member !== file);
    if (part.length > 1 || graph.get(file)?.includes(file)) cycles.push(part.sort());
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return cycles;
}
