import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { executionArnFor } from '../../cli/naming.ts';
import {
  APP_ID,
  awsError,
  HistoryBuilder,
  harness,
  playExecution,
  runState,
  START,
  STATE_MACHINE_ARN,
} from './harness.ts';

const sfn = mockClient(SFNClient);
const cloudFormation = mockClient(CloudFormationClient);

const NAME = 'manual-20261128T153000Z-all-k3f9';
const EXECUTION_ARN = executionArnFor(STATE_MACHINE_ARN, NAME);

beforeEach(() => {
  sfn.reset();
  cloudFormation.reset();
  cloudFormation.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'scheduled-exports-prod',
        StackStatus: 'CREATE_COMPLETE',
        CreationTime: START,
        Outputs: [{ OutputKey: 'StateMachineArn', OutputValue: STATE_MACHINE_ARN }],
      },
    ],
  });
});

function runningExecution() {
  const h = new HistoryBuilder();
  const processing = runState(EXECUTION_ARN, {
    JobStatus: 'PROCESSING',
    TotalPieces: 4,
    CompletedPieces: 1,
    TotalProcessed: 250,
  });
  const done = runState(EXECUTION_ARN, {
    JobStatus: 'COMPLETED',
    TotalPieces: 4,
    CompletedPieces: 4,
    TotalProcessed: 1000,
  });
  const published = {
    ...done,
    summary: { status: 'COMPLETED', messageId: 'm', subject: '[prod] export COMPLETED', failure: null },
  };
  return [
    {
      events: [
        h.started({ ApplicationId: APP_ID }),
        ...h.task('CreateExportJob', processing),
        ...h.task('GetExportJobStatus', processing),
      ],
      describe: { status: 'RUNNING' as const },
    },
    {
      events: [
        ...h.task('GetExportJobStatus', done),
        ...h.task('PublishSummary', published),
        h.succeeded(published),
      ],
      describe: { status: 'SUCCEEDED' as const, stopDate: h.now, output: JSON.stringify(published) },
    },
  ];
}

describe('status', () => {
  it("shows a running run by name, looked up in the stage's state machine, without following it", async () => {
    // Arrange
    playExecution(sfn, EXECUTION_ARN, runningExecution());
    const cli = harness();

    // Act
    const code = await cli.run(['status', NAME, '--stage', 'prod']);

    // Assert
    expect(code).toBe(0);
    expect(sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input).toEqual({
      executionArn: EXECUTION_ARN,
    });
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(1);
    expect(cli.stdout()).toContain(`${NAME}  RUNNING`);
    expect(cli.stdout()).toContain(
      'execution    RUNNING, manual run, started 2026-11-28 15:30:00Z, running for 0s',
    );
    expect(cli.stdout()).toContain('progress     1/4 pieces, 250 endpoints');
    expect(cli.sleeps).toEqual([]);
  });

  it("follows a run given by ARN to its end with --wait, in the ARN's region, without reading the stack", async () => {
    // Arrange
    playExecution(sfn, EXECUTION_ARN, runningExecution());
    const cli = harness();

    // Act
    const code = await cli.run(['status', EXECUTION_ARN, '--wait']);

    // Assert
    expect(code).toBe(0);
    expect(cloudFormation.calls()).toHaveLength(0);
    expect(cli.regions).toEqual(['eu-west-1']);
    expect(cli.stdout()).toContain('execution SUCCEEDED');
    expect(cli.stdout()).toContain(`${NAME}  COMPLETED`);
  });

  it('exits 1 for a run that FAILED', async () => {
    // Arrange
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: EXECUTION_ARN,
      stateMachineArn: STATE_MACHINE_ARN,
      name: NAME,
      status: 'FAILED',
      startDate: START,
      stopDate: new Date(START.getTime() + 95_000),
      input: '{}',
      error: 'ExportJobTimedOut',
      cause: 'Pinpoint export TIMED_OUT after 6h',
    });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    const cli = harness();

    // Act
    const code = await cli.run(['status', EXECUTION_ARN, '--json']);

    // Assert
    expect(code).toBe(1);
    expect(JSON.parse(cli.stdout())).toMatchObject({
      command: 'status',
      following: 'not-requested',
      run: { outcome: 'TIMED_OUT', durationSeconds: 95, error: { error: 'ExportJobTimedOut' } },
      exitCode: 1,
    });
  });

  it('exits 4 (not 2, which promises nothing was sent to AWS) naming the run when no such execution exists', async () => {
    // Arrange
    sfn.on(DescribeExecutionCommand).rejects(awsError('ExecutionDoesNotExist', 'Execution Does Not Exist'));
    const cli = harness();

    // Act
    const code = await cli.run(['status', 'manual-nope', '--stage', 'prod']);

    // Assert
    expect(code).toBe(4);
    expect(cli.stderr()).toContain(
      'no execution manual-nope in eu-west-1: check the name, --stage and --region',
    );
  });

  it('exits 3 when the credentials are missing', async () => {
    // Arrange
    cloudFormation.on(DescribeStacksCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    const cli = harness();

    // Act
    const code = await cli.run(['status', NAME]);

    // Assert
    expect(code).toBe(3);
    expect(cli.stderr()).toContain('no AWS credentials found');
  });
});

