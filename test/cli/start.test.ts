import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { executionArnFor } from '../../cli/naming.ts';
import {
  APP_ID,
  awsError,
  type Frame,
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
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: START,
        Outputs: [
          { OutputKey: 'SummaryTopicArn', OutputValue: 'arn:aws:sns:eu-west-1:123456789012:t' },
          { OutputKey: 'StateMachineArn', OutputValue: STATE_MACHINE_ARN },
        ],
      },
    ],
  });
  sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: START });
});

/** A run that goes CREATED → PROCESSING (twice) → its end, seen over four looks. */
function framesEndingWith(end: 'COMPLETED' | 'FAILED' | 'TIMED_OUT' | 'ERROR' | 'ABORTED'): Frame[] {
  const h = new HistoryBuilder();
  const created = runState(EXECUTION_ARN, { JobStatus: 'CREATED' }, 0);
  const processing1 = runState(
    EXECUTION_ARN,
    { JobStatus: 'PROCESSING', TotalPieces: 8, CompletedPieces: 2, TotalProcessed: 500 },
    1,
  );
  const processing2 = runState(
    EXECUTION_ARN,
    { JobStatus: 'PROCESSING', TotalPieces: 8, CompletedPieces: 6, TotalProcessed: 1500 },
    2,
  );
  const jobEnd = end === 'FAILED' ? 'FAILED' : end === 'COMPLETED' ? 'COMPLETED' : 'PROCESSING';
  const last = runState(
    EXECUTION_ARN,
    { JobStatus: jobEnd, TotalPieces: 8, CompletedPieces: 8, TotalProcessed: 2000, TotalFailures: 0 },
    3,
  );
  const frames: Frame[] = [
    {
      events: [h.started({ ApplicationId: APP_ID }), ...h.task('CreateExportJob', created)],
      describe: { status: 'RUNNING' },
    },
    { events: h.task('GetExportJobStatus', processing1), describe: { status: 'RUNNING' } },
    { events: h.task('GetExportJobStatus', processing2), describe: { status: 'RUNNING' } },
  ];
  if (end === 'ABORTED') {
    frames.push({ events: [h.aborted()], describe: { status: 'ABORTED', stopDate: h.now } });
    return frames;
  }
  const errors = {
    FAILED: 'ExportJobFailed',
    TIMED_OUT: 'ExportJobTimedOut',
    ERROR: 'ExportWorkflowError',
  } as const;
  const summary = {
    status: end,
    messageId: 'msg-1',
    subject: `[prod] Pinpoint export ${end}`,
    failure: end === 'COMPLETED' ? null : { error: errors[end], cause: `export ${end}` },
  };
  const published = { ...last, summary };
  const events = [...h.task('GetExportJobStatus', last), ...h.task('PublishSummary', published)];
  if (end === 'COMPLETED') {
    events.push(h.succeeded(published));
    frames.push({
      events,
      describe: { status: 'SUCCEEDED', stopDate: h.now, output: JSON.stringify(published) },
    });
  } else {
    events.push(h.failed(errors[end], `export ${end}`));
    frames.push({
      events,
      describe: { status: 'FAILED', stopDate: h.now, error: errors[end], cause: `export ${end}` },
    });
  }
  return frames;
}

