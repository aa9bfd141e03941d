/**
 * `npm run emulator -- [options]`: serves the local Pinpoint + SNS emulator until
 * interrupted, printing one line per request.
 */

import { parseArgs } from 'node:util';
import { DEFAULT_APPLICATION_ID, DEFAULT_SEGMENT_ID, startEmulator } from './index.ts';

const HELP = `Local Amazon Pinpoint + Amazon SNS emulator (real wire protocols, one port).

Usage: npm run emulator -- [options]

Options:
  --port <n>             Port on 127.0.0.1 (default 4566; 0 = any free port)
  --data-dir <path>      Folder standing for S3 buckets and SNS mail (default .local/emulator)
  --endpoints <n>        Synthetic endpoints per application (default 1000)
  --malformed-every <n>  Every Nth endpoint is malformed and reported as a failure (default 0 = none)
  --job-duration <s>     Seconds an export job takes from CREATED to COMPLETED (default 6)
  -h, --help             Show this help

Example:
  npm run emulator -- --port 4566 --endpoints 5000 --malformed-every 250 --job-duration 20

Point clients at it:
  AWS CLI:  aws --endpoint-url http://127.0.0.1:4566 pinpoint get-export-jobs --application-id ${DEFAULT_APPLICATION_ID}
            aws --endpoint-url http://127.0.0.1:4566 sns list-topics
  SDK v3:   AWS_ENDPOINT_URL_PINPOINT=http://127.0.0.1:4566 AWS_ENDPOINT_URL_SNS=http://127.0.0.1:4566
            (any credentials and region work, e.g. AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_REGION=us-east-1)

Conventions: a role ARN containing "no-trust" cannot be assumed (403 ForbiddenException);
seeded segment "active-users" of the default application has id ${DEFAULT_SEGMENT_ID} (versions 1..3).
Faults and state: POST/GET/DELETE /_emulator/faults, GET /_emulator/state (JSON).`;

function main(): Promise<void> | undefined {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse().values;
  } catch (error) {
    console.error(`emulator: ${error instanceof Error ? error.message : String(error)} (see --help)`);
    process.exit(2);
  }
  if (values.help) {
    console.log(HELP);
    return undefined;
  }
  const port = integer(values.port, '--port', 4566);
  const endpoints = integer(values.endpoints, '--endpoints', 1000);
  const malformedEvery = integer(values['malformed-every'], '--malformed-every', 0);
  const durationText = values['job-duration'];
  const durationSeconds = durationText === undefined ? 6 : Number(durationText);
  if (!Number.isFinite(durationSeconds) || durationSeconds < 0)
    usage(`--job-duration must be seconds >= 0, got ${durationText}`);
  return run({ port, endpoints, malformedEvery, durationSeconds, dataDir: values['data-dir'] });
}

function parse() {
  return parseArgs({
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      endpoints: { type: 'string' },
      'malformed-every': { type: 'string' },
      'job-duration': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}

function integer(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) usage(`${name} must be an integer >= 0, got ${text}`);
  return value;
}

function usage(message: string): never {
  console.error(`emulator: ${message} (see --help)`);
  process.exit(2);
}

async function run(args: {
  port: number;
  endpoints: number;
  malformedEvery: number;
  durationSeconds: number;
  dataDir: string | undefined;
}): Promise<void> {
  const emulator = await startEmulator({
    port: args.port,
    ...(args.dataDir ? { dataDir: args.dataDir } : {}),
    dataset: { endpoints: args.endpoints, malformedEvery: args.malformedEvery },
    job: { durationSeconds: args.durationSeconds },
    log: (line) => console.log(line),
  });
  const topics = [...emulator.state.topics.values()].map((t) => t.arn).join(', ');
  console.log(`Pinpoint + SNS emulator listening on ${emulator.url}`);
  console.log(`  application id: ${[...emulator.state.applications.keys()].join(', ')}`);
  console.log(`  segment id:     ${DEFAULT_SEGMENT_ID} (active-users, versions 1..3)`);
  console.log(`  topic ARN:      ${topics}`);
  console.log(`  data dir:       ${emulator.dataDir}`);
  console.log('Press Ctrl+C to stop.');
  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main()?.catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`emulator: ${message}`);
  process.exit(1);
});
