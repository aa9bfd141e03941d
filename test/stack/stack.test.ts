import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { FAILURE_OUTCOMES } from '../../core/outcome.ts';
import { checkTemplate, type NagResult } from '../../deploy/nag.ts';
import { NAG_ACKNOWLEDGEMENTS } from '../../deploy/nag-acknowledgements.ts';
import { limitedNamesOf, MAX_STAGE_LENGTH, namesOf } from '../../deploy/names.ts';
import { verificationStatements } from '../../deploy/resources.ts';
import { parseStageConfig } from '../../deploy/stage-config.ts';
import {
  actionsOf,
  bundleLoads,
  cleanUp,
  failedPackageOutput,
  type Packaged,
  packageStage,
  policyStatements,
  ROOT,
  resource,
  resourcesOf,
  resourcesOfType,
  type Statement,
  type Template,
  zipEntries,
  zipText,
} from './packaged.ts';

/*
 * Packages the real stack offline (osls + serverless-esbuild, both stages) once
 * and checks the CloudFormation template and the bundles it produced.
 */

const FUNCTIONS = {
  'create-export-job': { id: 'CreateDashexportDashjob', role: 'CreateExportJobRole' },
  'get-export-job-status': { id: 'GetDashexportDashjobDashstatus', role: 'GetExportJobStatusRole' },
  'publish-summary': { id: 'PublishDashsummary', role: 'PublishSummaryRole' },
  'verify-export': { id: 'VerifyDashexport', role: 'VerifyExportRole' },
  'count-export-batch': { id: 'CountDashexportDashbatch', role: 'CountExportBatchRole' },
  'finish-verification': { id: 'FinishDashverification', role: 'FinishVerificationRole' },
} as const;
type FunctionName = keyof typeof FUNCTIONS;
const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

/** What one run of any source loads per function (minified), the project target: 400 KB for every function. */
const KB = 1024;
const BUNDLE_BUDGET: Record<FunctionName, number> = {
  'create-export-job': 400 * KB,
  'get-export-job-status': 400 * KB,
  'publish-summary': 400 * KB,
  'verify-export': 400 * KB,
  'count-export-batch': 400 * KB,
  'finish-verification': 400 * KB,
};

/** Credential providers left out of the bundles (serverless.yml `esbuild.exclude`): Lambda never reaches them. */
const EXCLUDED_PACKAGES = [
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@smithy/credential-provider-imds',
];

/**
 * The only actions granted on Resource "*": AWS supports no resource-level
 * permissions for them. Any other "*" resource fails the suite.
 */
