import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  SFNClient,
  type SFNClientResolvedConfig,
} from '@aws-sdk/client-sfn';
import type { AwsStub } from 'aws-sdk-client-mock';
import { vi } from 'vitest';
import { type CliDeps, type LocalRunRecord, main } from '../../cli/main.ts';
import type { RunState } from '../../core/types.ts';
import type { RunStore } from '../../dev/local/runs.ts';

/*
 * Drives cli/main.ts with mocked AWS clients, captured output, a virtual clock
 * (sleep advances it instantly) and a Ctrl-C the test presses.
 */

export const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:ExportWorkflow-prod';
export const APP_ID = '7f3c0a9e5b2d4c1e8f6a0b3d5c7e9f11';
export const START = new Date('2026-11-28T15:30:00Z');
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface Harness {
  deps: CliDeps;
  run: (argv: string[]) => Promise<number>;
  stdout: () => string;
  stderr: () => string;
  /** Presses Ctrl-C. */
  interrupt: () => void;
  /** Called after each virtual sleep with the number of sleeps so far. */
  onSleep: (callback: (count: number) => void) => void;
  sleeps: number[];
  regions: Array<string | undefined>;
  /** Moves the virtual clock on by `ms` and runs the once-a-second timers (the progress line's clock). */
  tick: (ms: number) => void;
  /** The local runs recorded, by data folder. */
  records: Map<string, LocalRunRecord[]>;
}

/** A run store in memory, per data folder. */
export function memoryRunStore(records: Map<string, LocalRunRecord[]>) {
  return (dataDir: string): RunStore<LocalRunRecord> => ({
    record: async (run) => {
      const runs = (records.get(dataDir) ?? []).filter((r) => r.name !== run.name);
      records.set(dataDir, [...runs, structuredClone(run)]);
    },
    list: async (max) =>
      [...(records.get(dataDir) ?? [])].sort((a, b) => b.startDate.localeCompare(a.startDate)).slice(0, max),
    get: async (name) => records.get(dataDir)?.find((r) => r.name === name),
  });
}

export function harness(overrides: Partial<CliDeps> = {}): Harness {
  const out: string[] = [];
  const err: string[] = [];
  const handlers = new Set<() => void>();
  const sleeps: number[] = [];
  const regions: Array<string | undefined> = [];
  let clock = START.getTime();
  let sleepCallback: (count: number) => void = () => undefined;
  const timers = new Set<() => void>();
  const records = new Map<string, LocalRunRecord[]>();
  const deps: CliDeps = {
    sfn: (region) => {
      regions.push(region);
      return new SFNClient({ region: region ?? 'us-east-1', credentials });
    },
    cloudFormation: (region) => new CloudFormationClient({ region: region ?? 'us-east-1', credentials }),
    dynamodb: (region, endpoint) =>
      new DynamoDBClient({ region: region ?? 'us-east-1', credentials, ...(endpoint ? { endpoint } : {}) }),
    runLocal: vi.fn(async () => {
      throw new Error('runLocal was not expected in this test');
    }),
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text) },
    isTTY: false,
    now: () => new Date(clock),
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
      sleepCallback(sleeps.length);
    },
    randomSuffix: () => 'k3f9',
    onInterrupt: (handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    pollIntervalMs: 5_000,
    maxPolls: 50,
    runStore: memoryRunStore(records),
    every: (_ms, fn) => {
      timers.add(fn);
      return () => timers.delete(fn);
    },
    ...overrides,
  };
  return {
    deps,
    run: (argv) => main(argv, deps),
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    interrupt: () => {
      for (const handler of [...handlers]) handler();
    },
    onSleep: (callback) => {
      sleepCallback = callback;
    },
    sleeps,
    regions,
    tick: (ms) => {
      clock += ms;
      for (const fn of [...timers]) fn();
    },
    records,
  };
}

/** A RunState as get-export-job-status returns it. */
export function runState(
  executionArn: string,
  job: Partial<RunState['job']> & Pick<RunState['job'], 'JobStatus'>,
  checks = 1,
): RunState {
  return {
    execution: {
      Id: executionArn,
      Name: executionArn.split(':').at(-1)!,
      StartTime: START.toISOString(),
      Trigger: 'manual',
    },
    request: {
      ApplicationId: APP_ID,
      ExportJobRequest: {
        RoleArn: 'arn:aws:iam::123456789012:role/pinpoint-export',
        S3UrlPrefix: `s3://exports-bucket/pinpoint/${APP_ID}/2026-11-28/`,
      },
      ScheduledTime: START.toISOString(),
    },
    job: { Id: 'job-1', CreationDate: START.toISOString(), Reused: false, ...job },
    poll: {
      checks,
      waitSeconds: 5,
      deadline: '2026-11-28T21:30:00.000Z',
      deadlinePassed: false,
      lastProgressAt: START.toISOString(),
      lastPiecesDone: 0,
      lastStatus: job.JobStatus,
    },
  };
}

