import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { FAILURE_OUTCOMES, OUTCOMES } from '../../core/outcome.ts';
import { dashboardUrl } from '../../deploy/dashboard.ts';
import { sharedLedgerTargets } from '../../deploy/ledger-targets.ts';
import { covers } from '../../deploy/nag.ts';
import { NAG_ACKNOWLEDGEMENTS } from '../../deploy/nag-acknowledgements.ts';
import { limitedNamesOf, MAX_STAGE_LENGTH } from '../../deploy/names.ts';
import { stageOf, stageProblems } from '../../deploy/osls.ts';
import { buildResources, environmentOf } from '../../deploy/resources.ts';
import {
  type ResolvedStack,
  resolveStack,
  resolvingOnce,
  type VariableSourceArgs,
} from '../../deploy/stack.ts';
import { logicalIdOf, parseStageConfig, StageConfigError } from '../../deploy/stage-config.ts';
import type { Json } from './packaged.ts';

/* The stage file parser and the configuration-driven resources, without packaging. */

const APP = '0123456789abcdef0123456789abcdef';
const OTHER_APP = 'fedcba9876543210fedcba9876543210';
const target = {
  name: 'nightly',
  ApplicationId: APP,
  cron: '0 3 * * ? *',
  timezone: 'Europe/Berlin',
  enabled: true,
};
const statementsOf = (role: Json): Record<string, Json> =>
  Object.fromEntries(role.Properties.Policies[0].PolicyDocument.Statement.map((s: Json) => [s.Sid, s]));