const ACTIONS_REQUIRING_STAR_RESOURCE = new Set([
  's3:ListAllMyBuckets',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);

const ASL_FILE = join(ROOT, 'statemachine/export-workflow.asl.json');
const APP_ID = '0123456789abcdef0123456789abcdef';
const fnArn = (name: FunctionName) => ({ 'Fn::GetAtt': [`${FUNCTIONS[name].id}LambdaFunction`, 'Arn'] });
const sub = (template: string) => ({ 'Fn::Sub': template });

/** The longest stage name the stage configuration accepts; packaged from a copy of dev.yml. */
const LONGEST_STAGE = `longest${'x'.repeat(MAX_STAGE_LENGTH - 'longest'.length)}`;

let dev: Packaged;
let prod: Packaged;
let longest: Packaged;

beforeAll(async () => {
  // Sequential: serverless-esbuild builds in the shared .esbuild/ folder.
  dev = await packageStage('dev');
  prod = await packageStage('prod');
  const longestFile = join(ROOT, `config/stages/${LONGEST_STAGE}.yml`);
  copyFileSync(join(ROOT, 'config/stages/dev.yml'), longestFile);
  try {
    longest = await packageStage(LONGEST_STAGE);
  } finally {
    rmSync(longestFile, { force: true });
  }
  console.info(
    `osls package: dev ${dev.seconds.toFixed(1)} s, prod ${prod.seconds.toFixed(1)} s, ${LONGEST_STAGE} ${longest.seconds.toFixed(1)} s`,
  );
}, 300_000);

afterAll(() => {
  cleanUp(dev);
  cleanUp(prod);
  cleanUp(longest);
});

describe('packaged stack', () => {
  it('is named scheduled-exports-<stage>, the name the operators CLI looks up', () => {
    expect(prod.state.service.service).toBe('scheduled-exports');
    expect(prod.state.service.provider.stackName).toBe('scheduled-exports-prod');
    expect(dev.state.service.provider.stackName).toBe('scheduled-exports-dev');
    expect(prod.state.service.provider.region).toBe('eu-west-1');
  });

  it('outputs the state machine, topic, bucket and role', () => {
    const outputs = prod.template.Outputs;
    expect(outputs.StateMachineArn?.Value).toEqual({ Ref: 'ExportWorkflowStateMachine' });
    expect(outputs.StateMachineArn?.Export?.Name).toBe('scheduled-exports-prod-StateMachineArn');
    expect(outputs.SummaryTopicArn?.Value).toEqual({ Ref: 'SummaryTopic' });
    expect(outputs.ExportBucketName?.Value).toEqual({ Ref: 'ExportBucket' });
    expect(outputs.ExportRoleArn?.Value).toEqual({ 'Fn::GetAtt': ['PinpointExportRole', 'Arn'] });
    expect(outputs.DefaultS3UrlPrefix?.Value).toEqual({
      'Fn::Sub': [
        `s3://\${Bucket}/exports/{ApplicationId}/{SegmentId}/{date}/`,
        { Bucket: { Ref: 'ExportBucket' } },
      ],
    });
  });
});

describe('stage configuration errors', () => {
  const occurrences = (text: string, part: string) => text.split(part).length - 1;

  it('names the missing stage file and the stages that exist', async () => {
    const output = await failedPackageOutput('nosuchstage');

    expect(output).toContain('config/stages/nosuchstage.yml does not exist');
    expect(output).toMatch(/Stages with a file: [a-z0-9, -]*\bdev\b[a-z0-9, -]*\bprod\b/);
  }, 60_000);

  it("prints a broken stage file's problems once, not once per reference to the stack builder", async () => {
    const stage = `broken${process.pid}`;
    const file = join(ROOT, `config/stages/${stage}.yml`);
    writeFileSync(file, 'logLevel: LOUD\ntargets: []\n');
    let output: string;
    try {
      output = await failedPackageOutput(stage);
    } finally {
      rmSync(file, { force: true });
    }

    expect(occurrences(output, 'logLevel: "LOUD" is not valid')).toBe(1);
    expect(occurrences(output, `config/stages/${stage}.yml is invalid`)).toBe(1);
  }, 60_000);
});

describe('resource names', () => {
  /** The names a template may set and AWS's length limit for each (CloudFormation resource schemas), independent of deploy/names.ts. */
  const NAME_LIMITS: Record<string, [property: string, limit: number][]> = {
    'AWS::Lambda::Function': [['FunctionName', 64]],
    'AWS::Logs::LogGroup': [['LogGroupName', 512]],
    'AWS::StepFunctions::StateMachine': [['StateMachineName', 80]],
    'AWS::SNS::Topic': [['TopicName', 256]],
    'AWS::KMS::Alias': [['AliasName', 256]],
    'AWS::Scheduler::ScheduleGroup': [['Name', 64]],
    'AWS::Scheduler::Schedule': [['Name', 64]],
    'AWS::DynamoDB::Table': [['TableName', 255]],
    'AWS::IAM::Role': [['RoleName', 64]],
    'AWS::SQS::Queue': [['QueueName', 80]],
    'AWS::CloudWatch::Alarm': [['AlarmName', 255]],
  };
  const namedResources = (template: Template) =>
    Object.entries(template.Resources).flatMap(([id, r]) =>
      (NAME_LIMITS[r.Type] ?? [])
        .filter(([property]) => typeof r.Properties[property] === 'string')
        .map(([property, limit]) => ({ id, type: r.Type, name: r.Properties[property] as string, limit })),
    );

  it('packages the longest stage name the configuration accepts, every name within its limit', () => {
    expect(LONGEST_STAGE).toHaveLength(MAX_STAGE_LENGTH);
    expect(longest.state.service.provider.stackName).toHaveLength(
      MAX_STAGE_LENGTH + 'scheduled-exports-'.length,
    );
    const named = namedResources(longest.template);
    expect(named.filter((n) => n.name.length > n.limit)).toEqual([]);
    // The tightest limit is met exactly: one character more would break it (the stage config rejects that).
    expect(Math.max(...named.map((n) => n.name.length - n.limit))).toBe(0);
  });

  it.each([
    ['dev', () => dev],
    ['prod', () => prod],
  ])('derives every stage-dependent name in the %s template from deploy/names.ts', (stage, packaged) => {
    const { template, state } = packaged();
    const known = new Set(limitedNamesOf(stage).map((n) => n.name));
    const named = namedResources(template).filter((n) => n.type !== 'AWS::Scheduler::Schedule');
    expect(named.length).toBeGreaterThan(8);
    // A name the limit computation does not know could make a valid stage undeployable.
    expect(named.filter((n) => !known.has(n.name))).toEqual([]);
    expect(state.service.provider.stackName).toBe(namesOf(stage).stack);
  });
});

describe('functions', () => {
  it.each(FUNCTION_NAMES)('%s runs nodejs24.x on arm64 with explicit memory, timeout and tracing', (name) => {
    const fn = resource(prod.template, `${FUNCTIONS[name].id}LambdaFunction`).Properties;
    expect(fn.Handler).toBe(`functions/${name}/handler.handler`);
    expect(fn.Runtime).toBe('nodejs24.x');
    expect(fn.Architectures).toEqual(['arm64']);
    // count-export-batch gunzips: more memory is more CPU (the stage's verification.countMemoryMb, default
    // 5,307 MB: three vCPUs); the verification's other two list and read manifests, and may take minutes on a large export.
    const memory: Partial<Record<FunctionName, number>> = {
      'verify-export': 512,
      'count-export-batch': 5307,
      'finish-verification': 512,
    };
    expect(fn.MemorySize).toBe(memory[name] ?? 256);
    expect(fn.Timeout).toBe(name in memory ? 300 : 30);
    expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
    expect(fn.FunctionName).toBe(`scheduled-exports-prod-${name}`);
  });

  it.each(FUNCTION_NAMES)('%s has its own role and a log group with the stage retention', (name) => {
    const { id, role } = FUNCTIONS[name];
    expect(resource(prod.template, `${id}LambdaFunction`).Properties.Role).toEqual({
      'Fn::GetAtt': [role, 'Arn'],
    });
    expect(resource(prod.template, `${id}LogGroup`).Properties.RetentionInDays).toBe(90);
    expect(resource(dev.template, `${id}LogGroup`).Properties.RetentionInDays).toBe(14);
  });

  it('uses no shared execution role', () => {
    expect(prod.template.Resources.IamRoleLambdaExecution).toBeUndefined();
    const roles = FUNCTION_NAMES.map(
      (n) => resource(prod.template, `${FUNCTIONS[n].id}LambdaFunction`).Properties.Role,
    );
    expect(new Set(roles.map((r) => JSON.stringify(r))).size).toBe(FUNCTION_NAMES.length);
  });

  it('reserves no concurrency: duplicate runs converge through the run ledger, not one Lambda slot', () => {
    for (const name of FUNCTION_NAMES) {
      expect(
        resource(prod.template, `${FUNCTIONS[name].id}LambdaFunction`).Properties
          .ReservedConcurrentExecutions,
      ).toBeUndefined();
    }
  });

  it('keeps the run ledger in an on-demand, recoverable, encrypted, protected table with TTL', () => {
    const table = resource(prod.template, 'RunLedgerTable');
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      TableName: 'scheduled-exports-prod-runs',
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      DeletionProtectionEnabled: true,
      KeySchema: [
        { AttributeName: 'target', KeyType: 'HASH' },
        { AttributeName: 'scheduledTime', KeyType: 'RANGE' },
      ],
    });
    expect(table.Properties.GlobalSecondaryIndexes.map((i: { IndexName: string }) => i.IndexName)).toEqual([
      'recent',
      'by-target-name',
      'good',
    ]);
    // dev can be torn down: no protection there.
    const devTable = resource(dev.template, 'RunLedgerTable');
    expect(devTable.Properties.DeletionProtectionEnabled).toBe(false);
    expect(devTable.DeletionPolicy).toBe('Delete');
  });

  it('has a dashboard with a row per target and the per-run metric alarms, routed to the alarm topic', () => {
    const dashboard = resource(prod.template, 'ExportDashboard').Properties;
    expect(dashboard.DashboardName).toBe('scheduled-exports-prod');
    const [body, variables] = dashboard.DashboardBody['Fn::Sub'];
    const titles = (JSON.parse(body) as { widgets: { properties: { title?: string } }[] }).widgets.map(
      (w) => w.properties.title,
    );
    expect(titles).toContain('nightly-all-endpoints: records exported per night');
    expect(titles).toContain('weekly-vip-segment: job duration (s)');
    // Every resource the body names is in the template.
    for (const value of Object.values(variables) as { Ref?: string; 'Fn::GetAtt'?: string[] }[]) {
      const id = value.Ref ?? value['Fn::GetAtt']?.[0] ?? '';
      expect(prod.template.Resources[id], id).toBeDefined();
    }
    for (const id of [
      'Target1RecordsDropAlarm',
      'Target1VerificationMismatchAlarm',
      'Target2DurationAlarm',
    ]) {
      expect(resource(prod.template, id).Properties.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
    }
    expect(prod.template.Outputs.DashboardUrl?.Value['Fn::Sub']).toContain(
      '#dashboards/dashboard/scheduled-exports-prod',
    );
    const env = resource(prod.template, `${FUNCTIONS['publish-summary'].id}LambdaFunction`).Properties
      .Environment.Variables;
    expect(env.METRICS_NAMESPACE).toBe('ExportOrchestrator');
  });

  it('tells create-export-job and publish-summary where the run ledger is, and the stage drop warning', () => {
    const env = (name: FunctionName) =>
      resource(prod.template, `${FUNCTIONS[name].id}LambdaFunction`).Properties.Environment.Variables;
    expect(env('create-export-job')).toMatchObject({
      RUN_LEDGER_TABLE: { Ref: 'RunLedgerTable' },
      LEDGER_RETENTION_DAYS: '400',
    });
    expect(env('publish-summary')).toMatchObject({
      RUN_LEDGER_TABLE: { Ref: 'RunLedgerTable' },
      RECORDS_DROP_WARN_PERCENT: '20',
    });
    expect(env('get-export-job-status').RUN_LEDGER_TABLE).toBeUndefined();
  });

  it('sets the environment each function reads', () => {
    const env = (name: FunctionName) =>
      resource(prod.template, `${FUNCTIONS[name].id}LambdaFunction`).Properties.Environment.Variables;
    for (const name of FUNCTION_NAMES) {
      expect(env(name)).toMatchObject({
        STAGE: 'prod',
        POWERTOOLS_SERVICE_NAME: 'scheduled-exports',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
    }
    expect(env('create-export-job')).toMatchObject({
      DEFAULT_ROLE_ARN: { 'Fn::GetAtt': ['PinpointExportRole', 'Arn'] },
      DEFAULT_S3_URL_PREFIX: {
        'Fn::Sub': [
          `s3://\${Bucket}/exports/{ApplicationId}/{SegmentId}/{date}/`,
          { Bucket: { Ref: 'ExportBucket' } },
        ],
      },
      POLL_MIN_WAIT_SECONDS: '15',
      POLL_MAX_WAIT_SECONDS: '300',
      RUN_DEADLINE_SECONDS: '21600',
    });
    expect(env('get-export-job-status')).toMatchObject({
      POLL_MIN_WAIT_SECONDS: '15',
      RUN_DEADLINE_SECONDS: '21600',
    });
    expect(env('get-export-job-status').DEFAULT_ROLE_ARN).toBeUndefined();
    expect(env('publish-summary').SUMMARY_TOPIC_ARN).toEqual({ Ref: 'SummaryTopic' });
    // The counting plan and the counting function's streams, from the stage's verification settings (defaults).
    expect(env('verify-export')).toMatchObject({
      VERIFY_BATCH_BYTES: String(2048 * 1024 * 1024),
      VERIFY_CONCURRENCY: '40',
    });
    expect(env('count-export-batch')).toMatchObject({
      COUNT_STREAMS: '3',
      COUNT_RESERVE_SECONDS: '10',
      UV_THREADPOOL_SIZE: '4',
    });
    // AWS is addressed virtual-hosted style; only local emulators need path-style.
    for (const name of ['verify-export', 'count-export-batch', 'finish-verification'] as const)
      expect(env(name).S3_FORCE_PATH_STYLE).toBeUndefined();
    expect(resource(prod.template, 'VerifyDashexportLambdaFunction').Properties.Timeout).toBe(300);
    expect(
      resource(dev.template, 'CreateDashexportDashjobLambdaFunction').Properties.Environment.Variables,
    ).toMatchObject({
      STAGE: 'dev',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
      POLL_MAX_WAIT_SECONDS: '60',
    });
  });

  /** Each source's runtime chunk, recognised by the name of an operation it sends (a string literal in its SDK command). */
  const SOURCE_MARKERS = {
    pinpoint: '"GetExportJob"',
    'customer-profiles': '"GetSegmentSnapshot"',
    dynamodb: '"ExportTableToPointInTime"',
  } as const;
  /** The sources whose SDK client each function may load (sources/runtimes.ts, sources/final-reads.ts). */
  const CALLABLE: Record<FunctionName, (keyof typeof SOURCE_MARKERS)[]> = {
    'create-export-job': ['pinpoint', 'customer-profiles', 'dynamodb'],
    'get-export-job-status': ['pinpoint', 'customer-profiles', 'dynamodb'],
    'publish-summary': ['pinpoint'],
    'verify-export': [],
    'count-export-batch': [],
    'finish-verification': [],
  };

  it.each(FUNCTION_NAMES)(
    "bundles %s as minified ESM: its own handler and chunks, each source's client in a chunk of its own, what a run loads within budget",
    (name) => {
      const zip = join(prod.dir, `${name}.zip`);
      const code = zipEntries(zip).filter((e) => /\.(?:mjs|js)$/.test(e.name));
      for (const entry of code)
        expect(entry.name).toMatch(new RegExp(`^functions/${name}/(?:handler|chunks/[\\w-]+)\\.mjs$`));
      const loads = bundleLoads(zip, `functions/${name}/handler.mjs`);
      const sourceChunks = Object.entries(SOURCE_MARKERS).flatMap(([source, marker]) =>
        loads.dynamic.filter((chunk) => chunk.text.includes(marker)).map((chunk) => ({ source, ...chunk })),
      );
      // Only the clients it can call, and none of them loaded before a run needs it.
      expect(sourceChunks.map((c) => c.source).sort()).toEqual([...CALLABLE[name]].sort());
      const worst = Math.max(0, ...sourceChunks.map((c) => c.addedBytes));
      console.info(
        `bundle ${name}: loads ${(loads.staticBytes / KB).toFixed(1)} KB${sourceChunks
          .map((c) => `, +${(c.addedBytes / KB).toFixed(1)} KB for ${c.source}`)
          .join('')}; ${(loads.totalBytes / KB).toFixed(1)} KB in the zip`,
      );
      expect(loads.staticBytes).toBeGreaterThan(30 * KB);
      expect(loads.staticBytes + worst).toBeLessThanOrEqual(BUNDLE_BUDGET[name]);
    },
  );

  it.each(FUNCTION_NAMES)('leaves the unused credential providers out of %s and out of its zip', (name) => {
    const zip = join(prod.dir, `${name}.zip`);
    const entries = zipEntries(zip);
    expect(entries.filter((e) => e.name.includes('node_modules/'))).toEqual([]);
    const code = entries
      .filter((e) => e.name.endsWith('.mjs'))
      .map((e) => zipText(zip, e.name))
      .join('\n');
    for (const pkg of EXCLUDED_PACKAGES) expect(code, pkg).toContain(`import("${pkg}")`);
  });
});

describe('state machine', () => {
  const props = () => resource(prod.template, 'ExportWorkflowStateMachine').Properties;

  it('is a STANDARD workflow named after the stack, defined by the ASL file', () => {
    expect(props().StateMachineType).toBe('STANDARD');
    expect(props().StateMachineName).toBe('scheduled-exports-prod');
    expect(props().Definition).toEqual(JSON.parse(readFileSync(ASL_FILE, 'utf8')));
    expect(props().DefinitionString).toBeUndefined();
  });

  it('binds every placeholder in the ASL to the matching function ARN, and nothing else', () => {
    const placeholders = [...readFileSync(ASL_FILE, 'utf8').matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]);
    expect(new Set(placeholders)).toEqual(
      new Set([
        'CreateExportJobFunctionArn',
        'GetExportJobStatusFunctionArn',
        'VerifyExportFunctionArn',
        'CountExportBatchFunctionArn',
        'FinishVerificationFunctionArn',
        'PublishSummaryFunctionArn',
      ]),
    );
    expect(props().DefinitionSubstitutions).toEqual({
      CreateExportJobFunctionArn: fnArn('create-export-job'),
      GetExportJobStatusFunctionArn: fnArn('get-export-job-status'),
      VerifyExportFunctionArn: fnArn('verify-export'),
      CountExportBatchFunctionArn: fnArn('count-export-batch'),
      FinishVerificationFunctionArn: fnArn('finish-verification'),
      PublishSummaryFunctionArn: fnArn('publish-summary'),
    });
  });

  it('logs ALL events without execution data (personal data) and traces with X-Ray', () => {
    expect(props().LoggingConfiguration).toEqual({
      Level: 'ALL',
      IncludeExecutionData: false,
      Destinations: [
        { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': ['ExportWorkflowLogGroup', 'Arn'] } } },
      ],
    });
    expect(props().TracingConfiguration).toEqual({ Enabled: true });
    expect(resource(prod.template, 'ExportWorkflowLogGroup').Properties).toEqual({
      LogGroupName: '/aws/vendedlogs/states/scheduled-exports-prod',
      RetentionInDays: 90,
    });
  });

  it('may invoke exactly its six functions', () => {
    const invoke = policyStatements(prod.template).filter(
      (s) =>
        s.where.startsWith('ExportWorkflowRole ') && actionsOf(s.statement).includes('lambda:InvokeFunction'),
    );
    expect(invoke).toHaveLength(1);
    expect(actionsOf(invoke[0]!.statement)).toEqual(['lambda:InvokeFunction']);
    expect(resourcesOf(invoke[0]!.statement)).toEqual(FUNCTION_NAMES.map(fnArn));
  });
});

describe('schedules', () => {
  const schedules = () => resourcesOfType(prod.template, 'AWS::Scheduler::Schedule');
  const schedule = (name: string) => {
    const found = schedules().find(([, r]) => r.Properties.Name === name);
    if (!found) throw new Error(`no schedule ${name}`);
    return found[1].Properties;
  };

  it('creates one schedule per configured target, in the stage schedule group', () => {
    expect(
      schedules()
        .map(([id]) => id)
        .sort(),
    ).toEqual([
      'ScheduleNightlyAllEndpoints',
      'ScheduleNightlyOrdersChanges',
      'ScheduleNightlyVipProfiles',
      'ScheduleWeeklyVipSegment',
    ]);
    expect(resourcesOfType(dev.template, 'AWS::Scheduler::Schedule').map(([id]) => id)).toEqual([
      'ScheduleNightlyAllEndpoints',
    ]);
    for (const [, s] of schedules()) expect(s.Properties.GroupName).toEqual({ Ref: 'ScheduleGroup' });
    expect(resource(prod.template, 'ScheduleGroup').Properties.Name).toBe('scheduled-exports-prod');
  });

  it('evaluates the cron expression in the target time zone', () => {
    expect(schedule('nightly-all-endpoints')).toMatchObject({
      // 03:00: Berlin's 02:00 does not exist the night the clocks go forward (see stage-config.test.ts).
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
    });
    expect(schedule('weekly-vip-segment')).toMatchObject({
      ScheduleExpression: 'cron(30 3 ? * MON *)',
      ScheduleExpressionTimezone: 'America/New_York',
      FlexibleTimeWindow: { Mode: 'OFF' },
    });
    expect(resource(dev.template, 'ScheduleNightlyAllEndpoints').Properties.State).toBe('DISABLED');
  });

  it('targets the state machine with a retry policy and the encrypted dead-letter queue', () => {
    for (const name of ['nightly-all-endpoints', 'weekly-vip-segment']) {
      const target = schedule(name).Target;
      expect(target.Arn).toEqual({ Ref: 'ExportWorkflowStateMachine' });
      expect(target.RoleArn).toEqual({ 'Fn::GetAtt': ['SchedulerRole', 'Arn'] });
      expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 7200 });
      expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['SchedulerDeadLetterQueue', 'Arn'] } });
    }
    expect(resource(dev.template, 'ScheduleNightlyAllEndpoints').Properties.Target.RetryPolicy).toEqual({
      MaximumRetryAttempts: 3,
      MaximumEventAgeInSeconds: 3600,
    });
    expect(resource(prod.template, 'SchedulerDeadLetterQueue').Properties.SqsManagedSseEnabled).toBe(true);
  });

  it('sends only the fields a target sets, plus the scheduled time and the target name', () => {
    expect(JSON.parse(schedule('nightly-all-endpoints').Target.Input)).toEqual({
      ApplicationId: APP_ID,
      ScheduledTime: '<aws.scheduler.scheduled-time>',
      Target: 'nightly-all-endpoints',
    });
    const [template, vars] = schedule('weekly-vip-segment').Target.Input['Fn::Sub'];
    expect(vars).toEqual({ Bucket: { Ref: 'ExportBucket' } });
    expect(JSON.parse(template)).toEqual({
      ApplicationId: APP_ID,
      ExportJobRequest: {
        S3UrlPrefix: `s3://\${Bucket}/exports/vip/{SegmentId}/v{SegmentVersion}/{year}/{month}/{day}/`,
        SegmentId: 'fedcba9876543210fedcba9876543210',
        SegmentVersion: 3,
      },
      ScheduledTime: '<aws.scheduler.scheduled-time>',
      Target: 'weekly-vip-segment',
    });
  });

  it('starts executions with a role trusted by Scheduler for this schedule group only', () => {
    const role = resource(prod.template, 'SchedulerRole').Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: {
            'aws:SourceAccount': { Ref: 'AWS::AccountId' },
            'aws:SourceArn': { 'Fn::GetAtt': ['ScheduleGroup', 'Arn'] },
          },
        },
      },
    ]);
    const statements: Statement[] = role.Policies.flatMap(
      (p: { PolicyDocument: { Statement: Statement[] } }) => p.PolicyDocument.Statement,
    );
    expect(statements.map((s) => [s.Action, s.Resource])).toEqual([
      ['states:StartExecution', { Ref: 'ExportWorkflowStateMachine' }],
      ['sqs:SendMessage', { 'Fn::GetAtt': ['SchedulerDeadLetterQueue', 'Arn'] }],
    ]);
  });
});

