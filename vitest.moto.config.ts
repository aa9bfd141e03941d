import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/*
 * `npm run test:moto`: the conformance run against moto, an AWS implementation we did not write
 * (test/moto/). Not part of `npm test`: it needs moto for python3, which only some machines have.
 * The global setup starts `python3 -m moto.server` on a free 127.0.0.1 port, or prints one line
 * saying why it cannot, and the tests then skip. The base settings (time zone, environment) are
 * npm test's; only which files run differs (mergeConfig would add the base's include to ours).
 */
export default defineConfig({
  test: {
    ...base.test,
    include: ['test/moto/**/*.test.ts'],
    exclude: [...configDefaults.exclude],
    globalSetup: ['test/moto/moto-server.ts'],
    // One moto server for the run, its state shared: the files run one after another.
    fileParallelism: false,
  },
});
