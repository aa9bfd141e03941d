// @ts-check
/*
 * Stryker for one module at a time: `npm run test:mutation -- <module>` (test/mutation/run.ts)
 * sets MUTATION_MODULE and MUTATION_TESTS and starts `stryker run` with this file. Not part of
 * npm test or CI: a module takes minutes on 2 cores. docs/TESTING.md says how to read the result.
 *
 * Settings as verified on these machines (Stryker 9.6.1, vitest 4.1, Node 24): one test process
 * (concurrency 1: the tests start dynalite and emulators of their own), per-test coverage so a
 * mutant runs only the tests that reach it, and the module's own test files given to vitest as
 * they are listed (related: false: several tests load the handlers through dynamic imports, which
 * vitest's related-files search does not follow).
 */
const module = process.env.MUTATION_MODULE;
if (!module) throw new Error('stryker.config.mjs: run it through npm run test:mutation -- <module>');
const slug = module.replace(/\.ts$/, '').replaceAll('/', '_');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: [module],
  coverageAnalysis: 'perTest',
  concurrency: 1,
  // A dynalite or emulator round trip per test: the default 5 s on top of the dry run's time is
  // too tight on a loaded 2-core machine, and a slow test is not a killed mutant.
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${slug}.json` },
  htmlReporter: { fileName: `reports/mutation/${slug}.html` },
  clearTextReporter: { allowColor: false, logTests: false },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['reports', 'coverage', 'bench/results', '.local', '.serverless', '.esbuild'],
  // The score test/mutation/run.ts reports is after the reviewed equivalent mutants; Stryker's
  // own thresholds would judge the raw score, so they only colour the output.
  thresholds: { high: 95, low: 75, break: null },
};
