import { join } from 'node:path';
import {
  CreateAppCommand,
  CreateExportJobCommand,
  DeleteAppCommand,
  type ExportJobRequest,
  type ExportJobResponse,
  GetAppsCommand,
  GetExportJobCommand,
  GetExportJobsCommand,
  GetSegmentsCommand,
  GetSegmentVersionCommand,
} from '@aws-sdk/client-pinpoint';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_APPLICATION_ID, DEFAULT_SEGMENT_ID, segmentIdFor } from '../../dev/emulator/index.ts';
import { gunzipLines, type Harness, listFiles, ROLE_ARN, rejectionOf, startHarness } from './helpers.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const request = (extra: Record<string, unknown> = {}) => ({
  RoleArn: ROLE_ARN,
  S3UrlPrefix: 's3://exports-bucket/pinpoint/2026-11-28/',
  ...extra,
});

/** Advances the virtual clock and polls until the job is terminal; at most `maxPolls` polls. */
async function pollToEnd(harness: Harness, jobId: string, stepMs = 500, maxPolls = 100) {
  const seen: string[] = [];
  let job: ExportJobResponse | undefined;
  for (let i = 0; i < maxPolls; i++) {
    const out = await harness.pinpoint.send(
      new GetExportJobCommand({ ApplicationId: DEFAULT_APPLICATION_ID, JobId: jobId }),
    );
    job = out.ExportJobResponse!;
    if (seen.at(-1) !== job.JobStatus) seen.push(job.JobStatus!);
    if (job.JobStatus === 'COMPLETED' || job.JobStatus === 'FAILED') break;
    harness.clock.advance(stepMs);
  }
  return { job: job!, seen };
}

