import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CreateDomainCommand,
  CreateSegmentDefinitionCommand,
  CreateSegmentSnapshotCommand,
  type CreateSegmentSnapshotCommandInput,
  CustomerProfilesClient,
  GetDomainCommand,
  GetSegmentDefinitionCommand,
  GetSegmentSnapshotCommand,
  type GetSegmentSnapshotCommandOutput,
  ListSegmentDefinitionsCommand,
} from '@aws-sdk/client-customer-profiles';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  clientEnvOf,
  DEFAULT_BUCKET,
  DEFAULT_PROFILES_DOMAIN,
  DEFAULT_SEGMENT_DEFINITION,
  FaultController,
  generateProfile,
  segmentMembers,
} from '../../dev/emulator/index.ts';
import { CSV_COLUMNS } from '../../sources/customer-profiles/emulator-data.ts';
import { type Harness, listFiles, parseCsv, rejectionOf, startHarness } from './helpers.ts';

/*
 * The emulator's Amazon Connect Customer Profiles (sources/customer-profiles/emulator.ts)
 * through the unmodified @aws-sdk/client-customer-profiles over HTTP.
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  vi.unstubAllEnvs();
});

const ROLE = 'arn:aws:iam::123456789012:role/profiles-export';

const snapshotInput = (extra: Partial<CreateSegmentSnapshotCommandInput> = {}) => ({
  DomainName: DEFAULT_PROFILES_DOMAIN,
  SegmentDefinitionName: DEFAULT_SEGMENT_DEFINITION,
  DataFormat: 'JSONL' as const,
  RoleArn: ROLE,
  DestinationUri: `s3://${DEFAULT_BUCKET}/profiles/2026-11-28/`,
  ...extra,
});

/** Creates a snapshot and polls it, advancing the virtual clock, until it is no longer IN_PROGRESS. */
async function snapshotToEnd(harness: Harness, input: CreateSegmentSnapshotCommandInput, stepMs = 500) {
  const { SnapshotId } = await harness.profiles.send(new CreateSegmentSnapshotCommand(input));
  const seen: string[] = [];
  let answer: GetSegmentSnapshotCommandOutput | undefined;
  for (let i = 0; i < 100; i++) {
    answer = await harness.profiles.send(
      new GetSegmentSnapshotCommand({
        DomainName: input.DomainName,
        SegmentDefinitionName: input.SegmentDefinitionName,
        SnapshotId,
      }),
    );
    if (seen.at(-1) !== answer.Status) seen.push(answer.Status!);
    if (answer.Status !== 'IN_PROGRESS') break;
    harness.clock.advance(stepMs);
  }
  return { snapshotId: SnapshotId!, snapshot: answer!, seen };
}

/** The snapshot's files under the emulator's S3 folder, relative to it. */
async function snapshotFiles(harness: Harness, snapshotId: string): Promise<string[]> {
  return (await listFiles(join(harness.dataDir, 's3'))).filter((file) => file.includes(snapshotId));
}

const read = (harness: Harness, file: string) => readFile(join(harness.dataDir, 's3', file), 'utf8');

