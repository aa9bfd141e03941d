import { describe, expect, it } from 'vitest';
import { appendInputFacts } from '../../core/errors.ts';
import { attributesOf, emailTextOf, subjectOf } from '../../core/sns-message.ts';
import type { JobSnapshot, PublishSummaryEvent, RunState } from '../../core/types.ts';
import type { ProfilesRequest } from '../../sources/customer-profiles/types.ts';
import type { DynamoDbRequest } from '../../sources/dynamodb/types.ts';
import { buildSummary } from './summary-of.ts';

/*
 * The summary of a Customer Profiles or DynamoDB run, in its source's own words: what
 * differs from Pinpoint's (no pieces, counted records, change counts not compared, the
 * re-run advice of a source that cannot find a lost job).
 */

const EXECUTION = {
  Id: 'arn:aws:states:eu-west-1:123456789012:execution:export-prod:nightly-1',
  Name: 'nightly-1',
  StartTime: '2026-11-28T02:00:04.000Z',
};
const SCHEDULED = '2026-11-28T02:00:00.000Z';
const TABLE_ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders';

const INCREMENTAL: DynamoDbRequest = {
  Source: 'dynamodb',
  TableArn: TABLE_ARN,
  ExportType: 'INCREMENTAL_EXPORT',
  ExportFormat: 'DYNAMODB_JSON',
  S3Bucket: 'exports-bucket',
  S3Prefix: 'dynamodb/orders/2026-11-28',
  S3SseAlgorithm: 'AES256',
  OutsideRecoveryWindow: 'ERROR',
  ScheduledTime: SCHEDULED,
  Target: 'nightly-orders',
};

const PROFILES: ProfilesRequest = {
  Source: 'customer-profiles',
  DomainName: 'crm',
  SegmentDefinitionName: 'vip-customers',
  DataFormat: 'JSONL',
  RoleArn: 'arn:aws:iam::123456789012:role/profiles-export',
  DestinationUri: 's3://exports-bucket/customer-profiles/crm/vip-customers/20261128T020000Z/',
  ScheduledTime: SCHEDULED,
};

function run(request: DynamoDbRequest | ProfilesRequest, job: Partial<JobSnapshot>): Partial<RunState> {
  return {
    execution: { ...EXECUTION, Trigger: 'schedule' },
    request,
    run: { target: 'dynamodb#orders', targetName: 'nightly-orders', scheduledTime: SCHEDULED, attempt: 1 },
    job: {
      Id: `${TABLE_ARN}/export/01764295200000-a1b2c3d4`,
      JobStatus: 'COMPLETED',
      CreationDate: '2026-11-28T02:00:05.000Z',
      CompletionDate: '2026-11-28T02:06:05.000Z',
      TotalProcessed: 37,
      TotalFailures: 0,
      Reused: false,
      Details: {
        ExportType: 'INCREMENTAL_EXPORT',
        ExportFromTime: '2026-11-27T01:55:00.000Z',
        ExportToTime: '2026-11-28T01:55:00.000Z',
        Exports: 1,
      },
      ...job,
    },
    poll: {
      checks: 3,
      waitSeconds: 20,
      deadline: '2026-11-28T14:00:00.000Z',
      deadlinePassed: false,
      lastProgressAt: SCHEDULED,
      lastPiecesDone: 0,
      lastStatus: 'COMPLETED',
    },
    // A completed job's files, counted as reported: the outcome is the job's and its failures'.
    ...((job.JobStatus ?? 'COMPLETED') === 'COMPLETED'
      ? {
          verification: {
            verdict: 'VERIFIED' as const,
            location: 's3://exports-bucket/dynamodb/orders/2026-11-28/',
            files: 1,
            bytes: 1_000,
            records: job.TotalProcessed ?? 37,
            countedFiles: 1,
            expected: job.TotalProcessed ?? 37,
            manifestUri: 's3://exports-bucket/dynamodb/orders/2026-11-28/_manifest.json',
            note: 'as DynamoDB reported',
          },
        }
      : {}),
  };
}

const eventOf = (
  state: Partial<RunState> & { error?: { Error: string; Cause: string } },
): PublishSummaryEvent => ({
  Run: state,
  Execution: EXECUTION,
});