describe('Pinpoint export jobs over the real SDK', () => {
  it('runs a job through every status to COMPLETED and writes one gzipped NDJSON file per piece', async () => {
    h = await startHarness({ dataset: { endpoints: 1000 }, job: { durationSeconds: 10, pieces: 4 } });

    const created = await h.pinpoint.send(
      new CreateExportJobCommand({ ApplicationId: DEFAULT_APPLICATION_ID, ExportJobRequest: request() }),
    );
    const { job, seen } = await pollToEnd(h, created.ExportJobResponse!.Id!);

    expect(created.$metadata.httpStatusCode).toBe(202);
    expect(created.ExportJobResponse).toMatchObject({ JobStatus: 'CREATED', Type: 'EXPORT', TotalPieces: 4 });
    expect(seen).toEqual([
      'CREATED',
      'PREPARING_FOR_INITIALIZATION',
      'INITIALIZING',
      'PROCESSING',
      'COMPLETING',
      'COMPLETED',
    ]);
    expect(job).toMatchObject({
      ApplicationId: DEFAULT_APPLICATION_ID,
      TotalProcessed: 1000,
      TotalFailures: 0,
      TotalPieces: 4,
      CompletedPieces: 4,
      FailedPieces: 0,
      Definition: request(),
      CreationDate: '2026-11-28T02:00:00.000Z',
      CompletionDate: '2026-11-28T02:00:10.000Z',
    });
    expect(job.Failures).toBeUndefined();
    const files = await listFiles(join(h.dataDir, 's3'));
    expect(files).toEqual(
      [1, 2, 3, 4].map((p) => `exports-bucket/pinpoint/2026-11-28/${job.Id}/part-0000${p}-of-00004.json.gz`),
    );
    let lines = 0;
    for (const file of files) lines += (await gunzipLines(join(h.dataDir, 's3', file))).length;
    expect(lines).toBe(1000);
    const first = JSON.parse((await gunzipLines(join(h.dataDir, 's3', files[0]!)))[0]!);
    expect(first).toMatchObject({ Id: 'ep-00000000', ApplicationId: DEFAULT_APPLICATION_ID });
    expect(Object.keys(first)).toEqual(
      expect.arrayContaining([
        'ChannelType',
        'Address',
        'Attributes',
        'User',
        'Demographic',
        'Location',
        'EffectiveDate',
      ]),
    );
  });

  it('reports pieces completing progressively while PROCESSING', async () => {
    h = await startHarness({ job: { durationSeconds: 100, pieces: 10 } });
    const created = await h.pinpoint.send(
      new CreateExportJobCommand({ ApplicationId: DEFAULT_APPLICATION_ID, ExportJobRequest: request() }),
    );
    const counts: number[] = [];
    for (let t = 0; t < 100; t += 5) {
      const { ExportJobResponse: job } = await h.pinpoint.send(
        new GetExportJobCommand({
          ApplicationId: DEFAULT_APPLICATION_ID,
          JobId: created.ExportJobResponse!.Id!,
        }),
      );
      if (job!.JobStatus === 'PROCESSING') counts.push(job!.CompletedPieces!);
      h.clock.advance(5000);
    }
    expect(counts.length).toBeGreaterThan(5);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(new Set(counts).size).toBeGreaterThan(3);
    expect(await listFiles(h.dataDir).catch(() => [])).toEqual([]);
  });

  it('counts malformed endpoints as failures and lists the first 100', async () => {
    h = await startHarness({ dataset: { endpoints: 2000, malformedEvery: 10 }, job: { durationSeconds: 1 } });
    const created = await h.pinpoint.send(
      new CreateExportJobCommand({ ApplicationId: DEFAULT_APPLICATION_ID, ExportJobRequest: request() }),
    );
    const { job } = await pollToEnd(h, created.ExportJobResponse!.Id!);

    expect(job).toMatchObject({
      JobStatus: 'COMPLETED',
      TotalProcessed: 2000,
      TotalFailures: 200,
      FailedPieces: 0,
    });
    expect(job.Failures).toHaveLength(100);
    expect(job.Failures![0]).toMatch(/^Endpoint ep-00000009: /);
    let lines = 0;
    for (const file of await listFiles(join(h.dataDir, 's3')))
      lines += (await gunzipLines(join(h.dataDir, 's3', file))).length;
    expect(lines).toBe(1800);
  });

  it('exports only the endpoints of a segment version', async () => {
    h = await startHarness({ dataset: { endpoints: 1000 }, job: { durationSeconds: 1 } });
    const totals: number[] = [];
    for (const version of [1, 3]) {
      const created = await h.pinpoint.send(
        new CreateExportJobCommand({
          ApplicationId: DEFAULT_APPLICATION_ID,
          ExportJobRequest: request({ SegmentId: DEFAULT_SEGMENT_ID, SegmentVersion: version }),
        }),
      );
      totals.push((await pollToEnd(h, created.ExportJobResponse!.Id!)).job.TotalProcessed!);
    }
    expect(totals[0]).toBeGreaterThan(300);
    expect(totals[1]).toBeGreaterThan(totals[0]!);
    expect(totals[1]).toBeLessThan(1000);
  });

  it('lists jobs newest first, page by page with NextToken', async () => {
    h = await startHarness();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const out = await h.pinpoint.send(
        new CreateExportJobCommand({ ApplicationId: DEFAULT_APPLICATION_ID, ExportJobRequest: request() }),
      );
      ids.push(out.ExportJobResponse!.Id!);
      h.clock.advance(1000);
    }
    const listed: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await h.pinpoint.send(
        new GetExportJobsCommand({ ApplicationId: DEFAULT_APPLICATION_ID, PageSize: '2', Token: token }),
      );
      listed.push(...out.ExportJobsResponse!.Item!.map((j) => j.Id!));
      token = out.ExportJobsResponse!.NextToken;
      pages++;
    } while (token && pages < 10);

    expect(pages).toBe(3);
    expect(listed).toEqual([...ids].reverse());
  });

  it('serves applications and seeded segments', async () => {
    h = await startHarness();
    const created = await h.pinpoint.send(
      new CreateAppCommand({ CreateApplicationRequest: { Name: 'second' } }),
    );
    const apps = await h.pinpoint.send(new GetAppsCommand({}));
    const segments = await h.pinpoint.send(new GetSegmentsCommand({ ApplicationId: DEFAULT_APPLICATION_ID }));
    const version = await h.pinpoint.send(
      new GetSegmentVersionCommand({
        ApplicationId: DEFAULT_APPLICATION_ID,
        SegmentId: DEFAULT_SEGMENT_ID,
        Version: '2',
      }),
    );
    await h.pinpoint.send(new DeleteAppCommand({ ApplicationId: created.ApplicationResponse!.Id! }));

    expect(created.$metadata.httpStatusCode).toBe(201);
    expect(created.ApplicationResponse!.Id).toMatch(/^[0-9a-f]{32}$/);
    expect(apps.ApplicationsResponse!.Item!.map((a) => a.Name)).toEqual(['local-emulator', 'second']);
    expect(segments.SegmentsResponse!.Item!.map((s) => [s.Name, s.Id, s.Version])).toEqual([
      ['active-users', DEFAULT_SEGMENT_ID, 3],
      ['dormant-users', segmentIdFor(DEFAULT_APPLICATION_ID, 'dormant-users'), 1],
    ]);
    expect(version.SegmentResponse!.Version).toBe(2);
    expect(h.emu.state.applications.has(created.ApplicationResponse!.Id!)).toBe(false);
  });

  it('produces the same files for the same configuration', async () => {
    const contents: string[][] = [];
    for (let run = 0; run < 2; run++) {
      h = await startHarness({ dataset: { endpoints: 600, malformedEvery: 7 }, job: { durationSeconds: 1 } });
      const created = await h.pinpoint.send(
        new CreateExportJobCommand({ ApplicationId: DEFAULT_APPLICATION_ID, ExportJobRequest: request() }),
      );
      await pollToEnd(h, created.ExportJobResponse!.Id!);
      const root = join(h.dataDir, 's3');
      const files = await listFiles(root);
      contents.push([
        ...files,
        ...(await Promise.all(files.map(async (f) => (await gunzipLines(join(root, f))).join('\n')))),
      ]);
      await h.stop();
      h = undefined;
    }
    expect(contents[0]!.length).toBeGreaterThan(2);
    expect(contents[1]).toEqual(contents[0]);
  });
});