describe('Customer Profiles domains and segment definitions over the real SDK', () => {
  it('creates a domain and reads it back; the seeded domain reports its profiles', async () => {
    h = await startHarness();

    const created = await h.profiles.send(
      new CreateDomainCommand({ DomainName: 'crm', DefaultExpirationDays: 30, Tags: { team: 'growth' } }),
    );
    const got = await h.profiles.send(new GetDomainCommand({ DomainName: 'crm' }));
    const seeded = await h.profiles.send(new GetDomainCommand({ DomainName: DEFAULT_PROFILES_DOMAIN }));

    expect(created).toMatchObject({ DomainName: 'crm', DefaultExpirationDays: 30, Tags: { team: 'growth' } });
    expect(created.CreatedAt?.toISOString()).toBe('2026-11-28T02:00:00.000Z');
    expect(got).toMatchObject({ DomainName: 'crm', DefaultExpirationDays: 30, Stats: { ProfileCount: 0 } });
    expect(got.LastUpdatedAt).toEqual(created.LastUpdatedAt);
    expect(seeded.Stats?.ProfileCount).toBe(500);
  });

  it('creates a segment definition, reads it back and lists it after the seeded ones, page by page', async () => {
    h = await startHarness();
    const groups = {
      Include: 'ALL' as const,
      Groups: [
        {
          Type: 'ALL' as const,
          Dimensions: [
            { ProfileAttributes: { FirstName: { DimensionType: 'INCLUSIVE' as const, Values: ['Ana'] } } },
          ],
        },
      ],
    };

    const created = await h.profiles.send(
      new CreateSegmentDefinitionCommand({
        DomainName: DEFAULT_PROFILES_DOMAIN,
        SegmentDefinitionName: 'first-name-ana',
        DisplayName: 'Everyone called Ana',
        SegmentGroups: groups,
      }),
    );
    const got = await h.profiles.send(
      new GetSegmentDefinitionCommand({
        DomainName: DEFAULT_PROFILES_DOMAIN,
        SegmentDefinitionName: 'first-name-ana',
      }),
    );
    const firstPage = await h.profiles.send(
      new ListSegmentDefinitionsCommand({ DomainName: DEFAULT_PROFILES_DOMAIN, MaxResults: 2 }),
    );
    const secondPage = await h.profiles.send(
      new ListSegmentDefinitionsCommand({
        DomainName: DEFAULT_PROFILES_DOMAIN,
        MaxResults: 2,
        NextToken: firstPage.NextToken,
      }),
    );

    const arn =
      'arn:aws:profile:us-east-1:000000000000:domains/local-domain/segment-definitions/first-name-ana';
    expect(created).toMatchObject({ SegmentDefinitionName: 'first-name-ana', SegmentDefinitionArn: arn });
    expect(got).toMatchObject({
      SegmentDefinitionName: 'first-name-ana',
      DisplayName: 'Everyone called Ana',
      SegmentGroups: groups,
      SegmentDefinitionArn: arn,
      SegmentType: 'CLASSIC',
    });
    expect(got.CreatedAt?.toISOString()).toBe('2026-11-28T02:00:00.000Z');
    expect(firstPage.Items?.map((i) => i.SegmentDefinitionName)).toEqual(['vip-customers', 'all-profiles']);
    expect(firstPage.NextToken).toBeDefined();
    expect(secondPage.Items?.map((i) => i.SegmentDefinitionName)).toEqual(['first-name-ana']);
    expect(secondPage.NextToken).toBeUndefined();
  });

  it('answers ResourceNotFoundException (404) for an unknown domain or segment definition', async () => {
    h = await startHarness();

    const domain = await rejectionOf(h.profiles.send(new GetDomainCommand({ DomainName: 'no-such-domain' })));
    const snapshot = await rejectionOf(
      h.profiles.send(new CreateSegmentSnapshotCommand(snapshotInput({ DomainName: 'no-such-domain' }))),
    );
    const definition = await rejectionOf(
      h.profiles.send(
        new GetSegmentDefinitionCommand({
          DomainName: DEFAULT_PROFILES_DOMAIN,
          SegmentDefinitionName: 'nope',
        }),
      ),
    );

    for (const error of [domain, snapshot, definition]) {
      expect(error.name).toBe('ResourceNotFoundException');
      expect(error.$metadata?.httpStatusCode).toBe(404);
    }
    expect(definition.message).toContain('nope');
    expect(h.emu.state.profiles.snapshots).toHaveLength(0);
  });

  it.each([
    ['a domain name with spaces', () => new GetDomainCommand({ DomainName: 'bad name' }), 'DomainName'],
    [
      'a 65-character segment definition name',
      () => new CreateSegmentSnapshotCommand(snapshotInput({ SegmentDefinitionName: 'x'.repeat(65) })),
      'SegmentDefinitionName',
    ],
    [
      'a DataFormat outside the enum',
      () => new CreateSegmentSnapshotCommand(snapshotInput({ DataFormat: 'PARQUET' as 'CSV' })),
      'DataFormat',
    ],
    [
      'a DestinationUri that is not s3://',
      () => new CreateSegmentSnapshotCommand(snapshotInput({ DestinationUri: 'https://example.com/x' })),
      'DestinationUri',
    ],
    [
      'no DestinationUri',
      () => new CreateSegmentSnapshotCommand(snapshotInput({ DestinationUri: undefined })),
      'DestinationUri',
    ],
    [
      'a RoleArn that is not an IAM ARN',
      () => new CreateSegmentSnapshotCommand(snapshotInput({ RoleArn: 'arn:aws:s3:::bucket' })),
      'RoleArn',
    ],
    [
      'a domain without DefaultExpirationDays in range',
      () => new CreateDomainCommand({ DomainName: 'crm', DefaultExpirationDays: 2000 }),
      'DefaultExpirationDays',
    ],
  ])('answers BadRequestException (400) for %s', async (_what, command, field) => {
    h = await startHarness();

    const error = await rejectionOf(h.profiles.send(command() as GetDomainCommand));

    expect(error.name).toBe('BadRequestException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(error.message).toContain(field);
    expect(h.emu.state.profiles.snapshots).toHaveLength(0);
  });
});

describe('Customer Profiles segment snapshots over the real SDK', () => {
  it('stays IN_PROGRESS for snapshotSeconds, then COMPLETES with one JSONL line per VIP profile', async () => {
    h = await startHarness({ profiles: { count: 1000, snapshotSeconds: 5 } });
    const expected = segmentMembers('vip-customers', 1000).map((i) =>
      generateProfile(DEFAULT_PROFILES_DOMAIN, i),
    );

    const { snapshotId, snapshot, seen } = await snapshotToEnd(h, snapshotInput());
    const files = await snapshotFiles(h, snapshotId);
    const lines = (await Promise.all(files.map((file) => read(h!, file))))
      .join('')
      .split('\n')
      .filter((line) => line !== '');

    expect(snapshotId).toMatch(/^[a-f0-9]{32}$/);
    expect(seen).toEqual(['IN_PROGRESS', 'COMPLETED']);
    expect(h.clock.now() - Date.UTC(2026, 10, 28, 2, 0, 0)).toBe(5000);
    expect(snapshot).toMatchObject({
      SnapshotId: snapshotId,
      Status: 'COMPLETED',
      DataFormat: 'JSONL',
      RoleArn: ROLE,
      DestinationUri: 's3://local-exports/profiles/2026-11-28/',
    });
    expect(files).toEqual([
      `local-exports/profiles/2026-11-28/${snapshotId}_part-00001-of-00002.jsonl`,
      `local-exports/profiles/2026-11-28/${snapshotId}_part-00002-of-00002.jsonl`,
    ]);
    expect(expected).toHaveLength(250);
    expect(lines.map((line) => JSON.parse(line))).toEqual(expected);
    expect(h.emu.state.snapshotsFor(DEFAULT_PROFILES_DOMAIN)[0]).toMatchObject({ snapshotId, records: 250 });
  });

  it('writes CSV with a header and one properly quoted row per profile of the segment', async () => {
    h = await startHarness();

    const { snapshotId, snapshot } = await snapshotToEnd(
      h,
      snapshotInput({ SegmentDefinitionName: 'all-profiles', DataFormat: 'CSV' }),
    );
    const files = await snapshotFiles(h, snapshotId);
    const parts = await Promise.all(files.map(async (file) => parseCsv(await read(h!, file))));
    const rows = parts.flatMap(([header, ...body]) => {
      expect(header).toEqual([...CSV_COLUMNS]);
      return body;
    });

    expect(snapshot.Status).toBe('COMPLETED');
    expect(files).toHaveLength(3);
    expect(rows).toHaveLength(500);
    expect(rows.every((row) => row.length === CSV_COLUMNS.length)).toBe(true);
    const note = CSV_COLUMNS.indexOf('AdditionalInformation');
    // Fields holding commas, quotes and line breaks survive the round trip.
    expect(rows.some((row) => row[note]!.includes('\n'))).toBe(true);
    expect(rows.some((row) => row[note]!.includes('"'))).toBe(true);
    rows.forEach((row, i) => {
      const profile = generateProfile(DEFAULT_PROFILES_DOMAIN, i);
      expect(row[0]).toBe(profile.ProfileId);
      expect(row[note]).toBe(profile.AdditionalInformation ?? '');
      expect(row[CSV_COLUMNS.indexOf('BusinessName')]).toBe(profile.BusinessName ?? '');
    });
  });

  it('writes an ORC placeholder whose records are not counted', async () => {
    h = await startHarness();

    const { snapshotId, snapshot } = await snapshotToEnd(h, snapshotInput({ DataFormat: 'ORC' }));
    const files = await snapshotFiles(h, snapshotId);

    expect(snapshot).toMatchObject({ Status: 'COMPLETED', DataFormat: 'ORC' });
    expect(files).toEqual([`local-exports/profiles/2026-11-28/${snapshotId}_part-00001-of-00001.orc`]);
    expect((await read(h, files[0]!)).startsWith('ORC')).toBe(true);
    expect(h.emu.state.profiles.snapshots[0]!.records).toBeUndefined();
  });

  it('ends FAILED, naming the bucket, when the destination bucket does not exist', async () => {
    h = await startHarness();

    const { snapshotId, snapshot } = await snapshotToEnd(
      h,
      snapshotInput({ DestinationUri: 's3://missing-bucket/profiles/' }),
    );

    expect(snapshot.Status).toBe('FAILED');
    expect(snapshot.StatusMessage).toContain('missing-bucket');
    expect(await snapshotFiles(h, snapshotId)).toEqual([]);
  });

  it('ends FAILED with a StatusMessage after a job-fail fault, once', async () => {
    h = await startHarness();
    h.emu.faults.add({
      kind: 'job-fail',
      service: 'customer-profiles',
      count: 1,
      message: 'KMS key disabled',
    });

    const failed = await snapshotToEnd(h, snapshotInput());
    const next = await snapshotToEnd(h, snapshotInput());

    expect(failed.snapshot).toMatchObject({ Status: 'FAILED', StatusMessage: 'KMS key disabled' });
    expect(failed.seen).toEqual(['IN_PROGRESS', 'FAILED']);
    expect(await snapshotFiles(h, failed.snapshotId)).toEqual([]);
    expect(next.snapshot.Status).toBe('COMPLETED');
  });

  it('keeps a snapshot IN_PROGRESS for job-stuck and job-pending faults', async () => {
    h = await startHarness();
    h.emu.faults.add({ kind: 'job-stuck', service: 'customer-profiles', count: 1 });
    const stuck = await h.profiles.send(new CreateSegmentSnapshotCommand(snapshotInput()));
    h.emu.faults.add({ kind: 'job-pending', service: 'customer-profiles', count: 1, pendingSeconds: 10 });
    const pending = await h.profiles.send(new CreateSegmentSnapshotCommand(snapshotInput()));
    const status = async (SnapshotId: string | undefined) =>
      (
        await h!.profiles.send(
          new GetSegmentSnapshotCommand({
            DomainName: DEFAULT_PROFILES_DOMAIN,
            SegmentDefinitionName: DEFAULT_SEGMENT_DEFINITION,
            SnapshotId,
          }),
        )
      ).Status;

    h.clock.advance(12_999);
    const pendingBefore = await status(pending.SnapshotId);
    h.clock.advance(1);
    const pendingAfter = await status(pending.SnapshotId);
    h.clock.advance(3_600_000);

    expect([pendingBefore, pendingAfter]).toEqual(['IN_PROGRESS', 'COMPLETED']);
    expect(await status(stuck.SnapshotId)).toBe('IN_PROGRESS');
  });

  it('ends FAILED when the role cannot be assumed (a RoleArn containing no-trust)', async () => {
    h = await startHarness();

    const { snapshot } = await snapshotToEnd(
      h,
      snapshotInput({ RoleArn: 'arn:aws:iam::123456789012:role/no-trust-profiles' }),
    );

    expect(snapshot.Status).toBe('FAILED');
    expect(snapshot.StatusMessage).toContain('no-trust-profiles');
  });

  it('accepts fault rules for customer-profiles and dynamodb, and refuses an unknown service', () => {
    const faults = new FaultController();

    faults.add({ kind: 'throttle', service: 'customer-profiles' });
    faults.add({ kind: 'error500', service: 'dynamodb' });

    expect(faults.list().map((rule) => rule.service)).toEqual(['customer-profiles', 'dynamodb']);
    expect(() => faults.add({ kind: 'throttle', service: 'kinesis' as 'sns' })).toThrow(
      /service must be one of/,
    );
  });

  it('leaves Customer Profiles alone for a job-fail fault without a service (Pinpoint by default)', async () => {
    h = await startHarness();
    h.emu.faults.add({ kind: 'job-fail', count: 1 });

    const { snapshot } = await snapshotToEnd(h, snapshotInput());

    expect(snapshot.Status).toBe('COMPLETED');
    expect(h.emu.faults.list()).toHaveLength(1);
  });

  it('creates the snapshot, then answers 500 InternalServerException for create-then-500', async () => {
    h = await startHarness();
    h.emu.faults.add({ kind: 'create-then-500', service: 'customer-profiles', count: 1 });

    const error = await rejectionOf(h.profiles.send(new CreateSegmentSnapshotCommand(snapshotInput())));

    expect(error.name).toBe('InternalServerException');
    expect(error.$metadata?.httpStatusCode).toBe(500);
    expect(h.emu.state.profiles.snapshots).toHaveLength(1);
    expect(h.emu.state.requests.at(-1)).toMatchObject({
      service: 'customer-profiles',
      operation: 'CreateSegmentSnapshot',
      status: 500,
      fault: 'create-then-500',
    });
  });

  it('answers ThrottlingException (429) and InternalServerException (500) for throttle and error500 faults', async () => {
    h = await startHarness();
    h.emu.faults.add({ kind: 'throttle', service: 'customer-profiles', operation: 'GetDomain', count: 1 });
    h.emu.faults.add({ kind: 'error500', service: 'customer-profiles', operation: 'CreateSegmentSnapshot' });
    h.emu.faults.add({ kind: 'throttle', service: 'pinpoint' });

    const throttled = await rejectionOf(
      h.profiles.send(new GetDomainCommand({ DomainName: DEFAULT_PROFILES_DOMAIN })),
    );
    const after = await h.profiles.send(new GetDomainCommand({ DomainName: DEFAULT_PROFILES_DOMAIN }));
    const failed = await rejectionOf(h.profiles.send(new CreateSegmentSnapshotCommand(snapshotInput())));

    expect(throttled.name).toBe('ThrottlingException');
    expect(throttled.$metadata?.httpStatusCode).toBe(429);
    expect(after.DomainName).toBe(DEFAULT_PROFILES_DOMAIN);
    expect(failed.name).toBe('InternalServerException');
    expect(h.emu.state.profiles.snapshots).toHaveLength(0);
    expect(h.emu.state.requests.map((r) => [r.service, r.operation, r.status, r.fault])).toEqual([
      ['customer-profiles', 'GetDomain', 429, 'throttle'],
      ['customer-profiles', 'GetDomain', 200, undefined],
      ['customer-profiles', 'CreateSegmentSnapshot', 500, 'error500'],
    ]);
  });

  it('writes a finished snapshot before S3 lists the destination, even if nobody asked for its status', async () => {
    h = await startHarness();
    const s3 = new S3Client({
      endpoint: h.emu.url,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const { SnapshotId } = await h.profiles.send(new CreateSegmentSnapshotCommand(snapshotInput()));

    const before = await s3.send(new ListObjectsV2Command({ Bucket: DEFAULT_BUCKET, Prefix: 'profiles/' }));
    h.clock.advance(3000);
    const after = await s3.send(new ListObjectsV2Command({ Bucket: DEFAULT_BUCKET, Prefix: 'profiles/' }));
    s3.destroy();

    expect(before.KeyCount).toBe(0);
    expect(after.Contents?.map((c) => c.Key)).toEqual([
      `profiles/2026-11-28/${SnapshotId}_part-00001-of-00001.jsonl`,
    ]);
  });
});

describe('routing Customer Profiles beside S3', () => {
  it('still serves an S3 bucket named "domains" path-style, by the signature', async () => {
    h = await startHarness();
    const s3 = new S3Client({
      endpoint: h.emu.url,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });

    await s3.send(new CreateBucketCommand({ Bucket: 'domains' }));
    // The same path as GetDomain of the seeded domain: /domains/local-domain.
    await s3.send(
      new PutObjectCommand({ Bucket: 'domains', Key: DEFAULT_PROFILES_DOMAIN, Body: 'an object' }),
    );
    const object = await s3.send(new GetObjectCommand({ Bucket: 'domains', Key: DEFAULT_PROFILES_DOMAIN }));
    const body = await object.Body?.transformToString();
    const domain = await h.profiles.send(new GetDomainCommand({ DomainName: DEFAULT_PROFILES_DOMAIN }));
    s3.destroy();

    expect(body).toBe('an object');
    expect(domain.DomainName).toBe(DEFAULT_PROFILES_DOMAIN);
    expect(h.emu.state.requests.map((r) => `${r.service} ${r.operation} ${r.status}`)).toEqual([
      's3 CreateBucket 200',
      's3 PutObject 200',
      's3 GetObject 200',
      'customer-profiles GetDomain 200',
    ]);
  });

  it('serves an unsigned request on a Customer Profiles path as Customer Profiles', async () => {
    h = await startHarness();

    const answer = await fetch(`${h.emu.url}/domains/${DEFAULT_PROFILES_DOMAIN}/segment-definitions`);
    const missing = await fetch(`${h.emu.url}/domains/nope`);

    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { Items: unknown[] }).Items).toHaveLength(2);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
  });

  it('reaches the emulator through AWS_ENDPOINT_URL_CUSTOMER_PROFILES from clientEnvOf', async () => {
    h = await startHarness();
    const env = clientEnvOf(h.emu);
    vi.stubEnv('AWS_ENDPOINT_URL_CUSTOMER_PROFILES', env.AWS_ENDPOINT_URL_CUSTOMER_PROFILES);
    const client = new CustomerProfilesClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });

    const domain = await client.send(new GetDomainCommand({ DomainName: DEFAULT_PROFILES_DOMAIN }));
    client.destroy();

    expect(env.AWS_ENDPOINT_URL_CUSTOMER_PROFILES).toBe(h.emu.url);
    expect(domain.DomainName).toBe(DEFAULT_PROFILES_DOMAIN);
  });
});

