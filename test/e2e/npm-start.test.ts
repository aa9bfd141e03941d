import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { realDeps } from '../../cli/deps.ts';
import { main as cli } from '../../cli/main.ts';
import { main } from '../../cli/start.ts';
import { type Emulator, startEmulator } from '../../dev/emulator/index.ts';

/*
 * `npm start`'s exit status for every outcome, and what its text says about
 * runs that did not complete. The real local run: the ASL on the local engine,
 * the real handlers, HTTP to the emulator. The status comes from the
 * workflow's own result, so it must not change when the endpoints are not our
 * emulator (a proxy that hides the emulator's control API stands for LocalStack).
 */

const dataDir = mkdtempSync(join(tmpdir(), 'npm-start-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

beforeEach(() => {
  vi.unstubAllEnvs();
  vi.stubEnv('AWS_ENDPOINT_URL_PINPOINT', '');
  vi.stubEnv('AWS_ENDPOINT_URL_SNS', '');
  vi.stubEnv('SUMMARY_TOPIC_ARN', undefined);
});
afterEach(() => vi.unstubAllEnvs());

const FAST = ['--endpoints', '120', '--job-duration', '1', '--data-dir', dataDir];

async function npmStart(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { write: (s: string) => out.push(s) }, { write: (s: string) => err.push(s) });
  return { code, out: out.join(''), err: err.join('') };
}

/** An HTTP proxy to the emulator that answers 404 on its control API: to the run, just some AWS-like endpoint. */
async function withoutControlApi(target: Emulator): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if ((req.url ?? '').startsWith('/_emulator')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
      return;
    }
    const forward = request(
      `${target.url}${req.url ?? '/'}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('npm start exit status, with the built-in emulator', () => {
  it('exits 0 when the export COMPLETED', async () => {
    const run = await npmStart(...FAST);

    expect(run.code).toBe(0);
    expect(run.out).toMatch(/manual-\d{8}T\d{6}Z-all-\w{4} {2}COMPLETED/);
    // The records in the files, not only Pinpoint's TotalProcessed.
    expect(run.out).toMatch(/files +1 file, 120 records/);
    // What the run's metrics would put in CloudWatch, in one line; the EMF lines themselves only with --logs.
    expect(run.out).toMatch(
      /metrics +StatusChecks \d+ · RecordsExported 120 · Failures 0 · JobDurationSeconds \d+/,
    );
    expect(run.out).not.toContain('"_aws"');
  });

  it("prints the verification (VERIFIED, counts equal to the files' lines) and the manifest's location", async () => {
    const run = await npmStart(...FAST);

    expect(run.out).toMatch(/verify VERIFIED +120 records of 120 reported in 1 file/);
    expect(run.out).toMatch(/verified +VERIFIED, 120 records of 120 reported in 1 file/);
    const manifestUri = /^ {2}manifest +(s3:\/\/\S+)$/m.exec(run.out)?.[1] ?? '';
    expect(manifestUri).toMatch(/^s3:\/\/local-exports\/pinpoint\/.+\/[0-9a-f]{32}\/_manifest\.json$/);
    const file = join(dataDir, 's3', manifestUri.slice('s3://'.length));
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as {
      totals: { records: number };
      comparison: { verdict: string };
    };
    expect(manifest).toMatchObject({ totals: { records: 120 }, comparison: { verdict: 'VERIFIED' } });
  });

  it('exits 1 with a MISMATCH summary when the files hold fewer records than the job reported (--fault truncate-export)', async () => {
    const run = await npmStart(...FAST, '--fault', 'truncate-export');

    expect(run.code).toBe(1);
    expect(run.out).toMatch(/manual-\S+ {2}MISMATCH$/m);
    expect(run.out).toMatch(
      /summary +\[local\] Pinpoint export MISMATCH all endpoints of a1b2c3d4\S*: 60 of 120 records in S3/,
    );
    expect(run.out).toMatch(/headline +MISMATCH: The Pinpoint export [0-9a-f]{32} .* 60 missing\./);
    expect(run.out).toMatch(/error +ExportVerificationMismatch/);
  });

  it('records the run, so status --local and list --local show it after the process ended', async () => {
    const run = await npmStart(...FAST, '--fault', 'fail-job');
    const name = /^(manual-\S+) {2}FAILED$/m.exec(run.out)?.[1] ?? '';
    const arn = /^ {2}arn +(\S+)$/m.exec(run.out)?.[1] ?? '';
    const out: string[] = [];
    const deps = { ...realDeps(), stdout: { write: (s: string) => out.push(s) }, isTTY: false };

    const byName = await cli(['status', '--local', name, '--data-dir', dataDir], deps);
    const byArn = await cli(['status', '--local', arn, '--data-dir', dataDir, '--json'], deps);
    const listed = await cli(['list', '--local', '--data-dir', dataDir], deps);
    const missing = await cli(['status', '--local', 'manual-nope', '--data-dir', dataDir], {
      ...deps,
      stderr: { write: (s: string) => out.push(s) },
    });

    expect([byName, byArn, listed, missing]).toEqual([1, 1, 0, 4]);
    const text = out.join('');
    expect(text).toContain(`${name}  FAILED`);
    expect(text).toMatch(/headline +The Pinpoint export \w+ .*FAILED/);
    expect(text).toMatch(new RegExp(`^${name} +manual +.* FAILED$`, 'm'));
    expect(text).toContain('no local run manual-nope');
  });

  it('exits 1 when the job FAILED, printing the headline', async () => {
    const run = await npmStart(...FAST, '--fault', 'fail-job');

    expect(run.code).toBe(1);
    expect(run.out).toMatch(/ {2}FAILED\n/);
    expect(run.out).toMatch(
      /headline +The Pinpoint export \w+ of all endpoints of a1b2c3d4e5f60718293a4b5c6d7e8f90 .*FAILED/,
    );
  });

  it('exits 1 when the run TIMED_OUT, printing the headline', async () => {
    const run = await npmStart(...FAST, '--fault', 'stuck-job', '--deadline', '2');

    expect(run.code).toBe(1);
    expect(run.out).toMatch(/ {2}TIMED_OUT\n/);
    expect(run.out).toMatch(/headline +The Pinpoint export \w+ .*did not finish in time/);
  });

  it('exits 1 for an ERROR and says why and what to do, in the words subscribers get', async () => {
    const run = await npmStart(...FAST, '--application-id', 'ffffffffffffffffffffffffffffffff');

    expect(run.code).toBe(1);
    expect(run.out).toMatch(/ {2}ERROR\n/);
    // Pinpoint's own message, in the summary's headline.
    expect(run.out).toMatch(
      /headline +The Pinpoint export of all endpoints of ffffffffffffffffffffffffffffffff .*not found/i,
    );
    expect(run.out).toMatch(/what to do +\S.{20,}/);
  });

  it("says Pinpoint's end of support is the cause, with the advice to disable the schedule", async () => {
    const run = await npmStart(...FAST, '--fault', 'end-of-support');

    expect(run.code).toBe(1);
    expect(run.out).toMatch(/what to do +.*end of support.*disable this schedule/i);
  });

  it('exits 1 when no summary could be published, and says so instead of guessing', async () => {
    vi.stubEnv('SUMMARY_TOPIC_ARN', 'arn:aws:sns:us-east-1:000000000000:no-such-topic');

    const run = await npmStart(...FAST);

    expect(run.code).toBe(1);
    expect(run.out).toMatch(/summary +no summary was published \(Sns\w+Error: .*\)/);
    expect(run.out).not.toMatch(/summary +\[local\]/);
  });

  it('exits 2 for bad options, naming the option, before anything runs', async () => {
    for (const argv of [
      ['--deadline', '0.5'],
      ['--endpoints', '1e12'],
      ['--endpoints', '2.5'],
      ['--endpoints=-3'],
      ['--job-duration', 'soon'],
      ['--bogus'],
    ]) {
      const run = await npmStart(...argv);

      expect(run.code, argv.join(' ')).toBe(2);
      expect(run.err.trim().split('\n'), argv.join(' ')).toEqual([
        expect.stringMatching(/^error: .*--(deadline|endpoints|job-duration|bogus)/),
      ]);
      expect(run.out).toBe('');
    }
  });
});

describe('npm start exit status, against endpoints that are not our emulator', () => {
  let emulator: Emulator;
  let proxy: { url: string; server: Server };
  beforeEach(async () => {
    emulator = await startEmulator({
      port: 0,
      dataDir,
      dataset: { endpoints: 120 },
      job: { durationSeconds: 1 },
    });
    proxy = await withoutControlApi(emulator);
    vi.stubEnv('AWS_ENDPOINT_URL_PINPOINT', proxy.url);
    vi.stubEnv('AWS_ENDPOINT_URL_SNS', proxy.url);
  });
  afterEach(async () => {
    proxy.server.close();
    proxy.server.closeAllConnections();
    await emulator.close();
  });

  it('exits 0 for a COMPLETED export although no summary can be read back, and says so', async () => {
    const run = await npmStart('--data-dir', dataDir);

    expect(emulator.state.published).toHaveLength(1);
    expect(run.code).toBe(0);
    expect(run.out).toContain(`Pinpoint and SNS at ${proxy.url}`);
    expect(run.out).toMatch(
      /note +the summary cannot be read back from .* the outcome above is the workflow's own/,
    );
    // PublishSummary's own result carries the headline and the verdict: shown although the message is not.
    expect(run.out).toMatch(/^ {2}headline +Exported 120 endpoints .*; verified: 120 records in 1 file\.$/m);
    expect(run.out).toMatch(/^ {2}verified +VERIFIED/m);
  });

  it('exits 1 for a FAILED job, with the headline from the workflow itself', async () => {
    emulator.faults.add({ kind: 'job-fail', count: 1 });

    const run = await npmStart('--data-dir', dataDir);

    expect(run.code).toBe(1);
    expect(run.out).toMatch(/headline +The Pinpoint export \w+ .*FAILED/);
  });

  it('names both endpoints when Pinpoint and SNS are at different URLs', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_PINPOINT', emulator.url);

    const run = await npmStart('--data-dir', dataDir);

    expect(run.code).toBe(0);
    expect(run.out).toContain(`Pinpoint at ${emulator.url}, SNS at ${proxy.url}`);
  });

  it('exits 1 for an ERROR, with the headline and the advice', async () => {
    const run = await npmStart('--data-dir', dataDir, '--application-id', 'ffffffffffffffffffffffffffffffff');

    expect(run.code).toBe(1);
    expect(run.out).toMatch(
      /headline +The Pinpoint export of all endpoints of ffffffffffffffffffffffffffffffff .*not found/i,
    );
    expect(run.out).toMatch(/what to do +\S/);
  });
});