describe('parseStageConfig', () => {
  it('fills defaults for a minimal stage', () => {
    const config = parseStageConfig({ targets: [target] }, 'qa');
    expect(config).toMatchObject({
      stage: 'qa',
      logRetentionInDays: 30,
      logLevel: 'INFO',
      exportDestination: {
        keyPrefix: 'exports/',
        prefixTemplate: '{ApplicationId}/{SegmentId}/{date}/',
        expirationDays: 30,
      },
      scheduler: { flexibleWindowMinutes: 0, retryAttempts: 10, maxEventAgeSeconds: 3600 },
      alarms: { enabled: true, missedRunHours: 25 },
      notifications: { subscriptions: [] },
    });
    expect(config.poll).toEqual({});
  });

  it('names every invalid field in one error', () => {
    const raw = {
      logRetentionInDays: 10,
      colour: 'blue',
      exportDestination: {
        roleArn: 'arn:aws:iam::123456789012:role/export',
        prefixTemplate: '{ApplicationId}/{week}/',
      },
      notifications: {
        subscriptions: [
          { protocol: 'sms', endpoint: '+4912345' },
          { protocol: 'email', endpoint: 'not-an-address' },
        ],
      },
      targets: [
        { ...target, timezone: 'Mars/Olympus', cron: '0 2 * * *' },
        { ...target, name: 'nightly', SegmentVersion: 2 },
        { name: 'x y', ApplicationId: 'APP', cron: '0 2 * * * *', timezone: 'UTC' },
      ],
    };
    let error: unknown;
    try {
      parseStageConfig(raw, 'qa');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StageConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/^config\/stages\/qa\.yml is invalid:/);
    for (const field of [
      'logRetentionInDays: must be one of',
      'colour: unknown setting',
      'exportDestination.roleArn: an existing export role needs the existing bucketName',
      'exportDestination.prefixTemplate: unknown placeholder(s) {week}',
      'notifications.subscriptions[0].protocol: "sms" is not valid',
      'notifications.subscriptions[1].endpoint: "not-an-address" is not a valid email endpoint',
      'targets[0].timezone: "Mars/Olympus" is not an IANA time zone',
      'targets[0].cron: "0 2 * * *" needs 6 fields',
      'targets[1].name: "nightly" clashes with another target',
      'targets[1].SegmentVersion: needs SegmentId',
      'targets[2].name: "x y" is not valid',
      'targets[2].ApplicationId: "APP" is not valid',
      'targets[2].cron: "0 2 * * * *" exactly one of day-of-month and day-of-week must be "?"',
      'targets[2].enabled: is required',
    ]) {
      expect(message).toContain(field);
    }
  });

  it.each([
    ['my..bucket', 'must not contain two adjacent dots'],
    ['xn--exports', 'must not start with "xn--"'],
    ['1.2.3.4', 'must not be formatted as an IP address'],
    ['exports--x-s3', 'must not end with "--x-s3"'],
  ])("rejects the bucket name %s at package time with S3's own rule", (bucketName, rule) => {
    const raw = {
      exportDestination: { bucketName, roleArn: 'arn:aws:iam::123456789012:role/export' },
      targets: [target],
    };

    expect(() => parseStageConfig(raw, 'qa')).toThrow(
      `exportDestination.bucketName: "${bucketName}" is not a valid S3 bucket name: it ${rule}`,
    );
  });

  it('rejects a prefix template that could resolve past the room S3 keys leave for Pinpoint', () => {
    const raw = {
      exportDestination: { prefixTemplate: `${'p'.repeat(820)}/{SegmentId}/{date}/` },
      targets: [target],
    };

    expect(() => parseStageConfig(raw, 'qa')).toThrow(
      /exportDestination\.prefixTemplate: with exportDestination\.keyPrefix and its placeholders at their longest, the key prefix is 905 bytes of UTF-8; at most 896/,
    );
  });

  it('passes every poll setting to both poll functions as its POLL_* variable, and checks its range', () => {
    const poll = {
      minWaitSeconds: 10,
      maxWaitSeconds: 600,
      runDeadlineSeconds: 7200,
      nearWaitSeconds: 20,
      idleGrowth: 2,
      aimFraction: 0.6,
      finishingShare: 0.5,
    };
    const config = parseStageConfig({ targets: [target], poll }, 'qa');
    expect(config.poll).toEqual(poll);
    const expected = {
      POLL_MIN_WAIT_SECONDS: '10',
      POLL_MAX_WAIT_SECONDS: '600',
      RUN_DEADLINE_SECONDS: '7200',
      POLL_NEAR_WAIT_SECONDS: '20',
      POLL_IDLE_GROWTH: '2',
      POLL_AIM_FRACTION: '0.6',
      POLL_FINISHING_SHARE: '0.5',
    };
    expect(environmentOf(config).getExportJobStatus).toEqual(expected);
    expect(environmentOf(config).createExportJob).toMatchObject(expected);
    expect(() =>
      parseStageConfig(
        {
          targets: [target],
          poll: { nearWaitSeconds: 2.5, idleGrowth: 0, aimFraction: 1.5, finishingShare: 'x' },
        },
        'qa',
      ),
    ).toThrow(
      /poll\.nearWaitSeconds[\s\S]*poll\.idleGrowth[\s\S]*poll\.aimFraction[\s\S]*poll\.finishingShare/,
    );
  });

  it("refuses a deadline the workflow's 1,000 status checks cannot reach at the longest wait", () => {
    // 1,000 checks at most 30 s apart cover 30,000 s: a 12-hour run would end TIMED_OUT early.
    expect(() =>
      parseStageConfig({ targets: [target], poll: { maxWaitSeconds: 30, runDeadlineSeconds: 43_200 } }, 'qa'),
    ).toThrow(
      /poll\.runDeadlineSeconds: \(43200\) cannot be reached within the workflow's 1000 status checks at the longest wait \(30 s\)[\s\S]*at least 44 s/,
    );
    // The defaults apply to what the file leaves out: a 900 s longest wait reaches a week.
    expect(() =>
      parseStageConfig({ targets: [target], poll: { runDeadlineSeconds: 604_800 } }, 'qa'),
    ).not.toThrow();
    expect(() =>
      parseStageConfig({ targets: [target], poll: { maxWaitSeconds: 30, runDeadlineSeconds: 30_000 } }, 'qa'),
    ).not.toThrow();
    expect(() => parseStageConfig({ targets: [target], poll: { maxWaitSeconds: 30 } }, 'qa')).toThrow(
      /poll\.runDeadlineSeconds: \(43200\)/,
    );
  });

  it('accepts the longest stage name whose derived names all fit, and rejects one more character naming the limit', () => {
    const longest = 's'.repeat(MAX_STAGE_LENGTH);
    expect(parseStageConfig({ targets: [target] }, longest).stage).toBe(longest);
    expect(limitedNamesOf(longest).filter((n) => n.name.length > n.limit)).toEqual([]);
    // Today the binding limit is Lambda's 64-character FunctionName with the longest function key.
    expect(MAX_STAGE_LENGTH).toBe(64 - 'scheduled-exports--get-export-job-status'.length);

    expect(() => parseStageConfig({ targets: [target] }, `${longest}s`)).toThrow(
      `stage: "${longest}s" is ${MAX_STAGE_LENGTH + 1} characters; at most ${MAX_STAGE_LENGTH}: ` +
        `the Lambda FunctionName "scheduled-exports-${longest}s-get-export-job-status" ` +
        'would be 65 characters, over its limit of 64',
    );
    // One character past the limit fails however it is made up (cfn-lint's E3033 on function names).
    expect(() => parseStageConfig({ targets: [target] }, 'production-eu-central-001')).toThrow(
      /over its limit of 64/,
    );
    expect(() => parseStageConfig({ targets: [target] }, 'Prod')).toThrow(
      'stage: "Prod" must be a-z 0-9 -, starting with a letter',
    );
  });

  it('refuses a stage without its file', () => {
    expect(() => parseStageConfig(null, 'staging')).toThrow('config/stages/staging.yml not found or empty');
  });

  it('turns target names into logical ids', () => {
    expect(logicalIdOf('nightly-all_endpoints.v2')).toBe('NightlyAllEndpointsV2');
  });
});

