import { describe, expect, it } from 'vitest';
import { buildExecutionInput } from '../../cli/input.ts';
import { resolveIntrinsics } from '../../deploy/intrinsics.ts';
import { contextOf } from '../../deploy/resources.ts';
import { scheduleInputOf } from '../../deploy/schedules.ts';
import { parseStageConfig } from '../../deploy/stage-config.ts';
import { localInput } from '../../dev/local/source-inputs.ts';

/*
 * A source's execution input is built in one place (sources/<id>/input.ts): the same export,
 * said as a target in the stage file, as the CLI's options or as a local run's options, is the
 * same input.
 */

const WHERE = { region: 'eu-west-1', account: '123456789012' };
const BUCKET = 'team-exports';
const SCHEDULED = '2026-11-28T02:00:00Z';
const when = { cron: '0 3 * * ? *', timezone: 'UTC', enabled: true };

/** The input the target's schedule sends, deployed in WHERE, at SCHEDULED. */
function scheduleInput(target: Record<string, unknown>): Record<string, unknown> {
  const config = parseStageConfig(
    { exportDestination: { bucketName: BUCKET, keyPrefix: 'exports/' }, targets: [{ ...when, ...target }] },
    'qa',
  );
  const json = resolveIntrinsics(scheduleInputOf(config.targets[0]!, contextOf(config)), {
    ...WHERE,
    ref: (id) => id,
    getAtt: (id) => id,
  });
  const { Target: _, ...input } = JSON.parse(
    String(json).replace('<aws.scheduler.scheduled-time>', SCHEDULED),
  );
  return input;
}

const cases = [
  {
    source: 'pinpoint',
    target: {
      name: 'vip',
      ApplicationId: '0123456789abcdef0123456789abcdef',
      SegmentId: 'fedcba9876543210fedcba9876543210',
      SegmentVersion: 3,
      prefix: 'vip/{date}/',
    },
    options: {
      applicationId: '0123456789abcdef0123456789abcdef',
      segmentId: 'fedcba9876543210fedcba9876543210',
      s3UrlPrefix: `s3://${BUCKET}/exports/vip/{date}/`,
    },
    segmentVersion: 3,
  },
  {
    source: 'customer-profiles',
    target: {
      name: 'vip',
      source: 'customer-profiles',
      domain: 'crm',
      segmentDefinition: 'vip-customers',
      format: 'CSV',
    },
    options: {
      source: 'customer-profiles',
      domain: 'crm',
      segmentDefinition: 'vip-customers',
      format: 'CSV',
    },
  },
  {
    source: 'dynamodb',
    target: { name: 'orders', source: 'dynamodb', table: 'orders', mode: 'incremental', format: 'ION' },
    options: { source: 'dynamodb', table: 'orders', incremental: true, format: 'ION' },
  },
  {
    source: 'dynamodb',
    target: { name: 'orders', source: 'dynamodb', table: 'orders', mode: 'full' },
    options: { source: 'dynamodb', table: 'orders' },
  },
] as const;

describe("a source's execution input", () => {
  it.each(cases)('$source: the schedule, the CLI and a local run send the same input', async (c) => {
    const schedule = scheduleInput(c.target);
    const segmentVersion = 'segmentVersion' in c ? c.segmentVersion : undefined;
    const cli = buildExecutionInput(
      {
        ...c.options,
        ...(segmentVersion === undefined ? {} : { segmentVersion: String(segmentVersion) }),
        scheduledTime: SCHEDULED,
      },
      WHERE,
    );
    const local = await localInput(
      { ...c.options, ...(segmentVersion === undefined ? {} : { segmentVersion }) },
      SCHEDULED,
      'table' in c.options
        ? `arn:aws:dynamodb:${WHERE.region}:${WHERE.account}:table/${c.options.table}`
        : undefined,
    );

    expect(cli).toEqual(schedule);
    expect(local).toEqual(schedule);
    // The same fields in the same order: one builder.
    expect(JSON.stringify(cli)).toBe(JSON.stringify(schedule));
    expect(JSON.stringify(local)).toBe(JSON.stringify(schedule));
  });
});
