import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/*
 * The vitest configuration Stryker runs (`npm run test:mutation -- <module>`, stryker.config.mjs):
 * npm test's settings (time zone, environment, timeouts), limited to the test files that exercise
 * the module under mutation. test/mutation/run.ts passes them in MUTATION_TESTS (a JSON list of
 * paths from test/mutation/modules.ts); Stryker's test-runner processes inherit the variable.
 */
const files: unknown = JSON.parse(process.env.MUTATION_TESTS ?? '[]');
if (!Array.isArray(files) || files.length === 0 || !files.every((f) => typeof f === 'string')) {
  throw new Error(
    'vitest.mutation.config.ts: MUTATION_TESTS must list test files (run npm run test:mutation)',
  );
}

export default defineConfig({
  test: {
    ...base.test,
    include: files,
    exclude: [...configDefaults.exclude],
  },
});
