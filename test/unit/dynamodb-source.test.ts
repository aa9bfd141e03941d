import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  type ContinuousBackupsDescription,
  DescribeContinuousBackupsCommand,
  DescribeExportCommand,
  DynamoDBClient,
  ExportConflictException,
  type ExportDescription,
  ExportNotFoundException,
  ExportTableToPointInTimeCommand,
  type ExportTableToPointInTimeCommandInput,
  InternalServerError,
  LimitExceededException,
  PointInTimeRecoveryUnavailableException,
  TableNotFoundException,
} from '@aws-sdk/client-dynamodb';
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
  inputDefaultsOf,
  runIdentityOf,
} from '../../functions/create-export-job/create-export-job.ts';
import type { CreateExportJobConfig } from '../../functions/shared/config.ts';
import runtime from '../../sources/dynamodb/runtime.ts';
import type { DynamoDbRequest } from '../../sources/dynamodb/types.ts';
import { resolveExecutionInput } from '../../sources/input.ts';
import type { CreateContext, SourceContext } from '../../sources/types.ts';
import { type LocalLedgerServer, startLocalLedgerServer } from '../ledger/local-ledger.ts';

/*
 * The DynamoDB source's runtime (sources/dynamodb/runtime.ts) against a mocked DynamoDB,
 * and createExportJob with a DynamoDB input over the run ledger.
 *
 * The run ledger is DynamoDB too, so the mock must not catch its calls: mockClient() is
 * given one client *instance*, which the runtime receives as `clients.dynamodb` (the name
 * it looks its client up by), and only that instance's send is stubbed. The ledger keeps
 * its own client to dynalite (test/ledger/local-ledger.ts), so its conditional writes run
 * for real. Mocking the class instead would stub the ledger's client as well.
 *
 * Shapes follow botocore's dynamodb 2012-08-10 model (ExportTableToPointInTimeInput,
 * ExportDescription, PointInTimeRecoveryDescription).
 */

