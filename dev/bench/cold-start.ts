import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { parse } from 'yaml';
import { FUNCTIONS } from '../../core/functions.ts';
import { SAMPLE_ENV } from './asl-sample.ts';
import { type BundleLoads, bundleLoadsOf, mjsFilesIn } from './bundle-loads.ts';

/*
 * Cold start per function, as deployed: serverless.yml bundles each handler with esbuild
 * `splitting`, so a function is an entry file plus chunks, and each export source's SDK
 * client sits in a chunk the handler import()s only when a run of that source needs it
 * (sources/runtimes.ts, sources/final-reads.ts). Two builds of each handler, both split:
 *  - bundled: serverless.yml's esbuild section as serverless-esbuild hands it to esbuild
 *    (minify, ESM, target, mainFields, banner, splitting, chunkNames, .mjs, the excluded
 *    credential providers external), one folder per function like its zip;
 *  - unbundled: the same build with every npm package left external and no minifying, so
 *    the SDK, Powertools and middy load from node_modules, as if the function shipped
 *    node_modules unbundled.
 * A run of a source loads the handler, then that source's chunk: both are timed in one
 * fresh Node 24 process (node_modules/.bin/node) per sample, handler config env set, so
 * no module is cached from another source's run; median of N samples. A function that
 * calls no source (the verification's three) runs with its handler alone.
 * Bytes are counted by dev/bench/bundle-loads.ts, the closure the stack test applies to the
 * packaged zips, and checked here against esbuild's own metafile.
 */

const execFileAsync = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');

/** The project's budget for what one run of any source loads, per function (minified; test/stack/stack.test.ts holds the zips to it too). */
export const RUN_BUDGET_BYTES = 400 * 1024;
/** The project's target for initialisation: at most this share of the unbundled handler's. */
export const INIT_RATIO_TARGET = 0.6;

/** Initialisation of one run, medians of the samples, milliseconds. */
export interface InitTimes {
  /** `await import()` of the handler (what Lambda's init phase runs). */
  handlerMs: number;
  /** `await import()` of the source's chunk after it (0 without a source). */
  chunkMs: number;
  /** Both, summed per sample before the median. */
  totalMs: number;
}

/** One run of a function: its handler and, for a function that calls sources, one source's chunk. */
export interface ColdStartRun {
  /** The source whose chunk the run loads (sources/<id>/), or null: the handler alone. */
  source: string | null;
  /** What the run loads, minified: the handler's static closure plus what the source's chunk adds. */
  bundledBytes: number;
  /** Of which the source's chunk adds. */
  chunkBytes: number;
  /** The same run unbundled: our own code only, node_modules comes on top. */
  unbundledBytes: number;
  bundled: InitTimes;
  unbundled: InitTimes;
  /** bundled.totalMs / unbundled.totalMs */
  ratio: number;
}

export interface ColdStartRow {
  function: string;
  /** What a cold start loads before any dynamic import, minified. */
  staticBytes: number;
  /** The handler's import alone, medians over every run's samples, milliseconds. */
  handlerInit: { bundledMs: number; unbundledMs: number; ratio: number };
  /** Every .mjs file of the function: what its zip holds. */
  zipBytes: number;
  /**
   * Files in the zip that no run loads, with their bytes: chunks only SDK code these runs
   * never reach import()s (event-stream protocols), or that nothing imports at all.
   */
  unloaded: { file: string; bytes: number }[];
  runs: ColdStartRun[];
  /** The run that loads the most bytes. */
  worst: ColdStartRun;
  samples: number;
}

/** serverless-esbuild options that are the plugin's own, dropped before esbuild sees the rest (its bundle.js). */
const PLUGIN_ONLY_OPTIONS = new Set([
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
  'config',
]);

/**
 * serverless.yml's esbuild section turned into esbuild options the way serverless-esbuild
 * does it (every option but the plugin's own; `exclude` made external; outputFileExtension
 * as outExtension), so the bench builds exactly what the deploy builds, splitting included.
 */
