import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { exportIdOf } from '../../sources/dynamodb/describe.ts';
import { registeredSourceIds } from '../../sources/registry.ts';

/*
 * `npm start -- --source …` as a person types it: a real child process (npm, then tsx),
 * its own emulator, the workflow to the end. What it prints is held against what the
 * emulator wrote into its S3 folder (the lines of the snapshot's or the export's files),
 * never against numbers copied from an earlier output.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh data folder per run: no ledger or files of another run to compare against or count. */
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sources-npm-start-'));
  dirs.push(dir);
  return dir;
}

interface Exit {
  code: number | null;
  out: string;
  err: string;
}

function npmStart(args: string[]): Promise<Exit> {
  return new Promise((done, fail) => {
    const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
    // The built-in emulator, whatever the shell running the tests points at.
    delete env.AWS_ENDPOINT_URL_PINPOINT;
    delete env.AWS_ENDPOINT_URL_SNS;
    delete env.AWS_ENDPOINT_URL_DYNAMODB;
    const child = spawn('npm', ['start', '--silent', '--', ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), 60_000);
    child.on('error', fail);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, out, err });
    });
  });
}

/** A labelled line of the run's report (`  job          <id> COMPLETED`). */
function field(out: string, label: string): string {
  const line = new RegExp(`^ {2}${label} +(.+)$`, 'm').exec(out)?.[1];
  if (line === undefined) throw new Error(`no "${label}" line in:\n${out}`);
  return line;
}

