import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/start.ts';
import { startEmulator } from '../../dev/emulator/index.ts';
import { runLocal } from '../../dev/local/run.ts';
import { LOCAL_TABLE_ITEMS } from '../../dev/local/source-inputs.ts';

/*
 * End to end: the ASL on the local engine, the real handlers, the real AWS SDK
 * over HTTP to the local Pinpoint + SNS emulator. No mocks.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'pinpoint-e2e-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function lines(file: string): number {
  return gunzipSync(readFileSync(file)).toString('utf8').split('\n').filter(Boolean).length;
}

describe('the local run through the HTTP emulator', () => {
  it('exports every endpoint to gzipped NDJSON files and publishes one COMPLETED summary', async () => {
    const result = await runLocal({ dataDir, endpoints: 600, jobDurationSeconds: 2, malformedEvery: 0 });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary?.status).toBe('COMPLETED');
    expect(result.summary?.TotalProcessed).toBe(600);
    expect(result.invocations.CreateExportJob).toBe(1);
    expect(result.invocations.VerifyExport).toBe(1);
    expect(result.invocations.PublishSummary).toBe(1);
    expect(result.summary?.verification).toMatchObject({ verdict: 'VERIFIED', records: 600, expected: 600 });
    expect(result.exportFiles.length).toBeGreaterThan(0);
    expect(result.exportFiles.reduce((sum, file) => sum + lines(file), 0)).toBe(600);
    const message = JSON.parse(readFileSync(result.messageFile as string, 'utf8')) as { Subject?: string };
    expect(message.Subject).toMatch(/COMPLETED/);
  });

  it('counts malformed endpoints as failures and lists them in the summary (within the 1 % limit: COMPLETED)', async () => {
    const result = await runLocal({ dataDir, endpoints: 300, jobDurationSeconds: 2, malformedEvery: 150 });

    expect(result.summary?.status).toBe('COMPLETED');
    expect(result.summary?.TotalFailures).toBe(2);
    expect(result.summary?.exported).toBe(298);
    // The files hold the endpoints that did not fail: TotalProcessed - TotalFailures.
    expect(result.summary?.verification).toMatchObject({ verdict: 'VERIFIED', records: 298, expected: 298 });
    expect(result.summary?.Failures).toHaveLength(2);
    expect(result.emailText).toContain('First failures');
  });

  it("gives a --table the emulator does not have DynamoDB's own 'table not found', and seeds it only when asked, PITR on or off", async () => {
    const missing = await runLocal({ dataDir, source: 'dynamodb', table: 'nopitr' });
    const seededOff = await runLocal({ dataDir, source: 'dynamodb', table: 'nopitr', seed: 'no-pitr' });
    const seededOn = await runLocal({ dataDir, source: 'dynamodb', table: 'seeded', seed: 'pitr' });

    expect(missing.summary?.error?.reason).toBe('table not found');
    expect(seededOff.summary?.error?.reason).toBe('point-in-time recovery not enabled');
    expect(seededOn.summary).toMatchObject({ status: 'COMPLETED', TotalProcessed: LOCAL_TABLE_ITEMS });
  }, 60_000);

  it('recovers from a lost CreateExportJob answer without creating a second job', async () => {
    const result = await runLocal({
      dataDir,
      endpoints: 100,
      jobDurationSeconds: 2,
      faults: [{ kind: 'create-then-500', service: 'pinpoint', operation: 'CreateExportJob', count: 1 }],
    });

    expect(result.summary?.status).toBe('COMPLETED');
    expect(result.summary?.jobReused).toBe(true);
    expect(result.invocations.CreateExportJob).toBe(2);
    expect(result.jobsCreated).toBe(1);
  });

  it('uses the endpoints AWS_ENDPOINT_URL_PINPOINT and AWS_ENDPOINT_URL_SNS name instead of its own emulator', async () => {
    const external = await startEmulator({
      port: 0,
      dataDir,
      dataset: { endpoints: 150 },
      job: { durationSeconds: 2 },
    });
    vi.stubEnv('AWS_ENDPOINT_URL_PINPOINT', external.url);
    vi.stubEnv('AWS_ENDPOINT_URL_SNS', external.url);
    try {
      const result = await runLocal({ dataDir, endpoints: 999 });

      expect(result.jobsCreated).toBeNull();
      expect(external.state.jobs).toHaveLength(1);
      expect(external.state.published).toHaveLength(1);
      expect(result.summary?.status).toBe('COMPLETED');
      expect(result.summary?.TotalProcessed).toBe(150);
      expect(process.env.AWS_ENDPOINT_URL_PINPOINT).toBe(external.url);

      // A later run reads back its own summary, not the topic's latest one from another execution.
      external.faults.add({ kind: 'job-fail', count: 1 });
      const second = await runLocal({ dataDir, executionName: 'local-second-run' });
      const third = await runLocal({ dataDir, executionName: 'local-third-run' });
      expect(second.summary?.execution.name).toBe('local-second-run');
      expect(second.summary?.status).toBe('FAILED');
      expect(third.summary?.execution.name).toBe('local-third-run');
      expect(third.messageFile).not.toBe(second.messageFile);
    } finally {
      vi.unstubAllEnvs();
      await external.close();
    }
  });

  it('npm start exits 0 for a COMPLETED export and 2 for an unknown option', async () => {
    const out: string[] = [];
    const sink = { write: (s: string) => out.push(s) };

    const ok = await main(['--endpoints', '200', '--job-duration', '2', '--data-dir', dataDir], sink, sink);
    const bad = await main(['--bogus'], sink, sink);

    expect(ok).toBe(0);
    expect(out.join('')).toMatch(/COMPLETED/);
    expect(bad).toBe(2);
    expect(out.join('')).toMatch(/unknown option --bogus/);
  });
});
