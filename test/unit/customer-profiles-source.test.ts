import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  AccessDeniedException,
  BadRequestException,
  CreateSegmentSnapshotCommand,
  CustomerProfilesClient,
  GetSegmentSnapshotCommand,
  InternalServerException,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-customer-profiles';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type ExplainedError,
  SourceRequestRejectedError,
  SourceThrottledError,
  SourceUnavailableError,
} from '../../core/errors.ts';
import type { CreateExportJobEvent, JobSnapshot } from '../../core/types.ts';
import {
  type CreateExportJobDeps,
  createExportJob,
} from '../../functions/create-export-job/create-export-job.ts';
import type { CreateExportJobConfig } from '../../functions/shared/config.ts';
import { missingParts } from '../../sources/customer-profiles/describe.ts';
import runtime from '../../sources/customer-profiles/runtime.ts';
import type { ProfilesRequest } from '../../sources/customer-profiles/types.ts';
import type { CreateContext, SourceContext } from '../../sources/types.ts';
import { type LocalLedgerServer, startLocalLedgerServer } from '../ledger/local-ledger.ts';

/*
 * The Customer Profiles source's runtime (sources/customer-profiles/runtime.ts) against a
 * mocked CustomerProfilesClient, and createExportJob with a Customer Profiles input over
 * the run ledger in dynalite. Shapes follow botocore's customer-profiles 2020-08-15 model:
 * SnapshotId is 32 lowercase hex characters; Status is IN_PROGRESS, COMPLETED or FAILED;
 * the errors are BadRequest (400), AccessDenied (403), ResourceNotFound (404),
 * Throttling (429) and InternalServer (500).
 */

const ROLE_ARN = 'arn:aws:iam::123456789012:role/profiles-export';
const DESTINATION = 's3://exports-bucket/profiles/crm/vip-customers/2026-11-28/';
const KMS_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SNAPSHOT_ID = '3f2a9c1b7d6e4f5a8b0c1d2e3f4a5b6c';
const SCHEDULED_TIME = '2026-11-28T02:00:00Z';
const START_TIME = '2026-11-28T02:00:07.412Z';
const NOW = new Date('2026-11-28T02:00:09.000Z');

const REQUEST: ProfilesRequest = {
  Source: 'customer-profiles',
  DomainName: 'crm',
  SegmentDefinitionName: 'vip-customers',
  DataFormat: 'JSONL',
  RoleArn: ROLE_ARN,
  DestinationUri: DESTINATION,
  ScheduledTime: '2026-11-28T02:00:00.000Z',
};

const metadata = (httpStatusCode: number) => ({
  httpStatusCode,
  requestId: 'b1f8c7e2-0d4a-4c61-9a57-3e2f1d0c9b8a',
});

const profilesMock = mockClient(CustomerProfilesClient);
const logger = new Logger({ serviceName: 'customer-profiles-source-test', logLevel: 'SILENT' });

beforeEach(() => {
  profilesMock.reset();
});

function context(caller = 'get-export-job-status'): SourceContext {
  return { logger, now: () => NOW, sdk: {}, caller, clients: {} };
}

function createContext(): CreateContext {
  return {
    ...context('create-export-job'),
    run: {
      target: 'customer-profiles#crm#vip-customers#JSONL#abc',
      scheduledTime: REQUEST.ScheduledTime,
      attempt: 1,
      firstClaimedAt: NOW.toISOString(),
      redo: 0,
    },
  };
}

/** The job as create-export-job recorded it. */
const CREATED: JobSnapshot = {
  Id: SNAPSHOT_ID,
  JobStatus: 'PROCESSING',
  SourceStatus: 'IN_PROGRESS',
  CreationDate: '2026-11-28T02:00:08.500Z',
  Reused: false,
  Details: { DataFormat: 'JSONL' },
};

