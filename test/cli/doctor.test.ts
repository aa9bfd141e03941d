import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { diagnose, doctorClients, formatDoctor } from '../../cli/doctor.ts';
import { namesOf } from '../../deploy/names.ts';
import { parseStageConfig, type StageConfig } from '../../deploy/stage-config.ts';
import { createSeededTable, enablePointInTimeRecovery } from '../../dev/emulator/dynamodb.ts';
import {
  DEFAULT_APPLICATION_ID,
  DEFAULT_BUCKET,
  DEFAULT_PROFILES_DOMAIN,
  DEFAULT_SEGMENT_DEFINITION,
  DEFAULT_TOPIC_ARN,
  type Emulator,
  startEmulator,
} from '../../dev/emulator/index.ts';
import type { CheckResult } from '../../sources/doctor.ts';
import { IDS } from '../../sources/stack/cfn.ts';
import { harness } from './harness.ts';

/*
 * The doctor against the emulator over HTTP: a stage "qa" whose stack, schedules, topic, bucket,
 * table, domain and application the emulator holds (CloudFormation and Scheduler answer from
 * its deployments; IAM it does not serve, so the roles cannot be checked there). Healthy, then
 * broken one way at a time: a missing table, PITR off, a pending email subscription, a missing
 * bucket, an unknown Customer Profiles domain.
 */

const STAGE = 'qa';
const REGION = 'us-east-1';
const names = namesOf(STAGE);
const dataDir = mkdtempSync(join(tmpdir(), 'doctor-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const target = { cron: '30 3 * * ? *', timezone: 'Europe/Berlin', enabled: false };

/** A stage file of one target per source; `change` breaks it one way. */
function stage(change: (raw: Record<string, unknown>) => void = () => undefined): StageConfig {
  const raw: Record<string, unknown> = {
    region: REGION,
    exportDestination: { bucketName: DEFAULT_BUCKET },
    notifications: { subscriptions: [{ protocol: 'email', endpoint: 'ops@example.com' }] },
    targets: [
      { name: 'nightly-orders', source: 'dynamodb', table: 'orders', mode: 'incremental', ...target },
      {
        name: 'nightly-vip',
        source: 'customer-profiles',
        domain: DEFAULT_PROFILES_DOMAIN,
        segmentDefinition: DEFAULT_SEGMENT_DEFINITION,
        ...target,
      },
      { name: 'nightly-endpoints', ApplicationId: DEFAULT_APPLICATION_ID, ...target },
    ],
  };
  change(raw);
  return parseStageConfig(raw, STAGE);
}

/** The emulator holding stage qa as deployed; `pending` email endpoints never confirm. */
async function deployedStage(pending: string[] = []): Promise<Emulator> {
  const clock = { shift: -2 * 3_600_000 };
  const roles = Object.fromEntries(
    Object.values(IDS.roles).map((id) => [id, { type: 'AWS::IAM::Role', physicalId: `${STAGE}-${id}` }]),
  );
  const emulator = await startEmulator({
    dataDir,
    now: () => Date.now() + clock.shift,
    unconfirmedEndpoints: pending,
    deployments: {
      stacks: [
        {
          name: names.stack,
          outputs: {
            StateMachineArn: `arn:aws:states:${REGION}:000000000000:stateMachine:${names.stateMachine}`,
            SummaryTopicArn: DEFAULT_TOPIC_ARN,
            ExportBucketName: DEFAULT_BUCKET,
            ScheduleGroupName: names.scheduleGroup,
            RunLedgerTableName: 'scheduled-exports-local-runs',
          },
          resources: roles,
        },
      ],
      schedules: ['nightly-orders', 'nightly-vip', 'nightly-endpoints'].map((name) => ({
        group: names.scheduleGroup,
        name,
        state: 'DISABLED' as const,
      })),
    },
  });
  // A table with point-in-time recovery on for two hours, as a user's would be.
  await createSeededTable(emulator.url, 'orders', 25);
  await enablePointInTimeRecovery(emulator.url, 'orders');
  await createSeededTable(emulator.url, 'no-pitr', 5);
  clock.shift = 0;
  const sns = new SNSClient({ endpoint: emulator.url, region: REGION });
  await sns.send(
    new SubscribeCommand({ TopicArn: DEFAULT_TOPIC_ARN, Protocol: 'email', Endpoint: 'ops@example.com' }),
  );
  sns.destroy();
  for (const service of [
    'CLOUDFORMATION',
    'SCHEDULER',
    'DYNAMODB',
    'S3',
    'SNS',
    'IAM',
    'PINPOINT',
    'CUSTOMER_PROFILES',
  ])
    vi.stubEnv(`AWS_ENDPOINT_URL_${service}`, emulator.url);
  vi.stubEnv('S3_FORCE_PATH_STYLE', 'true');
  return emulator;
}

let emulator: Emulator | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await emulator?.close();
  emulator = undefined;
});

