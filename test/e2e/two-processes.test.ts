import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../dev/emulator/index.ts';

/*
 * One scheduled run started by two separate processes against one running
 * emulator (what two `npm start` do against one `npm run emulator`): nothing is
 * shared between them but the emulator's endpoints, so only the run ledger's
 * conditional claim in the emulator's DynamoDB can keep them to one export job.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const dataDir = mkdtempSync(join(tmpdir(), 'two-processes-'));
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    dataDir,
    dataset: { endpoints: 120 },
    job: { durationSeconds: 2 },
  });
});

afterAll(async () => {
  await emulator.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** `npm start` in a child process (tsx, as the npm script runs it), against the emulator. */
function npmStart(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'cli', 'start.ts'), ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        AWS_ENDPOINT_URL_PINPOINT: emulator.url,
        AWS_ENDPOINT_URL_SNS: emulator.url,
        AWS_ENDPOINT_URL_DYNAMODB: emulator.url,
        RUN_LEDGER_TABLE: emulator.ledgerTable,
        CI: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), 90_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, out });
    });
  });
}

describe('two npm start processes, one scheduled run, one emulator', () => {
  it('creates one export job; both runs COMPLETE and report it', async () => {
    const scheduledTime = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
    const args = ['--scheduled-time', scheduledTime, '--data-dir', dataDir];

    const [a, b] = await Promise.all([npmStart(args), npmStart(args)]);

    expect([a.code, b.code], `${a.out}\n---\n${b.out}`).toEqual([0, 0]);
    expect(emulator.state.count('CreateExportJob')).toBe(1);
    expect(emulator.state.jobs).toHaveLength(1);
    const jobId = emulator.state.jobs[0]?.id;
    for (const run of [a, b]) expect(run.out).toContain(`job          ${jobId} COMPLETED`);
    // The second process found the run claimed and waited for the first to record the job.
    expect(emulator.state.count('PutItem')).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
