import { configDefaults, defineConfig } from 'vitest/config';

// Run every test in a zone far from UTC (UTC+14, no daylight saving time): a date computed in
// local time instead of UTC ({date} in an S3 prefix, a printed time) shows up as a failure
// here. Set before vitest starts its workers, which inherit the environment;
// test/unit/time-zone.test.ts checks that they do.
process.env.TZ = 'Pacific/Kiritimati';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The moto conformance run is `npm run test:moto` (vitest.moto.config.ts): it needs moto.
    exclude: [...configDefaults.exclude, 'test/moto/**'],
    testTimeout: 30_000,
    hookTimeout: 180_000,
    // Handlers read their configuration from process.env at module load: give each file its own modules.
    isolate: true,
    env: {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      // publish-summary's EMF lines would interleave with the reporter's output; the metrics
      // tests read the documents through Powertools' serializer, which this does not affect.
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_DEV: 'false',
    },
  },
});