describe('IAM', () => {
  const all = () => [...policyStatements(dev.template), ...policyStatements(prod.template)];

  it('grants no wildcard action in any Allow statement, except the KMS actions the SNS guide prescribes for alarms', () => {
    const wildcards = all()
      .filter((s) => s.statement.Effect === 'Allow')
      .flatMap((s) =>
        actionsOf(s.statement)
          .filter((a) => a.includes('*'))
          .map((a) => `${s.where}${s.statement.Sid ? ` ${s.statement.Sid}` : ''}: ${a}`),
      );
    // The SNS guide prescribes kms:GenerateDataKey* for CloudWatch on an encrypted topic's key: the one exception.
    expect([...new Set(wildcards)]).toEqual([
      'NotificationKey AllowCloudWatchAlarmsToPublish: kms:GenerateDataKey*',
    ]);
  });

  it('uses a service-wide action only to deny requests without TLS', () => {
    for (const { statement, where } of all().filter((s) => s.statement.Effect === 'Deny')) {
      // osls writes the deployment bucket's condition as a boolean, the rest as the string IAM documents.
      expect([false, 'false'], where).toContain(statement.Condition?.Bool?.['aws:SecureTransport']);
      expect(Object.keys(statement.Condition), where).toEqual(['Bool']);
      expect(statement.Principal, where).toBe('*');
    }
  });

  it('uses Resource "*" only in key policies and for actions AWS allows on "*" only', () => {
    const offenders = all()
      .filter((s) => s.kind !== 'key' && resourcesOf(s.statement).includes('*'))
      .filter((s) => !actionsOf(s.statement).every((a) => ACTIONS_REQUIRING_STAR_RESOURCE.has(a)))
      .map((s) => s.where);
    expect(offenders).toEqual([]);
    // The exceptions are really used (a stale list would hide nothing but mislead).
    const starActions = all()
      .filter((s) => s.kind !== 'key' && resourcesOf(s.statement).includes('*'))
      .flatMap((s) => actionsOf(s.statement));
    expect(new Set(starActions)).toEqual(ACTIONS_REQUIRING_STAR_RESOURCE);
  });

  it('allows no "*" principal except in Deny statements', () => {
    const open = all().filter(
      (s) => s.statement.Effect === 'Allow' && JSON.stringify(s.statement.Principal ?? {}).includes('"*"'),
    );
    expect(open.map((s) => s.where)).toEqual([]);
  });

  const roleStatements = (role: string) =>
    policyStatements(prod.template)
      .filter((s) => s.where.startsWith(`${role} `) && s.kind === 'identity')
      .map((s) => s.statement);
  const appArn = sub(
    `arn:\${AWS::Partition}:mobiletargeting:\${AWS::Region}:\${AWS::AccountId}:apps/${APP_ID}`,
  );
  const jobsArn = sub(
    `arn:\${AWS::Partition}:mobiletargeting:\${AWS::Region}:\${AWS::AccountId}:apps/${APP_ID}/jobs/export*`,
  );

  it('lets create-export-job create and list export jobs of the configured applications, and pass only the export role to Pinpoint', () => {
    const statements = roleStatements('CreateExportJobRole');
    const pinpoint = statements.find((s) => actionsOf(s).includes('mobiletargeting:CreateExportJob'))!;
    expect(actionsOf(pinpoint).sort()).toEqual([
      'mobiletargeting:CreateExportJob',
      'mobiletargeting:GetExportJob',
      'mobiletargeting:GetExportJobs',
    ]);
    const ledger = statements.find((s) => s.Sid === 'ClaimRunsInLedger')!;
    // Query: the target's previous COMPLETED run, the poller's prior.
    expect(actionsOf(ledger).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(ledger.Resource).toEqual({ 'Fn::GetAtt': ['RunLedgerTable', 'Arn'] });
    // The ledger is the only table it writes; prod's DynamoDB target only adds exporting a table (source-stacks.test.ts).
    const dynamoDb = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamoDb.map((s) => s.Sid)).toEqual([
      'ExportTables',
      'ReadRecordedTableExports',
      'ClaimRunsInLedger',
    ]);
    expect(resourcesOf(pinpoint)).toEqual([appArn, jobsArn]);
    const passRole = statements.find((s) => actionsOf(s).includes('iam:PassRole'))!;
    expect(passRole.Resource).toEqual({ 'Fn::GetAtt': ['PinpointExportRole', 'Arn'] });
    // The Service Authorization Reference names mobiletargeting.amazonaws.com for CreateExportJob's PassRole;
    // the role itself is assumed by pinpoint.amazonaws.com: either name passes it, to Pinpoint only.
    expect(passRole.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': ['pinpoint.amazonaws.com', 'mobiletargeting.amazonaws.com'] },
    });
    expect(statements.flatMap(actionsOf)).not.toContain('sns:Publish');
  });

  it('lets get-export-job-status only read export jobs', () => {
    const statements = roleStatements('GetExportJobStatusRole');
    const mobile = statements.flatMap(actionsOf).filter((a) => a.startsWith('mobiletargeting:'));
    expect(mobile).toEqual(['mobiletargeting:GetExportJob']);
    expect(statements.flatMap(actionsOf)).not.toContain('iam:PassRole');
  });

  it('lets publish-summary read export jobs, publish to the topic and use its key, nothing more', () => {
    const statements = roleStatements('PublishSummaryRole');
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(bySid.ReadExportJobs).toMatchObject({
      Action: 'mobiletargeting:GetExportJob',
      Resource: [appArn, jobsArn],
    });
    expect(bySid.PublishSummary).toMatchObject({ Action: 'sns:Publish', Resource: { Ref: 'SummaryTopic' } });
    expect(bySid.EncryptForTopic).toMatchObject({
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: { 'Fn::GetAtt': ['NotificationKey', 'Arn'] },
    });
    expect(bySid.RecordRunOutcomesInLedger).toMatchObject({
      Action: ['dynamodb:UpdateItem', 'dynamodb:Query'],
      Resource: { 'Fn::GetAtt': ['RunLedgerTable', 'Arn'] },
    });
    expect(Object.keys(bySid).sort()).toEqual([
      'EncryptForTopic',
      'PublishSummary',
      'ReadExportJobs',
      'RecordRunOutcomesInLedger',
      'WriteOwnLogs',
      'XRayTracing',
    ]);
  });

  it("lets the verification's functions list and read only under the export prefix, and only finish-verification write, only _manifest.json", () => {
    const list = {
      Sid: 'ListExportedFiles',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: { 'Fn::GetAtt': ['ExportBucket', 'Arn'] },
      Condition: { StringLike: { 's3:prefix': ['exports/*'] } },
    };
    const read = {
      Sid: 'ReadExportedFiles',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: sub(`\${ExportBucket.Arn}/exports/*`),
    };
    for (const role of ['VerifyExportRole', 'CountExportBatchRole', 'FinishVerificationRole']) {
      const bySid = Object.fromEntries(roleStatements(role).map((s) => [s.Sid, s]));
      expect(bySid.ListExportedFiles, role).toEqual(list);
      expect(bySid.ReadExportedFiles, role).toEqual(read);
      const writes = role === 'FinishVerificationRole';
      expect(Object.keys(bySid).sort(), role).toEqual(
        [
          'ListExportedFiles',
          'ReadExportedFiles',
          ...(writes ? ['WriteVerificationManifest'] : []),
          'WriteOwnLogs',
          'XRayTracing',
        ].sort(),
      );
      if (writes)
        expect(bySid.WriteVerificationManifest).toEqual({
          Sid: 'WriteVerificationManifest',
          Effect: 'Allow',
          Action: 's3:PutObject',
          Resource: sub(`\${ExportBucket.Arn}/exports/*/_manifest.json`),
        });
    }
    // No other role reads the exports or lists the bucket: create-export-job may only write a
    // DynamoDB export (DynamoDB writes with its caller's permissions; source-stacks.test.ts).
    for (const role of ['CreateExportJobRole', 'GetExportJobStatusRole', 'PublishSummaryRole']) {
      expect(
        roleStatements(role)
          .flatMap(actionsOf)
          .filter((a) => a.startsWith('s3:')),
        role,
      ).toEqual(
        role === 'CreateExportJobRole' ? ['s3:AbortMultipartUpload', 's3:PutObject', 's3:PutObjectAcl'] : [],
      );
    }
  });

  it("gives the verification kms:Decrypt on the export bucket's key only when one is configured, and kms:GenerateDataKey only to the manifest's writer", () => {
    const config = parseStageConfig(
      parseYaml(readFileSync(join(ROOT, 'config/stages/prod.yml'), 'utf8')),
      'prod',
    );
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
    const withKey = { ...config, exportDestination: { ...config.exportDestination, kmsKeyArn: key } };
    const keyStatement = (fn: 'verifyExport' | 'countExportBatch' | 'finishVerification') =>
      verificationStatements(withKey, fn).find((s: Statement) => s.Sid === 'UseExportBucketKey');

    for (const fn of ['verifyExport', 'countExportBatch', 'finishVerification'] as const)
      expect(
        verificationStatements(config, fn)
          .flatMap(actionsOf)
          .filter((a: string) => a.startsWith('kms:')),
      ).toEqual([]);
    expect(keyStatement('countExportBatch')).toEqual({
      Sid: 'UseExportBucketKey',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: key,
    });
    expect(keyStatement('finishVerification')).toEqual({
      Sid: 'UseExportBucketKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: key,
    });
  });

  it.each(Object.values(FUNCTIONS))('lets $role write only to its own log group', ({ id, role }) => {
    const logs = roleStatements(role).find((s) => s.Sid === 'WriteOwnLogs')!;
    expect(logs.Action).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(logs.Resource).toEqual({ 'Fn::GetAtt': [`${id}LogGroup`, 'Arn'] });
  });
});