export function deployEsbuildOptions(): BuildOptions {
  // logLevel error: serverless.yml's CloudFormation tags (!Ref, !GetAtt) are not YAML's business here.
  const yml = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'error' }) as {
    custom: { esbuild: Record<string, unknown> };
  };
  const section = yml.custom.esbuild;
  const options = Object.fromEntries(
    Object.entries(section).filter(([key]) => !PLUGIN_ONLY_OPTIONS.has(key)),
  ) as BuildOptions;
  const exclude = [section.exclude ?? []].flat() as string[];
  const extension = (section.outputFileExtension as string | undefined) ?? '.js';
  return {
    ...options,
    external: [...(options.external ?? []), ...exclude],
    ...(extension === '.js' ? {} : { outExtension: { '.js': extension } }),
  };
}

interface Built {
  outdir: string;
  handler: string;
  loads: BundleLoads;
  /** Each source's chunk (relative to outdir), by source id. */
  sourceChunks: Map<string, string>;
  /** Files neither the handler nor any source's chunk loads. */
  unloaded: { file: string; bytes: number }[];
}

async function buildVariant(name: string, bundled: boolean, outDir: string): Promise<Built> {
  const outdir = join(outDir, bundled ? 'bundled' : 'unbundled', name);
  rmSync(outdir, { recursive: true, force: true });
  const deploy = deployEsbuildOptions();
  if (!deploy.splitting) throw new Error('serverless.yml esbuild: the bench expects splitting: true');
  const { metafile } = await build({
    ...deploy,
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, 'functions', name, 'handler.ts')],
    outdir,
    ...(bundled ? {} : { minify: false, packages: 'external' as const }),
    metafile: true,
    logLevel: 'silent',
  });
  const extension = deploy.outExtension?.['.js'] ?? '.js';
  const handler = `handler${extension}`;
  const files = mjsFilesIn(outdir);
  if (!files.has(handler)) throw new Error(`${outdir}: no ${handler}`);
  const loads = bundleLoadsOf(files, handler);
  checkAgainstMetafile(metafile, outdir, handler, loads);
  // A chunk belongs to a source when esbuild made it for a module under sources/<id>/.
  const sourceChunks = new Map<string, string>();
  const loaded = new Set(loads.staticFiles);
  for (const { file, addedFiles } of loads.dynamic) {
    const entryPoint = metafile.outputs[relative(ROOT, join(outdir, file)).split(sep).join('/')]?.entryPoint;
    const source = /^sources\/([^/]+)\//.exec(entryPoint ?? '')?.[1];
    if (!source) continue;
    if (sourceChunks.has(source)) throw new Error(`${name}: two chunks of source ${source}`);
    sourceChunks.set(source, file);
    for (const added of addedFiles) loaded.add(added);
  }
  const unloaded = [...files]
    .filter(([file]) => !loaded.has(file))
    .map(([file, text]) => ({ file, bytes: Buffer.byteLength(text) }));
  return { outdir, handler, loads, sourceChunks, unloaded };
}

/**
 * The regex closure of bundle-loads.ts (all the stack test has, reading zips) against
 * esbuild's own import graph: the same static bytes and the same dynamic chunks, or the
 * bench stops rather than print figures counted wrong.
 */
function checkAgainstMetafile(metafile: Metafile, outdir: string, handler: string, loads: BundleLoads) {
  const key = (file: string) => relative(ROOT, join(outdir, file)).split(sep).join('/');
  const seen = new Set<string>();
  const walk = (output: string) => {
    if (seen.has(output)) return;
    seen.add(output);
    for (const i of metafile.outputs[output]?.imports ?? [])
      if (!i.external && i.kind === 'import-statement') walk(i.path);
  };
  walk(key(handler));
  const staticBytes = [...seen].reduce((sum, o) => sum + (metafile.outputs[o]?.bytes ?? 0), 0);
  const dynamic = new Set(
    [...seen].flatMap((o) =>
      (metafile.outputs[o]?.imports ?? [])
        .filter((i) => !i.external && i.kind === 'dynamic-import')
        .map((i) => i.path),
    ),
  );
  const ours = new Set(loads.dynamic.map((d) => key(d.file)));
  if (
    staticBytes !== loads.staticBytes ||
    dynamic.size !== ours.size ||
    [...dynamic].some((d) => !ours.has(d))
  )
    throw new Error(
      `${outdir}: bundle-loads counts ${loads.staticBytes} static bytes and chunks ${[...ours].join(', ')}; esbuild's metafile ${staticBytes} and ${[...dynamic].join(', ')}`,
    );
}

