import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_APPLICATION_ID } from '../../dev/emulator/index.ts';
import { runLocal } from '../../dev/local/run.ts';
import { harness } from './harness.ts';

/*
 * --local end to end: the CLI, the local engine running the deployed ASL file,
 * the real handlers and the local Pinpoint + SNS emulator over HTTP. No AWS.
 */

const sfn = mockClient(SFNClient);
const dataDir = mkdtempSync(join(tmpdir(), 'cli-local-'));

beforeEach(() => {
  sfn.reset();
  vi.unstubAllEnvs();
  // runLocal starts its own emulator unless both of these name one.
  vi.stubEnv('AWS_ENDPOINT_URL_PINPOINT', '');
  vi.stubEnv('AWS_ENDPOINT_URL_SNS', '');
});

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

function localHarness() {
  return harness({
    now: () => new Date(),
    // The only change to the real local run: its files go to a temporary folder.
    runLocal: (options) => runLocal({ ...options, dataDir }),
  });
}

describe('--local', () => {
  it('runs a manual export through the local emulator and exits 0 when it COMPLETED', async () => {
    // Arrange
    const cli = localHarness();

    // Act
    const code = await cli.run([
      '--local',
      '--wait',
      '--application-id',
      DEFAULT_APPLICATION_ID,
      '--job-duration',
      '2',
      '--endpoints',
      '500',
    ]);

    // Assert
    const out = cli.stdout();
    expect(code).toBe(0);
    expect(out).toMatch(
      /Local run: emulator \(Pinpoint, Customer Profiles, DynamoDB, SNS, S3\) at http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(out).toMatch(/job CREATED +export job \w+ created/);
    expect(out).toMatch(/job COMPLETED +\d+\/\d+ pieces, 500 endpoints/);
    expect(out).toMatch(/summary COMPLETED/);
    expect(out).toMatch(/execution SUCCEEDED/);
    expect(out).toMatch(/manual-\d{8}T\d{6}Z-all-k3f9 {2}COMPLETED/);
    expect(out).toContain(`s3://local-exports/pinpoint/${DEFAULT_APPLICATION_ID}/`);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('exits 1 and reports FAILED as JSON when the emulated job fails', async () => {
    // Arrange
    const cli = localHarness();

    // Act
    const code = await cli.run([
      '--local',
      '--json',
      '--application-id',
      DEFAULT_APPLICATION_ID,
      '--job-duration',
      '2',
      '--endpoints',
      '500',
      '--fault',
      'fail-job',
    ]);

    // Assert
    expect(code).toBe(1);
    const doc = JSON.parse(cli.stdout());
    expect(doc).toMatchObject({
      command: 'start',
      mode: 'local',
      following: 'finished',
      exitCode: 1,
      input: { ApplicationId: DEFAULT_APPLICATION_ID },
      run: {
        trigger: 'manual',
        status: 'FAILED',
        outcome: 'FAILED',
        consoleUrl: null,
        job: { status: 'FAILED' },
        summary: { status: 'FAILED' },
        error: { error: 'ExportJobFailed' },
      },
    });
    expect(doc.run.name).toMatch(/^manual-\d{8}T\d{6}Z-all-k3f9$/);
    expect(doc.local.messageFile).toContain(dataDir);
  });
});
