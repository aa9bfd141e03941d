import { Logger } from '@aws-lambda-powertools/logger';
import {
  type ExportJobResponse,
  ForbiddenException,
  GetExportJobCommand,
  InternalServerErrorException,
  NotFoundException,
  PinpointClient,
  TooManyRequestsException,
} from '@aws-sdk/client-pinpoint';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  OrchestratorBugError,
  PinpointRequestRejectedError,
  PinpointThrottledError,
  PinpointUnavailableError,
} from '../../core/errors.ts';
import type { RunState } from '../../core/types.ts';
import {
  type GetExportJobStatusDeps,
  getExportJobStatus,
} from '../../functions/get-export-job-status/get-export-job-status.ts';
import type { GetExportJobStatusConfig } from '../../functions/shared/config.ts';

const APPLICATION_ID = '7f3c9a1b2c3d4e5f60718293a4b5c6d7';
const JOB_ID = '9a8b7c6d5e4f30211f2e3d4c5b6a7980';
const DEADLINE = '2026-11-28T14:00:07.412Z';

const config: GetExportJobStatusConfig = {
  stage: 'dev',
  poll: { minWaitSeconds: 5, maxWaitSeconds: 300, runDeadlineSeconds: 12 * 3600 },
};

const pinpointMock = mockClient(PinpointClient);
let now: Date;
let deps: GetExportJobStatusDeps;

beforeEach(() => {
  pinpointMock.reset();
  now = new Date('2026-11-28T02:01:30.000Z');
  deps = {
    pinpoint: new PinpointClient({}),
    config,
    logger: new Logger({ serviceName: 'get-export-job-status', logLevel: 'SILENT' }),
    now: () => now,
  };
});

/** The run state as create-export-job (or a previous check) left it. */
function runState(overrides: { reused?: boolean; checks?: number } = {}): RunState {
  return {
    execution: {
      Id: 'arn:aws:states:us-east-1:123456789012:execution:pinpoint-export-dev:0c5e1a52-6f7e-4f5c-9a38-1d2b3c4d5e6f',
      Name: '0c5e1a52-6f7e-4f5c-9a38-1d2b3c4d5e6f',
      StartTime: '2026-11-28T02:00:07.412Z',
      Trigger: 'schedule',
    },
    request: {
      ApplicationId: APPLICATION_ID,
      ExportJobRequest: {
        RoleArn: 'arn:aws:iam::123456789012:role/pinpoint-export',
        S3UrlPrefix: `s3://exports-bucket/pinpoint/${APPLICATION_ID}/2026-11-28/`,
        SegmentId: 'vip-customers',
      },
      ScheduledTime: '2026-11-28T02:00:00.000Z',
    },
    job: {
      Id: JOB_ID,
      JobStatus: 'PROCESSING',
      CreationDate: '2026-11-28T02:00:08.734Z',
      TotalPieces: 8,
      CompletedPieces: 1,
      FailedPieces: 0,
      Reused: overrides.reused ?? false,
    },
    poll: {
      checks: overrides.checks ?? 3,
      waitSeconds: 20,
      deadline: DEADLINE,
      deadlinePassed: false,
      lastProgressAt: '2026-11-28T02:01:00.000Z',
      lastPiecesDone: 1,
      lastStatus: 'PROCESSING',
    },
  };
}

