import { setTimeout as delay } from 'node:timers/promises';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { fileRunStore, runLocal } from '../dev/local/index.ts';
import { type CliDeps, DEFAULT_MAX_POLLS, DEFAULT_POLL_INTERVAL_MS, type LocalRunRecord } from './command.ts';
import { randomSuffix } from './naming.ts';

/*
 * The CLI's real dependencies: AWS clients per region, the process's streams,
 * clock and signals. `npm run export` and `npm start` both run with these.
 */

function cached<T>(cache: Map<string, T>, region: string | undefined, create: () => T): T {
  const key = region ?? '';
  let client = cache.get(key);
  if (!client) {
    client = create();
    cache.set(key, client);
  }
  return client;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function realDeps(): CliDeps {
  const sfnClients = new Map<string, SFNClient>();
  const cfnClients = new Map<string, CloudFormationClient>();
  return {
    sfn: (region) => cached(sfnClients, region, () => new SFNClient(region ? { region } : {})),
    cloudFormation: (region) =>
      cached(cfnClients, region, () => new CloudFormationClient(region ? { region } : {})),
    dynamodb: (region, endpoint) =>
      endpoint
        ? // A local ledger: no AWS account behind it.
          new DynamoDBClient({ region: region ?? 'us-east-1', endpoint, credentials: LOCAL_CREDENTIALS })
        : new DynamoDBClient(region ? { region } : {}),
    runLocal,
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: process.stdout.isTTY === true,
    now: () => new Date(),
    sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined),
    randomSuffix,
    onInterrupt: (handler) => {
      process.on('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
    pollIntervalMs: DEFAULT_POLL_INTERVAL_MS,
    maxPolls: DEFAULT_MAX_POLLS,
    runStore: (dataDir) => fileRunStore<LocalRunRecord>(dataDir),
    every: (ms, fn) => {
      const timer = setInterval(fn, ms);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
