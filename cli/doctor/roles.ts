import { type ContextEntry, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { FUNCTIONS, type FunctionKey } from '../../core/functions.ts';
import { MANIFEST_NAME } from '../../core/verification-sizing.ts';
import { targetsOf } from '../../deploy/source-stacks.ts';
import type { CheckResult, DoctorContext, RoleKey, RoleNeed } from '../../sources/doctor.ts';
import { couldNotCheck } from '../../sources/doctor.ts';
import { IDS } from '../../sources/stack/cfn.ts';

/*
 * Whether the roles can do what a run needs, asked of IAM's policy simulator
 * (iam:SimulatePrincipalPolicy: the role's own policies, as IAM evaluates them, on the stage's
 * real resources). Where the caller may not simulate, or the endpoint does not serve it (our
 * emulator, moto), the doctor says it could not check rather than guess.
 */

const FUNCTION_ROLES: Record<FunctionKey, string> = IDS.roles;

const ROLE_WORDS: Record<RoleKey, string> = {
  ...FUNCTIONS,
  pinpointExport: 'Pinpoint export role',
  profilesExport: 'Customer Profiles export role',
};

/** Each role's ARN, from the stack's resources (or the stage's own roles). */
function roleArns(ctx: DoctorContext): Partial<Record<RoleKey, string>> {
  const stack = ctx.stack;
  const account = stack?.account;
  if (!stack || !account) return {};
  const arnOf = (name: string | undefined) => (name ? `arn:aws:iam::${account}:role/${name}` : undefined);
  const arns: Partial<Record<RoleKey, string>> = {};
  for (const [key, logicalId] of Object.entries(FUNCTION_ROLES)) {
    const arn = arnOf(stack.resources[logicalId]);
    if (arn) arns[key as RoleKey] = arn;
  }
  const pinpoint = ctx.config.exportDestination.roleArn ?? stack.outputs.ExportRoleArn;
  if (pinpoint) arns.pinpointExport = pinpoint;
  const profiles =
    ctx.config.exportDestination.profilesRoleArn ?? arnOf(stack.resources[IDS.profilesExportRole]);
  if (profiles) arns.profilesExport = profiles;
  return arns;
}

/**
 * What every run needs whatever its source: the run ledger, the summary topic, and the
 * verification's S3 access (its three functions list and read the export's files, the last
 * writes `_manifest.json`: deploy/resources.ts verificationStatements).
 */
function stageNeeds(ctx: DoctorContext): RoleNeed[] {
  const stack = ctx.stack;
  if (!stack?.account) return [];
  const needs: RoleNeed[] = [];
  const ledger = stack.outputs.RunLedgerTableName;
  if (ledger) {
    const table = `arn:aws:dynamodb:${ctx.region}:${stack.account}:table/${ledger}`;
    needs.push(
      {
        role: 'createExportJob',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        resource: table,
      },
      { role: 'publishSummary', actions: ['dynamodb:UpdateItem', 'dynamodb:Query'], resource: table },
    );
  }
  const topic = stack.outputs.SummaryTopicArn;
  if (topic) needs.push({ role: 'publishSummary', actions: ['sns:Publish'], resource: topic });
  const bucket = stack.outputs.ExportBucketName ?? ctx.config.exportDestination.bucketName;
  const prefix = ctx.config.exportDestination.keyPrefix;
  if (bucket) {
    const object = `arn:aws:s3:::${bucket}/${prefix}doctor-check`;
    for (const role of ['verifyExport', 'countExportBatch', 'finishVerification'] as const)
      needs.push(
        {
          role,
          actions: ['s3:ListBucket'],
          resource: `arn:aws:s3:::${bucket}`,
          context: { 's3:prefix': `${prefix}doctor/` },
        },
        { role, actions: ['s3:GetObject'], resource: object },
      );
    needs.push({
      role: 'finishVerification',
      actions: ['s3:PutObject'],
      resource: `arn:aws:s3:::${bucket}/${prefix}doctor/${MANIFEST_NAME}`,
    });
    if (targetsOf(ctx.config, 'pinpoint').length > 0)
      needs.push({ role: 'pinpointExport', actions: ['s3:PutObject'], resource: object });
    if (targetsOf(ctx.config, 'customer-profiles').length > 0)
      needs.push({
        role: 'profilesExport',
        actions: ['s3:PutObject'],
        resource: `arn:aws:s3:::${bucket}/${prefix}customer-profiles/doctor-check`,
      });
  }
  return needs;
}

const contextEntries = (context: Record<string, string> | undefined): ContextEntry[] =>
  Object.entries(context ?? {}).map(([key, value]) => ({
    ContextKeyName: key,
    ContextKeyValues: [value],
    ContextKeyType: 'string',
  }));

/** One line per role: every action a run needs allowed, or what is denied. */
export async function checkRoles(ctx: DoctorContext, sourceNeeds: RoleNeed[]): Promise<CheckResult[]> {
  if (!ctx.stack)
    return [
      {
        check: 'roles',
        status: 'WARN',
        detail: 'could not check the roles: the stack is not deployed',
        fix: `deploy the stage (npm run deploy -- --stage ${ctx.config.stage}), then run the doctor again`,
      },
    ];
  const arns = roleArns(ctx);
  const needs = [...stageNeeds(ctx), ...sourceNeeds];
  const results: CheckResult[] = [];
  for (const role of Object.keys(ROLE_WORDS) as RoleKey[]) {
    const own = needs.filter((n) => n.role === role);
    if (own.length === 0) continue;
    const arn = arns[role];
    if (!arn) {
      results.push({
        check: 'role',
        status: 'WARN',
        detail: `could not check the ${ROLE_WORDS[role]} role: the stack does not name it`,
        fix: `redeploy (npm run deploy -- --stage ${ctx.config.stage}), then run the doctor again`,
      });
      continue;
    }
    const denied: string[] = [];
    try {
      for (const need of own) {
        const answer = await ctx.clients.iam.send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: arn,
            ActionNames: need.actions,
            ResourceArns: [need.resource],
            ...(need.context ? { ContextEntries: contextEntries(need.context) } : {}),
          }),
        );
        for (const result of answer.EvaluationResults ?? [])
          if (result.EvalDecision !== 'allowed')
            denied.push(`${result.EvalActionName} on ${need.resource} (${result.EvalDecision})`);
      }
    } catch (error) {
      // The same answer would come for every role: say it once.
      return [
        ...results,
        couldNotCheck(
          'roles',
          "the roles' permissions (iam:SimulatePrincipalPolicy)",
          error,
          "iam:SimulatePrincipalPolicy on the stage's roles",
        ),
      ];
    }
    const actions = own.reduce((sum, n) => sum + n.actions.length, 0);
    results.push(
      denied.length === 0
        ? {
            check: 'role',
            status: 'OK',
            detail: `${ROLE_WORDS[role]} may do the ${actions} action(s) a run needs`,
          }
        : {
            check: 'role',
            status: 'FAIL',
            detail: `${ROLE_WORDS[role]} is denied ${denied.join('; ')}`,
            fix: `redeploy from this stage file (npm run deploy -- --stage ${ctx.config.stage}); if it is deployed, look for a permissions boundary or an SCP denying it`,
          },
    );
  }
  return results;
}