function pinpointJob(overrides: Partial<ExportJobResponse> = {}): ExportJobResponse {
  return {
    ApplicationId: APPLICATION_ID,
    Id: JOB_ID,
    JobStatus: 'PROCESSING',
    CreationDate: '2026-11-28T02:00:08.734Z',
    Definition: {
      RoleArn: 'arn:aws:iam::123456789012:role/pinpoint-export',
      S3UrlPrefix: `s3://exports-bucket/pinpoint/${APPLICATION_ID}/2026-11-28/`,
      SegmentId: 'vip-customers',
    },
    TotalPieces: 8,
    CompletedPieces: 5,
    FailedPieces: 1,
    TotalProcessed: 5_000,
    TotalFailures: 12,
    Failures: ['endpoint-1: invalid attribute'],
    Type: 'EXPORT',
    ...overrides,
  };
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

describe('getExportJobStatus', () => {
  it('reads the job of this run and returns its updated counts', async () => {
    pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: pinpointJob() });
    const event = runState();

    const state = await getExportJobStatus(event, deps);

    expect(pinpointMock.commandCalls(GetExportJobCommand)[0]?.args[0].input).toEqual({
      ApplicationId: APPLICATION_ID,
      JobId: JOB_ID,
    });
    expect(state.job).toEqual({
      Id: JOB_ID,
      JobStatus: 'PROCESSING',
      CreationDate: '2026-11-28T02:00:08.734Z',
      TotalPieces: 8,
      CompletedPieces: 5,
      FailedPieces: 1,
      TotalProcessed: 5_000,
      TotalFailures: 12,
      Reused: false,
    });
    expect(state.execution).toEqual(event.execution);
    expect(state.request).toEqual(event.request);
  });

  it('leaves Failures out of the run state (they can exceed the Step Functions payload limit)', async () => {
    pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: pinpointJob() });

    const state = await getExportJobStatus(runState(), deps);

    expect(state.job).not.toHaveProperty('Failures');
  });

  it('keeps Reused from the run state', async () => {
    pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: pinpointJob() });

    const state = await getExportJobStatus(runState({ reused: true }), deps);

    expect(state.job.Reused).toBe(true);
  });

  it('counts the check and records what it saw', async () => {
    pinpointMock.on(GetExportJobCommand).resolves({
      ExportJobResponse: pinpointJob({ JobStatus: 'COMPLETING', CompletedPieces: 8, FailedPieces: 0 }),
    });

    const state = await getExportJobStatus(runState({ checks: 3 }), deps);

    expect(state.poll).toMatchObject({
      checks: 4,
      deadline: DEADLINE,
      deadlinePassed: false,
      lastStatus: 'COMPLETING',
      lastPiecesDone: 8,
      lastProgressAt: now.toISOString(),
    });
  });

  it('asks for an integer wait of at least one second that does not reach past the deadline', async () => {
    pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: pinpointJob() });
    now = new Date(Date.parse(DEADLINE) - 3_000);

    const state = await getExportJobStatus(runState(), deps);

    expect(Number.isInteger(state.poll.waitSeconds)).toBe(true);
    expect(state.poll.waitSeconds).toBeGreaterThanOrEqual(1);
    expect(state.poll.waitSeconds).toBeLessThanOrEqual(3);
    expect(state.poll.deadlinePassed).toBe(false);
  });

  it.each([
    { when: 'at the deadline', offsetMs: 0 },
    { when: 'after the deadline', offsetMs: 60_000 },
  ])('reports deadlinePassed $when', async ({ offsetMs }) => {
    pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: pinpointJob() });
    now = new Date(Date.parse(DEADLINE) + offsetMs);

    const state = await getExportJobStatus(runState(), deps);

    expect(state.poll.deadlinePassed).toBe(true);
    expect(state.poll.waitSeconds).toBeGreaterThanOrEqual(1);
  });

  it('fails as unavailable when GetExportJob answers without a job', async () => {
    pinpointMock.on(GetExportJobCommand).resolves({});

    const error = await rejectionOf(getExportJobStatus(runState(), deps));

    expect(error).toBeInstanceOf(PinpointUnavailableError);
  });

  it.each([
    {
      what: 'a 429 to PinpointThrottledError',
      error: () =>
        new TooManyRequestsException({ message: 'Too many requests', $metadata: { httpStatusCode: 429 } }),
      type: PinpointThrottledError,
      name: 'PinpointThrottledError',
      says: 'Pinpoint throttled GetExportJob (TooManyRequestsException, HTTP 429): Too many requests',
    },
    {
      what: 'a 500 to PinpointUnavailableError',
      error: () =>
        new InternalServerErrorException({
          message: 'Internal server error',
          $metadata: { httpStatusCode: 500 },
        }),
      type: PinpointUnavailableError,
      name: 'PinpointUnavailableError',
      says: 'Pinpoint GetExportJob failed or could not be reached (InternalServerErrorException, HTTP 500)',
    },
    {
      what: 'a connection reset to PinpointUnavailableError',
      error: () => Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' }),
      type: PinpointUnavailableError,
      name: 'PinpointUnavailableError',
      says: 'socket hang up',
    },
    {
      what: 'a 404 to PinpointRequestRejectedError',
      error: () =>
        new NotFoundException({ message: 'Resource not found', $metadata: { httpStatusCode: 404 } }),
      type: PinpointRequestRejectedError,
      name: 'PinpointRequestRejectedError',
      says: 'Pinpoint does not know the application, segment or job',
    },
    {
      what: 'an IAM denial (403) to PinpointRequestRejectedError naming the permission and the role',
      error: () =>
        new ForbiddenException({ message: 'User is not authorized', $metadata: { httpStatusCode: 403 } }),
      type: PinpointRequestRejectedError,
      name: 'PinpointRequestRejectedError',
      says: "GetExportJobStatusRole role (the get-export-job-status function's) needs mobiletargeting:GetExportJob",
    },
    ...[502, 503, 504].map((status) => ({
      what: `a ${status} to PinpointUnavailableError (retried)`,
      error: () =>
        Object.assign(new Error('Bad gateway'), {
          name: 'Error',
          $fault: 'server',
          $metadata: { httpStatusCode: status },
        }),
      type: PinpointUnavailableError,
      name: 'PinpointUnavailableError',
      says: `HTTP ${status}`,
    })),
    {
      what: 'a 200 with an unreadable body to PinpointUnavailableError (retried, not a rejection)',
      error: () =>
        Object.assign(new SyntaxError('Unexpected token < in JSON at position 0'), {
          $metadata: { httpStatusCode: 200 },
          $response: { statusCode: 200 },
        }),
      type: PinpointUnavailableError,
      name: 'PinpointUnavailableError',
      says: 'HTTP 200',
    },
    {
      what: 'a TypeError of our own to OrchestratorBugError (not retried)',
      error: () => new TypeError("Cannot read properties of undefined (reading 'JobId')"),
      type: OrchestratorBugError,
      name: 'OrchestratorBugError',
      says: 'Orchestrator bug in get-export-job-status',
    },
  ])('maps $what', async ({ error, type, name, says }) => {
    const sdkError = error();
    pinpointMock.on(GetExportJobCommand).rejects(sdkError);

    const mapped = await rejectionOf(getExportJobStatus(runState(), deps));

    expect(mapped).toBeInstanceOf(type);
    expect(mapped.name).toBe(name);
    expect(mapped.message).toContain(says);
    // The message crosses into the state machine; reason and advice travel on its last lines.
    expect(mapped.message).toMatch(/\nreason: [\x20-\x7e]{1,60}\nadvice: .+$/);
    expect(mapped.cause).toBe(sdkError);
  });
});