describe('outcome settings: statuses, failure limits, shared ledger targets', () => {
  const subscribed = (statuses: unknown) =>
    parseStageConfig(
      {
        notifications: { subscriptions: [{ protocol: 'email', endpoint: 'a@example.com', statuses }] },
        targets: [target],
      },
      'qa',
    ).notifications.subscriptions[0]?.statuses;

  it('accepts every outcome in statuses, and "failures" for every outcome that is not COMPLETED', () => {
    for (const outcome of OUTCOMES) expect(subscribed([outcome])).toEqual([outcome]);
    expect(subscribed('failures')).toEqual([...FAILURE_OUTCOMES]);
    expect(subscribed('failures')).toContain('MISMATCH');
  });

  it('names the value in statuses that is not an outcome', () => {
    expect(() => subscribed(['FAILED', 'FAIL'])).toThrow(
      /notifications\.subscriptions\[0\]\.statuses: "FAIL" is not an outcome; use "failures"/,
    );
  });

  it('reads the stage and target failure limits, puts the target one in its schedule input, and refuses one outside 0-100', () => {
    const config = parseStageConfig(
      { maxFailurePercent: 0.5, targets: [{ ...target, maxFailurePercent: 5 }] },
      'qa',
    );
    expect(config.maxFailurePercent).toBe(0.5);
    expect(environmentOf(config).publishSummary.MAX_FAILURE_PERCENT).toBe('0.5');
    const schedule = buildResources(config).Resources.ScheduleNightly;
    expect(JSON.parse(schedule.Properties.Target.Input)).toMatchObject({
      Target: 'nightly',
      MaxFailurePercent: 5,
    });
    expect(parseStageConfig({ targets: [target] }, 'qa').maxFailurePercent).toBe(1);
    expect(() => parseStageConfig({ targets: [{ ...target, maxFailurePercent: 101 }] }, 'qa')).toThrow(
      /targets\[0\]\.maxFailurePercent: must be a percentage from 0 to 100, got 101/,
    );
  });

  it('refuses two targets that would be one run in the run ledger, naming both', () => {
    const orders = {
      source: 'dynamodb',
      table: 'orders',
      mode: 'incremental',
      cron: '30 3 * * ? *',
      timezone: 'UTC',
      enabled: true,
    };
    const config = parseStageConfig(
      {
        targets: [
          { ...orders, name: 'orders-a' },
          { ...orders, name: 'orders-b' },
        ],
      },
      'qa',
    );

    expect(sharedLedgerTargets(config)).toEqual([
      expect.stringMatching(
        /^target orders-b: targets\[1\]: exports the same data to the same place as target orders-a/,
      ),
    ]);
    // Another prefix is another ledger target: each keeps its own gap-free coverage.
    const apart = parseStageConfig(
      {
        targets: [
          { ...orders, name: 'orders-a' },
          { ...orders, name: 'orders-b', prefix: 'dynamodb/orders-b/{date}/' },
        ],
      },
      'qa',
    );
    expect(sharedLedgerTargets(apart)).toEqual([]);
  });
});

