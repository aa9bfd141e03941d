import { describe, expect, it } from 'vitest';
import { InvalidExportInputError } from '../../core/errors.ts';
import { type InputDefaults, resolveExecutionInput as resolveInput } from '../../sources/input.ts';
import type { PinpointRequest } from '../../sources/pinpoint/types.ts';

/** These are Pinpoint inputs: the result is a Pinpoint request. */
const resolveExecutionInput = (...args: Parameters<typeof resolveInput>) =>
  resolveInput(...args) as PinpointRequest;

const APPLICATION_ID = '7f3c9a1b2c3d4e5f60718293a4b5c6d7';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/pinpoint-export';
const START_TIME = '2026-11-28T02:00:07.412Z';
const STAGE_DEFAULTS: InputDefaults = {
  RoleArn: 'arn:aws:iam::123456789012:role/service-role/pinpoint-export-prod',
  S3UrlPrefix: 's3://exports-bucket/pinpoint/{ApplicationId}/{date}/',
};

/** A complete, valid input as a schedule sends it; cases override one field. */
function scheduleInput(request: Record<string, unknown> = {}, top: Record<string, unknown> = {}) {
  return {
    ApplicationId: APPLICATION_ID,
    ExportJobRequest: {
      RoleArn: ROLE_ARN,
      S3UrlPrefix: 's3://exports-bucket/pinpoint/{ApplicationId}/{date}/',
      ...request,
    },
    ScheduledTime: '2026-11-28T02:00:00Z',
    ...top,
  };
}

/** Runs the validation expecting it to reject the input; fails the test if the input is accepted. */
function rejectionOf(raw: unknown, defaults: InputDefaults = STAGE_DEFAULTS): InvalidExportInputError {
  try {
    resolveExecutionInput(raw, defaults, START_TIME);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidExportInputError);
    return error as InvalidExportInputError;
  }
  throw new Error('expected resolveExecutionInput to reject the input, but it was accepted');
}