/** Builds history events with increasing ids and timestamps. */
export class HistoryBuilder {
  private id = 0;
  private time = START.getTime();

  private next(type: string, details: Partial<HistoryEvent>): HistoryEvent {
    this.id += 1;
    this.time += 2_000;
    return {
      id: this.id,
      previousEventId: this.id - 1,
      type,
      timestamp: new Date(this.time),
      ...details,
    } as HistoryEvent;
  }

  started(input: unknown): HistoryEvent {
    return this.next('ExecutionStarted', {
      executionStartedEventDetails: {
        input: JSON.stringify(input),
        roleArn: 'arn:aws:iam::123456789012:role/sfn',
      },
    });
  }

  /** TaskStateEntered + LambdaFunctionSucceeded + TaskStateExited of one task (`input`: the state's input). */
  task(name: string, output: unknown, input: unknown = {}): HistoryEvent[] {
    return [
      this.next('TaskStateEntered', { stateEnteredEventDetails: { name, input: JSON.stringify(input) } }),
      this.next('LambdaFunctionSucceeded', {
        lambdaFunctionSucceededEventDetails: {
          output: JSON.stringify(
            name === 'PublishSummary' ? (output as { summary: unknown }).summary : output,
          ),
        },
      }),
      this.next('TaskStateExited', { stateExitedEventDetails: { name, output: JSON.stringify(output) } }),
    ];
  }

  lambdaFailed(name: string, error: string, cause: string): HistoryEvent[] {
    return [
      this.next('TaskStateEntered', { stateEnteredEventDetails: { name, input: '{}' } }),
      this.next('LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: { error, cause } }),
    ];
  }

  succeeded(output: unknown): HistoryEvent {
    return this.next('ExecutionSucceeded', {
      executionSucceededEventDetails: { output: JSON.stringify(output) },
    });
  }

  failed(error: string, cause: string): HistoryEvent {
    return this.next('ExecutionFailed', { executionFailedEventDetails: { error, cause } });
  }

  aborted(): HistoryEvent {
    return this.next('ExecutionAborted', {});
  }

  get now(): Date {
    return new Date(this.time);
  }
}

export interface Frame {
  /** Events that happened since the previous look. */
  events: HistoryEvent[];
  describe: Partial<DescribeExecutionCommandOutput>;
}

/**
 * Makes the mocked execution move one frame per DescribeExecution call (the
 * last frame repeats); GetExecutionHistory answers newest first, in pages.
 */
export function playExecution(
  sfn: AwsStub<ServiceInputTypes, ServiceOutputTypes, SFNClientResolvedConfig>,
  executionArn: string,
  frames: Frame[],
  pageSize = 100,
) {
  let shown = 0;
  const visible: HistoryEvent[] = [];
  const base = {
    executionArn,
    stateMachineArn: STATE_MACHINE_ARN,
    name: executionArn.split(':').at(-1),
    startDate: START,
    input: JSON.stringify({ ApplicationId: APP_ID }),
    $metadata: {},
  };
  sfn.on(DescribeExecutionCommand).callsFake(() => {
    const frame = frames[Math.min(shown, frames.length - 1)]!;
    if (shown < frames.length) visible.push(...frame.events);
    shown += 1;
    return { ...base, ...frame.describe };
  });
  sfn.on(GetExecutionHistoryCommand).callsFake((input: { nextToken?: string; reverseOrder?: boolean }) => {
    const newestFirst = [...visible].reverse();
    const start = input.nextToken ? Number(input.nextToken) : 0;
    const page = newestFirst.slice(start, start + pageSize);
    const nextToken = start + pageSize < newestFirst.length ? String(start + pageSize) : undefined;
    return { events: page, ...(nextToken ? { nextToken } : {}) };
  });
}

/** An error shaped like the AWS SDK's service exceptions. */
export function awsError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode } });
}