describe('stage-file mistakes a person makes', () => {
  it('asks to quote an id YAML read as a number, naming the target by its name', () => {
    // `ApplicationId: 01234567890123456789012345678901` unquoted: YAML reads digits as a number.
    const raw = { targets: [{ ...target, ApplicationId: 1.2345678901234568e30 }] };

    expect(() => parseStageConfig(raw, 'qa')).toThrow(
      'target nightly: targets[0].ApplicationId: is a number in the stage file, not a string: quote it',
    );
  });

  it('writes a time zone as IANA does, whatever its case', () => {
    const config = parseStageConfig({ targets: [{ ...target, timezone: 'europe/berlin' }] }, 'qa');

    expect(config.targets[0]?.timezone).toBe('Europe/Berlin');
    expect(buildResources(config).Resources.ScheduleNightly.Properties.ScheduleExpressionTimezone).toBe(
      'Europe/Berlin',
    );
  });

  it('checks the stage file before osls runs, printing its problems alone (npm run package/deploy)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stages-'));
    writeFileSync(join(dir, 'qa.yml'), 'logLevel: LOUD\ntargets: []\n');
    writeFileSync(
      join(dir, 'ok.yml'),
      `targets:\n  - name: nightly\n    ApplicationId: "${APP}"\n    cron: "0 3 * * ? *"\n    timezone: UTC\n    enabled: true\n`,
    );

    expect(stageProblems('qa', dir)).toEqual([
      'config/stages/qa.yml is invalid:',
      '  - logLevel: "LOUD" is not valid (DEBUG, INFO, WARN or ERROR)',
    ]);
    expect(stageProblems('ok', dir)).toEqual([]);
    expect(stageProblems('nope', dir)[0]).toContain('config/stages/nope.yml does not exist');
    expect(stageOf(['package', '--stage', 'prod'])).toBe('prod');
    expect(stageOf(['deploy', '--stage=qa', '--verbose'])).toBe('qa');
    expect(stageOf(['package'])).toBe('dev');
  });
});