/** The emulator's S3 folder of an s3:// URL. */
function folderOf(dir: string, url: string): string {
  return join(dir, 's3', url.replace(/^s3:\/\//, ''));
}

/** Counts as the CLI prints them (1,200). */
const shown = (n: number) => n.toLocaleString('en-US');

/** The JSON lines of a DynamoDB export's data files, as its manifest-files.json lists them. */
function exportLines(
  dir: string,
  prefixUrl: string,
  exportArn: string,
): { OldImage?: unknown; NewImage?: unknown }[] {
  const bucket = /^s3:\/\/([^/]+)\//.exec(prefixUrl)?.[1] ?? '';
  const manifest = join(
    folderOf(dir, prefixUrl),
    'AWSDynamoDB',
    exportIdOf(exportArn),
    'manifest-files.json',
  );
  return readFileSync(manifest, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((entry) => {
      const { dataFileS3Key } = JSON.parse(entry) as { dataFileS3Key: string };
      return gunzipSync(readFileSync(join(dir, 's3', bucket, dataFileS3Key)))
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { OldImage?: unknown; NewImage?: unknown });
    });
}

describe('npm start -- --source, in a child process', () => {
  it('customer-profiles: exits 0 and prints COMPLETED with the profiles the snapshot wrote', async () => {
    const dir = dataDir();

    const run = await npmStart(['--source', 'customer-profiles', '--data-dir', dir]);

    expect(run.code, run.out + run.err).toBe(0);
    expect(run.out).toMatch(/^manual-\S+-vip-customers-\w+ {2}COMPLETED$/m);
    const snapshotId = /^(\w+) COMPLETED$/.exec(field(run.out, 'job'))?.[1] ?? '';
    const folder = folderOf(dir, field(run.out, 'exported to'));
    const parts = readdirSync(folder).filter((name) => name.startsWith(`${snapshotId}_part-`));
    expect(parts.length).toBeGreaterThan(0);
    const profiles = parts
      .map((name) => readFileSync(join(folder, name), 'utf8').split('\n').filter(Boolean).length)
      .reduce((a, b) => a + b, 0);
    expect(profiles).toBeGreaterThan(0);
    expect(field(run.out, 'progress')).toBe(`COMPLETED, ${shown(profiles)} profiles`);
    expect(field(run.out, 'verified')).toMatch(
      new RegExp(`^COUNTED, ${shown(profiles)} records in ${parts.length} files?$`),
    );
    expect(field(run.out, 'summary')).toMatch(/Customer Profiles export COMPLETED segment vip-customers/);
  }, 60_000);

  it('dynamodb: exits 0 with every item of the table exported and VERIFIED', async () => {
    const dir = dataDir();

    const run = await npmStart(['--source', 'dynamodb', '--data-dir', dir]);

    expect(run.code, run.out + run.err).toBe(0);
    expect(run.out).toMatch(/^manual-\S+-local-orders-\w+ {2}COMPLETED$/m);
    const exportArn = /^(\S+) COMPLETED$/.exec(field(run.out, 'job'))?.[1] ?? '';
    const items = exportLines(dir, field(run.out, 'exported to'), exportArn).length;
    expect(items).toBeGreaterThan(0);
    expect(field(run.out, 'progress')).toBe(`COMPLETED, ${shown(items)} items`);
    expect(field(run.out, 'verified')).toMatch(
      new RegExp(`^VERIFIED, ${shown(items)} records of ${shown(items)} reported in \\d+ files?$`),
    );
  }, 60_000);

  it('dynamodb --incremental: exits 0, prints the full first run, then the changed items', async () => {
    const dir = dataDir();

    const run = await npmStart(['--source', 'dynamodb', '--incremental', '--data-dir', dir]);

    expect(run.code, run.out + run.err).toBe(0);
    const first =
      /^First run (\S+-full): Exported ([\d,]+) items \(table local-orders \(incremental\)\) to (s3:\/\/\S+\/)[,;].*verified: ([\d,]+) records/m.exec(
        run.out,
      );
    expect(first, run.out).not.toBeNull();
    // The first run's export is the only one under its prefix.
    const firstFolder = join(folderOf(dir, first?.[3] ?? ''), 'AWSDynamoDB');
    const firstExports = readdirSync(firstFolder).filter((name) => name !== 'data');
    expect(firstExports).toHaveLength(1);
    const fullItems = exportLines(dir, first?.[3] ?? '', `export/${firstExports[0]}`).length;
    expect(first?.[2]).toBe(shown(fullItems));
    expect(first?.[4]).toBe(shown(fullItems));

    // The incremental run: exactly the changed items, each with the images its change leaves.
    const exportArn = /^(\S+) COMPLETED$/.exec(field(run.out, 'job'))?.[1] ?? '';
    const lines = exportLines(dir, field(run.out, 'exported to'), exportArn);
    const added = lines.filter((l) => l.NewImage && !l.OldImage).length;
    const updated = lines.filter((l) => l.NewImage && l.OldImage).length;
    const deleted = lines.filter((l) => !l.NewImage && l.OldImage).length;
    expect({ added, updated, deleted }).toEqual({ added: 5, updated: 3, deleted: 2 });
    expect(run.out).toContain(
      `Then changed in the table: ${added} items added, ${updated} updated, ${deleted} deleted; the incremental run exports exactly those.`,
    );
    expect(run.out).toMatch(/^manual-\S+-local-orders-\w+ {2}COMPLETED$/m);
    expect(field(run.out, 'progress')).toBe(`COMPLETED, ${shown(lines.length)} items`);
    expect(field(run.out, 'summary')).toContain(`(incremental): ${lines.length} exported`);

    // Both of the demo's runs are in the data folder's run ledger: `history --local` shows them,
    // and a second demo replaces the first one's runs of its target (their table is gone).
    const history = async () => {
      const { main } = await import('../../cli/main.ts');
      const { realDeps } = await import('../../cli/deps.ts');
      const out: string[] = [];
      const writer = { write: (text: string) => out.push(text) };
      await main(['history', '--local', '--data-dir', dir, '--json'], {
        ...realDeps(),
        stdout: writer,
        stderr: writer,
      });
      return (JSON.parse(out.join('')) as { runs: { outcome: string; execution: string }[] }).runs;
    };
    const runs = await history();
    expect(runs.map((r) => r.outcome)).toEqual(['COMPLETED', 'COMPLETED']);
    expect(runs.map((r) => r.execution).sort()).toEqual(
      [first?.[1], /^(manual-\S+) {2}COMPLETED$/m.exec(run.out)?.[1]].sort(),
    );
  }, 60_000);

  it('exits 2 for options that do not fit the source, naming the option, before anything runs', async () => {
    const [unknown, domain, application] = await Promise.all([
      npmStart(['--source', 'nope']),
      npmStart(['--domain', 'x']),
      npmStart(['--source', 'dynamodb', '--application-id', 'a1b2c3d4e5f60718293a4b5c6d7e8f90']),
    ]);

    for (const run of [unknown, domain, application]) {
      expect(run.code, run.out + run.err).toBe(2);
      expect(run.out).toBe('');
      expect(run.err.trim().split('\n')).toHaveLength(1);
    }
    expect(unknown.err).toMatch(/^error: --source must be one of /);
    for (const id of registeredSourceIds()) expect(unknown.err).toContain(id);
    expect(unknown.err).toContain('"nope"');
    expect(domain.err).toMatch(/^error: --domain only applies with --source customer-profiles/);
    expect(application.err).toMatch(/^error: --application-id only applies with --source pinpoint/);
  }, 60_000);
});