const TABLE_ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders';
const SCHEDULED = '2026-11-28T02:00:00.000Z';
const START_TIME = '2026-11-28T02:00:07.412Z';
const NOW = new Date('2026-11-28T02:00:09.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
const at = (time: string) => Date.parse(time);

const REQUEST: DynamoDbRequest = {
  Source: 'dynamodb',
  TableArn: TABLE_ARN,
  ExportType: 'FULL_EXPORT',
  ExportFormat: 'DYNAMODB_JSON',
  S3Bucket: 'exports-bucket',
  S3Prefix: 'dynamodb/orders/2026-11-28',
  S3SseAlgorithm: 'AES256',
  OutsideRecoveryWindow: 'ERROR',
  ScheduledTime: SCHEDULED,
};
const INCREMENTAL: DynamoDbRequest = { ...REQUEST, ExportType: 'INCREMENTAL_EXPORT' };

const metadata = (httpStatusCode: number) => ({
  httpStatusCode,
  requestId: 'R2D2C3PO0BB8K2SO4LOM3ARTOOV4EMNO5AEMVJF66Q9ASUAAJG',
});

const exportClient = new DynamoDBClient({ region: 'eu-west-1' });
const dynamoMock = mockClient(exportClient);
const logger = new Logger({ serviceName: 'dynamodb-source-test', logLevel: 'SILENT' });
let exportsStarted: number;

beforeEach(() => {
  dynamoMock.reset();
  exportsStarted = 0;
});

function context(caller = 'get-export-job-status', now = NOW): SourceContext {
  return { logger, now: () => now, sdk: {}, caller, clients: { dynamodb: exportClient } };
}

function createContext(overrides: Partial<CreateContext> = {}): CreateContext {
  return {
    ...context('create-export-job'),
    // First claimed a day after its scheduled time (a past night re-run): exports end where scheduled.
    run: {
      target: 'dynamodb#orders#full',
      scheduledTime: SCHEDULED,
      attempt: 1,
      firstClaimedAt: iso(at(SCHEDULED) + DAY),
      redo: 0,
    },
    ...overrides,
  };
}

/** Point-in-time recovery on for 35 days, restorable up to a few seconds ago (past the scheduled time). */
function givenPitr(
  overrides: Partial<NonNullable<ContinuousBackupsDescription['PointInTimeRecoveryDescription']>> = {},
) {
  dynamoMock.on(DescribeContinuousBackupsCommand).resolves({
    ContinuousBackupsDescription: {
      ContinuousBackupsStatus: 'ENABLED',
      PointInTimeRecoveryDescription: {
        PointInTimeRecoveryStatus: 'ENABLED',
        RecoveryPeriodInDays: 35,
        EarliestRestorableDateTime: new Date(at(SCHEDULED) - 35 * DAY),
        LatestRestorableDateTime: new Date(at(SCHEDULED) + 4_000),
        ...overrides,
      },
    },
  });
}

/** DescribeContinuousBackups as DynamoDB answers it at `now`: restorable up to 5 minutes ago. */
function trailingPitr(now: Date) {
  return {
    ContinuousBackupsDescription: {
      ContinuousBackupsStatus: 'ENABLED' as const,
      PointInTimeRecoveryDescription: {
        PointInTimeRecoveryStatus: 'ENABLED' as const,
        EarliestRestorableDateTime: new Date(at(SCHEDULED) - 35 * DAY),
        LatestRestorableDateTime: new Date(now.getTime() - 5 * 60_000),
      },
    },
  };
}

/** Every start answers an IN_PROGRESS export echoing its input, with a fresh ARN. */
/** Where an open-ended export ends: DynamoDB's latest restorable time at the start. */
const LATEST = new Date(NOW.getTime() - 5 * 60_000);
/** Where a run scheduled at SCHEDULED exports up to: 15 minutes before it. */
const END = new Date(Date.parse('2026-11-28T02:00:00.000Z') - 15 * 60_000);

function givenExportsStart() {
  dynamoMock
    .on(ExportTableToPointInTimeCommand)
    .callsFake(async (input: ExportTableToPointInTimeCommandInput) => {
      exportsStarted += 1;
      return {
        ExportDescription: {
          ExportArn: `${TABLE_ARN}/export/0176429520000${exportsStarted}-a1b2c3d${exportsStarted}`,
          ExportStatus: 'IN_PROGRESS',
          StartTime: new Date(NOW.getTime() + exportsStarted),
          TableArn: input.TableArn,
          // Left out, DynamoDB exports as of the latest restorable time and says which (here: NOW - 5 min).
          ExportTime: input.ExportType === 'FULL_EXPORT' ? (input.ExportTime ?? LATEST) : undefined,
          ClientToken: input.ClientToken,
          S3Bucket: input.S3Bucket,
          S3Prefix: input.S3Prefix,
          S3SseAlgorithm: input.S3SseAlgorithm,
          ExportFormat: input.ExportFormat,
          ExportType: input.ExportType,
          IncrementalExportSpecification: input.IncrementalExportSpecification && {
            ...input.IncrementalExportSpecification,
            ExportToTime: input.IncrementalExportSpecification.ExportToTime ?? LATEST,
          },
        } satisfies ExportDescription,
      };
    });
}

const startInputs = () =>
  dynamoMock.commandCalls(ExportTableToPointInTimeCommand).map((c) => c.args[0].input);

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

describe('the DynamoDB runtime checks point-in-time recovery first', () => {
  it('asks DescribeContinuousBackups about the table by its ARN', async () => {
    givenPitr();
    givenExportsStart();

    await runtime.create(REQUEST, createContext());

    expect(dynamoMock.commandCalls(DescribeContinuousBackupsCommand)[0]?.args[0].input).toStrictEqual({
      TableName: TABLE_ARN,
    });
  });

  it('refuses when point-in-time recovery is off, advising update-continuous-backups, and starts nothing', async () => {
    givenPitr({ PointInTimeRecoveryStatus: 'DISABLED', EarliestRestorableDateTime: undefined });

    const error = await rejectionOf(runtime.create(REQUEST, createContext()));

    expect(error).toBeInstanceOf(SourceRequestRejectedError);
    expect(error.reason).toBe('point-in-time recovery not enabled');
    expect(error.advice).toContain(
      'aws dynamodb update-continuous-backups --table-name orders --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true',
    );
    // Started again at once, the run would export a moment before recovery was on: say when it can.
    expect(error.advice).toContain('at least 15 minutes after switching it on');
    expect(startInputs()).toEqual([]);
  });

  it('refuses the same way when the start says point-in-time recovery was turned off meanwhile', async () => {
    givenPitr();
    dynamoMock.on(ExportTableToPointInTimeCommand).rejects(
      new PointInTimeRecoveryUnavailableException({
        message: `Point in time recovery is not enabled for table '${TABLE_ARN}'`,
        $metadata: metadata(400),
      }),
    );

    const error = await rejectionOf(runtime.create(REQUEST, createContext()));

    expect(error).toBeInstanceOf(SourceRequestRejectedError);
    expect(error.reason).toBe('point-in-time recovery not enabled');
    expect(error.advice).toContain('update-continuous-backups --table-name orders');
  });
});

describe('the DynamoDB runtime starts a full export', () => {
  it('sends the resolved request with ExportTime 15 minutes before the scheduled time and a 64-hex ClientToken', async () => {
    givenPitr();
    givenExportsStart();

    await runtime.create(REQUEST, createContext());

    const inputs = startInputs();
    expect(inputs).toHaveLength(1);
    expect(inputs[0]).toStrictEqual({
      TableArn: TABLE_ARN,
      S3Bucket: 'exports-bucket',
      S3Prefix: 'dynamodb/orders/2026-11-28',
      S3SseAlgorithm: 'AES256',
      ExportFormat: 'DYNAMODB_JSON',
      ExportType: 'FULL_EXPORT',
      ExportTime: END,
      ClientToken: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('sends no S3Prefix for an export to the bucket root (DynamoDB then writes AWSDynamoDB/… at the root)', async () => {
    givenPitr();
    givenExportsStart();

    await runtime.create({ ...REQUEST, S3Prefix: '' }, createContext());

    expect(startInputs()[0]).not.toHaveProperty('S3Prefix');
  });

  it('passes the bucket owner and the KMS key when the request has them', async () => {
    givenPitr();
    givenExportsStart();
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

    await runtime.create(
      {
        ...REQUEST,
        ExportFormat: 'ION',
        S3BucketOwner: '210987654321',
        S3SseAlgorithm: 'KMS',
        S3SseKmsKeyId: key,
      },
      createContext(),
    );

    expect(startInputs()[0]).toMatchObject({
      ExportFormat: 'ION',
      S3BucketOwner: '210987654321',
      S3SseAlgorithm: 'KMS',
      S3SseKmsKeyId: key,
    });
  });

  it('sends the same ClientToken when the same attempt of the run starts again', async () => {
    givenPitr();
    givenExportsStart();

    await runtime.create(REQUEST, createContext());
    await runtime.create(REQUEST, createContext());

    const [first, retry] = startInputs();
    expect(retry?.ClientToken).toBe(first?.ClientToken);
  });

  it('sends the same ClientToken when another execution took the claim over (attempt 2, no redo)', async () => {
    givenPitr();
    givenExportsStart();
    const run = createContext().run;

    await runtime.create(REQUEST, createContext());
    await runtime.create(REQUEST, createContext({ run: { ...run, attempt: 2 } }));

    const [first, takenOver] = startInputs();
    expect(takenOver).toStrictEqual(first);
  });

  it('sends another ClientToken after a redo (a FAILED export must be started anew), for another run or another target', async () => {
    givenPitr();
    givenExportsStart();
    const run = createContext().run;

    await runtime.create(REQUEST, createContext());
    await runtime.create(REQUEST, createContext({ run: { ...run, attempt: 2, redo: 1 } }));
    await runtime.create(REQUEST, createContext({ run: { ...run, target: 'dynamodb#orders#other' } }));
    await runtime.create(
      { ...REQUEST, ScheduledTime: iso(at(SCHEDULED) - DAY) },
      createContext({ run: { ...run, scheduledTime: iso(at(SCHEDULED) - DAY) } }),
    );

    const tokens = startInputs().map((input) => input.ClientToken);
    expect(new Set(tokens).size).toBe(4);
  });

  // LatestRestorableDateTime "is typically 5 minutes before the current time" (botocore's dynamodb
  // model) and moves on before a retry: no time the run sends depends on it.
  it('sends the very same request on a retry even when the latest restorable time moved meanwhile', async () => {
    givenExportsStart();
    const retryAt = new Date(NOW.getTime() + 30_000);
    const previous = iso(at(SCHEDULED) - 2 * DAY);
    dynamoMock
      .on(DescribeContinuousBackupsCommand)
      .resolvesOnce(trailingPitr(NOW))
      .resolvesOnce(trailingPitr(retryAt))
      .resolvesOnce(trailingPitr(NOW))
      .resolvesOnce(trailingPitr(retryAt));

    await runtime.create(REQUEST, createContext());
    await runtime.create(REQUEST, { ...createContext(), now: () => retryAt });
    await runtime.create(INCREMENTAL, createContext({ previousCoveredUntil: previous }));
    await runtime.create(INCREMENTAL, {
      ...createContext({ previousCoveredUntil: previous }),
      now: () => retryAt,
    });

    const [full, fullRetry, ...incremental] = startInputs();
    expect(fullRetry).toStrictEqual(full);
    expect(full?.ExportTime).toEqual(END);
    expect(incremental.slice(2)).toStrictEqual(incremental.slice(0, 2));
    expect(incremental.at(-1)?.IncrementalExportSpecification?.ExportToTime).toEqual(END);
  });

  it("waits (a retried error) while point-in-time recovery has not reached the run's end", async () => {
    givenExportsStart();
    givenPitr({ LatestRestorableDateTime: new Date(END.getTime() - 60_000) });

    const error = await rejectionOf(runtime.create(REQUEST, createContext()));

    expect(error).toMatchObject({ name: 'SourceUnavailableError', reason: 'point-in-time recovery behind' });
    expect(startInputs()).toEqual([]);
  });

  it('starts an incremental target with a full export, saying why in the details', async () => {
    givenPitr();
    givenExportsStart();

    const job = await runtime.create(INCREMENTAL, createContext());

    expect(startInputs()[0]).toMatchObject({ ExportType: 'FULL_EXPORT', ExportTime: END });
    expect(job.Details?.FullExportBecause).toMatch(/first run of an incremental target/);
  });

  it('returns the started export as PROCESSING with its ARN as the job id', async () => {
    givenPitr();
    givenExportsStart();

    const job = await runtime.create(REQUEST, createContext());

    expect(job).toMatchObject({
      Id: `${TABLE_ARN}/export/01764295200001-a1b2c3d1`,
      JobStatus: 'PROCESSING',
      SourceStatus: 'IN_PROGRESS',
      Reused: false,
      CoveredUntil: END.toISOString(),
      Details: {
        ExportType: 'FULL_EXPORT',
        ExportFormat: 'DYNAMODB_JSON',
        ExportTime: END.toISOString(),
        Exports: 1,
      },
    });
  });
});

describe('the DynamoDB runtime starts incremental exports', () => {
  it("exports the window from the previous run's coverage to 15 minutes before the scheduled time", async () => {
    givenPitr();
    givenExportsStart();
    const previous = iso(END.getTime() - DAY);

    const job = await runtime.create(INCREMENTAL, createContext({ previousCoveredUntil: previous }));

    expect(startInputs()).toStrictEqual([
      {
        TableArn: TABLE_ARN,
        S3Bucket: 'exports-bucket',
        S3Prefix: 'dynamodb/orders/2026-11-28',
        S3SseAlgorithm: 'AES256',
        ExportFormat: 'DYNAMODB_JSON',
        ExportType: 'INCREMENTAL_EXPORT',
        IncrementalExportSpecification: {
          ExportFromTime: new Date(previous),
          ExportToTime: END,
          ExportViewType: 'NEW_AND_OLD_IMAGES',
        },
        ClientToken: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    expect(job.Details).toMatchObject({
      ExportFromTime: previous,
      ExportToTime: END.toISOString(),
      Exports: 1,
    });
  });

  it('catches up a 3-day gap with 3 consecutive exports, the job id being their ARNs joined by spaces', async () => {
    givenPitr();
    givenExportsStart();
    const previous = END.getTime() - 3 * DAY;

    const job = await runtime.create(INCREMENTAL, createContext({ previousCoveredUntil: iso(previous) }));

    const windows = startInputs().map((input) => input.IncrementalExportSpecification);
    expect(windows.map((w) => [w?.ExportFromTime?.toISOString(), w?.ExportToTime?.toISOString()])).toEqual([
      [iso(previous), iso(previous + DAY)],
      [iso(previous + DAY), iso(previous + 2 * DAY)],
      [iso(previous + 2 * DAY), END.toISOString()],
    ]);
    expect(new Set(startInputs().map((input) => input.ClientToken)).size).toBe(3);
    expect(job.Id).toBe([1, 2, 3].map((n) => `${TABLE_ARN}/export/0176429520000${n}-a1b2c3d${n}`).join(' '));
    expect(job.Details).toMatchObject({
      ExportFromTime: iso(previous),
      ExportToTime: END.toISOString(),
      Exports: 3,
    });
    expect(job.CoveredUntil).toBe(END.toISOString());
  });

  it('skips a window under 15 minutes: no export, COMPLETED at once, the coverage unchanged', async () => {
    givenPitr();
    const previous = iso(at(SCHEDULED) - 10 * 60_000);

    const job = await runtime.create(INCREMENTAL, createContext({ previousCoveredUntil: previous }));

    expect(startInputs()).toEqual([]);
    expect(job).toMatchObject({
      Id: `skipped:${previous}`,
      JobStatus: 'COMPLETED',
      TotalProcessed: 0,
      TotalFailures: 0,
      CoveredUntil: previous,
    });
    expect(job.Details?.Skipped).toMatch(/shorter than DynamoDB's 15-minute minimum/);
  });

  it('reads a skipped run back without asking DynamoDB', async () => {
    const skipped: JobSnapshot = {
      Id: 'skipped:2026-11-28T01:50:00.000Z',
      JobStatus: 'COMPLETED',
      CreationDate: NOW.toISOString(),
      Reused: false,
      Details: { Skipped: 'too short' },
    };

    const job = await runtime.read(INCREMENTAL, skipped, context());

    expect(job).toMatchObject({
      Id: 'skipped:2026-11-28T01:50:00.000Z',
      JobStatus: 'COMPLETED',
      Details: { Skipped: 'too short' },
      CoveredUntil: '2026-11-28T01:50:00.000Z',
    });
    expect(dynamoMock.commandCalls(DescribeExportCommand)).toEqual([]);
  });

  it('reads a skipped run back from its id alone (a duplicate finds only the id in the ledger), coverage kept', async () => {
    const job = await runtime.read(
      INCREMENTAL,
      { Id: 'skipped:2026-11-28T01:50:00.000Z', Reused: true },
      context('create-export-job'),
    );

    expect(job).toMatchObject({
      JobStatus: 'COMPLETED',
      TotalProcessed: 0,
      CoveredUntil: '2026-11-28T01:50:00.000Z',
      Reused: true,
    });
    expect(job?.Details?.Skipped).toMatch(/too short/);
  });

  it('refuses a gap past the recovery window with the advice, starting nothing', async () => {
    givenPitr();

    const error = await rejectionOf(
      runtime.create(INCREMENTAL, createContext({ previousCoveredUntil: iso(at(SCHEDULED) - 40 * DAY) })),
    );

    expect(error).toBeInstanceOf(SourceRequestRejectedError);
    expect(error.reason).toBe('incremental window outside recovery window');
    expect(error.advice).toContain('full-export');
    expect(startInputs()).toEqual([]);
  });
});

describe('the DynamoDB runtime reads its exports', () => {
  const ARNS = [1, 2, 3].map((n) => `${TABLE_ARN}/export/0176429520000${n}-a1b2c3d${n}`);
  const FROM = at(SCHEDULED) - 3 * DAY;

  function description(n: number, overrides: Partial<ExportDescription> = {}): ExportDescription {
    return {
      ExportArn: ARNS[n],
      ExportStatus: 'COMPLETED',
      ExportType: 'INCREMENTAL_EXPORT',
      ExportFormat: 'DYNAMODB_JSON',
      TableArn: TABLE_ARN,
      S3Bucket: 'exports-bucket',
      S3Prefix: 'dynamodb/orders/2026-11-28',
      StartTime: new Date(at(SCHEDULED) + 9_000 + n),
      EndTime: new Date(at(SCHEDULED) + (10 + n) * 60_000),
      IncrementalExportSpecification: {
        ExportFromTime: new Date(FROM + n * DAY),
        ExportToTime: new Date(FROM + (n + 1) * DAY),
        ExportViewType: 'NEW_AND_OLD_IMAGES',
      },
      ItemCount: 100 * (n + 1),
      BilledSizeBytes: 1000 * (n + 1),
      ExportManifest: `dynamodb/orders/2026-11-28/AWSDynamoDB/0176429520000${n + 1}-a1b2c3d${n + 1}/manifest-summary.json`,
      ...overrides,
    };
  }

  function givenExports(...descriptions: ExportDescription[]) {
    for (const d of descriptions) {
      dynamoMock.on(DescribeExportCommand, { ExportArn: d.ExportArn }).resolves({ ExportDescription: d });
    }
  }

  const job = (): JobSnapshot => ({
    Id: ARNS.join(' '),
    JobStatus: 'PROCESSING',
    CreationDate: NOW.toISOString(),
    Reused: false,
  });

  it('describes every export of the run', async () => {
    givenExports(description(0), description(1), description(2));

    await runtime.read(INCREMENTAL, job(), context());

    expect(dynamoMock.commandCalls(DescribeExportCommand).map((c) => c.args[0].input)).toEqual(
      ARNS.map((ExportArn) => ({ ExportArn })),
    );
  });

  it('sums ItemCount and BilledSizeBytes when every export COMPLETED, and covers up to the last ExportToTime', async () => {
    givenExports(description(0), description(1), description(2));

    const read = await runtime.read(INCREMENTAL, job(), context());

    expect(read).toMatchObject({
      Id: ARNS.join(' '),
      JobStatus: 'COMPLETED',
      SourceStatus: 'COMPLETED COMPLETED COMPLETED',
      TotalProcessed: 600,
      TotalFailures: 0,
      CreationDate: iso(at(SCHEDULED) + 9_000),
      CompletionDate: iso(at(SCHEDULED) + 12 * 60_000),
      CoveredUntil: SCHEDULED,
      Details: {
        ExportType: 'INCREMENTAL_EXPORT',
        ExportFromTime: iso(FROM),
        ExportToTime: SCHEDULED,
        Exports: 3,
        BilledSizeBytes: 6000,
        ExportManifest: [1, 2, 3]
          .map(
            (n) =>
              `s3://exports-bucket/dynamodb/orders/2026-11-28/AWSDynamoDB/0176429520000${n}-a1b2c3d${n}/manifest-summary.json`,
          )
          .join(' '),
      },
    });
  });

  it('covers a full export up to its ExportTime', async () => {
    const full = description(0, {
      ExportType: 'FULL_EXPORT',
      ExportTime: new Date(SCHEDULED),
      IncrementalExportSpecification: undefined,
      ItemCount: 5000,
    });
    givenExports(full);

    const read = await runtime.read(REQUEST, { ...job(), Id: ARNS[0] ?? '' }, context());

    expect(read).toMatchObject({
      JobStatus: 'COMPLETED',
      TotalProcessed: 5000,
      CoveredUntil: SCHEDULED,
      Details: { ExportType: 'FULL_EXPORT', ExportTime: SCHEDULED, Exports: 1 },
    });
  });

  it('is PROCESSING while any export is IN_PROGRESS, with no counts yet', async () => {
    givenExports(
      description(0),
      description(1, { ExportStatus: 'IN_PROGRESS', EndTime: undefined }),
      description(2, { ExportStatus: 'IN_PROGRESS', EndTime: undefined }),
    );

    const read = await runtime.read(INCREMENTAL, job(), context());

    expect(read?.JobStatus).toBe('PROCESSING');
    expect(read?.TotalProcessed).toBeUndefined();
    expect(read?.CompletionDate).toBeUndefined();
    expect(read?.Details?.BilledSizeBytes).toBeUndefined();
  });

  it('is FAILED when one export FAILED, with "FailureCode: FailureMessage" as its failure', async () => {
    givenExports(
      description(0),
      description(1, {
        ExportStatus: 'FAILED',
        FailureCode: 'S3NoSuchBucket',
        FailureMessage: 'The specified bucket does not exist',
      }),
      description(2),
    );

    const read = await runtime.read(INCREMENTAL, job(), context());

    expect(read?.JobStatus).toBe('FAILED');
    expect(read?.Failures).toEqual(['S3NoSuchBucket: The specified bucket does not exist']);
    expect(read?.TotalProcessed).toBeUndefined();
  });

  it('keeps why a run fell back to a full export', async () => {
    givenExports(description(0, { ExportType: 'FULL_EXPORT', ExportTime: new Date(SCHEDULED) }));

    const read = await runtime.read(
      INCREMENTAL,
      { ...job(), Id: ARNS[0] ?? '', Details: { FullExportBecause: 'first run of an incremental target' } },
      context(),
    );

    expect(read?.Details?.FullExportBecause).toBe('first run of an incremental target');
  });

  it("answers undefined to create-export-job's check of a recorded export DynamoDB no longer knows", async () => {
    dynamoMock
      .on(DescribeExportCommand)
      .rejects(
        new ExportNotFoundException({ message: `Export not found: ${ARNS[0]}`, $metadata: metadata(400) }),
      );

    expect(await runtime.read(INCREMENTAL, job(), context('create-export-job'))).toBeUndefined();
  });

  it('names an export that disappeared while the poll loop read it', async () => {
    dynamoMock
      .on(DescribeExportCommand)
      .rejects(
        new ExportNotFoundException({ message: `Export not found: ${ARNS[0]}`, $metadata: metadata(400) }),
      );

    const error = await rejectionOf(runtime.read(INCREMENTAL, job(), context()));

    expect(error).toBeInstanceOf(SourceRequestRejectedError);
    expect(error.reason).toBe('export not found');
  });
});

describe('the DynamoDB runtime classifies what DynamoDB answers', () => {
  it('turns LimitExceededException (too many exports at once) into SourceThrottledError, which the state machine retries', async () => {
    givenPitr();
    dynamoMock
      .on(ExportTableToPointInTimeCommand)
      .rejects(
        new LimitExceededException({ message: 'Too many exports in progress', $metadata: metadata(400) }),
      );

    const error = await rejectionOf(runtime.create(REQUEST, createContext()));

    expect(error).toBeInstanceOf(SourceThrottledError);
    expect(error.reason).toBe('too many exports');
    expect(retriedBy('CreateExportJob')).toContain(error.name);
  });

  it('names a missing table', async () => {
    dynamoMock
      .on(DescribeContinuousBackupsCommand)
      .rejects(
        new TableNotFoundException({ message: `Table not found: ${TABLE_ARN}`, $metadata: metadata(400) }),
      );

    const error = await rejectionOf(runtime.create(REQUEST, createContext()));

    expect(error).toBeInstanceOf(SourceRequestRejectedError);
    expect(error.reason).toBe('table not found');
    expect(retriedBy('CreateExportJob')).not.toContain(error.name);
  });

  it('explains ExportConflictException by both documented meanings (a conflict writing to the bucket, the same client token with other parameters), naming the destination', async () => {
    givenPitr();
    dynamoMock.on(ExportTableToPointInTimeCommand).rejects(
      new ExportConflictException({
        message: 'There was a conflict when writing to the specified S3 bucket.',
        $metadata: metadata(400),
      }),
    );

    const error = await rejectionOf(runtime.create(REQUEST, createContext()));

    expect(error).toBeInstanceOf(SourceRequestRejectedError);
    expect(error.reason).toBe('conflicting export');
    expect(error.advice).toContain('conflict writing to the S3 bucket');
    expect(error.advice).toContain('s3://exports-bucket/dynamodb/orders/2026-11-28');
    expect(error.advice).toContain('client token but other parameters');
    expect(retriedBy('CreateExportJob')).not.toContain(error.name);
  });

  it('turns InternalServerError into SourceUnavailableError, retried on create (the ClientToken makes it safe) and on read', async () => {
    givenPitr();
    const serverError = () =>
      new InternalServerError({ message: 'Internal server error', $metadata: metadata(500) });
    dynamoMock.on(ExportTableToPointInTimeCommand).rejects(serverError());
    dynamoMock.on(DescribeExportCommand).rejects(serverError());

    const onCreate = await rejectionOf(runtime.create(REQUEST, createContext()));
    const onRead = await rejectionOf(
      runtime.read(
        REQUEST,
        { Id: `${TABLE_ARN}/export/x`, JobStatus: 'PROCESSING', CreationDate: SCHEDULED, Reused: false },
        context(),
      ),
    );

    expect(onCreate).toBeInstanceOf(SourceUnavailableError);
    expect(onRead).toBeInstanceOf(SourceUnavailableError);
    expect(retriedBy('CreateExportJob')).toContain(onCreate.name);
    expect(retriedBy('GetExportJobStatus')).toContain(onRead.name);
  });
});

describe('createExportJob with a DynamoDB input', () => {
  const config: CreateExportJobConfig = {
    stage: 'dev',
    inputDefaults: {
      DynamoDbBucket: 'exports-bucket',
      DynamoDbPrefix: 'dynamodb/{TableName}/{date}/',
    },
    poll: { minWaitSeconds: 5, maxWaitSeconds: 300, runDeadlineSeconds: 12 * 3600 },
    ledger: { tableName: 'runs', claimSeconds: 90, retentionDays: 400 },
  };
  const EXECUTION = {
    Id: 'arn:aws:states:us-east-1:123456789012:execution:pinpoint-export-dev:7e6d5c4b-3a29-4f18-8e07-d6c5b4a39281',
    Name: '7e6d5c4b-3a29-4f18-8e07-d6c5b4a39281',
    StartTime: START_TIME,
  };
  const INPUT = {
    Source: 'dynamodb',
    TableArn: TABLE_ARN,
    ExportType: 'INCREMENTAL_EXPORT',
    ScheduledTime: '2026-11-28T02:00:00Z',
    Target: 'nightly-orders',
  };

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
      clients: { dynamodb: exportClient },
    };
  });

  function event(execution = EXECUTION): CreateExportJobEvent {
    return { Input: INPUT, Execution: execution };
  }

  /** The target's run of `scheduledTime` COMPLETED in the ledger, its export covering up to `coveredUntil`. */
  async function givenCompletedRun(scheduledTime: string, coveredUntil: string) {
    const input = { ...INPUT, ScheduledTime: scheduledTime };
    const request = resolveExecutionInput(input, inputDefaultsOf(config), scheduledTime);
    const run = runIdentityOf(request, config.inputDefaults.DynamoDbPrefix ?? '');
    await deps.ledger.claim(run, 'previous-night');
    await deps.ledger.recordJob(
      run,
      'previous-night',
      `${TABLE_ARN}/export/01764208800000-0badc0de`,
      scheduledTime,
    );
    await deps.ledger.recordOutcome(run, {
      status: 'COMPLETED',
      jobId: `${TABLE_ARN}/export/01764208800000-0badc0de`,
      jobStatus: 'COMPLETED',
      totalProcessed: 42,
      totalFailures: 0,
      durationSeconds: 600,
      statusChecks: 4,
      summaryMessageId: 'msg-1',
      finishedAt: iso(at(scheduledTime) + 600_000),
      headline: 'COMPLETED',
      coveredUntil,
    });
  }

  it("starts the incremental window where the target's previous COMPLETED run stopped, from the ledger", async () => {
    givenPitr();
    givenExportsStart();
    const coveredUntil = '2026-11-27T02:03:30.000Z';
    await givenCompletedRun('2026-11-27T02:00:00Z', coveredUntil);

    const state = await createExportJob(event(), deps);

    expect(startInputs()).toHaveLength(1);
    expect(startInputs()[0]?.IncrementalExportSpecification).toEqual({
      ExportFromTime: new Date(coveredUntil),
      ExportToTime: END,
      ExportViewType: 'NEW_AND_OLD_IMAGES',
    });
    expect(state.job).toMatchObject({
      JobStatus: 'PROCESSING',
      CoveredUntil: END.toISOString(),
      Reused: false,
    });
    const item = await deps.ledger.get({ target: state.run?.target ?? '', scheduledTime: SCHEDULED });
    expect(item?.jobId).toBe(state.job.Id);
  });

  it('exports the whole table on the first run of an incremental target', async () => {
    givenPitr();
    givenExportsStart();

    const state = await createExportJob(event(), deps);

    expect(startInputs()[0]).toMatchObject({ ExportType: 'FULL_EXPORT', ExportTime: END });
    expect(state.job.CoveredUntil).toBe(END.toISOString());
    expect(state.job.Details?.FullExportBecause).toMatch(/first run/);
  });

  it('records the 3 exports of a caught-up gap as one job and reuses them on a duplicate delivery', async () => {
    givenPitr();
    givenExportsStart();
    await givenCompletedRun('2026-11-25T02:00:00Z', '2026-11-25T02:00:00.000Z');
    const first = await createExportJob(event(), deps);
    const arns = first.job.Id.split(' ');
    for (const arn of arns) {
      dynamoMock.on(DescribeExportCommand, { ExportArn: arn }).resolves({
        ExportDescription: { ExportArn: arn, ExportStatus: 'IN_PROGRESS', ExportType: 'INCREMENTAL_EXPORT' },
      });
    }

    const again = await createExportJob(event({ ...EXECUTION, Name: 'duplicate-delivery' }), deps);

    expect(arns).toHaveLength(3);
    expect(startInputs()).toHaveLength(3);
    expect(again.job).toMatchObject({ Id: first.job.Id, Reused: true, JobStatus: 'PROCESSING' });
  });

  it('leaves the run ledger to dynalite: only the export client is mocked', async () => {
    givenPitr();
    givenExportsStart();

    await createExportJob(event(), deps);

    const commands = dynamoMock.calls().map((c) => c.args[0].constructor.name);
    expect(commands).toEqual(['DescribeContinuousBackupsCommand', 'ExportTableToPointInTimeCommand']);
    expect(await deps.ledger.recent(5)).toHaveLength(1);
  });
});