describe('list', () => {
  const arn = (name: string) => executionArnFor(STATE_MACHINE_ARN, name);
  const executions = [
    {
      name: 'manual-20261128T153000Z-all-k3f9',
      status: 'RUNNING',
      startDate: new Date('2026-11-28T15:30:00Z'),
    },
    {
      name: '0b1e6f4c-2d5a-4f7e-9c3b-8a1d2e3f4a5b',
      status: 'SUCCEEDED',
      startDate: new Date('2026-11-28T02:00:05Z'),
      stopDate: new Date('2026-11-28T02:12:35Z'),
    },
    {
      name: 'f2c9a1b0-aaaa-4bbb-8ccc-0123456789ab',
      status: 'FAILED',
      startDate: new Date('2026-11-27T02:00:04Z'),
      stopDate: new Date('2026-11-27T02:01:04Z'),
    },
    {
      name: 'console-test',
      status: 'ABORTED',
      startDate: new Date('2026-11-26T09:00:00Z'),
      stopDate: new Date('2026-11-26T09:00:30Z'),
    },
  ] as const;

  beforeEach(() => {
    sfn.on(ListExecutionsCommand).resolves({
      executions: executions.map((e) => ({
        ...e,
        executionArn: arn(e.name),
        stateMachineArn: STATE_MACHINE_ARN,
      })),
    });
    const inputs: Record<string, unknown> = {
      [executions[0].name]: { ApplicationId: APP_ID },
      [executions[1].name]: { ApplicationId: APP_ID, ScheduledTime: '2026-11-28T02:00:00Z' },
      [executions[2].name]: { ApplicationId: APP_ID, ScheduledTime: '2026-11-27T02:00:00Z' },
      [executions[3].name]: { ApplicationId: APP_ID },
    };
    sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => {
      const e = executions.find((x) => arn(x.name) === input.executionArn)!;
      return {
        ...e,
        executionArn: input.executionArn,
        stateMachineArn: STATE_MACHINE_ARN,
        input: JSON.stringify(inputs[e.name]),
        ...(e.status === 'SUCCEEDED'
          ? { output: JSON.stringify({ summary: { status: 'COMPLETED', subject: 's', messageId: 'm' } }) }
          : {}),
        ...(e.status === 'FAILED' ? { error: 'ExportJobFailed', cause: 'Pinpoint export FAILED' } : {}),
      };
    });
  });

  it('shows recent runs with trigger, start, duration and outcome', async () => {
    // Arrange
    const cli = harness();

    // Act
    const code = await cli.run(['list', '--stage', 'prod', '--max', '4']);

    // Assert
    expect(code).toBe(0);
    expect(sfn.commandCalls(ListExecutionsCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE_ARN,
      maxResults: 4,
    });
    expect(cli.stdout()).toBe(
      [
        'NAME                                  TRIGGER   STARTED               DURATION  OUTCOME',
        'manual-20261128T153000Z-all-k3f9      manual    2026-11-28 15:30:00Z  0s        RUNNING',
        '0b1e6f4c-2d5a-4f7e-9c3b-8a1d2e3f4a5b  schedule  2026-11-28 02:00:05Z  12m 30s   COMPLETED',
        'f2c9a1b0-aaaa-4bbb-8ccc-0123456789ab  schedule  2026-11-27 02:00:04Z  1m 00s    FAILED',
        'console-test                          other     2026-11-26 09:00:00Z  30s       ABORTED',
        '',
      ].join('\n'),
    );
  });

  it('prints the runs as JSON with --json', async () => {
    // Arrange
    const cli = harness();

    // Act
    const code = await cli.run(['list', '--json', '--state-machine-arn', STATE_MACHINE_ARN]);

    // Assert
    expect(code).toBe(0);
    const doc = JSON.parse(cli.stdout());
    expect(doc.command).toBe('list');
    expect(doc.stateMachineArn).toBe(STATE_MACHINE_ARN);
    expect(doc.exitCode).toBe(0);
    expect(doc.runs).toHaveLength(4);
    expect(doc.runs[2]).toEqual({
      name: executions[2].name,
      arn: arn(executions[2].name),
      trigger: 'schedule',
      status: 'FAILED',
      outcome: 'FAILED',
      startDate: '2026-11-27T02:00:04.000Z',
      stopDate: '2026-11-27T02:01:04.000Z',
      durationSeconds: 60,
    });
  });

  it('exits 3 when listing is not allowed', async () => {
    // Arrange
    sfn
      .on(ListExecutionsCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform: states:ListExecutions'));
    const cli = harness();

    // Act
    const code = await cli.run(['list', '--stage', 'prod']);

    // Assert
    expect(code).toBe(3);
    expect(cli.stderr()).toContain('while listing executions: access denied (AccessDeniedException)');
  });
});
