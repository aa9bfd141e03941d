import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseCommand } from '../../cli/args.ts';
import { APP_ID, harness } from './harness.ts';

const sfn = mockClient(SFNClient);
const cloudFormation = mockClient(CloudFormationClient);

beforeEach(() => {
  sfn.reset();
  cloudFormation.reset();
});

describe('bad input is refused before any AWS call', () => {
  it.each([
    [[], '--application-id: is required'],
    [['--application-id', 'XYZ'], '--application-id: must be a Pinpoint project id'],
    [
      ['--application-id', APP_ID, '--segment-version', 'abc', '--segment-id', 's1'],
      '--segment-version: must be a positive integer, got "abc"',
    ],
    [
      ['--application-id', APP_ID, '--segment-version', '0', '--segment-id', 's1'],
      '--segment-version: must be a positive integer',
    ],
    [
      ['--application-id', APP_ID, '--segment-version', '2'],
      '--segment-version: is only allowed together with --segment-id',
    ],
    [['--application-id', APP_ID, '--segment-id', 'bad segment!'], '--segment-id: must be a segment id'],
    [
      ['--application-id', APP_ID, '--s3-url-prefix', 'https://bucket/x'],
      '--s3-url-prefix: must look like s3://bucket-name/prefix/',
    ],
    [
      ['--application-id', APP_ID, '--s3-url-prefix', 's3://Bad_Bucket/x/'],
      '--s3-url-prefix: bucket name "Bad_Bucket" is not a valid S3 bucket name',
    ],
    [
      ['--application-id', APP_ID, '--s3-url-prefix', 's3://bucket-a/{nope}/'],
      '--s3-url-prefix: unknown placeholder {nope}',
    ],
    [['--application-id', APP_ID, '--role-arn', 'pinpoint-role'], '--role-arn: must be an IAM role ARN'],
    [
      ['--application-id', APP_ID, '--scheduled-time', 'yesterday'],
      '--scheduled-time: must be an ISO 8601 time with a zone',
    ],
    [['--application-id', APP_ID, '--stage', 'prod stage'], '--stage must start with a letter'],
    [['--application-id', APP_ID, '--region', 'moon'], '--region must be an AWS region'],
    [
      ['--application-id', APP_ID, '--state-machine-arn', 'arn:aws:lambda:x'],
      '--state-machine-arn must be a state machine ARN',
    ],
    [['--application-id', APP_ID, '--bogus'], 'unknown option --bogus for "start"'],
    [['--application-id'], '--application-id needs a value'],
    [
      ['--application-id', APP_ID, '--segment-version', '-1'],
      '--segment-version needs a value; for one starting with "-"',
    ],
    [['--application-id', APP_ID, '--wait=yes'], '--wait does not take a value'],
    [['--application-id', APP_ID, '--endpoints', '10'], '--endpoints only applies with --local'],
    [['--application-id', APP_ID, '--local', '--fault', 'meteor'], '--fault must be one of'],
    // The emulated Pinpoint application's size and speed mean nothing for another source: refused, not ignored.
    [
      ['--source', 'dynamodb', '--local', '--endpoints', '50'],
      '--endpoints only applies with --source pinpoint',
    ],
    [
      ['--source', 'customer-profiles', '--local', '--job-duration', '3'],
      '--job-duration only applies with --source pinpoint',
    ],
    [
      ['--source', 'dynamodb', '--local', '--malformed-every', '7'],
      '--malformed-every only applies with --source pinpoint',
    ],
    [
      ['--source', 'customer-profiles', '--local', '--fault', 'end-of-support'],
      'applies only with --source pinpoint',
    ],
    [
      ['--source', 'pinpoint2'],
      '--source must be one of pinpoint, customer-profiles, dynamodb, got "pinpoint2"',
    ],
    [['--source', 'dynamodb', '--domain', 'crm'], '--domain only applies with --source customer-profiles'],
    [
      ['--source', 'dynamodb', '--table', 'orders', '--role-arn', 'arn:aws:iam::123456789012:role/x'],
      '--role-arn does not apply with --source dynamodb',
    ],
    [
      ['--application-id', APP_ID, '--format', 'CSV'],
      '--format only applies with --source customer-profiles or dynamodb',
    ],
    [['--source', 'customer-profiles', '--segment-definition', 'vip'], '--domain: is required'],
    [
      ['--source', 'customer-profiles', '--domain', 'crm', '--segment-definition', 'vip', '--format', 'XML'],
      '--format: must be one of JSONL, CSV, ORC',
    ],
    [['--source', 'dynamodb'], '--table: is required'],
    // Said of what was typed, not of the ARN a name would have become.
    [['--source', 'dynamodb', '--table', 'bad name!'], '--table: "bad name!" is not a table name'],
    [['--source', 'dynamodb', '--table', 'arn:aws:dynamodb:eu-west-1:1:table/x'], 'nor a table ARN'],
    [
      ['--source', 'dynamodb', '--table', 'orders', '--format', 'CSV'],
      '--format: must be one of DYNAMODB_JSON, ION',
    ],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['status'], 'status needs the execution name or ARN'],
    [['status', 'not a name'], 'is not an execution name'],
    [['list', '--max', '1000'], '--max must be a whole number from 1 to 100'],
  ])('exits 2 with one line naming the option for %j', async (argv, expected) => {
    // Arrange
    const cli = harness();

    // Act
    const code = await cli.run(argv);

    // Assert
    expect(code).toBe(2);
    expect(cli.stderr()).toContain(expected);
    expect(cli.stderr().trimEnd().split('\n')).toHaveLength(1);
    expect(cli.stdout()).toBe('');
    expect(sfn.calls()).toHaveLength(0);
    expect(cloudFormation.calls()).toHaveLength(0);
  });

  it('validates a --local request with the same rules, without starting the local run', async () => {
    // Arrange
    const cli = harness();

    // Act
    const code = await cli.run([
      '--local',
      '--application-id',
      APP_ID,
      '--segment-version=-1',
      '--segment-id',
      's',
    ]);

    // Assert
    expect(code).toBe(2);
    expect(cli.stderr()).toContain('--segment-version: must be a positive integer');
    expect(cli.deps.runLocal).not.toHaveBeenCalled();
  });

  it('reports the mistake as JSON naming the option with --json', async () => {
    // Arrange
    const cli = harness();

    // Act
    const code = await cli.run([
      '--json',
      '--application-id',
      APP_ID,
      '--segment-id',
      's1',
      '--segment-version',
      'x',
    ]);

    // Assert
    expect(code).toBe(2);
    expect(JSON.parse(cli.stdout())).toEqual({
      command: 'start',
      error: {
        kind: 'input',
        message: '--segment-version: must be a positive integer, got "x"',
        option: '--segment-version',
      },
      exitCode: 2,
    });
    expect(cli.stderr()).toBe('');
  });
});

describe('command line', () => {
  it('starts by default and with the explicit start command alike', () => {
    expect(parseCommand(['--application-id', APP_ID])).toEqual(
      parseCommand(['start', '--application-id', APP_ID]),
    );
  });

  it('defaults to the dev stage and 20 listed runs', () => {
    expect(parseCommand(['list'])).toMatchObject({
      name: 'list',
      max: 20,
      common: { stage: 'dev', json: false },
    });
  });

  it.each([
    [['--help'], 'npm run export -- [start] --application-id'],
    [['start', '--help'], '--segment-version <n>'],
    [['status', '--help'], 'npm run export -- status <execution name or ARN>'],
    [['list', '-h'], '--max <n>'],
    [['help', 'list'], '--max <n>'],
  ])('explains the options with an example for %j', async (argv, expected) => {
    // Arrange
    const cli = harness();

    // Act
    const code = await cli.run(argv);

    // Assert
    expect(code).toBe(0);
    expect(cli.stdout()).toContain(expected);
    expect(cli.stdout()).toMatch(/Examples?:\n {2}npm run export -- /);
    expect(sfn.calls()).toHaveLength(0);
  });
});