async function doctorOf(config: StageConfig): Promise<CheckResult[]> {
  const clients = doctorClients(REGION);
  try {
    return await diagnose(config, REGION, clients, new Date());
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
}

const find = (results: CheckResult[], check: string, target?: string) =>
  results.filter((r) => r.check === check && (target === undefined || r.target === target));
const statuses = (results: CheckResult[]) => results.filter((r) => r.status !== 'OK');

describe('the doctor against the emulator', () => {
  beforeAll(() => {
    vi.stubEnv('AWS_REGION', REGION);
  });

  it('passes a healthy stage: every check OK but the roles, which the emulator cannot simulate (WARN, said so)', async () => {
    emulator = await deployedStage();

    const results = await doctorOf(stage());

    expect(statuses(results)).toEqual([
      expect.objectContaining({
        check: 'roles',
        status: 'WARN',
        detail: expect.stringContaining('could not check'),
      }),
    ]);
    expect(find(results, 'stack')[0]?.detail).toContain(names.stack);
    expect(find(results, 'pitr', 'nightly-orders')[0]?.detail).toMatch(
      /first run that can export is one scheduled at or after/,
    );
    expect(find(results, 'subscription')[0]).toMatchObject({
      status: 'OK',
      detail: 'email ops@example.com confirmed',
    });
    expect(find(results, 'schedule')).toHaveLength(3);
    expect(find(results, 'domain', 'nightly-vip')[0]?.status).toBe('OK');
    expect(find(results, 'application', 'nightly-endpoints')[0]?.status).toBe('OK');
  });

  it('FAILs a missing table, saying where to correct it', async () => {
    emulator = await deployedStage();

    const results = await doctorOf(
      stage((raw) => Object.assign((raw.targets as object[])[0] as object, { table: 'invoices' })),
    );

    expect(find(results, 'table', 'nightly-orders')[0]).toMatchObject({
      status: 'FAIL',
      detail: 'table invoices not found in us-east-1',
      fix: expect.stringContaining('config/stages/qa.yml'),
    });
  });

  it('FAILs a table without point-in-time recovery, with the command that switches it on', async () => {
    emulator = await deployedStage();

    const results = await doctorOf(
      stage((raw) => Object.assign((raw.targets as object[])[0] as object, { table: 'no-pitr' })),
    );

    expect(find(results, 'pitr', 'nightly-orders')[0]).toMatchObject({
      status: 'FAIL',
      fix: expect.stringContaining('aws dynamodb update-continuous-backups --table-name no-pitr'),
    });
  });

  it('WARNs of an email subscription pending confirmation, and FAILs when it is the only one', async () => {
    emulator = await deployedStage(['ops@example.com']);

    const results = await doctorOf(stage());

    expect(find(results, 'subscription')[0]).toMatchObject({
      status: 'WARN',
      detail: expect.stringContaining('pending confirmation'),
      fix: expect.stringContaining('ask ops@example.com to click "Confirm subscription"'),
    });
    expect(find(results, 'topic')[0]?.status).toBe('FAIL');
  });

  it('FAILs a missing bucket', async () => {
    emulator = await deployedStage();

    const results = await doctorOf(
      stage((raw) => Object.assign((raw.targets as object[])[0] as object, { bucket: 'no-such-exports' })),
    );

    expect(find(results, 'bucket').find((r) => r.detail.includes('no-such-exports'))).toMatchObject({
      status: 'FAIL',
      detail: 'bucket no-such-exports (target nightly-orders) does not exist',
    });
  });

  it('FAILs an unknown Customer Profiles domain in the source’s own words', async () => {
    emulator = await deployedStage();

    const results = await doctorOf(
      stage((raw) => Object.assign((raw.targets as object[])[1] as object, { domain: 'crm' })),
    );

    expect(find(results, 'domain', 'nightly-vip')[0]).toMatchObject({
      status: 'FAIL',
      detail: 'domain crm: domain not found',
    });
  });

  it('FAILs a stage whose stack is not deployed and cannot check its roles', async () => {
    emulator = await deployedStage();

    const results = await doctorOf(parseStageConfig({ ...rawOf(stage()), region: REGION }, 'staging'));

    expect(find(results, 'stack')[0]).toMatchObject({
      status: 'FAIL',
      fix: 'deploy it: npm run deploy -- --stage staging',
    });
  });
});

/** The raw form of a parsed stage, enough to parse again under another name. */
function rawOf(config: StageConfig): Record<string, unknown> {
  return {
    exportDestination: { bucketName: config.exportDestination.bucketName },
    targets: config.targets.map(({ source, ...rest }) => ({ source, ...rest })),
  };
}

describe('npm run export -- doctor', () => {
  it('prints each check with its fix and exits 1 when one FAILs; --json gives the same as a document', async () => {
    emulator = await deployedStage(['developer@example.com']);
    const text = harness({ now: () => new Date() });
    const json = harness({ now: () => new Date() });

    // The dev stage file: its Pinpoint application is not the emulator's, and its stack is not deployed here.
    const code = await text.run(['doctor', '--stage', 'dev', '--region', REGION]);
    const jsonCode = await json.run(['doctor', '--stage', 'dev', '--region', REGION, '--json']);

    expect(code).toBe(1);
    expect(text.stdout()).toContain('FAIL  stack');
    expect(text.stdout()).toMatch(/fix: deploy it: npm run deploy -- --stage dev/);
    expect(text.stdout()).toMatch(/\d+ OK, \d+ WARN, \d+ FAIL: fix every FAIL before enabling a schedule/);
    const document = JSON.parse(json.stdout()) as { exitCode: number; checks: CheckResult[] };
    expect(jsonCode).toBe(1);
    expect(document.exitCode).toBe(1);
    expect(document.checks.find((c) => c.check === 'stack')?.status).toBe('FAIL');
  });

  it('exits 0 for a stage with WARN lines only', async () => {
    emulator = await deployedStage();
    const out: string[] = [];
    const config = stage();

    const results = await doctorOf(config);
    out.push(formatDoctor(config, REGION, results));

    expect(results.some((r) => r.status === 'FAIL')).toBe(false);
    expect(out.join('')).toContain('nothing fails; read the WARN lines before enabling a schedule.');
  });

  it('documents itself in --help and refuses a stage without a file (exit 2)', async () => {
    const help = harness();
    const missing = harness();

    expect(await help.run(['doctor', '--help'])).toBe(0);
    expect(await missing.run(['doctor', '--stage', 'nosuchstage'])).toBe(2);

    expect(help.stdout()).toContain('npm run export -- doctor --stage <stage>');
    expect(help.stdout()).toContain('pending confirmation');
    expect(missing.stderr()).toContain('config/stages/nosuchstage.yml does not exist');
  });
});