describe('getExportJobStatus logs what a trace needs', () => {
  function capturingLogger() {
    const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
    const logger = new Logger({ serviceName: 'get-export-job-status', logLevel: 'SILENT' });
    for (const level of ['info', 'debug'] as const) {
      logger[level] = ((message: string, fields: Record<string, unknown> = {}) => {
        lines.push({ level, message, fields });
      }) as never;
    }
    return { logger, lines };
  }

  it('logs a change of status or of finished pieces at INFO with the counts and the creation date, a check that changes nothing at DEBUG', async () => {
    const { logger, lines } = capturingLogger();
    deps.logger = logger;
    pinpointMock
      .on(GetExportJobCommand)
      .resolvesOnce({ ExportJobResponse: pinpointJob({ CompletedPieces: 3, FailedPieces: 0 }) })
      .resolvesOnce({ ExportJobResponse: pinpointJob({ CompletedPieces: 3, FailedPieces: 0 }) })
      .resolves({
        ExportJobResponse: pinpointJob({ JobStatus: 'COMPLETING', CompletedPieces: 8, FailedPieces: 0 }),
      });

    const first = await getExportJobStatus(runState(), deps);
    const second = await getExportJobStatus(first, deps);
    await getExportJobStatus(second, deps);

    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['info', 'Export job progress changed'],
      ['debug', 'Export job status checked'],
      ['info', 'Export job status changed'],
    ]);
    expect(lines[0]!.fields).toMatchObject({
      jobStatus: 'PROCESSING',
      completedPieces: 3,
      failedPieces: 0,
      totalPieces: 8,
      creationDate: '2026-11-28T02:00:08.734Z',
    });
    expect(lines[2]!.fields).toMatchObject({
      jobStatus: 'COMPLETING',
      from: 'PROCESSING',
      completedPieces: 8,
    });
  });
});