describe('export destination', () => {
  it('trusts pinpoint.amazonaws.com only, for this account and the configured applications', () => {
    const trust = resource(prod.template, 'PinpointExportRole').Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'pinpoint.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: {
            'aws:SourceArn': [
              sub(`arn:\${AWS::Partition}:mobiletargeting:\${AWS::Region}:\${AWS::AccountId}:apps/${APP_ID}`),
            ],
          },
        },
      },
    ]);
  });

  it("grants the export role the Pinpoint guide's export policy, scoped to the export bucket and prefix", () => {
    // https://docs.aws.amazon.com/pinpoint/latest/developerguide/permissions-export-endpoints.html
    const statements: Statement[] = resource(prod.template, 'PinpointExportRole').Properties.Policies[0]
      .PolicyDocument.Statement;
    const bucket = { 'Fn::GetAtt': ['ExportBucket', 'Arn'] };
    expect(statements).toEqual([
      // AllowUserToSeeBucketListInTheConsole: ListAllMyBuckets has no resource-level permission.
      { Sid: 'ListBuckets', Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' },
      { Sid: 'LocateBucket', Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: bucket },
      // AllowRootAndHomeListingOfBucket: the root and the export folder, one level at a time.
      {
        Sid: 'ListFoldersDownToExportPrefix',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: bucket,
        Condition: { StringEquals: { 's3:prefix': ['', 'exports/'], 's3:delimiter': ['/'] } },
      },
      // AllowListingOfUserFolder.
      {
        Sid: 'ListExportPrefixOnly',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: bucket,
        Condition: { StringLike: { 's3:prefix': ['exports/*'] } },
      },
      // AllowAllS3ActionsInUserFolder (s3:* in the guide): write, multipart, read back; no delete, ACL or tags.
      {
        Sid: 'ReadWriteExportObjects',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:GetObject'],
        Resource: sub(`\${ExportBucket.Arn}/exports/*`),
      },
    ]);
  });

  it('creates a private, encrypted, TLS-only bucket whose exports expire', () => {
    const bucket = resource(prod.template, 'ExportBucket');
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(
      bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault,
    ).toEqual({
      SSEAlgorithm: 'AES256',
    });
    expect(bucket.Properties.LifecycleConfiguration.Rules).toContainEqual({
      Id: 'ExpireExportedPersonalData',
      Status: 'Enabled',
      Prefix: 'exports/',
      ExpirationInDays: 30,
    });
    expect(
      resource(dev.template, 'ExportBucket').Properties.LifecycleConfiguration.Rules[0].ExpirationInDays,
    ).toBe(7);
    expect(bucket.Properties.LoggingConfiguration.DestinationBucketName).toEqual({
      Ref: 'ExportAccessLogBucket',
    });
    const policy = resource(prod.template, 'ExportBucketPolicy').Properties;
    expect(policy.Bucket).toEqual({ Ref: 'ExportBucket' });
    expect(policy.PolicyDocument.Statement).toContainEqual({
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [{ 'Fn::GetAtt': ['ExportBucket', 'Arn'] }, sub(`\${ExportBucket.Arn}/*`)],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });
});

describe('notifications', () => {
  it('encrypts the summary topic with a rotating customer managed key that SNS and CloudWatch may use', () => {
    expect(resource(prod.template, 'SummaryTopic').Properties).toMatchObject({
      TopicName: 'scheduled-exports-prod-summary',
      KmsMasterKeyId: { Ref: 'NotificationKey' },
    });
    const key = resource(prod.template, 'NotificationKey').Properties;
    expect(key.EnableKeyRotation).toBe(true);
    const bySid = Object.fromEntries(key.KeyPolicy.Statement.map((s: Statement) => [s.Sid, s]));
    expect(bySid.AllowCloudWatchAlarmsToPublish.Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
    // What the SNS guide prescribes for AWS services publishing to an encrypted topic.
    expect([...bySid.AllowCloudWatchAlarmsToPublish.Action].sort()).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    ]);
    expect(bySid.AllowSnsToUseKeyForThisTopic.Principal).toEqual({ Service: 'sns.amazonaws.com' });
    expect(bySid.AllowAccountPrincipalsToUseKeyThroughSns.Condition.StringEquals['kms:ViaService']).toEqual(
      sub(`sns.\${AWS::Region}.amazonaws.com`),
    );
    expect(bySid.AllowAccountToAdministerKey.Action).not.toContain('kms:Decrypt');
  });

  it('subscribes the configured endpoints, failures-only through a status filter, with a dead-letter queue', () => {
    // The alarm topic's subscriptions are checked in notifications.test.ts.
    const subscriptions = resourcesOfType(prod.template, 'AWS::SNS::Subscription')
      .map(([, r]) => r.Properties)
      .filter((p) => p.TopicArn.Ref === 'SummaryTopic');
    expect(subscriptions).toHaveLength(3);
    for (const s of subscriptions) {
      expect(s.TopicArn).toEqual({ Ref: 'SummaryTopic' });
      expect(s.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': ['SubscriptionDeadLetterQueue', 'Arn'] },
      });
    }
    const byEndpoint = Object.fromEntries(subscriptions.map((s) => [s.Endpoint, s]));
    expect(byEndpoint['crm-team@example.com']).toMatchObject({ Protocol: 'email' });
    expect(byEndpoint['crm-team@example.com'].FilterPolicy).toBeUndefined();
    expect(byEndpoint['oncall@example.com']).toMatchObject({
      Protocol: 'email',
      FilterPolicyScope: 'MessageAttributes',
      // statuses: failures — every outcome that is not a success, MISMATCH included.
      FilterPolicy: { status: [...FAILURE_OUTCOMES] },
    });
    expect(byEndpoint['arn:aws:sqs:eu-west-1:123456789012:crm-export-summaries']).toMatchObject({
      Protocol: 'sqs',
      RawMessageDelivery: true,
    });
  });
});

