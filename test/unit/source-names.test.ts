import { describe, expect, it } from 'vitest';
import { InvalidExportInputError } from '../../core/errors.ts';
import { LONGEST_TIME_VALUES, TIME_PLACEHOLDERS, timeValues } from '../../core/input-rules.ts';
import { parseStageConfig, StageConfigError } from '../../deploy/stage-config.ts';
import { tableProblem } from '../../sources/dynamodb/names.ts';
import { resolveExecutionInput } from '../../sources/input.ts';

/*
 * A source's names, patterns and limits are stated once (sources/<id>/names.ts): the execution
 * input's validation, the stage file's and the CLI's accept and refuse the same names.
 */

const SCHEDULED = '2026-11-28T02:00:00Z';
const when = { cron: '0 3 * * ? *', timezone: 'Europe/Berlin', enabled: true };

/** Whether the create function's validation accepts the input. */
function inputAccepts(raw: Record<string, unknown>): boolean {
  try {
    resolveExecutionInput(
      { ScheduledTime: SCHEDULED, ...raw },
      {
        DynamoDbBucket: 'exports-bucket',
        ProfilesRoleArn: 'arn:aws:iam::123456789012:role/profiles-export',
        ProfilesDestination: 's3://exports-bucket/profiles/',
      },
      SCHEDULED,
    );
    return true;
  } catch (error) {
    if (error instanceof InvalidExportInputError) return false;
    throw error;
  }
}

/** Whether the stage file accepts the target. */
function stageAccepts(target: Record<string, unknown>): boolean {
  try {
    parseStageConfig({ targets: [{ name: 'one', ...when, ...target }] }, 'qa');
    return true;
  } catch (error) {
    if (error instanceof StageConfigError) return false;
    throw error;
  }
}

describe("DynamoDB's table names and ARNs", () => {
  const arns = [
    ['arn:aws:dynamodb:eu-west-1:123456789012:table/orders', true],
    ['arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/orders', true],
    ['arn:aws-cn:dynamodb:cn-north-1:123456789012:table/orders', true],
    ['arn:aws-iso-b:dynamodb:us-isob-east-1:123456789012:table/orders', true],
    ['arn:aws-iso-e:dynamodb:eu-isoe-west-1:123456789012:table/orders', true],
    ['arn:aws:dynamodb:eu-west-1:123456789012:table/my_table.v2-x', true],
    ['arn:aws:dynamodb:local:123456789012:table/orders', false],
    ['arn:aws:dynamodb:eu-west-1:12345678901:table/orders', false],
    ['arn:aws:dynamodb:eu-west-1:123456789012:table/ab', false],
    ['arn:aws:dynamodb:eu-west-1:123456789012:table/orders/index/by-customer', false],
    ['arn:aws:dynamodb:eu-west-1:123456789012:table/', false],
    ['arn:aws:s3:eu-west-1:123456789012:table/orders', false],
  ] as const;

  it.each(arns)('%s: the input, the stage file and --table agree (%s)', (arn, valid) => {
    expect(inputAccepts({ Source: 'dynamodb', TableArn: arn })).toBe(valid);
    expect(stageAccepts({ source: 'dynamodb', table: arn })).toBe(valid);
    expect(tableProblem(arn) === undefined).toBe(valid);
  });

  it.each([
    ['orders', true],
    ['Orders_2026.v1-x', true],
    ['ab', false],
    ['x'.repeat(256), false],
    ['bad name!', false],
  ] as const)('the table name %s: the stage file and --table agree (%s)', (table, valid) => {
    expect(stageAccepts({ source: 'dynamodb', table })).toBe(valid);
    expect(tableProblem(table) === undefined).toBe(valid);
  });
});

describe("Customer Profiles' domain and segment definition names", () => {
  it.each([
    ['crm', true],
    ['a', true],
    ['x'.repeat(64), true],
    ['vip_customers-2026', true],
    ['x'.repeat(65), false],
    ['vip customers', false],
    ['vip.customers', false],
    ['', false],
  ] as const)('%s: the input and the stage file agree (%s)', (name, valid) => {
    expect(
      inputAccepts({ Source: 'customer-profiles', DomainName: name, SegmentDefinitionName: 'vip' }),
    ).toBe(valid);
    expect(
      inputAccepts({ Source: 'customer-profiles', DomainName: 'crm', SegmentDefinitionName: name }),
    ).toBe(valid);
    expect(stageAccepts({ source: 'customer-profiles', domain: name, segmentDefinition: 'vip' })).toBe(valid);
    expect(stageAccepts({ source: 'customer-profiles', domain: 'crm', segmentDefinition: name })).toBe(valid);
  });

  it.each([
    ['{DomainName}/{SegmentDefinitionName}/{timestamp}/', true],
    ['{date}/{year}/{month}/{day}/{hour}/', true],
    ['{TableName}/', false],
    ['{ApplicationId}/', false],
  ] as const)('the placeholders of %s: the input and the stage file agree (%s)', (prefix, valid) => {
    expect(
      inputAccepts({
        Source: 'customer-profiles',
        DomainName: 'crm',
        SegmentDefinitionName: 'vip',
        DestinationUri: `s3://exports-bucket/${prefix}`,
      }),
    ).toBe(valid);
    expect(
      stageAccepts({ source: 'customer-profiles', domain: 'crm', segmentDefinition: 'vip', prefix }),
    ).toBe(valid);
  });
});

describe('the time placeholders', () => {
  it('are one list, and the length checks use each at its longest', () => {
    expect(Object.keys(LONGEST_TIME_VALUES)).toEqual(Object.keys(TIME_PLACEHOLDERS));
    for (const time of ['2026-01-01T00:00:00Z', '2026-12-31T23:59:59Z', '1999-07-04T12:30:00Z']) {
      const values = timeValues(new Date(time));
      for (const [name, longest] of Object.entries(LONGEST_TIME_VALUES)) {
        expect(values[name as keyof typeof values].length, name).toBe(longest.length);
      }
    }
  });
});