async function rejectionOf(promise: Promise<unknown>): Promise<ExplainedError> {
  try {
    await promise;
  } catch (error) {
    return error as ExplainedError;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** The errors the state machine retries on a task (statemachine/export-workflow.asl.json). */
function retriedBy(state: 'CreateExportJob' | 'GetExportJobStatus'): string[] {
  const asl = JSON.parse(readFileSync('statemachine/export-workflow.asl.json', 'utf8')) as {
    States: Record<string, { Retry?: { ErrorEquals: string[] }[] }>;
  };
  return (asl.States[state]?.Retry ?? []).flatMap((r) => r.ErrorEquals);
}

describe('the Customer Profiles runtime creates a snapshot', () => {
  it('sends CreateSegmentSnapshot exactly the resolved request, without an EncryptionKey when none is given', async () => {
    profilesMock.on(CreateSegmentSnapshotCommand).resolves({ SnapshotId: SNAPSHOT_ID });

    await runtime.create(REQUEST, createContext());

    const calls = profilesMock.commandCalls(CreateSegmentSnapshotCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toStrictEqual({
      DomainName: 'crm',
      SegmentDefinitionName: 'vip-customers',
      DataFormat: 'JSONL',
      RoleArn: ROLE_ARN,
      DestinationUri: DESTINATION,
    });
  });

  it('passes the EncryptionKey when the request has one', async () => {
    profilesMock.on(CreateSegmentSnapshotCommand).resolves({ SnapshotId: SNAPSHOT_ID });

    await runtime.create({ ...REQUEST, DataFormat: 'CSV', EncryptionKey: KMS_KEY }, createContext());

    expect(profilesMock.commandCalls(CreateSegmentSnapshotCommand)[0]?.args[0].input).toStrictEqual({
      DomainName: 'crm',
      SegmentDefinitionName: 'vip-customers',
      DataFormat: 'CSV',
      RoleArn: ROLE_ARN,
      DestinationUri: DESTINATION,
      EncryptionKey: KMS_KEY,
    });
  });

  it('returns the snapshot as PROCESSING, created when the create answered (the API reports no dates)', async () => {
    profilesMock.on(CreateSegmentSnapshotCommand).resolves({ SnapshotId: SNAPSHOT_ID });

    const job = await runtime.create(REQUEST, createContext());

    expect(job).toStrictEqual({
      Id: SNAPSHOT_ID,
      JobStatus: 'PROCESSING',
      SourceStatus: 'IN_PROGRESS',
      CreationDate: NOW.toISOString(),
      Reused: false,
      Details: { DataFormat: 'JSONL' },
    });
  });

  it('creates with a client the SDK never retries: a create whose answer is lost cannot be found again', async () => {
    profilesMock.on(CreateSegmentSnapshotCommand).resolves({ SnapshotId: SNAPSHOT_ID });
    const ctx = createContext();

    await runtime.create(REQUEST, ctx);

    const client = ctx.clients.profilesCreate as CustomerProfilesClient;
    expect(client).toBeInstanceOf(CustomerProfilesClient);
    expect(await client.config.maxAttempts()).toBe(1);
  });

  it('refuses an answer without a SnapshotId as an unconfirmed start', async () => {
    profilesMock.on(CreateSegmentSnapshotCommand).resolves({});

    const error = await rejectionOf(runtime.create(REQUEST, createContext()));

    expect(error).toBeInstanceOf(SourceRequestRejectedError);
    expect(error.reason).toBe('snapshot start unconfirmed');
  });
});

describe('the Customer Profiles runtime reads a snapshot', () => {
  it('asks GetSegmentSnapshot for the snapshot of the domain and segment definition', async () => {
    profilesMock
      .on(GetSegmentSnapshotCommand)
      .resolves({ SnapshotId: SNAPSHOT_ID, Status: 'IN_PROGRESS', DataFormat: 'JSONL' });

    await runtime.read(REQUEST, CREATED, context());

    expect(profilesMock.commandCalls(GetSegmentSnapshotCommand)[0]?.args[0].input).toStrictEqual({
      DomainName: 'crm',
      SegmentDefinitionName: 'vip-customers',
      SnapshotId: SNAPSHOT_ID,
    });
  });

  it('maps IN_PROGRESS to PROCESSING, keeping the creation date create-export-job saw', async () => {
    profilesMock
      .on(GetSegmentSnapshotCommand)
      .resolves({ SnapshotId: SNAPSHOT_ID, Status: 'IN_PROGRESS', DataFormat: 'JSONL' });

    const job = await runtime.read(REQUEST, CREATED, context());

    expect(job).toStrictEqual({
      Id: SNAPSHOT_ID,
      JobStatus: 'PROCESSING',
      SourceStatus: 'IN_PROGRESS',
      CreationDate: CREATED.CreationDate,
      Reused: false,
      Details: { DataFormat: 'JSONL' },
    });
  });

  it('maps COMPLETED with no failures and the check that first saw it as the completion date', async () => {
    profilesMock
      .on(GetSegmentSnapshotCommand)
      .resolves({ SnapshotId: SNAPSHOT_ID, Status: 'COMPLETED', DataFormat: 'JSONL' });

    const job = await runtime.read(REQUEST, CREATED, context());

    expect(job).toMatchObject({
      JobStatus: 'COMPLETED',
      SourceStatus: 'COMPLETED',
      TotalFailures: 0,
      CompletionDate: NOW.toISOString(),
    });
    // The API counts nothing: the verification counts the files.
    expect(job?.TotalProcessed).toBeUndefined();
  });

  it('keeps a completion date an earlier check recorded', async () => {
    profilesMock
      .on(GetSegmentSnapshotCommand)
      .resolves({ SnapshotId: SNAPSHOT_ID, Status: 'COMPLETED', DataFormat: 'JSONL' });

    const job = await runtime.read(
      REQUEST,
      { ...CREATED, CompletionDate: '2026-11-28T02:04:00.000Z' },
      context(),
    );

    expect(job?.CompletionDate).toBe('2026-11-28T02:04:00.000Z');
  });

  it("maps FAILED with the StatusMessage as the job's failure", async () => {
    const message =
      'Unable to write to s3://exports-bucket/profiles/: access denied for role profiles-export';
    profilesMock
      .on(GetSegmentSnapshotCommand)
      .resolves({ SnapshotId: SNAPSHOT_ID, Status: 'FAILED', StatusMessage: message, DataFormat: 'JSONL' });

    const job = await runtime.read(REQUEST, CREATED, context());

    expect(job).toMatchObject({
      JobStatus: 'FAILED',
      SourceStatus: 'FAILED',
      Failures: [message],
      CompletionDate: NOW.toISOString(),
    });
    expect(job?.TotalFailures).toBeUndefined();
  });

  it('says so when a FAILED snapshot gives no StatusMessage', async () => {
    profilesMock
      .on(GetSegmentSnapshotCommand)
      .resolves({ SnapshotId: SNAPSHOT_ID, Status: 'FAILED', DataFormat: 'JSONL' });

    const job = await runtime.read(REQUEST, CREATED, context());

    expect(job?.Failures).toEqual(['Customer Profiles gave no StatusMessage']);
  });

  it("answers undefined to create-export-job's check of a recorded snapshot the service no longer knows", async () => {
    profilesMock.on(GetSegmentSnapshotCommand).rejects(
      new ResourceNotFoundException({
        message: `Snapshot ${SNAPSHOT_ID} not found`,
        $metadata: metadata(404),
      }),
    );

    expect(
      await runtime.read(REQUEST, { ...CREATED, Reused: true }, context('create-export-job')),
    ).toBeUndefined();
  });
});

describe('the Customer Profiles runtime classifies what the service answers', () => {
  it('turns ThrottlingException into SourceThrottledError, which the state machine retries, on create and read', async () => {
    const throttled = () => new ThrottlingException({ message: 'Rate exceeded', $metadata: metadata(429) });
    profilesMock.on(CreateSegmentSnapshotCommand).rejects(throttled());
    profilesMock.on(GetSegmentSnapshotCommand).rejects(throttled());

    const onCreate = await rejectionOf(runtime.create(REQUEST, createContext()));
    const onRead = await rejectionOf(runtime.read(REQUEST, CREATED, context()));

    expect(onCreate).toBeInstanceOf(SourceThrottledError);
    expect(onRead).toBeInstanceOf(SourceThrottledError);
    expect(onCreate.reason).toBe('throttled');
    expect(retriedBy('CreateExportJob')).toContain(onCreate.name);
    expect(retriedBy('GetExportJobStatus')).toContain(onRead.name);
  });

  it('names a missing domain', async () => {
    profilesMock
      .on(CreateSegmentSnapshotCommand)
      .rejects(new ResourceNotFoundException({ message: 'Domain crm not found', $metadata: metadata(404) }));

    const error = await rejectionOf(runtime.create(REQUEST, createContext()));

    expect(error).toBeInstanceOf(SourceRequestRejectedError);
    expect(error.reason).toBe('domain not found');
    expect(error.advice).toContain('list-domains');
  });

  it('names a missing segment definition', async () => {
    profilesMock.on(CreateSegmentSnapshotCommand).rejects(
      new ResourceNotFoundException({
        message: 'Segment definition vip-customers not found in domain crm',
        $metadata: metadata(404),
      }),
    );

    const error = await rejectionOf(runtime.create(REQUEST, createContext()));

    expect(error).toBeInstanceOf(SourceRequestRejectedError);
    expect(error.reason).toBe('segment definition not found');
    expect(error.advice).toContain('list-segment-definitions');
  });

  it('names a snapshot that disappeared while the poll loop read it', async () => {
    profilesMock.on(GetSegmentSnapshotCommand).rejects(
      new ResourceNotFoundException({
        message: `Snapshot ${SNAPSHOT_ID} not found`,
        $metadata: metadata(404),
      }),
    );

    const error = await rejectionOf(runtime.read(REQUEST, CREATED, context()));

    expect(error).toBeInstanceOf(SourceRequestRejectedError);
    expect(error.reason).toBe('snapshot not found');
  });

  it('does not retry a create that failed with InternalServerException: the snapshot may have started', async () => {
    profilesMock
      .on(CreateSegmentSnapshotCommand)
      .rejects(new InternalServerException({ message: 'Internal server error', $metadata: metadata(500) }));

    const error = await rejectionOf(runtime.create(REQUEST, createContext()));

    expect(error).toBeInstanceOf(SourceRequestRejectedError);
    expect(error.reason).toBe('snapshot start unconfirmed');
    expect(error.detail).toContain('(service unavailable)');
    expect(error.advice).toContain(DESTINATION);
    expect(retriedBy('CreateExportJob')).not.toContain(error.name);
    expect(profilesMock.commandCalls(CreateSegmentSnapshotCommand)).toHaveLength(1);
  });

  it("keeps the service's error in the cause chain of an unconfirmed start (for the log)", async () => {
    const serverError = new InternalServerException({
      message: 'Internal server error',
      $metadata: metadata(500),
    });
    profilesMock.on(CreateSegmentSnapshotCommand).rejects(serverError);

    const error = await rejectionOf(runtime.create(REQUEST, createContext()));

    expect(error.cause).toBeInstanceOf(SourceUnavailableError);
    expect((error.cause as Error).cause).toBe(serverError);
  });

  it('does not retry a create whose answer never came (a timeout) either', async () => {
    profilesMock
      .on(CreateSegmentSnapshotCommand)
      .rejects(Object.assign(new Error('Connection timed out after 10000 ms'), { name: 'TimeoutError' }));

    const error = await rejectionOf(runtime.create(REQUEST, createContext()));

    expect(error).toBeInstanceOf(SourceRequestRejectedError);
    expect(error.reason).toBe('snapshot start unconfirmed');
  });

  it('turns InternalServerException on GetSegmentSnapshot into SourceUnavailableError, which the poll loop retries', async () => {
    profilesMock
      .on(GetSegmentSnapshotCommand)
      .rejects(new InternalServerException({ message: 'Internal server error', $metadata: metadata(500) }));

    const error = await rejectionOf(runtime.read(REQUEST, CREATED, context()));

    expect(error).toBeInstanceOf(SourceUnavailableError);
    expect(retriedBy('GetExportJobStatus')).toContain(error.name);
  });

  it('names the permissions CreateSegmentSnapshot needs when IAM denies it', async () => {
    profilesMock
      .on(CreateSegmentSnapshotCommand)
      .rejects(new AccessDeniedException({ message: 'Access denied', $metadata: metadata(403) }));

    const error = await rejectionOf(runtime.create(REQUEST, createContext()));

    expect(error).toBeInstanceOf(SourceRequestRejectedError);
    expect(error.reason).toBe('access denied');
    expect(error.advice).toContain('profile:CreateSegmentSnapshot on the domain and its segment definition');
    expect(error.advice).toContain('iam:PassRole');
    expect(error.advice).toContain('create-export-job');
  });

  it('names the action IAM says it denied on GetSegmentSnapshot', async () => {
    profilesMock.on(GetSegmentSnapshotCommand).rejects(
      new AccessDeniedException({
        message:
          'User: arn:aws:sts::123456789012:assumed-role/GetExportJobStatusRole/fn is not authorized to perform: profile:GetSegmentSnapshot on resource: arn:aws:profile:us-east-1:123456789012:domains/crm',
        $metadata: metadata(403),
      }),
    );

    const error = await rejectionOf(runtime.read(REQUEST, CREATED, context()));

    expect(error.reason).toBe('access denied');
    expect(error.advice).toContain('needs profile:GetSegmentSnapshot');
    expect(error.advice).toContain('get-export-job-status');
  });

  it('says the role cannot be used when the service refuses it', async () => {
    profilesMock.on(CreateSegmentSnapshotCommand).rejects(
      new BadRequestException({
        message: 'Unable to assume role profiles-export',
        $metadata: metadata(400),
      }),
    );

    const error = await rejectionOf(runtime.create(REQUEST, createContext()));

    expect(error).toBeInstanceOf(SourceRequestRejectedError);
    expect(error.reason).toBe('role cannot be used');
  });
});

describe('createExportJob with a Customer Profiles input', () => {
  const config: CreateExportJobConfig = {
    stage: 'dev',
    inputDefaults: {
      ProfilesRoleArn: ROLE_ARN,
      ProfilesDestination: 's3://exports-bucket/profiles/{DomainName}/{SegmentDefinitionName}/{date}/',
    },
    poll: { minWaitSeconds: 5, maxWaitSeconds: 300, runDeadlineSeconds: 12 * 3600 },
    ledger: { tableName: 'runs', claimSeconds: 90, retentionDays: 400 },
  };
  const EXECUTION = {
    Id: 'arn:aws:states:us-east-1:123456789012:execution:pinpoint-export-dev:5d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    Name: '5d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    StartTime: START_TIME,
  };
  const DUPLICATE = { ...EXECUTION, Name: 'a7e9c2d4-duplicate-delivery' };

  let ledgerServer: LocalLedgerServer;
  let deps: CreateExportJobDeps;

  beforeAll(async () => {
    ledgerServer = await startLocalLedgerServer();
  });

  afterAll(async () => {
    await ledgerServer.close();
  });

  beforeEach(async () => {
    deps = {
      ledger: await ledgerServer.ledger({ now: () => NOW }),
      config,
      logger,
      now: () => NOW,
      clients: {},
    };
  });

  function event(execution = EXECUTION): CreateExportJobEvent {
    return {
      Input: {
        Source: 'customer-profiles',
        DomainName: 'crm',
        SegmentDefinitionName: 'vip-customers',
        ScheduledTime: SCHEDULED_TIME,
        Target: 'nightly-vip-profiles',
      },
      Execution: execution,
    };
  }

  it('starts one snapshot with the stage defaults and records it in the run ledger', async () => {
    profilesMock.on(CreateSegmentSnapshotCommand).resolves({ SnapshotId: SNAPSHOT_ID });

    const state = await createExportJob(event(), deps);

    expect(profilesMock.commandCalls(CreateSegmentSnapshotCommand)).toHaveLength(1);
    expect(profilesMock.commandCalls(CreateSegmentSnapshotCommand)[0]?.args[0].input).toStrictEqual({
      DomainName: 'crm',
      SegmentDefinitionName: 'vip-customers',
      DataFormat: 'JSONL',
      RoleArn: ROLE_ARN,
      DestinationUri: DESTINATION,
    });
    expect(state.request).toMatchObject({ Source: 'customer-profiles', DestinationUri: DESTINATION });
    expect(state.job).toMatchObject({ Id: SNAPSHOT_ID, JobStatus: 'PROCESSING', Reused: false });
    expect(state.run).toMatchObject({ targetName: 'nightly-vip-profiles', attempt: 1 });
    const item = await deps.ledger.get({
      target: state.run?.target ?? '',
      scheduledTime: state.run?.scheduledTime ?? '',
    });
    expect(item).toMatchObject({
      source: 'customer-profiles',
      claimedBy: EXECUTION.Name,
      jobId: SNAPSHOT_ID,
      jobCreatedAt: NOW.toISOString(),
    });
    expect(state.run?.target).toMatch(/^customer-profiles#crm#vip-customers#JSONL#/);
  });

  it('never starts a second snapshot after an attempt that began one and recorded nothing (a lost Lambda answer, a ledger error)', async () => {
    profilesMock.on(CreateSegmentSnapshotCommand).resolves({ SnapshotId: SNAPSHOT_ID });
    // The first attempt starts the snapshot, then cannot record it: the ledger write fails.
    const recordJob = deps.ledger.recordJob.bind(deps.ledger);
    deps.ledger.recordJob = async () => {
      throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400 },
      });
    };
    await expect(createExportJob(event(), deps)).rejects.toMatchObject({ name: 'RunLedgerThrottledError' });
    deps.ledger.recordJob = recordJob;

    // The state machine's retry: the same execution, its own claim.
    const error = await createExportJob(event(), deps).then(
      () => undefined,
      (e: unknown) => e as { name: string; reason: string; advice: string },
    );

    expect(profilesMock.commandCalls(CreateSegmentSnapshotCommand)).toHaveLength(1);
    expect(error).toMatchObject({ name: 'SourceRequestRejectedError', reason: 'job start unconfirmed' });
    expect(error?.advice).toContain('cannot list the jobs it started');
    // Refused, the claim is released and the marker cleared: the operator's re-run may start one.
    const state = await createExportJob(event(DUPLICATE), deps);
    expect(profilesMock.commandCalls(CreateSegmentSnapshotCommand)).toHaveLength(2);
    expect(state.job).toMatchObject({ Id: SNAPSHOT_ID, Reused: false });
  });

  it('reuses the recorded snapshot on a second call for the same run, without a second CreateSegmentSnapshot', async () => {
    profilesMock.on(CreateSegmentSnapshotCommand).resolves({ SnapshotId: SNAPSHOT_ID });
    profilesMock
      .on(GetSegmentSnapshotCommand)
      .resolves({ SnapshotId: SNAPSHOT_ID, Status: 'IN_PROGRESS', DataFormat: 'JSONL' });
    await createExportJob(event(), deps);

    const again = await createExportJob(event(DUPLICATE), deps);

    expect(profilesMock.commandCalls(CreateSegmentSnapshotCommand)).toHaveLength(1);
    expect(profilesMock.commandCalls(GetSegmentSnapshotCommand)[0]?.args[0].input).toStrictEqual({
      DomainName: 'crm',
      SegmentDefinitionName: 'vip-customers',
      SnapshotId: SNAPSHOT_ID,
    });
    expect(again.job).toMatchObject({
      Id: SNAPSHOT_ID,
      JobStatus: 'PROCESSING',
      Reused: true,
      CreationDate: NOW.toISOString(),
    });
  });

  it('starts the run over with a new snapshot when the recorded one FAILED', async () => {
    profilesMock
      .on(CreateSegmentSnapshotCommand)
      .resolvesOnce({ SnapshotId: SNAPSHOT_ID })
      .resolvesOnce({ SnapshotId: 'c0ffee00c0ffee00c0ffee00c0ffee00' });
    profilesMock.on(GetSegmentSnapshotCommand).resolves({
      SnapshotId: SNAPSHOT_ID,
      Status: 'FAILED',
      StatusMessage: 'Bucket not found',
      DataFormat: 'JSONL',
    });
    await createExportJob(event(), deps);

    const redone = await createExportJob(event(DUPLICATE), deps);

    expect(profilesMock.commandCalls(CreateSegmentSnapshotCommand)).toHaveLength(2);
    expect(redone.job).toMatchObject({ Id: 'c0ffee00c0ffee00c0ffee00c0ffee00', Reused: false });
    expect(redone.run?.attempt).toBe(2);
  });

  it('releases the run when the start is unconfirmed, so a corrected re-run need not wait for the claim', async () => {
    profilesMock
      .on(CreateSegmentSnapshotCommand)
      .rejects(new InternalServerException({ message: 'Internal server error', $metadata: metadata(500) }));

    const error = await rejectionOf(createExportJob(event(), deps));

    expect(error.name).toBe('SourceRequestRejectedError');
    const runs = await deps.ledger.recent(5);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      claimExpiresAt: 0,
      outcome: { status: 'ERROR', jobId: null, headline: 'snapshot start unconfirmed' },
    });
  });
});

describe("a snapshot's parts", () => {
  it('names the parts the file names promise and the listing lacks, and nothing for files named otherwise', () => {
    const key = (i: number, of = 4) =>
      `exports/crm/vip/abc_part-${String(i).padStart(5, '0')}-of-${String(of).padStart(5, '0')}.jsonl`;

    expect(missingParts([key(1), key(2), key(4)])).toEqual([key(3)]);
    expect(missingParts([key(1), key(2), key(3), key(4)])).toEqual([]);
    expect(missingParts(['exports/crm/vip/profiles.jsonl', 'exports/crm/vip/other.csv'])).toEqual([]);
    // Two snapshots' parts under one prefix are judged each by its own count.
    expect(missingParts([key(1, 2), 'exports/crm/vip/def_part-00001-of-00001.jsonl'])).toEqual([key(2, 2)]);
  });
});