describe('start', () => {
  it("starts an execution of the stage stack's state machine with a manual name and only the given input", async () => {
    // Arrange
    const cli = harness();

    // Act
    const code = await cli.run([
      '--application-id',
      APP_ID,
      '--segment-id',
      'active-users',
      '--segment-version',
      '3',
      '--stage',
      'prod',
    ]);

    // Assert
    expect(code).toBe(0);
    expect(cloudFormation.commandCalls(DescribeStacksCommand)[0]?.args[0].input).toEqual({
      StackName: 'scheduled-exports-prod',
    });
    const start = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start?.stateMachineArn).toBe(STATE_MACHINE_ARN);
    expect(start?.name).toBe('manual-20261128T153000Z-active-users-v3-k3f9');
    expect(JSON.parse(start?.input ?? '')).toEqual({
      ApplicationId: APP_ID,
      ExportJobRequest: { SegmentId: 'active-users', SegmentVersion: 3 },
    });
    expect(cli.regions).toEqual(['eu-west-1']);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });

  it('prints the execution name, ARN, console link and how to follow it', async () => {
    // Arrange
    const cli = harness();

    // Act
    await cli.run(['--application-id', APP_ID, '--stage', 'prod']);

    // Assert
    expect(cli.stdout()).toBe(
      [
        `Started ${NAME}`,
        `  execution  ${EXECUTION_ARN}`,
        `  console    https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${EXECUTION_ARN}`,
        'Follow it with:',
        `  npm run export -- status ${EXECUTION_ARN} --wait`,
        '',
      ].join('\n'),
    );
  });

  it('uses --state-machine-arn without reading the stack, and sends what redoing a night needs', async () => {
    // Arrange
    const cli = harness();

    // Act
    const code = await cli.run([
      '--application-id',
      APP_ID,
      '--state-machine-arn',
      STATE_MACHINE_ARN,
      '--scheduled-time',
      '2026-11-27T02:00:00Z',
      '--s3-url-prefix',
      's3://exports-bucket/redo/{date}/',
      '--role-arn',
      'arn:aws:iam::123456789012:role/export',
    ]);

    // Assert
    expect(code).toBe(0);
    expect(cloudFormation.calls()).toHaveLength(0);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '')).toEqual({
      ApplicationId: APP_ID,
      ExportJobRequest: {
        S3UrlPrefix: 's3://exports-bucket/redo/{date}/',
        RoleArn: 'arn:aws:iam::123456789012:role/export',
      },
      ScheduledTime: '2026-11-27T02:00:00Z',
    });
  });

  it('prints one JSON document describing the started run with --json', async () => {
    // Arrange
    const cli = harness();

    // Act
    const code = await cli.run(['--application-id', APP_ID, '--stage', 'prod', '--json']);

    // Assert
    expect(code).toBe(0);
    const doc = JSON.parse(cli.stdout());
    expect(doc).toEqual({
      command: 'start',
      input: { ApplicationId: APP_ID },
      run: {
        name: NAME,
        arn: EXECUTION_ARN,
        stateMachineArn: STATE_MACHINE_ARN,
        consoleUrl: expect.stringContaining('#/v2/executions/details/'),
        trigger: 'manual',
        status: 'RUNNING',
        outcome: null,
        startDate: START.toISOString(),
        stopDate: null,
        durationSeconds: 0,
        input: { ApplicationId: APP_ID },
        job: null,
        summary: null,
        error: null,
        explanation: null,
      },
      following: 'not-requested',
      resumeCommand: `npm run export -- status ${EXECUTION_ARN} --wait`,
      exitCode: 0,
    });
  });
});

