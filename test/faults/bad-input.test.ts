import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, type Outcome, type Stack, scheduledNow, startStack } from './harness.ts';
import { record } from './matrix.ts';

/*
 * Malformed execution input (a schedule edited by hand, an operator's typo):
 * rejected before Pinpoint is called, with an error naming the field, and still
 * one ERROR summary, so nobody wonders why a night produced nothing.
 *
 * A falsy top-level input (null, 0, false) is covered too: CreateExportJob reads the
 * input from the context object (`$$.Execution.Input`), so nothing in the ASL needs it to
 * be an object (the AWS console, CLI and Scheduler send `{}` when it is left empty).
 */

const TIME = scheduledNow();
const ROLE = 'arn:aws:iam::000000000000:role/pinpoint-export-faults';

interface BadInput {
  name: string;
  input: unknown;
  /** The field the error must name (the start of the error message). */
  field: string;
  /** Words the error message must contain besides the field. */
  says: RegExp;
}

const CASES: BadInput[] = [
  { name: 'input null', input: null, field: '(input)', says: /is empty/ },
  { name: 'input 0', input: 0, field: '(input)', says: /must be a JSON object, got number 0/ },
  { name: 'input false', input: false, field: '(input)', says: /must be a JSON object, got boolean false/ },
  {
    name: 'ApplicationId null',
    input: { ApplicationId: null },
    field: 'ApplicationId',
    says: /must be a string, got null/,
  },
  { name: 'empty object', input: {}, field: 'ApplicationId', says: /is required/ },
  {
    name: 'input is a string',
    input: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    field: '(input)',
    says: /must be a JSON object/,
  },
  {
    name: 'input is an array',
    input: [{ ApplicationId: APP }],
    field: '(input)',
    says: /must be a JSON object, got an array/,
  },
  {
    name: 'ApplicationId missing',
    input: { ScheduledTime: TIME },
    field: 'ApplicationId',
    says: /is required/,
  },
  {
    name: 'ApplicationId not hex',
    input: { ApplicationId: 'my-app' },
    field: 'ApplicationId',
    says: /32 lowercase hex/,
  },
  {
    name: 'ApplicationId upper case',
    input: { ApplicationId: APP.toUpperCase() },
    field: 'ApplicationId',
    says: /32 lowercase hex/,
  },
  {
    name: 'ApplicationId a number',
    input: { ApplicationId: 1234 },
    field: 'ApplicationId',
    says: /must be a string, got number/,
  },
  {
    name: 'ApplicationId oversized (200,000 chars)',
    input: { ApplicationId: 'a'.repeat(200_000) },
    field: 'ApplicationId',
    says: /got a 200000-character string/,
  },
  {
    name: 'unknown top-level field',
    input: { ApplicationId: APP, Bucket: 'x' },
    field: 'Bucket',
    says: /unknown field/,
  },
  {
    name: 'misspelt field (ApplicationID)',
    input: { ApplicationID: APP },
    field: 'ApplicationID',
    says: /unknown field; allowed fields are ApplicationId/,
  },
  {
    name: 'ExportJobRequest a string',
    input: { ApplicationId: APP, ExportJobRequest: 's3://b/p/' },
    field: 'ExportJobRequest',
    says: /must be an object/,
  },
  {
    name: 'unknown ExportJobRequest field',
    input: { ApplicationId: APP, ExportJobRequest: { S3Bucket: 'exports' } },
    field: 'ExportJobRequest.S3Bucket',
    says: /unknown field/,
  },
  {
    name: 'RoleArn of a user, not a role',
    input: { ApplicationId: APP, ExportJobRequest: { RoleArn: 'arn:aws:iam::000000000000:user/alice' } },
    field: 'ExportJobRequest.RoleArn',
    says: /must be an IAM role ARN/,
  },
  {
    name: 'RoleArn empty',
    input: { ApplicationId: APP, ExportJobRequest: { RoleArn: '' } },
    field: 'ExportJobRequest.RoleArn',
    says: /must not be empty/,
  },
  {
    name: 'RoleArn not a string',
    input: { ApplicationId: APP, ExportJobRequest: { RoleArn: { arn: ROLE } } },
    field: 'ExportJobRequest.RoleArn',
    says: /must be a string/,
  },
  {
    name: 'S3UrlPrefix not an s3:// URL',
    input: { ApplicationId: APP, ExportJobRequest: { S3UrlPrefix: 'https://exports.s3.amazonaws.com/p/' } },
    field: 'ExportJobRequest.S3UrlPrefix',
    says: /must look like s3:\/\/bucket-name\/prefix\//,
  },
  {
    name: 'bucket name with upper case',
    input: { ApplicationId: APP, ExportJobRequest: { S3UrlPrefix: 's3://Exports/p/' } },
    field: 'ExportJobRequest.S3UrlPrefix',
    says: /bucket name "Exports" is not a valid S3 bucket name/,
  },
  {
    name: 'bucket name too short',
    input: { ApplicationId: APP, ExportJobRequest: { S3UrlPrefix: 's3://ab/p/' } },
    field: 'ExportJobRequest.S3UrlPrefix',
    says: /3 to 63 characters/,
  },
  {
    name: 'bucket name an IP address',
    input: { ApplicationId: APP, ExportJobRequest: { S3UrlPrefix: 's3://192.168.1.10/p/' } },
    field: 'ExportJobRequest.S3UrlPrefix',
    says: /IP address/,
  },
  {
    name: 'unknown placeholder in S3UrlPrefix',
    input: { ApplicationId: APP, ExportJobRequest: { S3UrlPrefix: 's3://exports/{Date}/' } },
    field: 'ExportJobRequest.S3UrlPrefix',
    says: /unknown placeholder \{Date\}/,
  },
  {
    name: 'S3UrlPrefix oversized (5,000 chars)',
    input: { ApplicationId: APP, ExportJobRequest: { S3UrlPrefix: `s3://exports/${'p'.repeat(5_000)}/` } },
    field: 'ExportJobRequest.S3UrlPrefix',
    says: /characters long; at most 1100/,
  },
  {
    name: 'SegmentVersion without SegmentId',
    input: { ApplicationId: APP, ExportJobRequest: { SegmentVersion: 3 } },
    field: 'ExportJobRequest.SegmentVersion',
    says: /only allowed together with ExportJobRequest.SegmentId/,
  },
  {
    name: 'SegmentVersion a string',
    input: { ApplicationId: APP, ExportJobRequest: { SegmentId: 'active', SegmentVersion: '3' } },
    field: 'ExportJobRequest.SegmentVersion',
    says: /must be a positive integer/,
  },
  {
    name: 'SegmentVersion zero',
    input: { ApplicationId: APP, ExportJobRequest: { SegmentId: 'active', SegmentVersion: 0 } },
    field: 'ExportJobRequest.SegmentVersion',
    says: /must be a positive integer/,
  },
  {
    name: 'SegmentId with a slash',
    input: { ApplicationId: APP, ExportJobRequest: { SegmentId: 'a/b' } },
    field: 'ExportJobRequest.SegmentId',
    says: /must be a segment id/,
  },
  {
    name: 'ScheduledTime not a time',
    input: { ApplicationId: APP, ScheduledTime: 'tonight' },
    field: 'ScheduledTime',
    says: /ISO 8601/,
  },
  {
    name: 'ScheduledTime an impossible date',
    input: { ApplicationId: APP, ScheduledTime: '2026-02-30T02:00:00Z' },
    field: 'ScheduledTime',
    says: /ISO 8601/,
  },
  {
    name: 'ScheduledTime without a zone',
    input: { ApplicationId: APP, ScheduledTime: '2026-11-28T02:00:00' },
    field: 'ScheduledTime',
    says: /with a zone/,
  },
  {
    name: 'ScheduledTime two hours in the future',
    input: { ApplicationId: APP, ScheduledTime: new Date(Date.now() + 2 * 3600_000).toISOString() },
    field: 'ScheduledTime',
    says: /cannot be scheduled in the future/,
  },
  {
    name: 'Target not a target name',
    input: { ApplicationId: APP, Target: 'nightly exports!' },
    field: 'Target',
    says: /must be a target name/,
  },
];

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('bad input is rejected before Pinpoint is called, and still summarised', () => {
  it.for(CASES)('rejects $name, naming $field', async ({ name, input, field, says }, { task }) => {
    const pinpointBefore = stack.pinpointRequests();
    const messagesBefore = stack.emulator.state.published.length;

    const result = await stack.run(input);

    const [message] = stack.published().slice(messagesBefore);
    const expected: Outcome = { execution: 'FAILED', summary: 'ERROR', createCalls: 0, jobs: 0, messages: 1 };
    const observed: Outcome = {
      execution: result.status,
      summary: message?.summary.status ?? 'none',
      createCalls: stack.emulator.state.count('CreateExportJob'),
      jobs: stack.emulator.state.jobs.length,
      messages: stack.emulator.state.published.length - messagesBefore,
    };
    const error = message?.summary.error;
    record(task, `bad input: ${name}`, expected, observed, `names ${error?.message.split(':')[0]}`);
    expect(observed).toEqual(expected);
    expect(stack.pinpointRequests() - pinpointBefore).toBe(0);
    expect(result.error).toBe('ExportWorkflowError');
    expect(error?.name).toBe('InvalidExportInputError');
    expect(error?.message.startsWith(`${field}: `)).toBe(true);
    expect(error?.message).toMatch(says);
    expect(error?.advice).toMatch(/Fix the field the error names/);
    expect(error?.reason).toBe(`invalid input: ${field}`.slice(0, 60));
    expect(message?.bytes).toBeLessThanOrEqual(262_144);
    expect(message?.summary.execution.trigger).toBe(
      typeof input === 'object' && input !== null && 'ScheduledTime' in input ? 'schedule' : 'other',
    );
  });
});