describe('resolveExecutionInput rejects malformed input, naming the field', () => {
  interface RejectionCase {
    what: string;
    input: unknown;
    defaults?: InputDefaults;
    field: string;
    says: string;
  }

  const cases: RejectionCase[] = [
    // The input as a whole
    { what: 'no input at all', input: undefined, field: '(input)', says: 'is empty' },
    { what: 'a null input', input: null, field: '(input)', says: 'is empty' },
    {
      what: 'a JSON string instead of an object',
      input: JSON.stringify({ ApplicationId: APPLICATION_ID }),
      field: '(input)',
      says: `must be a JSON object, got a ${JSON.stringify({ ApplicationId: APPLICATION_ID }).length}-character string`,
    },
    { what: 'an empty string', input: '', field: '(input)', says: 'must be a JSON object, got ""' },
    {
      what: 'an array',
      input: [APPLICATION_ID],
      field: '(input)',
      says: 'must be a JSON object, got an array',
    },
    { what: 'an empty object', input: {}, field: 'ApplicationId', says: 'is required' },
    // ApplicationId
    {
      what: 'an ApplicationId one character short',
      input: scheduleInput({}, { ApplicationId: APPLICATION_ID.slice(1) }),
      field: 'ApplicationId',
      says: 'must be a Pinpoint project id (32 lowercase hex characters)',
    },
    {
      what: 'an uppercase ApplicationId',
      input: scheduleInput({}, { ApplicationId: APPLICATION_ID.toUpperCase() }),
      field: 'ApplicationId',
      says: `got "${APPLICATION_ID.toUpperCase()}"`,
    },
    {
      what: 'a numeric ApplicationId',
      input: scheduleInput({}, { ApplicationId: 12345 }),
      field: 'ApplicationId',
      says: 'must be a string, got number 12345',
    },
    // Unknown fields
    {
      what: 'an unknown top-level field (a typo of ApplicationId)',
      input: { ...scheduleInput(), ApplicationID: APPLICATION_ID },
      field: 'ApplicationID',
      says: 'unknown field; allowed fields are ApplicationId, ExportJobRequest, ScheduledTime',
    },
    {
      what: 'an unknown ExportJobRequest field',
      input: scheduleInput({ Format: 'CSV' }),
      field: 'ExportJobRequest.Format',
      says: 'unknown field; allowed fields are RoleArn, S3UrlPrefix, SegmentId, SegmentVersion',
    },
    {
      what: 'an ExportJobRequest that is not an object',
      input: scheduleInput({}, { ExportJobRequest: 's3://exports-bucket/' }),
      field: 'ExportJobRequest',
      says: 'must be an object, got "s3://exports-bucket/"',
    },
    // RoleArn
    {
      what: 'an IAM user ARN as RoleArn',
      input: scheduleInput({ RoleArn: 'arn:aws:iam::123456789012:user/exporter' }),
      field: 'ExportJobRequest.RoleArn',
      says: 'must be an IAM role ARN',
    },
    {
      what: 'an S3 bucket ARN as RoleArn',
      input: scheduleInput({ RoleArn: 'arn:aws:s3:::exports-bucket' }),
      field: 'ExportJobRequest.RoleArn',
      says: 'must be an IAM role ARN (arn:aws:iam::123456789012:role/name), got "arn:aws:s3:::exports-bucket"',
    },
    {
      what: 'a role ARN with an 11-digit account',
      input: scheduleInput({ RoleArn: 'arn:aws:iam::12345678901:role/pinpoint-export' }),
      field: 'ExportJobRequest.RoleArn',
      says: 'must be an IAM role ARN',
    },
    {
      what: 'garbage as RoleArn',
      input: scheduleInput({ RoleArn: 'pinpoint-export' }),
      field: 'ExportJobRequest.RoleArn',
      says: 'got "pinpoint-export"',
    },
    {
      what: 'a RoleArn of the wrong type',
      input: scheduleInput({ RoleArn: { Ref: 'ExportRole' } }),
      field: 'ExportJobRequest.RoleArn',
      says: 'must be a string, got object {"Ref":"ExportRole"}',
    },
    {
      what: 'a blank RoleArn',
      input: scheduleInput({ RoleArn: '   ' }),
      field: 'ExportJobRequest.RoleArn',
      says: 'must not be empty',
    },
    {
      what: 'no RoleArn and no stage default',
      input: { ApplicationId: APPLICATION_ID, ExportJobRequest: { S3UrlPrefix: 's3://exports-bucket/' } },
      defaults: { S3UrlPrefix: STAGE_DEFAULTS.S3UrlPrefix },
      field: 'ExportJobRequest.RoleArn',
      says: 'the stage configures no default role',
    },
    // S3UrlPrefix
    {
      what: 'no S3UrlPrefix and no stage default',
      input: { ApplicationId: APPLICATION_ID },
      defaults: { RoleArn: ROLE_ARN },
      field: 'ExportJobRequest.S3UrlPrefix',
      says: 'the stage configures no default prefix',
    },
    {
      what: 'an https URL as S3UrlPrefix',
      input: scheduleInput({ S3UrlPrefix: 'https://exports-bucket.s3.amazonaws.com/pinpoint/' }),
      field: 'ExportJobRequest.S3UrlPrefix',
      says: 'must look like s3://bucket-name/prefix/',
    },
    {
      what: 'a bucket name with uppercase letters',
      input: scheduleInput({ S3UrlPrefix: 's3://Exports-Bucket/pinpoint/' }),
      field: 'ExportJobRequest.S3UrlPrefix',
      says: 'bucket name "Exports-Bucket" is not a valid S3 bucket name: it may contain only lowercase letters',
    },
    {
      what: 'a two-character bucket name',
      input: scheduleInput({ S3UrlPrefix: 's3://ab/pinpoint/' }),
      field: 'ExportJobRequest.S3UrlPrefix',
      says: 'must be 3 to 63 characters long',
    },
    {
      what: 'a 64-character bucket name',
      input: scheduleInput({ S3UrlPrefix: `s3://${'a'.repeat(64)}/pinpoint/` }),
      field: 'ExportJobRequest.S3UrlPrefix',
      says: 'must be 3 to 63 characters long',
    },
    {
      what: 'an IP-address bucket name',
      input: scheduleInput({ S3UrlPrefix: 's3://192.168.10.20/pinpoint/' }),
      field: 'ExportJobRequest.S3UrlPrefix',
      says: 'must not be formatted as an IP address',
    },
    {
      what: 'a bucket name with two adjacent dots',
      input: scheduleInput({ S3UrlPrefix: 's3://exports..bucket/pinpoint/' }),
      field: 'ExportJobRequest.S3UrlPrefix',
      says: 'must not contain two adjacent dots',
    },
    {
      what: 'a bucket name starting with xn--',
      input: scheduleInput({ S3UrlPrefix: 's3://xn--exports/pinpoint/' }),
      field: 'ExportJobRequest.S3UrlPrefix',
      says: 'must not start with "xn--"',
    },
    {
      what: 'a bucket name ending with -s3alias',
      input: scheduleInput({ S3UrlPrefix: 's3://exports-s3alias/pinpoint/' }),
      field: 'ExportJobRequest.S3UrlPrefix',
      says: 'must not end with "-s3alias"',
    },
    {
      what: 'a bucket name ending with a hyphen',
      input: scheduleInput({ S3UrlPrefix: 's3://exports-/pinpoint/' }),
      field: 'ExportJobRequest.S3UrlPrefix',
      says: 'must begin and end with a letter or digit',
    },
    {
      what: 'an unknown template placeholder',
      input: scheduleInput({ S3UrlPrefix: 's3://exports-bucket/{ApplicationId}/{Date}/' }),
      field: 'ExportJobRequest.S3UrlPrefix',
      says: 'unknown placeholder {Date}; known placeholders are {ApplicationId}, {SegmentId}',
    },
    {
      what: 'an unknown placeholder in the stage default template',
      input: { ApplicationId: APPLICATION_ID },
      defaults: { RoleArn: ROLE_ARN, S3UrlPrefix: 's3://exports-bucket/{stage}/' },
      field: 'ExportJobRequest.S3UrlPrefix',
      says: 'unknown placeholder {stage}',
    },
    {
      what: 'a 300 KB S3UrlPrefix',
      input: scheduleInput({ S3UrlPrefix: `s3://exports-bucket/${'p'.repeat(300 * 1024)}/` }),
      field: 'ExportJobRequest.S3UrlPrefix',
      says: `is ${300 * 1024 + 21} characters long; at most 1100`,
    },
    {
      what: 'a template that becomes too long once {ApplicationId} is resolved',
      input: scheduleInput({ S3UrlPrefix: `s3://exports-bucket/${'p'.repeat(870)}/{ApplicationId}/` }),
      field: 'ExportJobRequest.S3UrlPrefix',
      says: "key prefix is 904 bytes of UTF-8; at most 896, so that the export's own object names still fit S3's 1024-byte keys",
    },
    {
      what: 'a SegmentVersion past 32 bits',
      input: scheduleInput({ SegmentId: 'vip-customers', SegmentVersion: 2 ** 40 }),
      field: 'ExportJobRequest.SegmentVersion',
      says: 'must be at most 2147483647 (a 32-bit integer)',
    },
    {
      what: 'a prefix of multi-byte characters longer than 1,024 bytes',
      input: scheduleInput({ S3UrlPrefix: `s3://exports-bucket/${'€'.repeat(400)}/` }),
      field: 'ExportJobRequest.S3UrlPrefix',
      says: 'key prefix is 1201 bytes of UTF-8',
    },
    // SegmentId and SegmentVersion
    {
      what: 'a SegmentId with a slash',
      input: scheduleInput({ SegmentId: 'vip/customers' }),
      field: 'ExportJobRequest.SegmentId',
      says: 'must be a segment id (letters, digits, - _ .; at most 64), got "vip/customers"',
    },
    {
      what: 'a 300 KB SegmentId',
      input: scheduleInput({ SegmentId: 's'.repeat(300 * 1024) }),
      field: 'ExportJobRequest.SegmentId',
      says: `got a ${300 * 1024}-character string`,
    },
    {
      what: 'SegmentVersion 0',
      input: scheduleInput({ SegmentId: 'vip-customers', SegmentVersion: 0 }),
      field: 'ExportJobRequest.SegmentVersion',
      says: 'must be a positive integer, got number 0',
    },
    {
      what: 'SegmentVersion 1.5',
      input: scheduleInput({ SegmentId: 'vip-customers', SegmentVersion: 1.5 }),
      field: 'ExportJobRequest.SegmentVersion',
      says: 'must be a positive integer, got number 1.5',
    },
    {
      what: 'SegmentVersion as the string "3"',
      input: scheduleInput({ SegmentId: 'vip-customers', SegmentVersion: '3' }),
      field: 'ExportJobRequest.SegmentVersion',
      says: 'must be a positive integer, got "3"',
    },
    {
      what: 'SegmentVersion without SegmentId',
      input: scheduleInput({ SegmentVersion: 3 }),
      field: 'ExportJobRequest.SegmentVersion',
      says: 'is only allowed together with ExportJobRequest.SegmentId',
    },
    // ScheduledTime
    {
      what: 'a ScheduledTime without a zone',
      input: scheduleInput({}, { ScheduledTime: '2026-11-28T02:00:00' }),
      field: 'ScheduledTime',
      says: 'must be an ISO 8601 time with a zone, such as 2026-11-28T02:00:00Z, got "2026-11-28T02:00:00"',
    },
    {
      what: 'a ScheduledTime in another format',
      input: scheduleInput({}, { ScheduledTime: 'Sat, 28 Nov 2026 02:00:00 GMT' }),
      field: 'ScheduledTime',
      says: 'must be an ISO 8601 time with a zone',
    },
    {
      what: 'a ScheduledTime in month 13',
      input: scheduleInput({}, { ScheduledTime: '2026-13-01T02:00:00Z' }),
      field: 'ScheduledTime',
      says: 'must be an ISO 8601 time with a zone',
    },
    {
      what: 'a ScheduledTime on a day the month does not have (February 30)',
      input: scheduleInput({}, { ScheduledTime: '2026-02-30T02:00:00Z' }),
      field: 'ScheduledTime',
      says: 'got "2026-02-30T02:00:00Z"',
    },
    {
      what: 'a ScheduledTime at hour 24',
      input: scheduleInput({}, { ScheduledTime: '2026-11-28T24:00:00Z' }),
      field: 'ScheduledTime',
      says: 'got "2026-11-28T24:00:00Z"',
    },
    {
      what: 'a numeric ScheduledTime (epoch milliseconds)',
      input: scheduleInput({}, { ScheduledTime: 1795831200000 }),
      field: 'ScheduledTime',
      says: 'must be a string, got number 1795831200000',
    },
  ];

  it.each(cases)('rejects $what', ({ input, defaults, field, says }) => {
    const error = rejectionOf(input, defaults);

    expect(error.name).toBe('InvalidExportInputError');
    expect(error.field).toBe(field);
    expect(error.message).toContain(says);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });

  it('keeps the message short when the offending value is huge', () => {
    const error = rejectionOf(
      scheduleInput({ S3UrlPrefix: `s3://exports-bucket/${'p'.repeat(300 * 1024)}/` }),
    );

    expect(error.message.length).toBeLessThan(200);
  });

  it.for([
    ['a top-level field', (key: string) => ({ ...scheduleInput(), [key]: 1 }), ''],
    ['an ExportJobRequest field', (key: string) => scheduleInput({ [key]: 1 }), 'ExportJobRequest.'],
  ] as const)(
    'quotes an unknown %s with a 200,000-character name in a few dozen characters',
    ([, build, prefix]) => {
      const key = `K${'e'.repeat(200_000)}`;

      const error = rejectionOf(build(key));

      expect(error.message.length).toBeLessThan(250);
      expect(error.field).toBe(`${prefix}K${'e'.repeat(63)}... (200001 characters)`);
      expect(error.message).toContain('unknown field');
    },
  );

  it('quotes an unknown field name as printable ASCII (no line breaks or control characters)', () => {
    const error = rejectionOf({ ...scheduleInput(), 'Bad\r\nX-Header: 1\u0000': 1 });

    expect(error.field).toMatch(/^[\x20-\x7e]+$/);
    expect(error.field).toBe('Bad X-Header: 1?');
  });

  it.for(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'rejects {%s} in the S3 prefix as an unknown placeholder, never resolving it to an object or a function',
    (name) => {
      const error = rejectionOf(scheduleInput({ S3UrlPrefix: `s3://exports-bucket/{${name}}/{date}/` }));

      expect(error.field).toBe('ExportJobRequest.S3UrlPrefix');
      expect(error.message).toContain(`unknown placeholder {${name}}`);
    },
  );

  it('names the first field at fault when several are wrong', () => {
    const error = rejectionOf(
      scheduleInput(
        { RoleArn: 'arn:aws:iam::123456789012:user/exporter', SegmentVersion: 0 },
        { ApplicationId: 'x' },
      ),
    );

    expect(error.field).toBe('ApplicationId');
  });
});

