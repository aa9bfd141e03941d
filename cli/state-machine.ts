import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { namesOf } from '../deploy/names.ts';
import type { CommonOptions } from './args.ts';
import { awsFailure, CliError, isAwsError } from './errors.ts';

/*
 * Which state machine to talk to: --state-machine-arn, or the StateMachineArn
 * output of the stage's stack (serverless.yml names it
 * scheduled-exports-<stage>).
 */

export const STATE_MACHINE_OUTPUT = 'StateMachineArn';

/** The stage's CloudFormation stack, as the stack itself names it (deploy/names.ts). */
export function stackNameFor(stage: string): string {
  return namesOf(stage).stack;
}

/**
 * One output of the stage's stack. `override` is the option that names the value
 * instead (for the hints); `missing` says why the output may be absent.
 */
export async function stackOutput(
  common: CommonOptions,
  cloudFormation: (region: string | undefined) => CloudFormationClient,
  output: string,
  override: string,
  missing: string,
): Promise<string> {
  const stackName = stackNameFor(common.stage);
  const where = common.region
    ? ` in ${common.region}`
    : ' in your default AWS region (pass --region if the stage is deployed elsewhere)';
  const deployHint = `deploy it first (npm run deploy -- --stage ${common.stage}) or pass ${override}`;
  let outputs: Array<{ OutputKey?: string | undefined; OutputValue?: string | undefined }>;
  try {
    const response = await cloudFormation(common.region).send(
      new DescribeStacksCommand({ StackName: stackName }),
    );
    outputs = response.Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    const e = error as { name?: string; message?: string };
    if (e.name === 'ValidationError' && /does not exist/i.test(e.message ?? '')) {
      throw new CliError('aws', `stack ${stackName} was not found${where}: ${deployHint}`, undefined, {
        cause: error,
      });
    }
    if (!isAwsError(error)) throw error;
    throw awsFailure(error, `reading the outputs of stack ${stackName}`);
  }
  const value = outputs.find((o) => o.OutputKey === output)?.OutputValue;
  if (!value) {
    throw new CliError(
      'aws',
      `stack ${stackName}${where} has no ${output} output (${missing}): ${deployHint}`,
    );
  }
  return value;
}

export async function resolveStateMachineArn(
  common: CommonOptions,
  cloudFormation: (region: string | undefined) => CloudFormationClient,
): Promise<string> {
  if (common.stateMachineArn) return common.stateMachineArn;
  return stackOutput(
    common,
    cloudFormation,
    STATE_MACHINE_OUTPUT,
    '--state-machine-arn',
    'is the deploy finished?',
  );
}
