import { describe, expect, it } from 'vitest';
import { emailTextOf, subjectOf } from '../../core/sns-message.ts';
import type { RunHistory } from '../../core/summary.ts';
import type { PublishSummaryEvent, RunState, VerificationResult } from '../../core/types.ts';
import type { ProfilesRequest } from '../../sources/customer-profiles/types.ts';
import type { DynamoDbRequest } from '../../sources/dynamodb/types.ts';
import { buildSummary } from './summary-of.ts';

/*
 * What a summary must never say of a run that is not a success, whatever its source: "Exported
 * … verified" for files that differ from the job's report, a change against the previous good
 * night for a run that did not complete, a drop warning for a rise or a small drop. The summary
 * is what on-call reads first; these are the sentences it acts on.
 */

const EXECUTION = {
  Id: 'arn:aws:states:eu-west-1:123456789012:execution:export-prod:nightly-1',
  Name: 'nightly-1',
  StartTime: '2026-11-28T02:00:04.000Z',
};
const SCHEDULED = '2026-11-28T02:00:00.000Z';
const TABLE_ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders';

const FULL_TABLE: DynamoDbRequest = {
  Source: 'dynamodb',
  TableArn: TABLE_ARN,
  ExportType: 'FULL_EXPORT',
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

/** A job of `request` that COMPLETED, having processed `processed` records, with the verification's result. */
function completedRun(
  request: DynamoDbRequest | ProfilesRequest,
  processed: number | undefined,
  verification: Partial<VerificationResult>,
  failures = 0,
): PublishSummaryEvent {
  const state: Partial<RunState> = {
    execution: { ...EXECUTION, Trigger: 'schedule' },
    request,
    run: { target: 'target#1', targetName: 'nightly', scheduledTime: SCHEDULED, attempt: 1 },
    job: {
      Id: 'job-0123456789abcdef',
      JobStatus: 'COMPLETED',
      CreationDate: '2026-11-28T02:00:05.000Z',
      CompletionDate: '2026-11-28T02:06:05.000Z',
      ...(processed === undefined ? {} : { TotalProcessed: processed, TotalFailures: failures }),
      Reused: false,
      Details: {},
    },
    verification: {
      verdict: 'VERIFIED',
      location: 's3://exports-bucket/exports/',
      files: 2,
      bytes: 4_000,
      records: processed ?? 0,
      countedFiles: 2,
      expected: processed ?? null,
      manifestUri: 's3://exports-bucket/exports/_manifest.json',
      note: 'as reported',
      ...verification,
    },
  };
  return { Run: state, Execution: EXECUTION };
}

const lastNight = (exported: number, dropWarnPercent?: number): RunHistory => ({
  previous: { scheduledTime: '2026-11-27T02:00:00.000Z', exported },
  ...(dropWarnPercent === undefined ? {} : { dropWarnPercent }),
});

describe('the headline of a run whose files differ from what the job reported', () => {
  it('says MISMATCH for a DynamoDB export, never "Exported … verified"', () => {
    const event = completedRun(FULL_TABLE, 1_000, {
      verdict: 'MISMATCH',
      records: 930,
      note: '70 records missing from the files',
    });

    const summary = buildSummary(event, 'prod', undefined);

    expect(summary.status).toBe('MISMATCH');
    expect(summary.headline).toMatch(
      /^MISMATCH: The DynamoDB export job-0123456789abcdef of .* COMPLETED, but/,
    );
    expect(summary.headline).toContain('70 records missing from the files');
    expect(summary.headline).not.toContain('Exported');
    expect(emailTextOf(summary)).not.toMatch(/verified: /);
    expect(summary.advice).toContain(
      'what DynamoDB wrote to s3://exports-bucket/dynamodb/orders/2026-11-28/ differs',
    );
  });

  it('says MISMATCH for a Customer Profiles snapshot whose files could not be read as written', () => {
    const event = completedRun(PROFILES, undefined, {
      verdict: 'MISMATCH',
      records: 412,
      expected: null,
      note: 'part-00001.jsonl.gz is not valid gzip',
    });

    const summary = buildSummary(event, 'prod', undefined);

    expect(summary.status).toBe('MISMATCH');
    expect(summary.headline).toMatch(
      /^MISMATCH: The Customer Profiles export .* COMPLETED, but what it wrote to/,
    );
    expect(summary.headline).toContain('part-00001.jsonl.gz is not valid gzip');
    expect(subjectOf(summary)).toContain('MISMATCH');
  });
});

describe('the comparison with the previous good night', () => {
  it('is made only for a run that is a success: a MISMATCH night neither compares nor warns', () => {
    const event = completedRun(FULL_TABLE, 400, { verdict: 'MISMATCH', records: 380 });

    const summary = buildSummary(event, 'prod', undefined, lastNight(1_000, 20));

    expect(summary.previousRun).toMatchObject({ TotalProcessed: 1_000, changePercent: null });
    expect(summary.recordsDrop).toBe(false);
    expect(summary.headline).not.toContain('against');
  });

  it('is not made for a run with too many failures either', () => {
    const event = completedRun(FULL_TABLE, 1_000, {}, 500);

    const summary = buildSummary(event, 'prod', undefined, lastNight(1_000, 20));

    expect(summary.status).toBe('TOO_MANY_FAILURES');
    expect(summary.previousRun?.changePercent).toBeNull();
    expect(summary.recordsDrop).toBe(false);
  });

  it('does not warn of a drop smaller than the stage allows', () => {
    const summary = buildSummary(completedRun(FULL_TABLE, 900, {}), 'prod', undefined, lastNight(1_000, 20));

    expect(summary.previousRun?.changePercent).toBe(-10);
    expect(summary.recordsDrop).toBe(false);
    expect(summary.headline).toMatch(/^Exported 900 items .*; -10\.0 % against 2026-11-27/);
  });

  it('does not warn when the records rose', () => {
    const summary = buildSummary(
      completedRun(FULL_TABLE, 1_300, {}),
      'prod',
      undefined,
      lastNight(1_000, 20),
    );

    expect(summary.previousRun?.changePercent).toBe(30);
    expect(summary.recordsDrop).toBe(false);
    expect(summary.headline).toContain('; +30.0 % against 2026-11-27');
  });

  it('warns of a drop of exactly the limit only once it is more', () => {
    const atLimit = buildSummary(completedRun(FULL_TABLE, 800, {}), 'prod', undefined, lastNight(1_000, 20));
    const past = buildSummary(completedRun(FULL_TABLE, 799, {}), 'prod', undefined, lastNight(1_000, 20));

    expect(atLimit.recordsDrop).toBe(false);
    expect(past.recordsDrop).toBe(true);
  });

  it('does not warn at all when the stage sets no drop limit', () => {
    const summary = buildSummary(completedRun(FULL_TABLE, 100, {}), 'prod', undefined, lastNight(1_000));

    expect(summary.previousRun?.changePercent).toBe(-90);
    expect(summary.recordsDrop).toBe(false);
  });
});
