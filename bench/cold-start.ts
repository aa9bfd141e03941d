import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { parse } from 'yaml';
import { SAMPLE_ENV } from './asl-sample.ts';

/*
 * Cold start per function, two variants of the same handler:
 *  - bundled: built with serverless.yml's esbuild section, read from the file
 *    (minify, ESM, target, mainFields, banner, the excluded credential
 *    providers), one .mjs file with the SDK and Powertools inside;
 *  - unbundled: the handler and our own code compiled by the same esbuild into
 *    one .mjs, every npm package left external, so its imports load from
 *    node_modules as they would if the function shipped node_modules unbundled.
 * Module initialisation = the time to `await import()` the file in a fresh Node
 * 24 process (node_modules/.bin/node), handler config env set; median of N runs.
 */

const execFileAsync = promisify(execFile);
export const FUNCTIONS = [
  'create-export-job',
  'get-export-job-status',
  'verify-export',
  'publish-summary',
] as const;
const ROOT = resolve(import.meta.dirname, '..');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');

export interface ColdStartRow {
  function: string;
  bundledBytes: number;
  unbundledBytes: number;
  bundledInitMs: number;
  unbundledInitMs: number;
  ratio: number;
  samples: number;
}

interface DeployEsbuildOptions {
  minify: boolean;
  platform: 'node';
  target: string;
  format: 'esm';
  mainFields: string[];
  banner: { js: string };
  exclude: string[];
}

/** The esbuild section of serverless.yml: the bench builds exactly what the deploy builds. */
export function deployEsbuildOptions(): DeployEsbuildOptions {
  const yml = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as {
    custom: { esbuild: DeployEsbuildOptions };
  };
  return yml.custom.esbuild;
}

async function buildVariant(name: string, bundled: boolean, outDir: string): Promise<string> {
  const outfile = join(outDir, bundled ? 'bundled' : 'unbundled', name, 'handler.mjs');
  mkdirSync(join(outfile, '..'), { recursive: true });
  const deploy = deployEsbuildOptions();
  await build({
    entryPoints: [join(ROOT, 'functions', name, 'handler.ts')],
    outfile,
    bundle: true,
    minify: bundled && deploy.minify,
    platform: deploy.platform,
    format: deploy.format,
    target: deploy.target,
    mainFields: deploy.mainFields,
    banner: deploy.banner,
    ...(bundled ? { external: deploy.exclude } : { packages: 'external' as const }),
    logLevel: 'silent',
  });
  return outfile;
}

async function importTimeMs(file: string): Promise<number> {
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});process.stdout.write(String(performance.now()-t));`;
  const { stdout } = await execFileAsync(NODE, ['--input-type=module', '-e', script], {
    env: { ...process.env, ...SAMPLE_ENV, AWS_REGION: 'us-east-1' },
    cwd: ROOT,
  });
  return Number(stdout);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Builds both variants of each function under `outDir` and measures them, interleaved. */
export async function measureColdStart(outDir: string, samples = 15): Promise<ColdStartRow[]> {
  const rows: ColdStartRow[] = [];
  for (const name of FUNCTIONS) {
    const bundled = await buildVariant(name, true, outDir);
    const unbundled = await buildVariant(name, false, outDir);
    // One warm-up each (file-system cache), then alternate so drift hits both alike.
    await importTimeMs(bundled);
    await importTimeMs(unbundled);
    const b: number[] = [];
    const u: number[] = [];
    for (let i = 0; i < samples; i++) {
      b.push(await importTimeMs(bundled));
      u.push(await importTimeMs(unbundled));
    }
    const bundledInitMs = median(b);
    const unbundledInitMs = median(u);
    rows.push({
      function: name,
      bundledBytes: statSync(bundled).size,
      unbundledBytes: statSync(unbundled).size,
      bundledInitMs,
      unbundledInitMs,
      ratio: bundledInitMs / unbundledInitMs,
      samples,
    });
  }
  return rows;
}
