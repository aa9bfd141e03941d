import {
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { GetScheduleCommand } from '@aws-sdk/client-scheduler';
import { namesOf } from '../../deploy/names.ts';
import {
  type CheckResult,
  couldNotCheck,
  type DeployedStack,
  type DoctorContext,
  failureOf,
} from '../../sources/doctor.ts';
import { describeTable } from '../../sources/dynamodb/table-arn.ts';

/*
 * The deployed stage: its CloudFormation stack (deployed, and in a state that runs), the run
 * ledger table it created, and one EventBridge Scheduler schedule per target.
 */

const deployFix = (stage: string) => `deploy it: npm run deploy -- --stage ${stage}`;

/** The stage's stack as deployed, and the verdict on it. */
export async function readStack(ctx: Omit<DoctorContext, 'stack'>): Promise<{
  stack: DeployedStack | undefined;
  result: CheckResult;
}> {
  const name = namesOf(ctx.config.stage).stack;
  let described: DescribeStacksCommandOutput;
  try {
    described = await ctx.clients.cloudFormation.send(new DescribeStacksCommand({ StackName: name }));
  } catch (error) {
    const f = failureOf(error);
    if (f.name === 'ValidationError' && /does not exist/i.test(f.message))
      return {
        stack: undefined,
        result: {
          check: 'stack',
          status: 'FAIL',
          detail: `stack ${name} is not deployed in ${ctx.region}`,
          fix: deployFix(ctx.config.stage),
        },
      };
    return {
      stack: undefined,
      result: couldNotCheck('stack', `stack ${name}`, error, 'cloudformation:DescribeStacks'),
    };
  }
  const found = described.Stacks?.[0];
  const status = found?.StackStatus ?? 'UNKNOWN';
  const outputs = Object.fromEntries(
    (found?.Outputs ?? []).flatMap((o) =>
      o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [],
    ),
  );
  const resources: Record<string, string> = {};
  try {
    let token: string | undefined;
    do {
      const page = await ctx.clients.cloudFormation.send(
        new ListStackResourcesCommand({ StackName: name, ...(token ? { NextToken: token } : {}) }),
      );
      for (const r of page.StackResourceSummaries ?? [])
        if (r.LogicalResourceId && r.PhysicalResourceId)
          resources[r.LogicalResourceId] = r.PhysicalResourceId;
      token = page.NextToken;
    } while (token);
  } catch {
    // The roles' names come from here; the roles check says it could not simulate without them.
  }
  const account = /^arn:[^:]+:states:[^:]*:(\d{12}):/.exec(outputs.StateMachineArn ?? '')?.[1];
  const stack: DeployedStack = { name, status, outputs, resources, ...(account ? { account } : {}) };
  const broken = /FAILED|ROLLBACK|DELETE/.test(status);
  const busy = /IN_PROGRESS/.test(status);
  return {
    stack,
    result: {
      check: 'stack',
      status: broken ? 'FAIL' : busy ? 'WARN' : 'OK',
      detail: `stack ${name} ${broken ? 'is' : 'deployed,'} ${status}`,
      ...(broken
        ? {
            fix: `see its events (aws cloudformation describe-stack-events --stack-name ${name}), fix the cause, then ${deployFix(ctx.config.stage)}`,
          }
        : busy
          ? { fix: 'wait until the deployment ends, then run the doctor again' }
          : {}),
    },
  };
}

/** The run ledger table the stack created. */
export async function checkLedger(ctx: DoctorContext): Promise<CheckResult[]> {
  const table = ctx.stack?.outputs.RunLedgerTableName;
  if (!ctx.stack) return [];
  if (!table)
    return [
      {
        check: 'ledger',
        status: 'FAIL',
        detail: 'the stack has no RunLedgerTableName output',
        fix: deployFix(ctx.config.stage),
      },
    ];
  try {
    const described = await describeTable(ctx.clients.dynamodb, table);
    return described
      ? [{ check: 'ledger', status: 'OK', detail: `run ledger table ${table} exists` }]
      : [
          {
            check: 'ledger',
            status: 'FAIL',
            detail: `run ledger table ${table} not found`,
            fix: deployFix(ctx.config.stage),
          },
        ];
  } catch (error) {
    return [couldNotCheck('ledger', `run ledger table ${table}`, error, 'dynamodb:DescribeTable')];
  }
}

/** Each target's schedule: it exists, and it is ENABLED or DISABLED as the stage file says. */
export async function checkSchedules(ctx: DoctorContext): Promise<CheckResult[]> {
  if (!ctx.stack) return [];
  const group = ctx.stack.outputs.ScheduleGroupName ?? namesOf(ctx.config.stage).scheduleGroup;
  const results: CheckResult[] = [];
  for (const target of ctx.config.targets) {
    try {
      const schedule = await ctx.clients.scheduler.send(
        new GetScheduleCommand({ Name: target.name, GroupName: group }),
      );
      const state = schedule.State ?? 'UNKNOWN';
      const wanted = target.enabled ? 'ENABLED' : 'DISABLED';
      results.push(
        state === wanted
          ? {
              check: 'schedule',
              target: target.name,
              status: 'OK',
              detail: `schedule ${state}${target.enabled ? '' : ' (enabled: false in the stage file: set it true and redeploy once every check passes)'}`,
            }
          : {
              check: 'schedule',
              target: target.name,
              status: 'WARN',
              detail: `schedule ${state}, but the stage file says enabled: ${target.enabled}`,
              fix: `redeploy (npm run deploy -- --stage ${ctx.config.stage}) so the schedule is what the stage file says`,
            },
      );
    } catch (error) {
      const f = failureOf(error);
      results.push(
        f.name === 'ResourceNotFoundException'
          ? {
              check: 'schedule',
              target: target.name,
              status: 'FAIL',
              detail: `no schedule ${target.name} in group ${group}: the target never runs`,
              fix: `redeploy (npm run deploy -- --stage ${ctx.config.stage}): the stack creates one schedule per target`,
            }
          : couldNotCheck('schedule', `schedule ${target.name}`, error, 'scheduler:GetSchedule', target.name),
      );
    }
  }
  return results;
}
