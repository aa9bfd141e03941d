import { setTimeout as delay } from 'node:timers/promises';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DEFAULT_MAX_POLLS, DEFAULT_POLL_INTERVAL_MS, main, randomSuffix } from './main.ts';

/*
 * `npm run export -- …`: the operators' CLI. Wiring only: real clients, the
 * process's streams and signals; cli/main.ts holds the logic.
 */

const sfnClients = new Map<string, SFNClient>();
const cfnClients = new Map<string, CloudFormationClient>();

function cached<T>(cache: Map<string, T>, region: string | undefined, create: () => T): T {
  const key = region ?? '';
  let client = cache.get(key);
  if (!client) {
    client = create();
    cache.set(key, client);
  }
  return client;
}

const code = await main(process.argv.slice(2), {
  sfn: (region) => cached(sfnClients, region, () => new SFNClient(region ? { region } : {})),
  cloudFormation: (region) =>
    cached(cfnClients, region, () => new CloudFormationClient(region ? { region } : {})),
  runLocal: async (options) => (await import('../local/run.ts')).runLocal(options),
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
});

// Exit now rather than when idle sockets (or an interrupted local run) let go.
process.stdout.write('', () => process.exit(code));
