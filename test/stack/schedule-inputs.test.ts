import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputDefaultsOf } from '../../functions/create-export-job/create-export-job.ts';
import { loadCreateExportJobConfig } from '../../functions/shared/config.ts';
import { sourceOf } from '../../sources/ids.ts';
import { resolveExecutionInput } from '../../sources/input.ts';
import { cleanUp, type Packaged, packageStage } from './packaged.ts';

/*
 * What the packaged stack's schedules send is valid input for the create function as
 * the stack configures it: each schedule's Input, with CloudFormation's intrinsics
 * resolved for an account and EventBridge Scheduler's <aws.scheduler.scheduled-time>
 * filled in, goes through the very validation create-export-job runs, with the
 * defaults the template gives the function's environment. A stage setting the stack
 * accepts but the function would refuse every night fails here, at packaging.
 */

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const BUCKET = 'exports-bucket-example';
const SCHEDULED = '2026-11-28T02:00:00Z';

type Json = unknown;

/** CloudFormation's intrinsics as this template uses them, for one account and the export bucket. */
function resolveIntrinsics(value: Json): Json {
  if (Array.isArray(value)) return value.map(resolveIntrinsics);
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, Json>;
  if ('Fn::Sub' in object) {
    const [template, vars] = Array.isArray(object['Fn::Sub'])
      ? (object['Fn::Sub'] as [string, Record<string, Json>])
      : [object['Fn::Sub'] as string, {}];
    return template.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      if (name in vars) return String(resolveIntrinsics(vars[name]));
      return (
        { 'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT }[name] ?? `<${name}>`
      );
    });
  }
  if ('Ref' in object) return object.Ref === 'ExportBucket' ? BUCKET : `ref-${String(object.Ref)}`;
  if ('Fn::GetAtt' in object) {
    const [logicalId] = object['Fn::GetAtt'] as [string, string];
    return `arn:aws:iam::${ACCOUNT}:role/${logicalId}`;
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolveIntrinsics(v)]));
}

describe('the prod schedules send input the create function accepts', () => {
  let prod: Packaged;
  beforeAll(async () => {
    prod = await packageStage('prod');
  }, 300_000);
  afterAll(() => cleanUp(prod));

  const resources = () =>
    prod.template.Resources as Record<string, { Type: string; Properties: Record<string, Json> }>;
  const schedules = () =>
    Object.entries(resources()).filter(([, r]) => r.Type === 'AWS::Scheduler::Schedule');

  it('has a schedule of every source', () => {
    const sources = schedules().map(([, r]) => {
      const input = JSON.parse(String(resolveIntrinsics((r.Properties.Target as { Input: Json }).Input))) as {
        Source?: string;
      };
      return input.Source ?? 'pinpoint';
    });
    expect(new Set(sources)).toEqual(new Set(['pinpoint', 'customer-profiles', 'dynamodb']));
  });

  it('resolves every schedule input with the defaults the stack gives create-export-job', () => {
    const env = resolveIntrinsics(
      (resources().CreateDashexportDashjobLambdaFunction!.Properties.Environment as { Variables: Json })
        .Variables,
    ) as Record<string, string>;
    const config = loadCreateExportJobConfig({ ...env, RUN_LEDGER_TABLE: 'runs' });
    for (const [name, resource] of schedules()) {
      const text = String(resolveIntrinsics((resource.Properties.Target as { Input: Json }).Input)).replace(
        '<aws.scheduler.scheduled-time>',
        SCHEDULED,
      );
      const request = resolveExecutionInput(
        JSON.parse(text),
        inputDefaultsOf(config),
        '2026-11-28T02:00:03Z',
      );
      expect(request.ScheduledTime, name).toBe('2026-11-28T02:00:00.000Z');
      // Every destination is the stage's bucket, under its key prefix.
      const where = JSON.stringify(request);
      expect(where, name).toContain(BUCKET);
      expect(where, name).toMatch(/exports\//);
      expect(sourceOf(request), name).toBe((JSON.parse(text) as { Source?: string }).Source ?? 'pinpoint');
    }
  });
});
