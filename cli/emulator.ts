/**
 * `npm run emulator -- [options]`: serves the local emulator (Pinpoint, SNS, DynamoDB,
 * S3, Customer Profiles) until interrupted, printing one line per request.
 */

import { parseArgs } from 'node:util';
import {
  DEFAULT_APPLICATION_ID,
  DEFAULT_LEDGER_TABLE,
  DEFAULT_PROFILES_DOMAIN,
  DEFAULT_SEGMENT_DEFINITION,
  DEFAULT_SEGMENT_ID,
  startEmulator,
} from '../dev/emulator/index.ts';
import { CliError } from './errors.ts';
import { integerOption, NUMERIC_OPTIONS, parseFailure } from './options.ts';

const range = (name: keyof typeof NUMERIC_OPTIONS) =>
  `${NUMERIC_OPTIONS[name].min}–${NUMERIC_OPTIONS[name].max.toLocaleString('en-US')}`;

const HELP = `Local Amazon Pinpoint + Amazon SNS + Amazon Connect Customer Profiles emulator, with the
run ledger's DynamoDB and S3 over the exported files (real wire protocols, one port).

Usage: npm run emulator -- [options]

Options:
  --port <n>             Port on 127.0.0.1 (${range('port')}, default 4566; 0 = any free port)
  --data-dir <path>      Folder standing for S3 buckets and SNS mail (default .local/emulator)
  --endpoints <n>        Synthetic endpoints per application (${range('endpoints')}, default 1000)
  --malformed-every <n>  Every Nth endpoint is malformed and reported as a failure (${range('malformed-every')}, default 0 = none)
  --job-duration <s>     Seconds an export job takes from CREATED to COMPLETED (${range('job-duration')}, default 6)
  -h, --help             Show this help

Example:
  npm run emulator -- --port 4566 --endpoints 5000 --malformed-every 250 --job-duration 20

Point clients at it:
  AWS CLI (any credentials and region work, but the CLI needs some):
            export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
            aws --endpoint-url http://127.0.0.1:4566 pinpoint get-export-jobs --application-id ${DEFAULT_APPLICATION_ID}
            aws --endpoint-url http://127.0.0.1:4566 sns list-topics
            aws --endpoint-url http://127.0.0.1:4566 dynamodb scan --table-name ${DEFAULT_LEDGER_TABLE}
            aws --endpoint-url http://127.0.0.1:4566 s3 ls s3://local-exports/ --recursive
            aws --endpoint-url http://127.0.0.1:4566 customer-profiles create-segment-snapshot \\
              --domain-name ${DEFAULT_PROFILES_DOMAIN} --segment-definition-name ${DEFAULT_SEGMENT_DEFINITION} --data-format JSONL \\
              --destination-uri s3://local-exports/profiles/ --role-arn arn:aws:iam::123456789012:role/profiles-export
  SDK v3:   AWS_ENDPOINT_URL_PINPOINT=http://127.0.0.1:4566 AWS_ENDPOINT_URL_SNS=http://127.0.0.1:4566
            AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:4566 RUN_LEDGER_TABLE=${DEFAULT_LEDGER_TABLE}
            AWS_ENDPOINT_URL_S3=http://127.0.0.1:4566 (path-style addressing)
            AWS_ENDPOINT_URL_CUSTOMER_PROFILES=http://127.0.0.1:4566
            with the same dummy credentials and region

DynamoDB is dynalite, in memory: the run ledger table ${DEFAULT_LEDGER_TABLE} is
created at start, and any other DynamoDB call works too (CreateTable, PutItem, Query ...).

Conventions: a role ARN containing "no-trust" cannot be assumed (403 ForbiddenException);
seeded segment "active-users" of the default application has id ${DEFAULT_SEGMENT_ID} (versions 1..3).
Customer Profiles: domain ${DEFAULT_PROFILES_DOMAIN} holds 500 profiles; segment definitions
${DEFAULT_SEGMENT_DEFINITION} (every 4th profile) and all-profiles. A snapshot is IN_PROGRESS for 3 s,
then writes its files under the DestinationUri (the bucket must exist, e.g. local-exports).
Faults and state: POST/GET/DELETE /_emulator/faults, GET /_emulator/state (JSON).`;

function main(): Promise<void> | undefined {
  let options: Parameters<typeof run>[0];
  try {
    let values: ReturnType<typeof parse>['values'];
    try {
      values = parse().values;
    } catch (error) {
      parseFailure(error, 'npm run emulator');
    }
    if (values.help) {
      console.log(HELP);
      return undefined;
    }
    // The same checks as npm start and npm run export (cli/options.ts).
    options = {
      port: integerOption('port', values.port) ?? 4566,
      endpoints: integerOption('endpoints', values.endpoints) ?? 1000,
      malformedEvery: integerOption('malformed-every', values['malformed-every']) ?? 0,
      durationSeconds: integerOption('job-duration', values['job-duration']) ?? 6,
      dataDir: values['data-dir'],
    };
  } catch (error) {
    if (error instanceof CliError) usage(error.message);
    throw error;
  }
  return run(options);
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

function usage(message: string): never {
  console.error(`emulator: ${message}${message.includes('see --help') ? '' : ' (see --help)'}`);
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
  console.log(`Pinpoint + SNS + Customer Profiles emulator listening on ${emulator.url}`);
  console.log(`  application id: ${[...emulator.state.applications.keys()].join(', ')}`);
  console.log(`  segment id:     ${DEFAULT_SEGMENT_ID} (active-users, versions 1..3)`);
  console.log(`  topic ARN:      ${topics}`);
  for (const domain of emulator.state.profiles.domains.values()) {
    console.log(`  profiles domain: ${domain.name} (${domain.profileCount} profiles)`);
    console.log(`    segment definitions: ${[...domain.segmentDefinitions.keys()].join(', ')}`);
  }
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
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE' || code === 'EACCES') {
    console.error(
      `emulator: cannot listen on that port (${code}): ${code === 'EADDRINUSE' ? 'another program uses it' : 'not allowed'}; pick another --port`,
    );
    process.exit(2);
  }
  const message = error instanceof Error ? error.message : String(error);
  console.error(`emulator: ${message}`);
  process.exit(1);
});