describe('schedules and daylight saving time', () => {
  /** The stage file's checks run from this date: the next five years' clock changes. */
  const now = new Date('2026-11-29T10:00:00Z');
  const parse = (t: Record<string, unknown>) =>
    parseStageConfig({ targets: [{ ...target, ...t }] }, 'qa', { now });

  it('rejects a cron whose local time the clocks skip, naming the skipped dates and a safe time', () => {
    expect(() => parse({ cron: '0 2 * * ? *', timezone: 'Europe/Berlin' })).toThrow(
      'targets[0].cron: "0 2 * * ? *" in Europe/Berlin names 02:00, a local time that does not exist on the days ' +
        'the clocks go forward (02:00 jumps to 03:00): EventBridge Scheduler skips the run on 2027-03-28, ' +
        '2028-03-26, 2029-03-25 and 2 more date(s) in the next 5 years. Schedule it outside 02:00-03:00, ' +
        'e.g. at 03:00 or 01:00 instead of 02:00',
    );
  });

  it("follows each zone's own rules: its transition days, times and gap lengths", () => {
    // New York springs forward on the second Sunday of March.
    expect(() => parse({ cron: '30 2 ? * SUN *', timezone: 'America/New_York' })).toThrow(
      /skips the run on 2027-03-14, 2028-03-12, 2029-03-11 and 2 more[\s\S]*e\.g\. at 03:30 or 01:30 instead of 02:30/,
    );
    // Lord Howe Island moves its clocks by 30 minutes, on the first Sunday of October.
    expect(() => parse({ cron: '15 2 * * ? *', timezone: 'Australia/Lord_Howe' })).toThrow(
      /02:00 jumps to 02:30\): EventBridge Scheduler skips the run on 2027-10-03/,
    );
    expect(parse({ cron: '45 2 * * ? *', timezone: 'Australia/Lord_Howe' }).targets).toHaveLength(1);
    // Chile skips midnight (Saturday 24:00 is Sunday 01:00).
    expect(() => parse({ cron: '0 0 * * ? *', timezone: 'America/Santiago' })).toThrow(
      /00:00 jumps to 01:00/,
    );
    // UTC has no daylight saving time.
    expect(parse({ cron: '0 2 * * ? *', timezone: 'UTC' }).targets).toHaveLength(1);
  });

  it('accepts a time on days the clocks never change, and in the hour that repeats (Scheduler runs once)', () => {
    // Berlin changes its clocks on Sundays only.
    expect(parse({ cron: '0 2 ? * MON-SAT *', timezone: 'Europe/Berlin' }).targets).toHaveLength(1);
    // New York repeats 01:00-01:59 in November: one run, not two (re:Post knowledge center).
    expect(parse({ cron: '30 1 * * ? *', timezone: 'America/New_York' }).targets).toHaveLength(1);
  });

  it('matches the day fields as Scheduler does: L, nL, d#k and W', () => {
    // The last day of March is a Sunday (a transition day) only in 2030.
    expect(() => parse({ cron: '0 2 L * ? *', timezone: 'Europe/Berlin' })).toThrow(
      /skips the run on 2030-03-31 in the next 5 years/,
    );
    // The last Sunday (1L) of every month includes each March transition.
    expect(() => parse({ cron: '0 2 ? * 1L *', timezone: 'Europe/Berlin' })).toThrow(
      /2027-03-28, 2028-03-26/,
    );
    // The second Sunday: New York's transitions, never Berlin's (always the last Sunday, after the 24th).
    expect(() => parse({ cron: '0 2 ? * SUN#2 *', timezone: 'America/New_York' })).toThrow(/2027-03-14/);
    expect(parse({ cron: '0 2 ? * SUN#2 *', timezone: 'Europe/Berlin' }).targets).toHaveLength(1);
    // The weekday nearest the 28th: never a Sunday.
    expect(parse({ cron: '0 2 28W * ? *', timezone: 'Europe/Berlin' }).targets).toHaveLength(1);
    // A year field that ends before the next transition.
    expect(parse({ cron: '0 2 * * ? 2026', timezone: 'Europe/Berlin' }).targets).toHaveLength(1);
  });

  it.each([
    ['0 24 * * ? *', 'hours "24" is not 0-23'],
    ['0 2 ? * MON-FUN *', 'day-of-week "FUN" is not 1-7 or SUN-SAT'],
    ['0 2 * 0 ? *', 'month "0" is not 1-12 or JAN-DEC'],
    ['0 2 5-1 * ? *', 'day-of-month range "5-1" runs backwards'],
    ['*/0 2 * * ? *', 'minutes step "0" is not 1-60'],
  ])('rejects the cron %s with what is wrong in it', (cron, problem) => {
    expect(() => parse({ cron })).toThrow(`targets[0].cron: "${cron}" ${problem}`);
  });

  it('requires a segment id Pinpoint generated, not a segment name', () => {
    expect(() => parse({ SegmentId: 'vip-customers' })).toThrow(
      `targets[0].SegmentId: "vip-customers" is not valid (a segment id is 32 hex characters that Pinpoint generated, not the segment's name)`,
    );
    expect(parse({ SegmentId: 'cc3bff0cbbb85f128fa2c4596f7aa312' }).targets[0]).toMatchObject({
      source: 'pinpoint',
      SegmentId: 'cc3bff0cbbb85f128fa2c4596f7aa312',
    });
  });
});