describe('summaries of the other sources', () => {
  it("does not compare an incremental export's change count with the previous night, nor warn of a drop", () => {
    const summary = buildSummary(eventOf(run(INCREMENTAL, {})), 'prod', undefined, {
      previous: { scheduledTime: '2026-11-27T02:00:00.000Z', exported: 1_200 },
      dropWarnPercent: 20,
    });

    expect(summary.status).toBe('COMPLETED');
    expect(summary.previousRun).toMatchObject({ TotalProcessed: 1_200, changePercent: null });
    expect(summary.recordsDrop).toBe(false);
    expect(summary.countsChanges).toBe(true);
    expect(summary.headline).toContain('Exported 37 items (table orders (incremental))');
    expect(summary.headline).toContain('changes from 2026-11-27T01:55:00.000Z to 2026-11-28T01:55:00.000Z');
    expect(summary.headline).not.toContain('against');
    expect(attributesOf(summary).source?.StringValue).toBe('dynamodb');
    // Pinpoint's own attributes are Pinpoint's only: a DynamoDB summary carries none of them.
    expect(attributesOf(summary).applicationId).toBeUndefined();
    expect(attributesOf(summary).segmentId).toBeUndefined();
  });

  it("compares a full export's item count with the previous night and warns of a drop", () => {
    const full = { ...INCREMENTAL, ExportType: 'FULL_EXPORT' as const };
    const summary = buildSummary(
      eventOf(run(full, { TotalProcessed: 900, Details: {} })),
      'prod',
      undefined,
      {
        previous: { scheduledTime: '2026-11-27T02:00:00.000Z', exported: 1_200 },
        dropWarnPercent: 20,
      },
    );

    expect(summary.previousRun?.changePercent).toBe(-25);
    expect(summary.recordsDrop).toBe(true);
    expect(summary.headline).toMatch(/^WARNING, fewer records than last time: Exported 900 items/);
  });

  it('says a Customer Profiles re-run cannot find a snapshot whose start was not confirmed', () => {
    const state = {
      execution: { ...EXECUTION, Trigger: 'schedule' as const },
      request: PROFILES,
      error: {
        Error: 'SourceRequestRejectedError',
        Cause: JSON.stringify({
          errorType: 'SourceRequestRejectedError',
          errorMessage:
            'Customer Profiles CreateSegmentSnapshot failed without a usable answer\nReason: snapshot start unconfirmed\nAdvice: Look under the destination.',
        }),
      },
    };
    const summary = buildSummary(eventOf(state), 'prod', undefined);

    expect(summary.status).toBe('ERROR');
    expect(summary.source).toBe('customer-profiles');
    expect(summary.error?.advice).toContain('Customer Profiles cannot list the jobs it started');
    expect(summary.error?.advice).not.toContain('reuses one if');
    expect(subjectOf(summary)).toMatch(
      /^\[prod\] Customer Profiles export ERROR segment vip-customers of domain crm/,
    );
  });

  it('says so too when the create failed before the request was validated (only the raw input known)', () => {
    const state = {
      execution: { ...EXECUTION, Trigger: 'schedule' as const },
      error: {
        Error: 'SourceRequestRejectedError',
        Cause: JSON.stringify({
          errorType: 'SourceRequestRejectedError',
          // What create-export-job's handler appends of the raw input (functions/shared/lambda.ts).
          errorMessage: appendInputFacts(
            'Customer Profiles CreateSegmentSnapshot failed without a usable answer\nReason: snapshot start unconfirmed\nAdvice: Look under the destination.',
            {
              hasScheduledTime: true,
              Source: 'customer-profiles',
              What: 'segment vip-customers of domain crm',
              ScheduledTime: SCHEDULED,
            },
          ),
        }),
      },
    };
    const summary = buildSummary(eventOf(state), 'prod', undefined);

    expect(summary.source).toBe('customer-profiles');
    expect(summary.error?.advice).toContain('Customer Profiles cannot list the jobs it started');
    expect(summary.error?.advice).not.toContain('reuses one if');
  });

  it('names a FAILED DynamoDB export by its FailureCode', () => {
    const summary = buildSummary(
      eventOf(
        run(INCREMENTAL, {
          JobStatus: 'FAILED',
          TotalProcessed: undefined,
          Failures: ['S3NoSuchBucket: The specified bucket does not exist.'],
        }),
      ),
      'prod',
      undefined,
    );

    expect(summary.status).toBe('FAILED');
    expect(summary.Failures).toEqual(['S3NoSuchBucket: The specified bucket does not exist.']);
    expect(summary.headline).toContain('FAILED: S3NoSuchBucket');
    expect(summary.headline).not.toMatch(/\.\.$/);
  });

  it('gives a FAILED DynamoDB export a Subject and email with its reason, never a "?" for the counts it does not report', () => {
    const summary = buildSummary(
      eventOf(
        run(INCREMENTAL, {
          JobStatus: 'FAILED',
          TotalProcessed: undefined,
          TotalFailures: undefined,
          Failures: ['S3NoSuchBucket: The specified bucket does not exist.'],
        }),
      ),
      'prod',
      undefined,
      {
        dashboardUrl: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home#dashboards/dashboard/x-prod',
        runbookUrl: 'https://wiki.example.com/exports',
      },
    );

    const subject = subjectOf(summary);
    const email = emailTextOf(summary);

    expect(subject).toBe(
      // Too long whole: what was exported gives way, the reason stays.
      '[prod] DynamoDB export FAILED table orders...: S3NoSuchBucket: The specified bucket does not exist',
    );
    // Links are the only place a "?" may stand (their query strings).
    expect(`${subject}\n${email}`.replace(/https:\/\/\S+/g, '')).not.toContain('?');
    expect(email).toContain('Failure reported (1; addresses, numbers and ids masked):');
    expect(email).toMatch(/^What to do: DynamoDB ran the export job and it failed: "S3NoSuchBucket/m);
    expect(email).toContain("The target's coverage did not move: its next run exports this window again");
    expect(email).toContain(
      '  Dashboard     https://eu-west-1.console.aws.amazon.com/cloudwatch/home#dashboards/dashboard/x-prod',
    );
    expect(email).toContain('  Runbook       https://wiki.example.com/exports');
    expect(summary.links).toMatchObject({
      execution: expect.stringMatching(/^https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\/states\//),
      s3: 'https://s3.console.aws.amazon.com/s3/buckets/exports-bucket?region=eu-west-1&prefix=dynamodb%2Forders%2F2026-11-28%2F',
      runbook: 'https://wiki.example.com/exports',
    });
  });
});
