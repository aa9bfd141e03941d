import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';

/*
 * What a function's code loads once serverless.yml bundles it with esbuild `splitting`:
 * the handler and the chunks it imports statically (the cold start), and for each chunk
 * it may import() (a source's SDK client) what that chunk adds on top. Shared by the
 * stack test (the packaged zips) and the bench (its own esbuild build of each handler),
 * so both count a run's bytes the same way.
 */

/** What one function's bundle loads, in bytes of minified code. */
export interface BundleLoads {
  /** Every .mjs file of the function (its zip, or its build folder), bytes. */
  totalBytes: number;
  /** What the handler loads at a cold start before any dynamic import, bytes. */
  staticBytes: number;
  /** The files of that static part. */
  staticFiles: string[];
  /** Each dynamically imported chunk: its file, its text, and what it adds to the static part (files, bytes). */
  dynamic: { file: string; text: string; addedFiles: string[]; addedBytes: number }[];
}

/*
 * esbuild's ESM output, minified or not: `import{a as b}from"./chunks/x.mjs"`,
 * `import"./chunks/x.mjs"`, `export{a}from"./x.mjs"`, and `import("./chunks/x.mjs")`.
 * Only relative `.mjs` specifiers: packages left external are not part of the bundle.
 */
const STATIC_IMPORT =
  /(?:^|[;}\s])(?:import|export)\s*(?:[\w$*{}\s,]*?from\s*)?["'](\.\.?\/[^"']+\.mjs)["']/g;
const DYNAMIC_IMPORT = /import\(["'](\.\.?\/[^"']+\.mjs)["']\)/g;

/**
 * The loads of `entry` among `files` (posix paths relative to one root, each file's text):
 * its static closure, and each dynamic import reachable from it with the bytes its own
 * closure adds beyond the static one.
 */
export function bundleLoadsOf(files: ReadonlyMap<string, string>, entry: string): BundleLoads {
  const resolveFrom = (from: string, spec: string) => posix.normalize(posix.join(posix.dirname(from), spec));
  const closure = (start: string, seen = new Set<string>()): Set<string> => {
    if (seen.has(start)) return seen;
    seen.add(start);
    for (const match of (files.get(start) ?? '').matchAll(STATIC_IMPORT)) {
      closure(resolveFrom(start, match[1] ?? ''), seen);
    }
    return seen;
  };
  const bytes = (names: Iterable<string>) =>
    [...names].reduce((sum, n) => sum + Buffer.byteLength(files.get(n) ?? ''), 0);
  const base = closure(entry);
  const dynamic = new Set<string>();
  for (const name of base) {
    for (const match of (files.get(name) ?? '').matchAll(DYNAMIC_IMPORT))
      dynamic.add(resolveFrom(name, match[1] ?? ''));
  }
  return {
    totalBytes: bytes(files.keys()),
    staticBytes: bytes(base),
    staticFiles: [...base],
    dynamic: [...dynamic].map((file) => {
      const added = [...closure(file)].filter((n) => !base.has(n));
      return { file, text: files.get(file) ?? '', addedFiles: added, addedBytes: bytes(added) };
    }),
  };
}

/** Every .mjs file under `dir`, keyed by its posix path relative to `dir`: a build folder read like a zip. */
export function mjsFilesIn(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.mjs')) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dir, path).split(sep).join(posix.sep), readFileSync(path, 'utf8'));
  }
  return files;
}