describe('exportDestination.kmsKeyArn', () => {
  const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  it("lets the verification's functions use an existing bucket's KMS key, and nothing else", () => {
    const config = parseStageConfig(
      { exportDestination: { bucketName: 'team-exports', kmsKeyArn: key }, targets: [target] },
      'qa',
    );

    for (const role of ['VerifyExportRole', 'CountExportBatchRole', 'FinishVerificationRole']) {
      const kms = buildResources(config).Resources[
        role
      ].Properties.Policies[0].PolicyDocument.Statement.filter((s: { Action: unknown }) =>
        JSON.stringify(s.Action).includes('kms:'),
      );
      expect(kms, role).toHaveLength(1);
      expect(kms[0].Resource, role).toBe(key);
    }
  });

  it('reads verification: batch size, concurrency (at most 40) and the counting memory, with defaults', () => {
    expect(parseStageConfig({ targets: [target] }, 'qa').verification).toEqual({
      batchMegabytes: 2048,
      concurrency: 40,
      countMemoryMb: 5307,
    });
    expect(
      parseStageConfig(
        { verification: { batchMegabytes: 512, concurrency: 10, countMemoryMb: 10240 }, targets: [target] },
        'qa',
      ).verification,
    ).toEqual({ batchMegabytes: 512, concurrency: 10, countMemoryMb: 10240 });
    expect(() => parseStageConfig({ verification: { concurrency: 100 }, targets: [target] }, 'qa')).toThrow(
      /verification\.concurrency/,
    );
    expect(() => parseStageConfig({ verification: { streams: 2 }, targets: [target] }, 'qa')).toThrow(
      /verification\.streams: unknown setting/,
    );
  });

  it('gives count-export-batch one stream per vCPU its memory buys, and a thread pool for them', () => {
    const env = (countMemoryMb: number) =>
      environmentOf(parseStageConfig({ verification: { countMemoryMb }, targets: [target] }, 'qa'))
        .countExportBatch;

    expect(env(1769)).toMatchObject({ COUNT_STREAMS: '1', UV_THREADPOOL_SIZE: '4' });
    expect(env(3008)).toMatchObject({ COUNT_STREAMS: '2', UV_THREADPOOL_SIZE: '4' });
    expect(env(10240)).toMatchObject({ COUNT_STREAMS: '6', UV_THREADPOOL_SIZE: '6' });
  });

  it('is refused without an existing bucket, and when it is not a key ARN', () => {
    expect(() =>
      parseStageConfig({ exportDestination: { kmsKeyArn: key }, targets: [target] }, 'qa'),
    ).toThrow(/exportDestination\.kmsKeyArn: applies to an existing bucketName/);
    expect(() =>
      parseStageConfig(
        { exportDestination: { bucketName: 'team-exports', kmsKeyArn: 'alias/x' }, targets: [target] },
        'qa',
      ),
    ).toThrow(/exportDestination\.kmsKeyArn: "alias\/x" is not valid \(a KMS key ARN/);
  });
});

describe('buildResources', () => {
  it('uses an existing bucket and role without creating either', () => {
    const config = parseStageConfig(
      {
        exportDestination: {
          bucketName: 'team-exports',
          roleArn: 'arn:aws:iam::123456789012:role/pinpoint-export',
        },
        targets: [{ ...target, prefix: 'adhoc/{date}/' }],
      },
      'qa',
    );
    const { Resources, Outputs } = buildResources(config);
    expect(Resources.ExportBucket).toBeUndefined();
    expect(Resources.ExportAccessLogBucket).toBeUndefined();
    expect(Resources.PinpointExportRole).toBeUndefined();
    expect(statementsOf(Resources.CreateExportJobRole).PassExportRoleToPinpoint).toMatchObject({
      Resource: 'arn:aws:iam::123456789012:role/pinpoint-export',
      Condition: {
        StringEquals: { 'iam:PassedToService': ['pinpoint.amazonaws.com', 'mobiletargeting.amazonaws.com'] },
      },
    });
    expect(environmentOf(config).createExportJob).toEqual({
      DEFAULT_ROLE_ARN: 'arn:aws:iam::123456789012:role/pinpoint-export',
      DEFAULT_S3_URL_PREFIX: 's3://team-exports/exports/{ApplicationId}/{SegmentId}/{date}/',
      RUN_LEDGER_TABLE: { Ref: 'RunLedgerTable' },
      LEDGER_RETENTION_DAYS: '400',
    });
    expect(JSON.parse(Resources.ScheduleNightly.Properties.Target.Input)).toEqual({
      ApplicationId: APP,
      ExportJobRequest: { S3UrlPrefix: 's3://team-exports/exports/adhoc/{date}/' },
      ScheduledTime: '<aws.scheduler.scheduled-time>',
      Target: 'nightly',
    });
    expect(Outputs.ExportBucketName.Value).toBe('team-exports');
  });

  it('creates only the role for an existing bucket, scoped to the key prefix', () => {
    const config = parseStageConfig(
      { exportDestination: { bucketName: 'team-exports', keyPrefix: 'crm/pinpoint/' }, targets: [target] },
      'qa',
    );
    const { Resources } = buildResources(config);
    expect(Resources.ExportBucket).toBeUndefined();
    const statements = statementsOf(Resources.PinpointExportRole);
    expect(statements.ReadWriteExportObjects.Resource).toEqual({
      'Fn::Sub': `arn:\${AWS::Partition}:s3:::team-exports/crm/pinpoint/*`,
    });
    // The guide's root-and-home listing, for each folder down to a nested prefix, folder names only.
    expect(statements.ListFoldersDownToExportPrefix.Condition).toEqual({
      StringEquals: { 's3:prefix': ['', 'crm/', 'crm/pinpoint/'], 's3:delimiter': ['/'] },
    });
    expect(statements.ListExportPrefixOnly.Condition).toEqual({
      StringLike: { 's3:prefix': ['crm/pinpoint/*'] },
    });
  });

  it('scopes Pinpoint permissions and the export role trust to every configured application', () => {
    const config = parseStageConfig(
      {
        targets: [target, { ...target, name: 'other', ApplicationId: OTHER_APP }],
        additionalApplicationIds: [APP],
      },
      'qa',
    );
    const { Resources } = buildResources(config);
    const arns =
      Resources.PinpointExportRole.Properties.AssumeRolePolicyDocument.Statement[0].Condition.ArnLike[
        'aws:SourceArn'
      ];
    expect(arns.map((a: { 'Fn::Sub': string }) => a['Fn::Sub'].split(':').pop())).toEqual([
      `apps/${APP}`,
      `apps/${OTHER_APP}`,
    ]);
    expect(statementsOf(Resources.GetExportJobStatusRole).ReadExportJobs.Resource).toHaveLength(4);
  });

  it('publishes to an existing topic with its key, and alarms to a separate ops topic', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:exports';
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const opsArn = 'arn:aws:sns:eu-west-1:123456789012:ops';
    const config = parseStageConfig(
      {
        notifications: { topicArn, topicKmsKeyArn: keyArn },
        alarms: { topicArn: opsArn },
        targets: [target],
      },
      'qa',
    );
    const { Resources } = buildResources(config);
    expect(Resources.SummaryTopic).toBeUndefined();
    expect(Resources.NotificationKey).toBeUndefined();
    const publish = statementsOf(Resources.PublishSummaryRole);
    expect(publish.PublishSummary).toMatchObject({ Action: 'sns:Publish', Resource: topicArn });
    expect(publish.EncryptForTopic).toMatchObject({ Resource: keyArn });
    expect(Resources.ExecutionsFailedAlarm.Properties.AlarmActions).toEqual([opsArn]);
    expect(environmentOf(config).publishSummary).toEqual({
      SUMMARY_TOPIC_ARN: topicArn,
      METRICS_NAMESPACE: 'ExportOrchestrator',
      RUN_LEDGER_TABLE: { Ref: 'RunLedgerTable' },
      MAX_FAILURE_PERCENT: '1',
      DASHBOARD_URL: dashboardUrl('qa'),
    });
  });

  it('grants no KMS permission for an existing topic without a customer managed key', () => {
    const config = parseStageConfig(
      { notifications: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:exports' }, targets: [target] },
      'qa',
    );
    expect(statementsOf(buildResources(config).Resources.PublishSummaryRole).EncryptForTopic).toBeUndefined();
  });

  it('creates no alarms when they are disabled', () => {
    const { Resources } = buildResources(
      parseStageConfig({ alarms: { enabled: false }, targets: [target] }, 'qa'),
    );
    expect(
      Object.values(Resources).filter((r: { Type: string }) => r.Type === 'AWS::CloudWatch::Alarm'),
    ).toEqual([]);
  });

  it('keeps a subscription logical id stable when subscriptions are reordered (no re-confirmation)', () => {
    const a = { protocol: 'email', endpoint: 'a@example.com' };
    const b = { protocol: 'email', endpoint: 'b@example.com' };
    const ids = (subs: unknown[]) =>
      Object.keys(
        buildResources(parseStageConfig({ notifications: { subscriptions: subs }, targets: [target] }, 'qa'))
          .Resources,
      )
        .filter((id) => id.startsWith('SummarySubscription'))
        .sort();
    expect(ids([a, b])).toEqual(ids([b, a]));
    expect(ids([a, b])).toHaveLength(2);
  });
});

describe('nag acknowledgements', () => {
  it('match a configured application id in an export-job ARN, and nothing broader', () => {
    const ack = NAG_ACKNOWLEDGEMENTS.find((a) => a.finding?.includes('{ApplicationId}'))!;
    const arn = (app: string) =>
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:mobiletargeting:<AWS::Region>:<AWS::AccountId>:apps/${app}/jobs/export*]`;
    expect(covers(ack, arn(APP), 'CreateExportJobRole')).toBe(true);
    expect(covers(ack, arn('*'), 'CreateExportJobRole')).toBe(false);
    expect(covers(ack, arn(APP), 'SchedulerRole')).toBe(false);
  });

  it('give every acknowledgement a specific reason', () => {
    for (const ack of NAG_ACKNOWLEDGEMENTS) expect(ack.reason.length, ack.rule).toBeGreaterThan(60);
  });
});

describe('the stage loader (what osls resolves through deploy/serverless.cjs)', () => {
  /** osls's property resolver over a fake serverless.yml: the stage and the parsed stage file. */
  const osls = (stage: string, stageConfig: unknown) => ({
    resolveConfigurationProperty: vi.fn(async (path: string[]) =>
      path.join('.') === 'custom.stageName'
        ? stage
        : path.join('.') === 'custom.stageConfig'
          ? stageConfig
          : undefined,
    ),
  });
  const stagesDir = (...stages: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'stages-'));
    for (const stage of stages) writeFileSync(join(dir, `${stage}.yml`), 'targets: []\n');
    return dir;
  };

  it('names the missing stage file and the stages that exist', async () => {
    const args = osls('nosuchstage', undefined);

    await expect(resolveStack(args, stagesDir('prod', 'dev'))).rejects.toThrow(
      'config/stages/nosuchstage.yml does not exist: every stage needs its configuration file. Stages with a file: dev, prod',
    );
    // It does not wait for custom.stageConfig, which osls cannot resolve without the file.
    expect(args.resolveConfigurationProperty).not.toHaveBeenCalledWith(['custom', 'stageConfig']);
  });

  it('builds the stack from an existing stage file', async () => {
    const resolved = await resolveStack(osls('qa', { targets: [target] }), stagesDir('qa'));

    expect(resolved.config.stage).toBe('qa');
    expect(resolved.resources.Resources.ScheduleNightly).toBeDefined();
  });

  it('resolves once for every reference, and fails with one error that osls prints once', async () => {
    const broken = { logLevel: 'LOUD', targets: [target] };
    const resolve = vi.fn((args: VariableSourceArgs) => resolveStack(args, stagesDir('qa')));
    const load = resolvingOnce(resolve);
    const args = osls('qa', broken);

    // serverless.yml has ten ${file(deploy/serverless.cjs):…} references.
    const errors = await Promise.all(
      Array.from({ length: 10 }, () =>
        load(args).then(
          () => undefined,
          (e: unknown) => e as Error,
        ),
      ),
    );

    expect(resolve).toHaveBeenCalledTimes(1);
    expect(new Set(errors).size).toBe(1);
    const error = errors[0]!;
    // What makes osls keep this very object for every property (and print a set of distinct errors).
    expect(error.constructor.name).toBe('ServerlessError');
    expect(error.message).toMatch(/^Cannot resolve variable at /);
    expect(error.message).toContain('config/stages/qa.yml is invalid:\n  - logLevel: "LOUD" is not valid');
  });

  it('does not cache osls asking to resolve again later', async () => {
    const later = Object.assign(new Error('Cannot resolve variable'), {
      code: 'MISSING_VARIABLE_DEPENDENCY',
    });
    const stack = { config: { stage: 'qa' } } as ResolvedStack;
    const resolve = vi.fn().mockRejectedValueOnce(later).mockResolvedValue(stack);
    const load = resolvingOnce(resolve);

    await expect(load(osls('qa', {}))).rejects.toBe(later);
    await expect(load(osls('qa', {}))).resolves.toBe(stack);
    await expect(load(osls('qa', {}))).resolves.toBe(stack);
    expect(resolve).toHaveBeenCalledTimes(2);
  });
});