/** One sample in a fresh process: import the handler, then the chunk (if any); both timed. */
async function importTimes(handler: string, chunk: string | null): Promise<[number, number]> {
  const script = [
    'const t0=performance.now();',
    `await import(${JSON.stringify(pathToFileURL(handler).href)});`,
    'const t1=performance.now();',
    chunk ? `await import(${JSON.stringify(pathToFileURL(chunk).href)});` : '',
    'const t2=performance.now();',
    'process.stdout.write(JSON.stringify([t1-t0,t2-t1]));',
  ].join('');
  const { stdout } = await execFileAsync(NODE, ['--input-type=module', '-e', script], {
    env: { ...process.env, ...SAMPLE_ENV, AWS_REGION: 'us-east-1' },
    cwd: ROOT,
  });
  const [handlerMs, chunkMs] = JSON.parse(stdout) as [number, number];
  return [handlerMs, chunkMs];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const initTimes = (samples: [number, number][]): InitTimes => ({
  handlerMs: median(samples.map(([h]) => h)),
  chunkMs: median(samples.map(([, c]) => c)),
  totalMs: median(samples.map(([h, c]) => h + c)),
});

const runBytes = (built: Built, source: string | null) =>
  built.loads.staticBytes +
  (source === null
    ? 0
    : (built.loads.dynamic.find((d) => d.file === built.sourceChunks.get(source))?.addedBytes ?? 0));

/** Builds both variants of each function under `outDir` and measures every run of each, interleaved. */
export async function measureColdStart(outDir: string, samples = 15): Promise<ColdStartRow[]> {
  const rows: ColdStartRow[] = [];
  for (const name of Object.values(FUNCTIONS)) {
    const bundled = await buildVariant(name, true, outDir);
    const unbundled = await buildVariant(name, false, outDir);
    const sources = [...bundled.sourceChunks.keys()].sort();
    const unbundledSources = [...unbundled.sourceChunks.keys()].sort();
    if (sources.join() !== unbundledSources.join())
      throw new Error(`${name}: source chunks differ, bundled ${sources} unbundled ${unbundledSources}`);
    const runSources: (string | null)[] = sources.length ? sources : [null];
    const file = (built: Built, source: string | null) =>
      source === null ? null : join(built.outdir, built.sourceChunks.get(source)!);
    const timed = runSources.map(() => ({ b: [] as [number, number][], u: [] as [number, number][] }));
    // One warm-up per run and variant (file-system cache), then alternate so drift hits both alike.
    for (let i = -1; i < samples; i++) {
      for (const [r, source] of runSources.entries()) {
        const b = await importTimes(join(bundled.outdir, bundled.handler), file(bundled, source));
        const u = await importTimes(join(unbundled.outdir, unbundled.handler), file(unbundled, source));
        if (i >= 0) {
          timed[r]!.b.push(b);
          timed[r]!.u.push(u);
        }
      }
    }
    const runs = runSources.map((source, r): ColdStartRun => {
      const b = initTimes(timed[r]!.b);
      const u = initTimes(timed[r]!.u);
      const bundledBytes = runBytes(bundled, source);
      return {
        source,
        bundledBytes,
        chunkBytes: bundledBytes - bundled.loads.staticBytes,
        unbundledBytes: runBytes(unbundled, source),
        bundled: b,
        unbundled: u,
        ratio: b.totalMs / u.totalMs,
      };
    });
    const handlerB = median(timed.flatMap((t) => t.b.map(([h]) => h)));
    const handlerU = median(timed.flatMap((t) => t.u.map(([h]) => h)));
    rows.push({
      function: name,
      staticBytes: bundled.loads.staticBytes,
      handlerInit: { bundledMs: handlerB, unbundledMs: handlerU, ratio: handlerB / handlerU },
      zipBytes: bundled.loads.totalBytes,
      unloaded: bundled.unloaded,
      runs,
      worst: runs.reduce((a, b) => (b.bundledBytes > a.bundledBytes ? b : a)),
      samples,
    });
  }
  return rows;
}