describe('start --wait follows the run', () => {
  it.each([
    ['COMPLETED', 0, 'SUCCEEDED'],
    ['FAILED', 1, 'FAILED'],
    ['TIMED_OUT', 1, 'FAILED'],
    ['ERROR', 1, 'FAILED'],
    ['ABORTED', 1, 'ABORTED'],
  ] as const)('follows status changes to %s and exits %i', async (end, exitCode, executionStatus) => {
    // Arrange
    const cli = harness();
    playExecution(sfn, EXECUTION_ARN, framesEndingWith(end));

    // Act
    const code = await cli.run(['--application-id', APP_ID, '--stage', 'prod', '--wait']);

    // Assert
    expect(code).toBe(exitCode);
    const out = cli.stdout();
    expect(out).toMatch(/execution RUNNING/);
    expect(out).toMatch(/job CREATED +export job job-1 created/);
    expect(out).toMatch(/job PROCESSING +2\/8 pieces, 500 endpoints/);
    expect(out).toMatch(/job PROCESSING +6\/8 pieces, 1,500 endpoints/);
    expect(out).toContain(`execution ${executionStatus}`);
    expect(out).toContain(`${NAME}  ${end}`);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(4);
    expect(cli.sleeps).toEqual([5000, 5000, 5000]);
  });

  it('prints each progress step once, as plain lines when stdout is not a terminal', async () => {
    // Arrange
    const cli = harness();
    playExecution(sfn, EXECUTION_ARN, framesEndingWith('COMPLETED'));

    // Act
    await cli.run(['--application-id', APP_ID, '--stage', 'prod', '--wait']);

    // Assert
    const out = cli.stdout();
    expect(out).not.toContain('\r');
    expect(out.match(/6\/8 pieces/g)).toHaveLength(1);
    expect(out).toMatch(/summary COMPLETED +\[prod\] Pinpoint export COMPLETED/);
    expect(out).toContain('  progress     8/8 pieces, 2,000 endpoints');
    expect(out).toContain('s3://exports-bucket/pinpoint/');
  });

  it('draws a progress bar redrawn in place on a terminal', async () => {
    // Arrange
    const cli = harness({ isTTY: true });
    playExecution(sfn, EXECUTION_ARN, framesEndingWith('COMPLETED'));

    // Act
    await cli.run(['--application-id', APP_ID, '--stage', 'prod', '--wait']);

    // Assert
    const out = cli.stdout();
    expect(out).toContain(
      '\r\x1b[K[██████████████████░░░░░░]  75%  6/8 pieces · 1,500 endpoints · PROCESSING',
    );
    expect(out).toContain('job COMPLETED');
  });

  it('reads history pages newest first and stops at events it has seen', async () => {
    // Arrange: a page size of 2 makes every look need several pages.
    const cli = harness();
    playExecution(sfn, EXECUTION_ARN, framesEndingWith('COMPLETED'), 2);

    // Act
    const code = await cli.run(['--application-id', APP_ID, '--stage', 'prod', '--wait']);

    // Assert
    expect(code).toBe(0);
    expect(cli.stdout().match(/job PROCESSING/g)).toHaveLength(2);
    for (const call of sfn.commandCalls(GetExecutionHistoryCommand)) {
      expect(call.args[0].input).toMatchObject({ reverseOrder: true, includeExecutionData: true });
    }
  });

  it('shows a task error the workflow retried', async () => {
    // Arrange
    const h = new HistoryBuilder();
    const done = runState(EXECUTION_ARN, {
      JobStatus: 'COMPLETED',
      TotalPieces: 1,
      CompletedPieces: 1,
      TotalProcessed: 10,
    });
    const published = {
      ...done,
      summary: { status: 'COMPLETED', messageId: 'm', subject: 'done', failure: null },
    };
    playExecution(sfn, EXECUTION_ARN, [
      {
        events: [
          h.started({}),
          ...h.lambdaFailed(
            'CreateExportJob',
            'PinpointThrottledError',
            'Pinpoint throttled CreateExportJob',
          ),
        ],
        describe: { status: 'RUNNING' },
      },
      {
        events: [
          ...h.task('GetExportJobStatus', done),
          ...h.task('PublishSummary', published),
          h.succeeded(published),
        ],
        describe: { status: 'SUCCEEDED', stopDate: h.now, output: JSON.stringify(published) },
      },
    ]);
    const cli = harness();

    // Act
    const code = await cli.run(['--application-id', APP_ID, '--stage', 'prod', '--wait']);

    // Assert
    expect(code).toBe(0);
    expect(cli.stdout()).toMatch(
      /CreateExportJob error +PinpointThrottledError: Pinpoint throttled CreateExportJob/,
    );
  });

  it('prints one JSON document with the outcome, the job and the summary with --wait --json', async () => {
    // Arrange
    const cli = harness();
    playExecution(sfn, EXECUTION_ARN, framesEndingWith('FAILED'));

    // Act
    const code = await cli.run(['--application-id', APP_ID, '--stage', 'prod', '--wait', '--json']);

    // Assert
    expect(code).toBe(1);
    const doc = JSON.parse(cli.stdout());
    expect(doc).toMatchObject({
      command: 'start',
      following: 'finished',
      exitCode: 1,
      run: {
        name: NAME,
        status: 'FAILED',
        outcome: 'FAILED',
        trigger: 'manual',
        job: {
          id: 'job-1',
          status: 'FAILED',
          completedPieces: 8,
          totalPieces: 8,
          totalProcessed: 2000,
          totalFailures: 0,
        },
        summary: { status: 'FAILED', subject: '[prod] Pinpoint export FAILED', messageId: 'msg-1' },
        error: { error: 'ExportJobFailed', cause: 'export FAILED' },
      },
    });
    expect(typeof doc.run.durationSeconds).toBe('number');
  });

  it('gives up following after the poll cap, saying how to resume, and exits 1', async () => {
    // Arrange
    const cli = harness({ maxPolls: 3 });
    playExecution(sfn, EXECUTION_ARN, framesEndingWith('COMPLETED').slice(0, 2));

    // Act
    const code = await cli.run(['--application-id', APP_ID, '--stage', 'prod', '--wait']);

    // Assert
    expect(code).toBe(1);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(3);
    expect(cli.stdout()).toContain('stopped following');
  });
});