describe('npm run emulator with Customer Profiles', () => {
  const root = resolve(import.meta.dirname, '../..');
  const tsx = join(root, 'node_modules/.bin/tsx');
  const cli = join(root, 'cli/emulator.ts');
  let child: ChildProcess | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill('SIGINT');
    child = undefined;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });

  it('shows an AWS CLI snapshot example and the endpoint variable in --help', () => {
    const out = spawnSync(tsx, [cli, '--help'], { encoding: 'utf8', timeout: 20_000 });

    expect(out.status).toBe(0);
    expect(out.stdout).toContain('customer-profiles create-segment-snapshot');
    expect(out.stdout).toContain('AWS_ENDPOINT_URL_CUSTOMER_PROFILES');
  });

  it('prints the seeded domain and its segment definitions, and logs Customer Profiles requests', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'emulator-cli-profiles-'));
    child = spawn(tsx, [cli, '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`no url printed within 20 s:\n${output}`)), 20_000);
      child!.stdout!.on('data', () => {
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match && output.includes('Press Ctrl+C')) {
          clearTimeout(timer);
          resolveUrl(match[1]!);
        }
      });
    });

    const response = await fetch(`${url}/domains/${DEFAULT_PROFILES_DOMAIN}`);
    for (let i = 0; i < 50 && !output.includes('GetDomain'); i++)
      await new Promise((r) => setTimeout(r, 100));

    expect(response.status).toBe(200);
    expect(output).toContain(`profiles domain: ${DEFAULT_PROFILES_DOMAIN} (500 profiles)`);
    expect(output).toContain('segment definitions: vip-customers, all-profiles');
    expect(output).toMatch(/customer-profiles GetDomain GET \/domains\/local-domain -> 200 \(\d+ ms\)\n/);
  }, 30_000);
});
