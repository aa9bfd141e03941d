import { describe, expect, it } from 'vitest';
import { environmentOf } from '../../deploy/resources.ts';
import { parseStageConfig } from '../../deploy/stage-config.ts';
import { DEFAULT_BUCKET } from '../../dev/emulator/index.ts';
import { loadCreateExportJobConfig } from '../../functions/shared/config.ts';
import { PROFILES_DEFAULTS } from '../../sources/customer-profiles/settings.ts';
import { DEFAULT_DYNAMODB_PREFIX, DYNAMODB_DEFAULTS } from '../../sources/dynamodb/settings.ts';
import { resolveExecutionInput } from '../../sources/input.ts';
import { LOCAL_BUCKET } from '../../sources/local.ts';
import { DEFAULT_PREFIX_TEMPLATE, PINPOINT_DEFAULTS } from '../../sources/pinpoint/settings.ts';
import { INPUT_DEFAULTS, localInputDefaults, localInputEnvironment } from '../../sources/settings.ts';

const LOCAL_INPUT_DEFAULTS = localInputDefaults();

/*
 * Each source's stage defaults are declared once (sources/<id>/settings.ts): the variable that
 * carries each to create-export-job, which the stack sets, the function reads and a local run
 * sets too, with the local value beside it.
 */

const when = { cron: '0 3 * * ? *', timezone: 'Europe/Berlin', enabled: true };
const TARGETS = {
  pinpoint: { name: 'endpoints', ApplicationId: '0123456789abcdef0123456789abcdef', ...when },
  'customer-profiles': {
    name: 'vip',
    source: 'customer-profiles',
    domain: 'crm',
    segmentDefinition: 'vip',
    ...when,
  },
  dynamodb: { name: 'orders', source: 'dynamodb', table: 'orders', ...when },
};
const DECLARED = {
  pinpoint: PINPOINT_DEFAULTS,
  'customer-profiles': PROFILES_DEFAULTS,
  dynamodb: DYNAMODB_DEFAULTS,
};
const variablesOf = (settings: Record<string, { env: string }>) =>
  Object.values(settings)
    .map((s) => s.env)
    .sort();

describe("a source's stage defaults", () => {
  it.each(Object.keys(TARGETS) as (keyof typeof TARGETS)[])(
    '%s: the stack sets create-export-job the variables it declares, and no other source does',
    (source) => {
      const config = parseStageConfig({ targets: [TARGETS[source]] }, 'qa');
      const env = environmentOf(config).createExportJob;
      const declared: string[] = Object.values(INPUT_DEFAULTS).map((s) => s.env);

      expect(
        Object.keys(env)
          .filter((name) => declared.includes(name))
          .sort(),
      ).toEqual(variablesOf(DECLARED[source]));
    },
  );

  it('are every source’s, each variable read into the name the input validation reads', () => {
    expect(Object.keys(INPUT_DEFAULTS).sort()).toEqual(
      Object.values(DECLARED)
        .flatMap((settings) => Object.keys(settings))
        .sort(),
    );
    const env = Object.fromEntries(Object.values(INPUT_DEFAULTS).map((s) => [s.env, `value of ${s.env}`]));
    const { inputDefaults } = loadCreateExportJobConfig({ ...env, RUN_LEDGER_TABLE: 'runs' });

    expect(inputDefaults).toEqual(
      Object.fromEntries(Object.entries(INPUT_DEFAULTS).map(([name, s]) => [name, `value of ${s.env}`])),
    );
  });

  it('give a local run what a stage of the same templates would, in the emulator’s bucket', () => {
    expect(LOCAL_BUCKET).toBe(DEFAULT_BUCKET);
    expect(localInputEnvironment()).toEqual(
      Object.fromEntries(Object.values(INPUT_DEFAULTS).map((s) => [s.env, s.local])),
    );
    // The local run's prefix is the stage's default one (a local run has no key prefix), a folder per run.
    expect(DEFAULT_DYNAMODB_PREFIX).toBe('dynamodb/{TableName}/{date}/');
    expect(LOCAL_INPUT_DEFAULTS.DynamoDbPrefix).toBe('dynamodb/{TableName}/{timestamp}/');
    expect(LOCAL_INPUT_DEFAULTS.DynamoDbBucket).toBe(LOCAL_BUCKET);
    expect(LOCAL_INPUT_DEFAULTS.S3UrlPrefix).toBe(`s3://${LOCAL_BUCKET}/pinpoint/${DEFAULT_PREFIX_TEMPLATE}`);
    const environment = environmentOf(
      parseStageConfig(
        { exportDestination: { bucketName: LOCAL_BUCKET, keyPrefix: 'x/' }, targets: Object.values(TARGETS) },
        'qa',
      ),
    ).createExportJob;
    expect(environment.PROFILES_DESTINATION).toBe(
      LOCAL_INPUT_DEFAULTS.ProfilesDestination.replace(`${LOCAL_BUCKET}/`, `${LOCAL_BUCKET}/x/`),
    );
    expect(environment.DYNAMODB_EXPORT_PREFIX).toBe(`x/${DEFAULT_DYNAMODB_PREFIX}`);
  });

  it.each([
    { ApplicationId: '0123456789abcdef0123456789abcdef' },
    { Source: 'customer-profiles', DomainName: 'crm', SegmentDefinitionName: 'vip' },
    { Source: 'dynamodb', TableArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/orders' },
  ])('complete a local input the create function accepts: %o', (input) => {
    const time = '2026-11-28T02:00:00Z';
    expect(() =>
      resolveExecutionInput({ ...input, ScheduledTime: time }, LOCAL_INPUT_DEFAULTS, time),
    ).not.toThrow();
  });
});