describe('Ctrl-C while following', () => {
  it('stops following but not the execution, and prints the command to resume', async () => {
    // Arrange
    const cli = harness();
    playExecution(sfn, EXECUTION_ARN, framesEndingWith('COMPLETED'));
    cli.onSleep((count) => {
      if (count === 2) cli.interrupt();
    });

    // Act
    const code = await cli.run(['--application-id', APP_ID, '--stage', 'prod', '--wait']);

    // Assert
    expect(code).toBe(130);
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(2);
    expect(cli.stdout()).toContain(`Stopped following ${NAME}; the execution goes on (job PROCESSING).`);
    expect(cli.stdout()).toContain(
      `Resume following with:\n  npm run export -- status ${EXECUTION_ARN} --wait\n`,
    );
  });

  it('reports the interruption and the resume command in JSON with --json', async () => {
    // Arrange
    const cli = harness();
    playExecution(sfn, EXECUTION_ARN, framesEndingWith('COMPLETED'));
    cli.onSleep(() => cli.interrupt());

    // Act
    const code = await cli.run(['--application-id', APP_ID, '--stage', 'prod', '--wait', '--json']);

    // Assert
    expect(code).toBe(130);
    expect(JSON.parse(cli.stdout())).toMatchObject({
      following: 'interrupted',
      resumeCommand: `npm run export -- status ${EXECUTION_ARN} --wait`,
      run: { status: 'RUNNING', outcome: null },
      exitCode: 130,
    });
  });

  it('stops listening for Ctrl-C once following ends', async () => {
    // Arrange
    const listeners: Array<() => void> = [];
    let removed = 0;
    const cli = harness({
      onInterrupt: (handler) => {
        listeners.push(handler);
        return () => {
          removed += 1;
        };
      },
    });
    playExecution(sfn, EXECUTION_ARN, framesEndingWith('COMPLETED'));

    // Act
    await cli.run(['--application-id', APP_ID, '--stage', 'prod', '--wait']);

    // Assert
    expect(listeners).toHaveLength(1);
    expect(removed).toBe(1);
  });
});