describe('resolveExecutionInput completes a valid input', () => {
  it('fills RoleArn and S3UrlPrefix from the stage defaults and ScheduledTime from the start time', () => {
    const resolved = resolveExecutionInput({ ApplicationId: APPLICATION_ID }, STAGE_DEFAULTS, START_TIME);

    expect(resolved).toEqual({
      ApplicationId: APPLICATION_ID,
      ExportJobRequest: {
        RoleArn: STAGE_DEFAULTS.RoleArn,
        S3UrlPrefix: `s3://exports-bucket/pinpoint/${APPLICATION_ID}/2026-11-28/`,
      },
      ScheduledTime: START_TIME,
    });
  });

  it('prefers the values in the input over the stage defaults', () => {
    const resolved = resolveExecutionInput(
      scheduleInput({ S3UrlPrefix: 's3://other-bucket/manual/' }),
      STAGE_DEFAULTS,
      START_TIME,
    );

    expect(resolved.ExportJobRequest.RoleArn).toBe(ROLE_ARN);
    expect(resolved.ExportJobRequest.S3UrlPrefix).toBe('s3://other-bucket/manual/');
  });

  it('resolves every placeholder from the input and the scheduled time', () => {
    const input = scheduleInput(
      {
        S3UrlPrefix:
          's3://exports-bucket/{ApplicationId}/{SegmentId}/v{SegmentVersion}/{date}/{year}/{month}/{day}/{hour}/{timestamp}/',
        SegmentId: 'vip-customers',
        SegmentVersion: 3,
      },
      { ScheduledTime: '2026-03-07T04:05:06Z' },
    );

    const resolved = resolveExecutionInput(input, STAGE_DEFAULTS, START_TIME);

    expect(resolved.ExportJobRequest.S3UrlPrefix).toBe(
      `s3://exports-bucket/${APPLICATION_ID}/vip-customers/v3/2026-03-07/2026/03/07/04/20260307T040506Z/`,
    );
  });

  it('uses all-endpoints and latest for the segment placeholders without a segment', () => {
    const input = scheduleInput({ S3UrlPrefix: 's3://exports-bucket/{SegmentId}/{SegmentVersion}/' });

    const resolved = resolveExecutionInput(input, STAGE_DEFAULTS, START_TIME);

    expect(resolved.ExportJobRequest.S3UrlPrefix).toBe('s3://exports-bucket/all-endpoints/latest/');
  });

  it('resolves the same prefix for two deliveries of the same scheduled run started at different times', () => {
    const input = scheduleInput({ S3UrlPrefix: 's3://exports-bucket/{date}/{hour}/{timestamp}/' });

    const first = resolveExecutionInput(input, STAGE_DEFAULTS, '2026-11-28T02:00:01.000Z');
    const redelivered = resolveExecutionInput(input, STAGE_DEFAULTS, '2026-11-28T05:47:30.000Z');

    expect(redelivered).toEqual(first);
    expect(first.ExportJobRequest.S3UrlPrefix).toBe('s3://exports-bucket/2026-11-28/02/20261128T020000Z/');
  });

  it("resolves {date} as the UTC date near midnight, whatever the machine's time zone", () => {
    // The suite runs in a zone east of UTC (vitest.config.ts): a {date} computed in local time
    // would say 2026-11-29 here.
    expect(new Date('2026-11-28T23:30:00Z').getTimezoneOffset()).not.toBe(0);
    const input = scheduleInput(
      { S3UrlPrefix: 's3://exports-bucket/{date}/{year}{month}{day}-{hour}/' },
      { ScheduledTime: '2026-11-28T23:30:00Z' },
    );

    const resolved = resolveExecutionInput(input, STAGE_DEFAULTS, '2026-11-28T23:30:04Z');

    expect(resolved.ExportJobRequest.S3UrlPrefix).toBe('s3://exports-bucket/2026-11-28/20261128-23/');
  });

  it('resolves date placeholders in UTC when ScheduledTime carries an offset', () => {
    const input = scheduleInput(
      { S3UrlPrefix: 's3://exports-bucket/{date}/{hour}/' },
      { ScheduledTime: '2026-11-28T01:30:00+02:00' },
    );

    const resolved = resolveExecutionInput(input, STAGE_DEFAULTS, START_TIME);

    expect(resolved.ExportJobRequest.S3UrlPrefix).toBe('s3://exports-bucket/2026-11-27/23/');
    expect(resolved.ScheduledTime).toBe('2026-11-27T23:30:00.000Z');
  });

  it('accepts February 29 in a leap year', () => {
    const input = scheduleInput(
      { S3UrlPrefix: 's3://exports-bucket/{date}/' },
      { ScheduledTime: '2028-02-29T02:00:00Z' },
    );

    const resolved = resolveExecutionInput(input, STAGE_DEFAULTS, '2028-02-29T02:00:04Z');

    expect(resolved.ExportJobRequest.S3UrlPrefix).toBe('s3://exports-bucket/2028-02-29/');
  });

  it('leaves SegmentId and SegmentVersion out of the result when the input has none', () => {
    const resolved = resolveExecutionInput(scheduleInput(), STAGE_DEFAULTS, START_TIME);

    expect(Object.keys(resolved.ExportJobRequest)).toEqual(['RoleArn', 'S3UrlPrefix']);
  });

  it('keeps SegmentId and SegmentVersion when given', () => {
    const resolved = resolveExecutionInput(
      scheduleInput({ SegmentId: 'vip-customers', SegmentVersion: 3 }),
      STAGE_DEFAULTS,
      START_TIME,
    );

    expect(resolved.ExportJobRequest).toMatchObject({ SegmentId: 'vip-customers', SegmentVersion: 3 });
  });

  it('accepts a role ARN with a path in another partition', () => {
    const roleArn = 'arn:aws-us-gov:iam::123456789012:role/service-role/exports/pinpoint-export';

    const resolved = resolveExecutionInput(scheduleInput({ RoleArn: roleArn }), STAGE_DEFAULTS, START_TIME);

    expect(resolved.ExportJobRequest.RoleArn).toBe(roleArn);
  });

  it('does not change the input object', () => {
    const input = scheduleInput({ SegmentId: 'vip-customers' });
    const before = structuredClone(input);

    resolveExecutionInput(input, STAGE_DEFAULTS, START_TIME);

    expect(input).toEqual(before);
  });
});
