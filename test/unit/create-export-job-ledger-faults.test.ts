import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateExportJobCommand,
  type ExportJobResponse,
  GetExportJobCommand,
  GetExportJobsCommand,
  PinpointClient,
} from '@aws-sdk/client-pinpoint';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CreateExportJobEvent } from '../../core/types.ts';
import {
  type CreateExportJobDeps,
  createExportJob,
} from '../../functions/create-export-job/create-export-job.ts';
import type { CreateExportJobConfig } from '../../functions/shared/config.ts';
import { RunLedger } from '../../functions/shared/run-ledger.ts';
import { type FaultyEndpoint, startFaultyEndpoint } from '../ledger/faulty-endpoint.ts';
import { type LocalLedgerServer, startLocalLedgerServer } from '../ledger/local-ledger.ts';

/*
 * create-export-job when the run ledger throttles the write of the job id: the create must fail
 * with the retried RunLedgerThrottledError (not go on as if another execution had taken the run
 * over), and neither its retry nor a duplicate delivery may start a second export. The ledger is
 * dynalite over HTTP behind a proxy that throttles the one call (test/ledger/faulty-endpoint.ts).
 */

const APPLICATION_ID = '7f3c9a1b2c3d4e5f60718293a4b5c6d7';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/pinpoint-export';
const PREFIX = `s3://exports-bucket/pinpoint/${APPLICATION_ID}/2026-11-28/`;
const NOW = new Date('2026-11-28T02:00:09.000Z');
const EXECUTION = {
  Id: 'arn:aws:states:us-east-1:123456789012:execution:pinpoint-export-dev:first',
  Name: 'first',
  StartTime: '2026-11-28T02:00:07.412Z',
};

const config: CreateExportJobConfig = {
  stage: 'dev',
  inputDefaults: {
    RoleArn: ROLE_ARN,
    S3UrlPrefix: 's3://exports-bucket/pinpoint/{ApplicationId}/{date}/',
  },
  poll: { minWaitSeconds: 5, maxWaitSeconds: 300, runDeadlineSeconds: 12 * 3600 },
  ledger: { tableName: 'runs', claimSeconds: 90, retentionDays: 400 },
};

const CREATED_JOB: ExportJobResponse = {
  ApplicationId: APPLICATION_ID,
  Id: '9a8b7c6d5e4f30211f2e3d4c5b6a7980',
  JobStatus: 'CREATED',
  CreationDate: '2026-11-28T02:00:08.734Z',
  Definition: { RoleArn: ROLE_ARN, S3UrlPrefix: PREFIX, SegmentId: 'vip-customers' },
  Type: 'EXPORT',
};

const event = (name = EXECUTION.Name): CreateExportJobEvent => ({
  Input: {
    ApplicationId: APPLICATION_ID,
    ExportJobRequest: { SegmentId: 'vip-customers' },
    ScheduledTime: '2026-11-28T02:00:00Z',
  },
  Execution: { ...EXECUTION, Name: name },
});

const pinpointMock = mockClient(PinpointClient);
let server: LocalLedgerServer;
let proxy: FaultyEndpoint;
let client: DynamoDBClient;
let deps: CreateExportJobDeps;

beforeAll(async () => {
  server = await startLocalLedgerServer();
});

afterAll(async () => {
  await server.close();
});

beforeEach(async () => {
  pinpointMock.reset();
  proxy = await startFaultyEndpoint(server.endpoint);
  // One attempt per ledger call: the workflow's Retry is what retries a throttled call.
  client = new DynamoDBClient({
    endpoint: proxy.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  deps = {
    pinpoint: new PinpointClient({}),
    pinpointCreate: new PinpointClient({ maxAttempts: 1 }),
    ledger: new RunLedger(client, { tableName: await server.table(), now: () => NOW }),
    config,
    logger: new Logger({ serviceName: 'create-export-job', logLevel: 'SILENT' }),
    now: () => NOW,
  };
  pinpointMock.on(CreateExportJobCommand).resolves({ ExportJobResponse: CREATED_JOB });
  // What Pinpoint knows once the create went through: the look-up and the read find the job.
  pinpointMock.on(GetExportJobsCommand).resolves({ ExportJobsResponse: { Item: [CREATED_JOB] } });
  pinpointMock.on(GetExportJobCommand).resolves({ ExportJobResponse: CREATED_JOB });
});

afterEach(async () => {
  client.destroy();
  await proxy.close();
});

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

describe('createExportJob when recording the job is throttled', () => {
  it('fails with the retried RunLedgerThrottledError instead of going on as if the run were taken over', async () => {
    proxy.inject({
      operation: 'UpdateItem',
      answer: 'throttle',
      when: (body) => String(body.UpdateExpression).includes('jobId = :job'),
    });

    const error = await rejectionOf(createExportJob(event(), deps));

    expect(error.name).toBe('RunLedgerThrottledError');
  });

  it('starts no second export on the retry or for a duplicate delivery', async () => {
    proxy.inject({
      operation: 'UpdateItem',
      answer: 'throttle',
      when: (body) => String(body.UpdateExpression).includes('jobId = :job'),
    });
    await rejectionOf(createExportJob(event(), deps));

    const retry = await createExportJob(event(), deps);
    const duplicate = await createExportJob(event('duplicate-delivery'), deps);

    expect(pinpointMock.commandCalls(CreateExportJobCommand)).toHaveLength(1);
    expect(retry.job).toMatchObject({ Id: CREATED_JOB.Id, Reused: true });
    expect(duplicate.job).toMatchObject({ Id: CREATED_JOB.Id, Reused: true });
  });
});