describe('AWS errors exit 3 with a readable reason', () => {
  it.each([
    [
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
      'no AWS credentials found',
    ],
    [
      awsError(
        'AccessDeniedException',
        'User: arn:aws:iam::123456789012:user/ops is not authorized to perform: states:StartExecution',
      ),
      'access denied (AccessDeniedException)',
    ],
    [
      awsError('UnrecognizedClientException', 'The security token included in the request is invalid.'),
      'AWS did not recognise the credentials',
    ],
    [
      awsError('ExpiredToken', 'The security token included in the request is expired'),
      'the AWS credentials have expired',
    ],
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }),
      'could not reach AWS (ECONNREFUSED)',
    ],
    [
      Object.assign(new Error('getaddrinfo ENOTFOUND states.eu-west-1.amazonaws.com'), { code: 'ENOTFOUND' }),
      'could not reach AWS (ENOTFOUND)',
    ],
    [
      awsError('StateMachineDoesNotExist', 'State Machine Does Not Exist'),
      'StateMachineDoesNotExist (HTTP 400)',
    ],
  ])('maps %s to exit status 3', async (error, reason) => {
    // Arrange
    sfn.on(StartExecutionCommand).rejects(error);
    const cli = harness();

    // Act
    const code = await cli.run(['--application-id', APP_ID, '--stage', 'prod']);

    // Assert
    expect(code).toBe(3);
    expect(cli.stderr()).toContain('error: AWS refused or could not be reached while starting execution');
    expect(cli.stderr()).toContain(reason);
    expect(cli.stderr().trimEnd().split('\n')).toHaveLength(1);
  });

  it('says to deploy first or pass --state-machine-arn when the stage has no stack', async () => {
    // Arrange
    cloudFormation
      .on(DescribeStacksCommand)
      .rejects(awsError('ValidationError', 'Stack with id scheduled-exports-prod does not exist'));
    const cli = harness();

    // Act
    const code = await cli.run(['--application-id', APP_ID, '--stage', 'prod', '--region', 'eu-west-1']);

    // Assert
    expect(code).toBe(3);
    expect(cli.stderr()).toBe(
      'error: stack scheduled-exports-prod was not found in eu-west-1: deploy it first (npm run deploy -- --stage prod) or pass --state-machine-arn\n',
    );
    expect(sfn.calls()).toHaveLength(0);
  });

  it('says so when the stack has no StateMachineArn output', async () => {
    // Arrange
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 's', StackStatus: 'CREATE_IN_PROGRESS', CreationTime: START, Outputs: [] }],
    });
    const cli = harness();

    // Act
    const code = await cli.run(['--application-id', APP_ID, '--stage', 'prod']);

    // Assert
    expect(code).toBe(3);
    expect(cli.stderr()).toContain('has no StateMachineArn output');
  });

  it('exits 3 when following fails because access is refused, as JSON with --json', async () => {
    // Arrange
    sfn
      .on(DescribeExecutionCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform: states:DescribeExecution'));
    const cli = harness();

    // Act
    const code = await cli.run(['--application-id', APP_ID, '--stage', 'prod', '--wait', '--json']);

    // Assert
    expect(code).toBe(3);
    const doc = JSON.parse(cli.stdout());
    expect(doc).toEqual({
      command: 'start',
      error: { kind: 'aws', message: expect.stringContaining('access denied (AccessDeniedException)') },
      exitCode: 3,
    });
  });
});

describe('start --wait after a COMPLETED job', () => {
  it("prints the verification's verdict when VerifyExport's output arrives", async () => {
    // Arrange
    const h = new HistoryBuilder();
    const done = runState(
      EXECUTION_ARN,
      { JobStatus: 'COMPLETED', TotalPieces: 8, CompletedPieces: 8, TotalProcessed: 2000, TotalFailures: 0 },
      1,
    );
    const verified = {
      ...done,
      verification: {
        verdict: 'VERIFIED',
        location: 's3://exports-bucket/pinpoint/job-1/',
        files: 8,
        bytes: 81_920,
        records: 2000,
        countedFiles: 8,
        expected: 2000,
        manifestUri: 's3://exports-bucket/pinpoint/job-1/_manifest.json',
        note: '2,000 of 2,000 records in 8 files',
      },
    };
    const published = {
      ...verified,
      summary: {
        status: 'COMPLETED',
        messageId: 'm',
        subject: '[prod] Pinpoint export COMPLETED',
        failure: null,
      },
    };
    playExecution(sfn, EXECUTION_ARN, [
      {
        events: [
          h.started({ ApplicationId: APP_ID }),
          ...h.task('CreateExportJob', runState(EXECUTION_ARN, { JobStatus: 'CREATED' }, 0)),
        ],
        describe: { status: 'RUNNING' },
      },
      { events: h.task('GetExportJobStatus', done), describe: { status: 'RUNNING' } },
      {
        events: [
          ...h.task('VerifyExport', verified),
          ...h.task('PublishSummary', published),
          h.succeeded(published),
        ],
        describe: { status: 'SUCCEEDED', stopDate: h.now, output: JSON.stringify(published) },
      },
    ]);
    const cli = harness();

    // Act
    const code = await cli.run(['--application-id', APP_ID, '--stage', 'prod', '--wait']);

    // Assert
    expect(code).toBe(0);
    expect(cli.stdout()).toMatch(/verify VERIFIED +2,000 records of 2,000 reported in 8 files/);
  });
});
