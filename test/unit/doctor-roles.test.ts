import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkRoles } from '../../cli/doctor/roles.ts';
import { parseStageConfig } from '../../deploy/stage-config.ts';
import type { DoctorClients, DoctorContext } from '../../sources/doctor.ts';
import { IDS } from '../../sources/stack/cfn.ts';

/*
 * The doctor's role check (cli/doctor/roles.ts) against a mocked IAM policy simulator: the
 * simulator is AWS's own evaluation, which neither our emulator nor moto serves.
 */

const iam = new IAMClient({ region: 'eu-west-1', credentials: { accessKeyId: 't', secretAccessKey: 't' } });
const iamMock = mockClient(iam);
beforeEach(() => iamMock.reset());

const ACCOUNT = '123456789012';

function context(): DoctorContext {
  const config = parseStageConfig(
    {
      exportDestination: { bucketName: 'exports' },
      targets: [
        {
          name: 'orders',
          source: 'dynamodb',
          table: 'orders',
          cron: '30 3 * * ? *',
          timezone: 'UTC',
          enabled: true,
        },
      ],
    },
    'qa',
  );
  return {
    config,
    region: 'eu-west-1',
    clients: { iam } as unknown as DoctorClients,
    now: new Date('2026-12-01T00:00:00Z'),
    stack: {
      name: 'scheduled-exports-qa',
      status: 'CREATE_COMPLETE',
      account: ACCOUNT,
      outputs: {
        RunLedgerTableName: 'qa-runs',
        SummaryTopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:qa-summary`,
      },
      resources: Object.fromEntries(Object.values(IDS.roles).map((id) => [id, `qa-${id}`])),
    },
  };
}

const allowing = (denied: string[] = []) =>
  iamMock.on(SimulatePrincipalPolicyCommand).callsFake((input: { ActionNames: string[] }) => ({
    EvaluationResults: input.ActionNames.map((action) => ({
      EvalActionName: action,
      EvalDecision: denied.includes(action) ? 'implicitDeny' : 'allowed',
    })),
  }));

describe('the doctor simulates the roles', () => {
  it('says OK per role when IAM allows every action a run needs, asking about the stage’s real ARNs', async () => {
    allowing();

    const results = await checkRoles(context(), [
      {
        role: 'createExportJob',
        actions: ['dynamodb:ExportTableToPointInTime'],
        resource: `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/orders`,
      },
    ]);

    expect(results.every((r) => r.status === 'OK')).toBe(true);
    expect(results.map((r) => r.detail)).toContain('create-export-job may do the 5 action(s) a run needs');
    const asked = iamMock.commandCalls(SimulatePrincipalPolicyCommand).map((c) => c.args[0].input);
    expect(asked[0]?.PolicySourceArn).toBe(`arn:aws:iam::${ACCOUNT}:role/qa-CreateExportJobRole`);
    expect(asked.some((i) => i.ActionNames?.includes('sns:Publish'))).toBe(true);
  });

  it("checks every function's role, the verification's three too: list and read the export's files, and write _manifest.json", async () => {
    allowing();
    const ctx = context();

    const results = await checkRoles(ctx, []);

    const asked = iamMock.commandCalls(SimulatePrincipalPolicyCommand).map((c) => c.args[0].input);
    const of = (role: string) =>
      asked
        .filter((i) => i.PolicySourceArn === `arn:aws:iam::${ACCOUNT}:role/qa-${role}`)
        .flatMap((i) => (i.ActionNames ?? []).map((a) => `${a} ${i.ResourceArns?.join(' ')}`));
    for (const role of ['VerifyExportRole', 'CountExportBatchRole', 'FinishVerificationRole']) {
      expect(of(role)).toEqual(
        expect.arrayContaining([
          's3:ListBucket arn:aws:s3:::exports',
          's3:GetObject arn:aws:s3:::exports/exports/doctor-check',
        ]),
      );
    }
    expect(of('FinishVerificationRole')).toContain(
      's3:PutObject arn:aws:s3:::exports/exports/doctor/_manifest.json',
    );
    expect(of('CountExportBatchRole')).not.toContain(
      's3:PutObject arn:aws:s3:::exports/exports/doctor/_manifest.json',
    );
    expect(results.map((r) => r.detail)).toEqual(
      expect.arrayContaining([
        'count-export-batch may do the 2 action(s) a run needs',
        'finish-verification may do the 3 action(s) a run needs',
      ]),
    );
  });

  it('FAILs a role denied an action, naming the action and the resource', async () => {
    allowing(['dynamodb:ExportTableToPointInTime']);

    const results = await checkRoles(context(), [
      {
        role: 'createExportJob',
        actions: ['dynamodb:ExportTableToPointInTime'],
        resource: `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/orders`,
      },
    ]);

    expect(results.find((r) => r.status === 'FAIL')?.detail).toBe(
      `create-export-job is denied dynamodb:ExportTableToPointInTime on arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/orders (implicitDeny)`,
    );
  });

  it('says once that it could not check when the caller may not simulate', async () => {
    iamMock.on(SimulatePrincipalPolicyCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: iam:SimulatePrincipalPolicy'), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      }),
    );

    const results = await checkRoles(context(), []);

    expect(results).toEqual([
      expect.objectContaining({
        status: 'WARN',
        detail: expect.stringContaining('could not check'),
        fix: expect.stringContaining('iam:SimulatePrincipalPolicy'),
      }),
    ]);
  });
});
