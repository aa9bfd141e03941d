import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CustomerProfilesClient } from '@aws-sdk/client-customer-profiles';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { PinpointClient } from '@aws-sdk/client-pinpoint';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { parse } from 'yaml';
import type { SourceId } from '../core/types.ts';
import { missingStageFileError, STAGES_DIR } from '../deploy/stack.ts';
import {
  type ExportTarget,
  parseStageConfig,
  type StageConfig,
  StageConfigError,
} from '../deploy/stage-config.ts';
import { customerProfilesDoctor } from '../sources/customer-profiles/doctor.ts';
import type {
  CheckResult,
  CheckStatus,
  DoctorClients,
  DoctorContext,
  SourceDoctor,
} from '../sources/doctor.ts';
import { dynamoDbDoctor } from '../sources/dynamodb/doctor.ts';
import { pinpointDoctor } from '../sources/pinpoint/doctor.ts';
import type { Command } from './args.ts';
import type { CliDeps, CommandResult } from './command.ts';
import { checkBuckets } from './doctor/bucket.ts';
import { checkSubscriptions } from './doctor/notifications.ts';
import { checkRoles } from './doctor/roles.ts';
import { checkLedger, checkSchedules, readStack } from './doctor/stack.ts';
import { CliError, ExitCode } from './errors.ts';

/*
 * `npm run export -- doctor --stage <stage>`: everything a first night needs that can be checked
 * without starting an export, against whatever the credentials and AWS_ENDPOINT_URL_* reach. The
 * stage file is read by the stack's own reader; every check only reads. Run it after
 * `npm run deploy` and before enabling a schedule.
 */

/** Each source's checks (sources/<id>/doctor.ts): a new source must add its own. */
const SOURCE_DOCTORS = {
  pinpoint: pinpointDoctor,
  'customer-profiles': customerProfilesDoctor,
  dynamodb: dynamoDbDoctor,
} satisfies Record<SourceId, SourceDoctor<never>>;

const doctorOf = (target: ExportTarget) => SOURCE_DOCTORS[target.source] as SourceDoctor<ExportTarget>;

/** Reads and validates `config/stages/<stage>.yml` (deploy/stage-config.ts); a problem is a usage error. */
export function readStageFile(stage: string, dir: string = STAGES_DIR): StageConfig {
  const file = join(dir, `${stage}.yml`);
  try {
    if (!existsSync(file)) throw missingStageFileError(stage, dir);
    return parseStageConfig(parse(readFileSync(file, 'utf8')), stage);
  } catch (error) {
    if (error instanceof StageConfigError) throw new CliError('usage', error.message, '--stage');
    throw new CliError(
      'usage',
      `config/stages/${stage}.yml cannot be read: ${(error as Error).message}`,
      '--stage',
    );
  }
}

/** Clients in `region`; each honours its AWS_ENDPOINT_URL_* variable, S3 path-style when S3_FORCE_PATH_STYLE says so. */
export function doctorClients(region: string): DoctorClients {
  const config = { region, maxAttempts: 2 };
  return {
    cloudFormation: new CloudFormationClient(config),
    scheduler: new SchedulerClient(config),
    dynamodb: new DynamoDBClient(config),
    s3: new S3Client({ ...config, forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true' }),
    sns: new SNSClient(config),
    iam: new IAMClient(config),
    pinpoint: new PinpointClient(config),
    profiles: new CustomerProfilesClient(config),
  };
}

/** Every check of the stage, in the order they print: the stage's shared resources, then each target's. */
export async function diagnose(
  config: StageConfig,
  region: string,
  clients: DoctorClients,
  now: Date,
): Promise<CheckResult[]> {
  const base = { config, region, clients, now };
  const { stack, result: stackResult } = await readStack(base);
  const ctx: DoctorContext = { ...base, stack };
  const shared = [
    stackResult,
    ...(await checkLedger(ctx)),
    ...(await checkSubscriptions(ctx)),
    ...(await checkBuckets(ctx)),
  ];
  const perTarget: CheckResult[] = [];
  for (const target of config.targets) perTarget.push(...(await doctorOf(target).checks(target, ctx)));
  const schedules = await checkSchedules(ctx);
  const roles = await checkRoles(
    ctx,
    config.targets.flatMap((target) => doctorOf(target).needs(target, ctx)),
  );
  return [...shared, ...roles, ...perTarget, ...schedules];
}

const counts = (results: readonly CheckResult[]) =>
  Object.fromEntries(
    (['OK', 'WARN', 'FAIL'] as const).map((s) => [s, results.filter((r) => r.status === s).length]),
  ) as Record<CheckStatus, number>;

/** The checks as an operator reads them: the stage's, then one block per target; each WARN/FAIL with its fix. */
export function formatDoctor(config: StageConfig, region: string, results: readonly CheckResult[]): string {
  const line = (r: CheckResult) =>
    `  ${r.status.padEnd(5)} ${r.check.padEnd(13)}${r.detail}${r.fix ? `\n  ${''.padEnd(5)} ${''.padEnd(13)}fix: ${r.fix}` : ''}`;
  const blocks = [`stage ${config.stage}`, ...results.filter((r) => !r.target).map(line)];
  for (const target of config.targets) {
    const own = results.filter((r) => r.target === target.name);
    if (own.length > 0) blocks.push('', `target ${target.name} (${target.source})`, ...own.map(line));
  }
  const n = counts(results);
  const verdict =
    n.FAIL > 0
      ? 'fix every FAIL before enabling a schedule, then run the doctor again.'
      : n.WARN > 0
        ? 'nothing fails; read the WARN lines before enabling a schedule.'
        : 'ready: the schedules may be enabled.';
  return `Doctor: stage ${config.stage} in ${region}\n\n${blocks.join('\n')}\n\n${n.OK} OK, ${n.WARN} WARN, ${n.FAIL} FAIL: ${verdict}\n`;
}

/** `doctor`: exit 0 when nothing FAILs, 1 otherwise. */
export async function doctor(
  command: Extract<Command, { name: 'doctor' }>,
  deps: CliDeps,
): Promise<CommandResult> {
  const config = readStageFile(command.common.stage);
  const region =
    command.common.region ?? config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region)
    throw new CliError(
      'usage',
      'no AWS region: the stage file names none; pass --region or set AWS_REGION',
      '--region',
    );
  const clients = doctorClients(region);
  let results: CheckResult[];
  try {
    results = await diagnose(config, region, clients, deps.now());
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
  if (!command.common.json) deps.stdout.write(formatDoctor(config, region, results));
  const n = counts(results);
  return {
    exitCode: n.FAIL > 0 ? ExitCode.ExportFailed : ExitCode.Ok,
    json: { command: 'doctor', stage: config.stage, region, counts: n, checks: results },
  };
}
