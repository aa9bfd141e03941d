import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_APPLICATION_ID, DEFAULT_TOPIC_ARN } from '../../dev/emulator/index.ts';

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

describe('emulator CLI', () => {
  it('explains its options, an example and how to point clients at it', () => {
    const out = spawnSync(tsx, [cli, '--help'], { encoding: 'utf8', timeout: 20_000 });

    expect(out.status).toBe(0);
    for (const text of [
      '--port',
      '--data-dir',
      '--endpoints',
      '--malformed-every',
      '--job-duration',
      'aws --endpoint-url http://127.0.0.1:4566 pinpoint get-export-jobs',
      'AWS_ENDPOINT_URL_PINPOINT',
      'AWS_ENDPOINT_URL_SNS',
      'no-trust',
    ]) {
      expect(out.stdout).toContain(text);
    }
  });

  it('rejects an unknown option with one line and exit code 2', () => {
    const out = spawnSync(tsx, [cli, '--prot', '4566'], { encoding: 'utf8', timeout: 20_000 });

    expect(out.status).toBe(2);
    expect(out.stderr.trim().split('\n')).toEqual([expect.stringContaining('unknown option --prot')]);
  });

  it.each([
    ['--port', '70000', '--port must be a whole number from 0 to 65,535, got "70000"'],
    ['--endpoints', '2.5', '--endpoints must be a whole number from 1 to 1,000,000, got "2.5"'],
    ['--job-duration', '1e3', '--job-duration must be a whole number from 0 to 3,600, got "1e3"'],
  ])('refuses %s %s with the same message as npm start and exit code 2', (option, value, message) => {
    const out = spawnSync(tsx, [cli, option, value], { encoding: 'utf8', timeout: 20_000 });

    expect(out.status).toBe(2);
    expect(out.stderr.trim()).toBe(`emulator: ${message} (see --help)`);
  });

  it('shows the AWS CLI line with the dummy credentials and region a fresh machine needs', () => {
    const out = spawnSync(tsx, [cli, '--help'], { encoding: 'utf8', timeout: 20_000 });

    expect(out.stdout).toContain(
      'export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1',
    );
  });

  it('serves requests, prints the url, app id and topic ARN, and logs each request on one line', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'emulator-cli-'));
    child = spawn(tsx, [cli, '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`no url printed within 20 s:\n${output}`)), 20_000);
      child!.stdout!.on('data', () => {
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolveUrl(match[1]!);
        }
      });
    });

    const response = await fetch(`${url}/v1/apps/${DEFAULT_APPLICATION_ID}/jobs/export`);
    for (let i = 0; i < 50 && !output.includes('GetExportJobs'); i++)
      await new Promise((r) => setTimeout(r, 100));

    expect(response.status).toBe(200);
    expect(output).toContain(DEFAULT_APPLICATION_ID);
    expect(output).toContain(DEFAULT_TOPIC_ARN);
    expect(output).toMatch(/pinpoint GetExportJobs GET \/v1\/apps\/\w+\/jobs\/export -> 200 \(\d+ ms\)\n/);

    // Removing a fault that does not exist: 404 with an error, not {"removed": …}.
    const missing = await fetch(`${url}/_emulator/faults?id=nope`, { method: 'DELETE' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: expect.stringContaining('no fault with id nope') });
  }, 30_000);
});