describe('alarms', () => {
  const alarms = () =>
    Object.fromEntries(
      resourcesOfType(prod.template, 'AWS::CloudWatch::Alarm').map(([id, r]) => [id, r.Properties]),
    );

  it('alarms on failed, timed out, aborted and throttled executions', () => {
    const metrics = Object.values(alarms())
      .filter((a) => a.Namespace === 'AWS/States' && a.ComparisonOperator === 'GreaterThanOrEqualToThreshold')
      .map((a) => a.MetricName)
      .sort();
    expect(metrics).toEqual([
      'ExecutionThrottled',
      'ExecutionsAborted',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
    ]);
    expect(alarms().ExecutionsFailedAlarm).toMatchObject({
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: 'ExportWorkflowStateMachine' } }],
      Statistic: 'Sum',
      Threshold: 1,
      AlarmActions: [{ Ref: 'AlarmTopic' }],
    });
  });

  it('alarms on messages in the dead-letter queues', () => {
    expect(alarms().SchedulerDeadLetterAlarm).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['SchedulerDeadLetterQueue', 'QueueName'] } }],
      Threshold: 1,
    });
    expect(alarms().SubscriptionDeadLetterAlarm?.Dimensions[0].Value).toEqual({
      'Fn::GetAtt': ['SubscriptionDeadLetterQueue', 'QueueName'],
    });
  });

  it('alarms when no run started for 25 hours, treating missing data as breaching', () => {
    expect(alarms().MissedRunAlarm).toMatchObject({
      MetricName: 'ExecutionsStarted',
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: 25,
      DatapointsToAlarm: 25,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('does not expect nightly runs in a stage whose schedules are all disabled', () => {
    expect(dev.template.Resources.MissedRunAlarm).toBeUndefined();
    expect(dev.template.Resources.ExecutionsFailedAlarm).toBeDefined();
  });
});

describe('cdk-nag (AwsSolutions and Serverless packs)', () => {
  let results: Record<string, NagResult>;
  beforeAll(() => {
    results = { dev: checkTemplate(dev.templateFile), prod: checkTemplate(prod.templateFile) };
  }, 60_000);

  it.each(['dev', 'prod'])('leaves no unacknowledged finding in the %s template', (stage) => {
    const left = results[stage]!.unacknowledged.map((f) => `${f.id} on ${f.logicalId}: ${f.description}`);
    expect(left).toEqual([]);
  });

  it('has no stale acknowledgement', () => {
    const unused = NAG_ACKNOWLEDGEMENTS.filter(
      (a) => results.dev!.unused.includes(a) && results.prod!.unused.includes(a),
    );
    expect(unused).toEqual([]);
  });

  it('reports what the acknowledgements do not cover', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const broken = structuredClone(prod.template);
    broken.Resources.SchedulerDeadLetterQueue!.Properties.SqsManagedSseEnabled = false;
    delete broken.Resources.NotificationKey!.Properties.EnableKeyRotation;
    delete broken.Resources.ExportWorkflowStateMachine!.Properties.TracingConfiguration;
    const file = join(mkdtempSync(join(tmpdir(), 'nag-')), 'template.json');
    writeFileSync(file, JSON.stringify(broken));
    const ids = checkTemplate(file).unacknowledged.map((f) => `${f.id} ${f.logicalId}`);
    expect(ids.sort()).toEqual([
      'AwsSolutions-KMS5 NotificationKey',
      'AwsSolutions-SF2 ExportWorkflowStateMachine',
      'AwsSolutions-SQS2 SchedulerDeadLetterQueue',
      'Serverless-StepFunctionStateMachineXray ExportWorkflowStateMachine',
    ]);
  });
});
