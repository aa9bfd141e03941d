import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseCommand, SCENARIO_OPTIONS, SOURCE_OPTIONS } from '../../cli/args.ts';
import { CliError } from '../../cli/errors.ts';
import { helpText } from '../../cli/help.ts';
import { integerOption, NUMERIC_OPTIONS } from '../../cli/options.ts';
import { runLocal } from '../../dev/local/run.ts';
import { registeredSource, registeredSourceIds } from '../../sources/registry.ts';
import { APP_ID, harness, STATE_MACHINE_ARN } from './harness.ts';

/*
 * What the command line refuses, and how it says so: one line naming the
 * option, exit status 2, nothing started.
 */

const sfn = mockClient(SFNClient);
const scratch = mkdtempSync(join(tmpdir(), 'cli-options-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

beforeEach(() => {
  sfn.reset();
  vi.unstubAllEnvs();
  vi.stubEnv('AWS_ENDPOINT_URL_PINPOINT', '');
  vi.stubEnv('AWS_ENDPOINT_URL_SNS', '');
});

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof CliError && error.exitCode === 2) return error.message;
    throw error;
  }
  throw new Error('no usage error');
}

describe('numeric options: whole numbers within one range table', () => {
  it.each([
    ['deadline', '0.5'],
    ['endpoints', '1e12'],
    ['endpoints', '2.5'],
    ['endpoints', '1000000000000'],
    ['endpoints', '0'],
    ['endpoints', '-3'],
    ['port', '70000'],
    ['job-duration', 'Infinity'],
    ['max', '101'],
  ] as const)('refuses --%s %s, naming the option and its range', (name, raw) => {
    const { min, max } = NUMERIC_OPTIONS[name];

    const message = usageMessage(() => integerOption(name, raw));

    expect(message).toBe(
      `--${name} must be a whole number from ${min} to ${max.toLocaleString('en-US')}, got "${raw}"`,
    );
  });

  it('accepts the bounds themselves', () => {
    expect(integerOption('port', '0')).toBe(0);
    expect(integerOption('port', '65535')).toBe(65_535);
    expect(integerOption('endpoints', '1000000')).toBe(1_000_000);
  });

  it('applies the same table to export --local as to npm start', () => {
    expect(usageMessage(() => parseCommand(['--local', '--deadline', '0.5']))).toMatch(/^--deadline must be/);
    expect(usageMessage(() => parseCommand(['--local', '--malformed-every', '2.5']))).toMatch(
      /^--malformed-every must be/,
    );
    expect(usageMessage(() => parseCommand(['list', '--max', '0']))).toMatch(/^--max must be/);
  });

  it("rewrites node's message for a negative number as a hint to write --option=<value>", () => {
    expect(usageMessage(() => parseCommand(['--local', '--endpoints', '-3']))).toBe(
      '--endpoints needs a value; for one starting with "-" write --endpoints=<value>',
    );
  });
});

describe('AWS options with --local', () => {
  it.each([
    ['--stage', 'prod'],
    ['--region', 'eu-west-1'],
    ['--state-machine-arn', STATE_MACHINE_ARN],
  ])('refuses %s for a local run instead of ignoring it', (option, value) => {
    expect(usageMessage(() => parseCommand(['--local', option, value]))).toBe(
      `${option} does not apply with --local (npm start): the run is on this machine`,
    );
    expect(usageMessage(() => parseCommand(['list', '--local', option, value]))).toMatch(/does not apply/);
  });
});

describe('a command typed after its options', () => {
  it('says to put the command first', () => {
    expect(usageMessage(() => parseCommand(['--stage', 'prod', 'list']))).toBe(
      '"list" is a command: put it first, before any option (npm run export -- list [options])',
    );
  });
});

describe('placeholders in --s3-url-prefix errors', () => {
  it('names the placeholders as they are typed, {ApplicationId}, not as options', async () => {
    const cli = harness();

    const code = await cli.run(['--application-id', APP_ID, '--s3-url-prefix', 's3://bucket-a/{Nope}/']);

    expect(code).toBe(2);
    expect(cli.stderr()).toContain('{ApplicationId}');
    expect(cli.stderr()).not.toContain('{--application-id}');
  });
});

describe('local run setup mistakes exit 2 before anything runs', () => {
  const local = () => harness({ runLocal });

  it('refuses a --data-dir that is a file, naming the option, without blaming AWS', async () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, 'x');
    const cli = local();

    const code = await cli.run(['--local', '--data-dir', file]);

    expect(code).toBe(2);
    expect(cli.stderr()).toBe(
      `error: --data-dir ${file} is a file (or lies under one), not a folder; give a folder you can write to\n`,
    );
  });

  it.skipIf(process.getuid?.() === 0)('refuses a --data-dir that is not writable', async () => {
    const folder = join(scratch, 'read-only');
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder);
    chmodSync(folder, 0o500);
    const cli = local();

    const code = await cli.run(['--local', '--data-dir', folder]);

    expect(code).toBe(2);
    expect(cli.stderr()).toContain('is not writable');
  });

  it('refuses AWS_ENDPOINT_URL_PINPOINT without AWS_ENDPOINT_URL_SNS instead of silently using the built-in emulator', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_PINPOINT', 'http://127.0.0.1:4566');
    const cli = local();

    const code = await cli.run(['--local', '--data-dir', scratch]);

    expect(code).toBe(2);
    expect(cli.stderr()).toContain('AWS_ENDPOINT_URL_PINPOINT is set but AWS_ENDPOINT_URL_SNS is not');
  });
});

describe('a missing AWS region', () => {
  it('exits 2 (a configuration mistake, nothing was sent), not 3', async () => {
    sfn.on(StartExecutionCommand).rejects(new Error('Region is missing'));
    const cli = harness();

    const code = await cli.run(['--application-id', APP_ID, '--state-machine-arn', STATE_MACHINE_ARN]);

    expect(code).toBe(2);
    expect(cli.stderr()).toMatch(/no AWS region configured .*pass --region or set AWS_REGION/);
  });
});

describe('the options of one source, as --help lists them', () => {
  const help = helpText('start');
  const section = (service: string) =>
    new RegExp(`\\n(?: {2}|What to export from )${service}:\\n((?: {2}[^\\n]*\\n?)*)`).exec(help)?.[1] ?? '';

  it.each(registeredSourceIds())("lists every option that is %s's alone, in its own section", (id) => {
    const service = registeredSource(id)!.describe.service;
    const where = section(service);

    expect(where.length).toBeGreaterThan(0);
    for (const option of SOURCE_OPTIONS[id]) expect(where, option).toContain(`--${option}`);
  });

  it.each(registeredSourceIds())("says which local scenario options are %s's only", (id) => {
    const service = registeredSource(id)!.describe.service;
    const local = helpText('npm-start');

    for (const option of SCENARIO_OPTIONS[id]) {
      expect(local, option).toMatch(new RegExp(`\\n {2}--${option} [^\\n]*${service} only:`));
    }
    // And no other option says it is this source's only.
    const claimed = [...local.matchAll(new RegExp(`\\n {2}--([a-z-]+) [^\\n]*${service} only:`, 'g'))].map(
      (m) => m[1],
    );
    expect(claimed).toEqual([...SCENARIO_OPTIONS[id]]);
  });
});