describe('Pinpoint rejections', () => {
  const cases: {
    name: string;
    input: Record<string, unknown>;
    error: string;
    status: number;
    message: RegExp;
  }[] = [
    {
      name: 'a missing RoleArn',
      input: { S3UrlPrefix: 's3://b-1/x/' },
      error: 'BadRequestException',
      status: 400,
      message: /RoleArn/,
    },
    {
      name: 'a missing S3UrlPrefix',
      input: { RoleArn: ROLE_ARN },
      error: 'BadRequestException',
      status: 400,
      message: /S3UrlPrefix/,
    },
    {
      name: 'an S3UrlPrefix that is not s3://bucket/...',
      input: { RoleArn: ROLE_ARN, S3UrlPrefix: 'https://bucket/x/' },
      error: 'BadRequestException',
      status: 400,
      message: /Invalid S3UrlPrefix/,
    },
    {
      name: 'a malformed role ARN',
      input: { RoleArn: 'arn:aws:iam::12:user/bob', S3UrlPrefix: 's3://b-1/x/' },
      error: 'BadRequestException',
      status: 400,
      message: /Invalid RoleArn/,
    },
    {
      name: 'a role Pinpoint cannot assume',
      input: { RoleArn: 'arn:aws:iam::123456789012:role/no-trust-export', S3UrlPrefix: 's3://b-1/x/' },
      error: 'ForbiddenException',
      status: 403,
      message: /^Unable to assume role arn:aws:iam::123456789012:role\/no-trust-export/,
    },
    {
      name: 'an unknown segment',
      input: { RoleArn: ROLE_ARN, S3UrlPrefix: 's3://b-1/x/', SegmentId: 'f'.repeat(32) },
      error: 'NotFoundException',
      status: 404,
      message: /Segment/,
    },
    {
      name: 'an unknown segment version',
      input: {
        RoleArn: ROLE_ARN,
        S3UrlPrefix: 's3://b-1/x/',
        SegmentId: DEFAULT_SEGMENT_ID,
        SegmentVersion: 4,
      },
      error: 'NotFoundException',
      status: 404,
      message: /version 4/,
    },
  ];

  for (const c of cases) {
    it(`rejects ${c.name} with ${c.error}`, async () => {
      h = await startHarness();
      const error = await rejectionOf(
        h.pinpoint.send(
          new CreateExportJobCommand({
            ApplicationId: DEFAULT_APPLICATION_ID,
            ExportJobRequest: c.input as unknown as ExportJobRequest,
          }),
        ),
      );
      expect(error.name).toBe(c.error);
      expect(error.$metadata?.httpStatusCode).toBe(c.status);
      expect(error.message).toMatch(c.message);
      expect(h.emu.state.jobs).toHaveLength(0);
    });
  }

  it('answers NotFoundException for an unknown application and an unknown job', async () => {
    h = await startHarness();
    const app = await rejectionOf(
      h.pinpoint.send(
        new CreateExportJobCommand({ ApplicationId: '0'.repeat(32), ExportJobRequest: request() }),
      ),
    );
    const job = await rejectionOf(
      h.pinpoint.send(new GetExportJobCommand({ ApplicationId: DEFAULT_APPLICATION_ID, JobId: 'nope' })),
    );
    expect([app.name, app.$metadata?.httpStatusCode]).toEqual(['NotFoundException', 404]);
    expect([job.name, job.$metadata?.httpStatusCode, job.message]).toEqual([
      'NotFoundException',
      404,
      'Job not found',
    ]);
  });

  it('answers 405 MethodNotAllowedException for a wrong HTTP method', async () => {
    h = await startHarness();
    const response = await fetch(`${h.emu.url}/v1/apps/${DEFAULT_APPLICATION_ID}/jobs/export`, {
      method: 'PUT',
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('x-amzn-errortype')).toBe('MethodNotAllowedException');
    expect(await response.json()).toMatchObject({
      Message: expect.stringContaining('PUT'),
      RequestID: expect.any(String),
    });
  });

  it('answers 413 PayloadTooLargeException for an oversized body', async () => {
    h = await startHarness();
    const error = await rejectionOf(
      h.pinpoint.send(
        new CreateExportJobCommand({
          ApplicationId: DEFAULT_APPLICATION_ID,
          ExportJobRequest: request({ SegmentId: 'x'.repeat(2 * 1024 * 1024) }),
        }),
      ),
    );
    expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['PayloadTooLargeException', 413]);
  });

  it('answers end-of-support applications with a ForbiddenException that says so', async () => {
    h = await startHarness({ endOfSupportApplications: [DEFAULT_APPLICATION_ID] });
    const error = await rejectionOf(
      h.pinpoint.send(
        new CreateExportJobCommand({ ApplicationId: DEFAULT_APPLICATION_ID, ExportJobRequest: request() }),
      ),
    );
    expect(error.name).toBe('ForbiddenException');
    expect(error.$metadata?.httpStatusCode).toBe(403);
    expect(error.message).toMatch(/end of support on October 30, 2026/);
  });
});
